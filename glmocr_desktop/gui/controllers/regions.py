"""The regions on the shown page and the task each is read with: keys 1-4, the whole-page region, the
extraction template. Region edits are saved through the persistence as they happen."""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.controllers.actions import Actions
from glmocr_desktop.gui.controllers.documents import Documents
from glmocr_desktop.gui.controllers.persistence import Persistence
from glmocr_desktop.gui.page_view import PageView, RegionSpec


class Regions(QObject):
    changed = Signal()  # regions or the selection changed (actions may change state)
    status = Signal(str)

    def __init__(self, view: PageView, actions: Actions, documents: Documents, persistence: Persistence,
                 settings: Callable[[], Settings], save_settings: Callable[[], None],
                 dialog_parent: QWidget) -> None:  # fmt: skip
        super().__init__(dialog_parent)
        self.view, self.actions, self.documents, self.persistence = view, actions, documents, persistence
        self._settings, self._save_settings, self._parent = settings, save_settings, dialog_parent
        view.regions_changed.connect(self._on_regions_changed)
        view.selection_changed.connect(self._on_selection)
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
            spec.task = task
            spec.template = self.template() if task is Task.EXTRACT else None
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
