"""The regions on the shown page and the task each is read with: keys 1-4, the whole-page region, the
extraction template; the layout model's blocks placed as regions, and the region menu (task or picture,
layout label, reading order, merge). Region edits are saved through the persistence as they happen.

A page's list of regions is its reading order: the number drawn on a region is its place in that list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from glmocr_desktop.core.regions import LAYOUT, PICTURE, READ, Region
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.controllers.actions import Actions
from glmocr_desktop.gui.controllers.documents import DocState, Documents
from glmocr_desktop.gui.controllers.persistence import Persistence
from glmocr_desktop.gui.page_view import PageView, RegionSpec

#: What a region can be made in its menu: read with one of these tasks, or kept as a picture.
MENU_TASKS = (Task.TEXT, Task.TABLE, Task.FORMULA)
#: The layout label a labelled region takes when its task changes to one its label does not read with.
PLAIN_LABELS = {Task.TEXT: "text", Task.TABLE: "table", Task.FORMULA: "display_formula", PICTURE: "image"}


def label_choice(label: str) -> Task | str:
    """What a layout label is read as: a Task, or PICTURE (core.layout's own mapping)."""
    from glmocr_desktop.core.layout import LayoutBlock, kind_of  # numpy: on first use, not at start-up

    task = LayoutBlock(Region(0, 0, 1, 1), label, kind_of(label), 1.0, 0).task
    return PICTURE if task is None else task


def spec_from_block(block: Any) -> RegionSpec:
    """A region for a core.layout.LayoutBlock: its box, its label, read with the prompt of its kind (or
    kept as a picture)."""
    task = block.task
    return RegionSpec(region=block.region, task=task or Task.TEXT, label=block.native_label,
                      kind=PICTURE if task is None else READ, source=LAYOUT)  # fmt: skip


def specs_from_blocks(blocks: Iterable[Any], keep_abandoned: bool = False) -> list[RegionSpec]:
    """The blocks in reading order; page furniture (headers, footers, numbers...) only when kept."""
    from glmocr_desktop.core.layout import ABANDONED

    ordered = sorted(blocks, key=lambda b: b.order)
    return [spec_from_block(b) for b in ordered if keep_abandoned or b.label != ABANDONED]


class Regions(QObject):
    changed = Signal()  # regions or the selection changed (actions may change state)
    status = Signal(str)

    def __init__(self, view: PageView, actions: Actions, documents: Documents, persistence: Persistence,
                 settings: Callable[[], Settings], save_settings: Callable[[], None],
                 dialog_parent: QWidget) -> None:  # fmt: skip
        super().__init__(dialog_parent)
        self.view, self.actions, self.documents, self.persistence = view, actions, documents, persistence
        self._settings, self._save_settings, self._parent = settings, save_settings, dialog_parent
        self.menu: QMenu | None = None  # the region menu last shown
        view.regions_changed.connect(self._on_regions_changed)
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
        """Task for new regions, and for the selected ones (keys 1-4)."""
        self.set_task(task)
        self._settings().task = task.value
        selected = self.view.selected_specs()
        for spec in selected:
            self._retask(spec, task)
        if selected:
            self.view.refresh_regions()
            self._on_regions_changed()
        self.status.emit(
            f"{task.label}: " + (f"applied to {len(selected)} region(s)" if selected else "for new regions")
        )

    def add_whole_page(self) -> None:
        if self.documents.current is None:
            return
        spec = self.view.add_region(Region(0.0, 0.0, 1.0, 1.0), self.current_task())
        if spec.task is Task.EXTRACT:
            spec.template = self.template()

    def delete_selected(self) -> None:
        n = self.view.delete_selected()
        if n:
            self.status.emit(f"Deleted {n} region(s)")

    @Slot()
    def _on_regions_changed(self) -> None:
        st = self.documents.current
        if st is not None:
            for spec in st.regions.get(st.page, []):
                if spec.task is Task.EXTRACT and spec.template is None:
                    spec.template = self.template()
            self.persistence.save_regions(st)
        self.changed.emit()

    @Slot()
    def _on_selection(self) -> None:
        selected = self.view.selected_specs()
        if len(selected) == 1:
            self.actions.show_task(selected[0].task)
        self.changed.emit()

    # --- the layout's regions ---------------------------------------------------------------------
    def place_layout(self, st: DocState, page: int, blocks: Sequence[Any], keep_abandoned: bool = False,
                     ) -> list[RegionSpec]:  # fmt: skip
        """The layout's blocks as ``page``'s regions in reading order, replacing the regions an earlier
        detection placed there; regions the user drew stay, after them."""
        found = specs_from_blocks(blocks, keep_abandoned)
        specs = st.regions.setdefault(page, [])
        specs[:] = found + [s for s in specs if not s.from_layout]  # in place: the view shows this list
        self._page_changed(st, page)
        return found

    def _page_changed(self, st: DocState, page: int) -> None:
        shown = st is self.documents.current and page == st.page
        if shown:
            self.view.refresh_regions()
        self.persistence.save_page_regions(st, page)
        self.changed.emit()

    def _specs(self) -> tuple[DocState | None, list[RegionSpec]]:
        st = self.documents.current
        return st, (st.regions.setdefault(st.page, []) if st is not None else [])

    def _edited(self, specs: Iterable[RegionSpec]) -> None:
        for spec in specs:
            if spec.from_layout:
                spec.edited = True

    def merge_selected(self) -> RegionSpec | None:
        """The selected regions become one: their bounding box, at the first one's place in the reading
        order, with its task, label and kind."""
        st, specs = self._specs()
        chosen = sorted((s for s in self.view.selected_specs() if s in specs), key=specs.index)
        if st is None or len(chosen) < 2:
            self.status.emit("Select two or more regions to merge them")
            return None
        first, rest = chosen[0], {id(s) for s in chosen[1:]}
        first.region = Region.from_corners(
            min(s.region.x0 for s in chosen), min(s.region.y0 for s in chosen),
            max(s.region.x1 for s in chosen), max(s.region.y1 for s in chosen),
        )  # fmt: skip
        if any(s.from_layout for s in chosen):
            self._edited(specs)
        specs[:] = [s for s in specs if id(s) not in rest]
        self._page_changed(st, st.page)
        self.view.select_spec(first)
        self.status.emit(f"Merged {len(chosen)} regions into region {specs.index(first) + 1}")
        return first

    def move_selected(self, step: int) -> bool:
        """Move the selected regions ``step`` places earlier (-1) or later (+1) in the reading order."""
        st, specs = self._specs()
        moving = {id(s) for s in self.view.selected_specs()}
        if st is None or not moving or step not in (-1, 1):
            return False
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
        self._page_changed(st, st.page)
        self.status.emit("Moved " + ("earlier" if step < 0 else "later") + " in the reading order")
        return True

    def set_choice(self, specs: Iterable[RegionSpec], choice: Task | str) -> None:
        """Read the regions with a task, or keep them as pictures (``PICTURE``); a layout label that no
        longer fits becomes the plain label of the choice."""
        specs = list(specs)
        for spec in specs:
            if spec.label and label_choice(spec.label) != choice and choice in PLAIN_LABELS:
                spec.label = PLAIN_LABELS[choice]
            if choice == PICTURE:
                spec.kind = PICTURE
            else:
                self._retask(spec, choice)
            self._edited([spec])
        if specs:
            self._after_edit()

    def set_label(self, specs: Iterable[RegionSpec], label: str) -> None:
        """Give the regions a layout label; they are then read as that label is (or kept as pictures)."""
        specs = list(specs)
        choice = label_choice(label)
        for spec in specs:
            spec.label = label
            if choice == PICTURE:
                spec.kind = PICTURE
            elif spec.is_picture or spec.task is not choice:
                self._retask(spec, choice)
            self._edited([spec])
        if specs:
            self._after_edit()

    def _retask(self, spec: RegionSpec, task: Task) -> None:
        spec.kind = READ
        spec.task = task
        spec.template = self.template() if task is Task.EXTRACT else None

    def _after_edit(self) -> None:
        self.view.refresh_regions()
        self._on_regions_changed()

    def region_menu(self, spec: RegionSpec) -> QMenu:
        """The menu of a right-clicked region; it acts on the selected regions (the clicked one at least)."""
        from glmocr_desktop.core.layout import LABELS

        targets = self.view.selected_specs() or [spec]
        menu = QMenu(self._parent)
        menu.setObjectName("regionMenu")
        group = QActionGroup(menu)
        for choice in (*MENU_TASKS, PICTURE):
            text = "Picture (kept, not read)" if choice == PICTURE else choice.label
            act = menu.addAction(text, lambda c=choice: self.set_choice(targets, c))
            act.setCheckable(True)
            act.setChecked(spec.is_picture if choice == PICTURE else not spec.is_picture and spec.task is choice)
            group.addAction(act)
        labels = menu.addMenu("Layout &Label")
        for name in LABELS:
            act = labels.addAction(name, lambda n=name: self.set_label(targets, n))
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
    def show_menu(self, spec: RegionSpec, pos: QPoint) -> QMenu:
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
        except Exception:  # noqa: BLE001 - a stored template that no longer validates is no template
            return None

    def ensure_template(self, specs: list[RegionSpec | None]) -> bool:
        """Before a run: an extraction without a template asks for one; False if the user declines."""
        task = self.current_task()
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
