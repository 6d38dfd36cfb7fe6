"""The regions on the shown page and the task each is read with: keys 1-4, the whole-page region, the
extraction template; the layout model's blocks placed as regions, and the region menu (task or picture,
layout label, reading order, merge). Region edits are saved through the persistence as they happen.

A page's list of regions is its reading order: the number drawn on a region is its place in that list.

Every edit (draw, move, resize, delete, retask, relabel, merge, reorder, detect) is a command on the
document's undo stack (:mod:`.undo`). The task rule: the toolbar's task is the task for new regions;
picking one with regions selected also sets exactly those regions' task. Selecting a region never
changes it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QActionGroup, QUndoCommand
from PySide6.QtWidgets import QMenu, QWidget

from glmocr_desktop.core.regions import PICTURE, READ, Region, TaskRegion
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.controllers.actions import Actions
from glmocr_desktop.gui.controllers.documents import DocState, Documents
from glmocr_desktop.gui.controllers.persistence import Persistence
from glmocr_desktop.gui.controllers.undo import (
    RegionEdit,
    Snapshot,
    UndoStacks,
    changed_specs,
    describe,
    restore,
    snapshot,
)
from glmocr_desktop.gui.page_view import PageView
from glmocr_desktop.gui.task_names import task_name

#: What a region can be made in its menu: read with one of these tasks, or kept as a picture.
MENU_TASKS = (Task.TEXT, Task.TABLE, Task.FORMULA)
#: The layout label a labelled region takes when its task changes to one its label does not read with.
PLAIN_LABELS = {Task.TEXT: "text", Task.TABLE: "table", Task.FORMULA: "display_formula", PICTURE: "image"}


def label_choice(label: str) -> Task | str:
    """What a layout label is read as: a Task, or PICTURE (core.layout's own mapping)."""
    from glmocr_desktop.core.layout import LayoutBlock, kind_of  # numpy: on first use, not at start-up

    task = LayoutBlock(Region(0, 0, 1, 1), label, kind_of(label), 1.0, 0).task
    return PICTURE if task is None else task


class KeyEdit(RegionEdit):
    """A move or resize of the selected regions from the keyboard. The presses of one sequence (the same
    kind of edit of the same regions, with no other edit or change of selection between) are one command,
    so one Undo takes back a whole nudge."""

    ID = 0x4E5

    def __init__(self, text: str, apply: Callable[[Snapshot, Snapshot], None], before: Snapshot,
                 after: Snapshot, key: tuple) -> None:  # fmt: skip
        super().__init__(text, apply, before, after)
        self.key = key

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, KeyEdit) or other.key != self.key:
            return False
        self.after = other.after
        self.setObsolete(self.after == self.before)  # moved back to where it was: nothing to undo
        return True


def specs_from_blocks(blocks: Iterable[Any], keep_abandoned: bool = False) -> list[TaskRegion]:
    """The blocks in reading order; page furniture (headers, footers, numbers...) only when kept."""
    from glmocr_desktop.core.layout import ABANDONED

    ordered = sorted(blocks, key=lambda b: b.order)
    return [TaskRegion.from_block(b) for b in ordered if keep_abandoned or b.label != ABANDONED]


class Regions(QObject):
    changed = Signal()  # regions or the selection changed (actions may change state)
    status = Signal(str)
    page_wanted = Signal(int)  # an undo or redo changed a page of the current document not shown

    def __init__(self, view: PageView, actions: Actions, documents: Documents, persistence: Persistence,
                 settings: Callable[[], Settings], save_settings: Callable[[], None],
                 dialog_parent: QWidget, undo: UndoStacks | None = None) -> None:  # fmt: skip
        super().__init__(dialog_parent)
        self.view, self.actions, self.documents, self.persistence = view, actions, documents, persistence
        self._settings, self._save_settings, self._parent = settings, save_settings, dialog_parent
        self.undo = undo if undo is not None else UndoStacks(self)
        self.menu: QMenu | None = None  # the region menu last shown
        self._shown: tuple[DocState, int, Snapshot] | None = None  # the shown page's regions before an edit
        self._next_text = ""  # what the next edit in the view is called, when the controller knows better
        self._key_sequence = 0  # a new selection (or page) starts a new sequence of key moves
        view.regions_changed.connect(self._on_view_edit)
        view.selection_changed.connect(self._on_selection)
        view.region_menu_requested.connect(self.show_menu)
        actions.task_chosen.connect(self.choose_task)

    def current_task(self) -> Task:
        return self.actions.current_task()

    def set_task(self, task: Task) -> None:
        """The task for new regions, without touching existing ones."""
        self.actions.show_task(task)
        self.view.new_task = task

    @Slot(object)
    def choose_task(self, task: Task) -> None:
        """The task for new regions; with regions selected, exactly those are read with it too (one
        command to undo). Keys 1-4 and the toolbar's task buttons."""
        self.set_task(task)
        self._settings().task = task.value
        st, specs = self._specs()
        selected = [s for s in self.view.selected_specs() if s in specs]
        if st is None or not selected:
            self.status.emit(self.tr("New regions: {0}").format(task_name(task)))
            return
        self.set_choice(selected, task)
        if len(selected) == 1:
            text = self.tr("Region {0} read as {1} · New regions: {1}").format(specs.index(selected[0]) + 1,
                                                                              task_name(task))  # fmt: skip
        else:
            text = self.tr("{0} regions read as {1} · New regions: {1}").format(len(selected), task_name(task))
        self.status.emit(text)

    def add_whole_page(self) -> None:
        if self.documents.current is None:
            return
        self._next_text = self.tr("Add Whole-Page Region")
        self.view.add_region(Region(0.0, 0.0, 1.0, 1.0), self.current_task())

    def delete_selected(self) -> int:
        """Delete the selected regions of the page (Del on the page); Undo brings them back."""
        n = self.view.delete_selected()
        if n == 1:
            self.status.emit(self.tr("Deleted 1 region from the page (Undo brings it back)"))
        elif n:
            self.status.emit(self.tr("Deleted {0} regions from the page (Undo brings them back)").format(n))
        return n

    def _fill_templates(self, specs: Iterable[TaskRegion]) -> None:
        for spec in specs:
            if spec.task is Task.EXTRACT and spec.template is None:
                spec.template = self.template()

    @Slot()
    def _on_view_edit(self) -> None:
        """A region was drawn, moved, resized or deleted in the view (which changed it already), with the
        mouse or the keys."""
        st, specs = self._specs()
        text, self._next_text = self._next_text, ""
        if st is None:
            return
        key_edit = self.view.key_edit
        if key_edit == "add":
            text = self.tr("Add Region")
        shown = self._shown
        before = shown[2] if shown is not None and shown[0] is st and shown[1] == st.page else None
        self._fill_templates(specs)
        if before is None:  # not known: saved, but nothing to undo to
            self._saved(st, st.page)
            self.changed.emit()
            return
        merge = None
        if key_edit in ("move", "resize"):
            merge = (key_edit, id(st), st.page, self._key_sequence, frozenset(id(s) for s in self.view.selected_specs()))
        self._record(st, st.page, before, text or describe(before, snapshot(specs)), merge)
        if key_edit:
            self._announce_selected(specs)
        self.changed.emit()

    def _announce_selected(self, specs: list[TaskRegion]) -> None:
        """After a keyboard edit: where the selected region now is, in the status bar."""
        selected = [s for s in self.view.selected_specs() if s in specs]
        if len(selected) != 1:
            return
        r = selected[0].region
        text = self.tr("Region {0}: {1} % from the left, {2} % from the top, {3} % wide, {4} % high").format(
            specs.index(selected[0]) + 1, round(r.x0 * 100), round(r.y0 * 100), round(r.width * 100),
            round(r.height * 100))  # fmt: skip
        self.status.emit(text)
        self.view.announce(text)

    def page_shown(self) -> None:
        """The window showed the current page: its regions now are where the next edit starts from."""
        st = self.documents.current
        self._shown = (st, st.page, snapshot(st.regions.get(st.page, []))) if st is not None else None
        self._key_sequence += 1

    def _record(self, st: DocState, page: int, before: Snapshot, text: str, merge: tuple | None = None) -> None:
        """An edit of ``page``'s regions made: saved, and a command on the document's undo stack (merged
        with the one before when both have the same ``merge`` key: a sequence of key presses)."""
        after = snapshot(st.regions.get(page, []))
        if after != before:
            apply = functools.partial(self._apply, st, page)
            command = (RegionEdit(text, apply, before, after) if merge is None else
                       KeyEdit(text, apply, before, after, merge))  # fmt: skip
            self.undo.push(command, st)
        self._saved(st, page)

    def _saved(self, st: DocState, page: int) -> None:
        if st is self.documents.current and page == st.page:
            self._shown = (st, page, snapshot(st.regions.get(page, [])))
            self.persistence.save_regions(st)
        else:
            self.persistence.save_page_regions(st, page)

    def _apply(self, st: DocState, page: int, snap: Snapshot, other: Snapshot) -> None:
        """Undo or redo: the page's regions as ``snap`` has them, shown with what came back selected."""
        restore(st.regions.setdefault(page, []), snap)
        current = st is self.documents.current
        if current and page != st.page:
            self.page_wanted.emit(page)  # the window turns to it (and the view shows the restored list)
        if current and page == st.page:
            self.view.refresh_regions()
            back = changed_specs(snap, other)
            self.view.scene().clearSelection()
            for item in self.view.region_items():
                item.setSelected(item.spec in back)
        self._saved(st, page)
        self.changed.emit()

    @Slot()
    def _on_selection(self) -> None:
        self._key_sequence += 1
        _st, specs = self._specs()
        selected = self.view.selected_specs()
        if len(selected) == 1 and selected[0] in specs:
            spec = selected[0]
            n, new = specs.index(spec) + 1, task_name(self.current_task())
            if spec.is_picture:
                text = self.tr("Region {0}: a picture (kept, not read) · New regions: {1}").format(n, new)
            else:
                text = self.tr("Region {0}: read as {1} · New regions: {2}").format(n, task_name(spec.task), new)
            self.status.emit(text)
            self.view.announce(text)
        self.changed.emit()

    # --- the layout's regions ---------------------------------------------------------------------
    def place_layout(self, st: DocState, page: int, blocks: Sequence[Any], keep_abandoned: bool = False,
                     ) -> list[TaskRegion]:  # fmt: skip
        """The layout's blocks as ``page``'s regions in reading order, replacing the regions an earlier
        detection placed there; regions the user drew stay, after them."""
        found = specs_from_blocks(blocks, keep_abandoned)
        specs = st.regions.setdefault(page, [])
        before = snapshot(specs)
        specs[:] = found + [s for s in specs if not s.from_layout]  # in place: the view shows this list
        self._page_changed(st, page, before, self.tr("Detect Layout"))
        return found

    def _page_changed(self, st: DocState, page: int, before: Snapshot, text: str) -> None:
        if st is self.documents.current and page == st.page:
            self.view.refresh_regions()
        self._record(st, page, before, text)
        self.changed.emit()

    def _specs(self) -> tuple[DocState | None, list[TaskRegion]]:
        st = self.documents.current
        return st, (st.regions.setdefault(st.page, []) if st is not None else [])

    def _edited(self, specs: Iterable[TaskRegion]) -> None:
        for spec in specs:
            if spec.from_layout:
                spec.edited = True

    def merge_selected(self) -> TaskRegion | None:
        """The selected regions become one: their bounding box, at the first one's place in the reading
        order, with its task, label and kind."""
        st, specs = self._specs()
        chosen = sorted((s for s in self.view.selected_specs() if s in specs), key=specs.index)
        if st is None or len(chosen) < 2:
            self.status.emit(self.tr("Select two or more regions to merge them"))
            return None
        before = snapshot(specs)
        first, rest = chosen[0], {id(s) for s in chosen[1:]}
        first.region = Region.from_corners(
            min(s.region.x0 for s in chosen), min(s.region.y0 for s in chosen),
            max(s.region.x1 for s in chosen), max(s.region.y1 for s in chosen),
        )  # fmt: skip
        if any(s.from_layout for s in chosen):
            self._edited(specs)
        specs[:] = [s for s in specs if id(s) not in rest]
        self._page_changed(st, st.page, before, self.tr("Merge Regions"))
        self.view.select_spec(first)
        self.status.emit(self.tr("Merged {0} regions into region {1}").format(len(chosen), specs.index(first) + 1))
        return first

    def move_selected(self, step: int) -> bool:
        """Move the selected regions ``step`` places earlier (-1) or later (+1) in the reading order."""
        st, specs = self._specs()
        moving = {id(s) for s in self.view.selected_specs()}
        if st is None or not moving or step not in (-1, 1):
            return False
        before = snapshot(specs)
        order = list(range(len(specs)))
        if step > 0:
            order.reverse()
        moved = False
        for i in order[1:]:
            j = i + step
            if id(specs[i]) in moving and id(specs[j]) not in moving:
                specs[i], specs[j] = specs[j], specs[i]
                moved = True
        if not moved:
            return False
        if any(s.from_layout for s in specs):
            self._edited(specs)
        self._page_changed(st, st.page, before, self.tr("Move Earlier in Reading Order") if step < 0 else
                           self.tr("Move Later in Reading Order"))  # fmt: skip
        self.status.emit(self.tr("Moved earlier in the reading order") if step < 0 else
                         self.tr("Moved later in the reading order"))  # fmt: skip
        return True

    def set_choice(self, specs: Iterable[TaskRegion], choice: Task | str) -> None:
        """Read the regions with a task, or keep them as pictures (``PICTURE``); a layout label that no
        longer fits becomes the plain label of the choice."""
        specs = list(specs)
        before = self._before()
        for spec in specs:
            if spec.label and label_choice(spec.label) != choice and choice in PLAIN_LABELS:
                spec.label = PLAIN_LABELS[choice]
            if choice == PICTURE:
                spec.kind = PICTURE
            else:
                self._retask(spec, Task(choice))
            self._edited([spec])
        if specs:
            self._after_edit(before, self.tr("Keep as Picture") if choice == PICTURE else
                             self.tr("Set Task: {0}").format(task_name(Task(choice))))  # fmt: skip

    def set_label(self, specs: Iterable[TaskRegion], label: str) -> None:
        """Give the regions a layout label; they are then read as that label is (or kept as pictures)."""
        specs = list(specs)
        before = self._before()
        choice = label_choice(label)
        for spec in specs:
            spec.label = label
            if choice == PICTURE:
                spec.kind = PICTURE
            elif spec.is_picture or spec.task is not choice:
                self._retask(spec, Task(choice))
            self._edited([spec])
        if specs:
            self._after_edit(before, self.tr("Set Label: {0}").format(label))

    def _retask(self, spec: TaskRegion, task: Task) -> None:
        spec.kind = READ
        spec.task = task
        spec.template = self.template() if task is Task.EXTRACT else None

    def _before(self) -> Snapshot | None:
        st, specs = self._specs()
        return snapshot(specs) if st is not None else None

    def _after_edit(self, before: Snapshot | None, text: str) -> None:
        """After an edit of the shown page's regions made here (menu, keys): shown, saved, undoable."""
        st, specs = self._specs()
        self._fill_templates(specs)
        self.view.refresh_regions()
        if st is not None and before is not None:
            self._record(st, st.page, before, text)
        self.changed.emit()

    def region_menu(self, spec: TaskRegion) -> QMenu:
        """The menu of a right-clicked region; it acts on the selected regions (the clicked one at least)."""
        from glmocr_desktop.core.layout import LABELS

        targets = self.view.selected_specs() or [spec]
        menu = QMenu(self._parent)
        menu.setObjectName("regionMenu")
        group = QActionGroup(menu)
        for choice in (*MENU_TASKS, PICTURE):
            text = self.tr("Picture (kept, not read)") if choice == PICTURE else task_name(Task(choice))
            act = menu.addAction(text, functools.partial(self.set_choice, targets, choice))
            act.setCheckable(True)
            act.setChecked(spec.is_picture if choice == PICTURE else not spec.is_picture and spec.task is choice)
            group.addAction(act)
        labels = menu.addMenu(self.tr("Layout &Label"))
        for name in LABELS:
            act = labels.addAction(name, functools.partial(self.set_label, targets, name))
            act.setCheckable(True)
            act.setChecked(name == spec.label)
        menu.addSeparator()
        menu.addAction(self.actions.act_move_earlier)
        menu.addAction(self.actions.act_move_later)
        if len(targets) > 1:
            menu.addAction(self.actions.act_merge)
        menu.addAction(self.actions.act_delete)
        return menu

    @Slot(object, QPoint)
    def show_menu(self, spec: TaskRegion, pos: QPoint) -> QMenu:
        """Pops the region's menu up without a nested event loop; it deletes itself once closed."""
        menu = self.region_menu(spec)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(pos)
        self.menu = menu
        return menu

    # --- extraction template -----------------------------------------------------------------------
    def template(self) -> dict | None:
        text = self._settings().extraction_template
        if not text:
            return None
        try:
            return dialogs.check_template(text)
        except Exception:
            return None

    def ensure_template(self, specs: list[TaskRegion | None], whole_page: Task | None = None) -> bool:
        """Before a run: an extraction without a template asks for one; False if the user declines.
        ``whole_page``: the task of a None spec (the whole page)."""
        task = whole_page or self.current_task()
        needed = any((s.task if s else task) is Task.EXTRACT and not (s and s.template) for s in specs)
        return not needed or self.template() is not None or self.edit_template()

    def edit_template(self) -> bool:
        settings = self._settings()
        text = settings.extraction_template
        if not text:
            ready = dialogs.ready_templates()
            if ready:
                text = json.dumps(next(iter(ready.values())), ensure_ascii=False, indent=2)
        dlg = dialogs.TemplateDialog(text, self._parent)
        if dlg.exec() != dlg.DialogCode.Accepted or dlg.template is None:
            return False
        settings.extraction_template = dlg.text()
        self._save_settings()
        self.documents.set_template(dlg.template)
        return True
