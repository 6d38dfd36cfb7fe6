"""The main window: documents and pages on the left, the page with its regions in the middle, results on
the right.

Layout and wiring only. What it shows comes from its controllers (``gui/controllers``): ``Documents``
(open files, pages, renders), ``Runs`` (the model and the inference thread), a ``Persistence`` (the
results store, or none), ``Actions`` (menus and keys) and ``Theme``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from glmocr_desktop import APP_NAME
from glmocr_desktop.core import formats
from glmocr_desktop.core.jobs import new_id
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.base import ModelState
from glmocr_desktop.gui import clipboard, dialogs
from glmocr_desktop.gui.controllers.actions import Actions
from glmocr_desktop.gui.controllers.documents import DocState, Documents
from glmocr_desktop.gui.controllers.layout import LayoutDetection
from glmocr_desktop.gui.controllers.persistence import Persistence, StorePersistence, result_of
from glmocr_desktop.gui.controllers.regions import Regions
from glmocr_desktop.gui.controllers.runs import Runs, build_requests
from glmocr_desktop.gui.controllers.theme import Theme
from glmocr_desktop.gui.controllers.undo import RemoveResult, SourceEdit, UndoStacks
from glmocr_desktop.gui.icons import icon
from glmocr_desktop.gui.page_strip import PageStrip
from glmocr_desktop.gui.page_view import PageView, RegionSpec
from glmocr_desktop.gui.result_pane import ResultPane
from glmocr_desktop.gui.settings_store import SettingsStore
from glmocr_desktop.gui.status_bar import StatusBar
from glmocr_desktop.gui.worker import Request

log = logging.getLogger(__name__)

#: Only the types the opener really opens (core.formats is the one list of them).
OPEN_FILTER = formats.open_dialog_filter()

#: The first start's window at most, and the share of the screen's free area it takes when that is smaller.
DEFAULT_SIZE = QSize(1440, 900)
SCREEN_SHARE = 0.9
#: The narrowest the page view, the results pane and its preview may be made (the splitter stops there).
VIEW_MIN_WIDTH = 320
RESULTS_MIN_WIDTH = 300
PREVIEW_MIN_WIDTH = 200


def default_window_rect(available: QRect) -> QRect:
    """The window on first start: inside the screen's free area (taskbar left out), centred on it."""
    size = QSize(min(DEFAULT_SIZE.width(), int(available.width() * SCREEN_SHARE)),
                 min(DEFAULT_SIZE.height(), int(available.height() * SCREEN_SHARE)))  # fmt: skip
    rect = QRect(QPoint(0, 0), size)
    rect.moveCenter(available.center())
    return rect


class MainWindow(QMainWindow):
    def __init__(self, store: SettingsStore | None = None, engine_factory: Callable | None = None,
                 preview_factory: Callable | None = None, persistence: Persistence | None = None,
                 layout_factory: Callable | None = None) -> None:  # fmt: skip
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.store = store or SettingsStore()
        self.settings: Settings = self.store.load()
        self.last_error = ""
        self.messages: list[str] = []  # user-facing messages, newest last (tests read them)
        self._closing = False
        self._model_dialog: dialogs.ModelDialog | None = None
        self._startup_notices: list[str] = []
        self._shown_once = False
        self.exception_handler = None  # gui.crash.ExceptionHandler, set by app.create_app

        self.persistence = persistence if persistence is not None else StorePersistence.open()
        self.documents = Documents(self)
        self._build_widgets(preview_factory)
        self.runs = Runs(self.results, self.persistence, lambda: self.settings, engine_factory, self,
                         layout_factory=layout_factory)  # fmt: skip
        self.action_set = Actions(self, self, self.view)
        self.action_set.build_menus()
        self.action_set.build_toolbar()
        self.undo = UndoStacks(self)  # one stack per document; Edit > Undo acts on the shown one's
        self.action_set.install_undo(self.undo.group)
        self.action_set.scope_shortcuts(self.view, self.results.list)
        self.regions = Regions(self.view, self.action_set, self.documents, self.persistence,
                               lambda: self.settings, lambda: self.store.save(self.settings), self,
                               undo=self.undo)  # fmt: skip
        self.layout = LayoutDetection(self.runs.worker, self.documents, self.regions, lambda: self.settings,
                                      lambda: self.store.save(self.settings), self)  # fmt: skip
        self.action_set.act_keep_abandoned.setChecked(self.settings.keep_abandoned)
        self._build_statusbar()
        from glmocr_desktop.gui.document_workspace import DocumentWorkspace

        self.document_runs = DocumentWorkspace(self, preview_factory)
        self.theme = Theme(lambda: self.settings.theme, self)
        self._wire()
        self._add_history()
        if self.persistence.recovery_message:
            self.notify_startup(self.persistence.recovery_message)
        self.theme.apply()

        geo, state = self.store.window_state()
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            screen = self.screen() or QGuiApplication.primaryScreen()
            if screen is not None:
                self.setGeometry(default_window_rect(screen.availableGeometry()))
            else:
                self.resize(DEFAULT_SIZE)
        if state is not None:
            self.restoreState(state)
        self.regions.set_task(Task.parse(self.settings.task))
        self._update_actions()

    # --- what tests and the app reach through the window -------------------------------------------
    docs = property(lambda self: self.documents.docs)
    current = property(lambda self: self.documents.current)
    worker = property(lambda self: self.runs.worker)
    model_state = property(lambda self: self.runs.model_state)
    renderer = property(lambda self: self.documents.renderer)
    result_store = property(lambda self: self.persistence.store)

    # --- construction ---------------------------------------------------------------------------
    def _build_widgets(self, preview_factory) -> None:
        self.doc_list = QListWidget()
        self.doc_list.setObjectName("documents")
        self.doc_list.setIconSize(QSize(18, 18))
        self.thumbs = PageStrip()
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(_titled("Documents", self.doc_list))
        left.addWidget(_titled("Pages", self.thumbs))
        left.setSizes([160, 640])
        left.setMinimumWidth(170)

        self.view = PageView()
        self.view.viewport().setAcceptDrops(False)
        self.empty = QLabel(
            "<div style='font-size:15pt'>Open or drop a scan, photo or PDF</div>"
            "<div style='margin-top:8px'>Ctrl+O to open · Ctrl+V to paste an image · "
            "then draw regions and press Ctrl+Enter</div>"
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("emptyHint")
        self.centre = QStackedWidget()
        self.centre.addWidget(self.empty)
        self.centre.addWidget(self.view)
        self.centre.setMinimumWidth(VIEW_MIN_WIDTH)

        self.results = ResultPane(preview_factory)
        self.results.setMinimumWidth(RESULTS_MIN_WIDTH)
        self.preview = self.results.preview
        self.preview.setMinimumWidth(PREVIEW_MIN_WIDTH)

        split = QSplitter(Qt.Orientation.Horizontal)
        for i, (widget, stretch) in enumerate(((left, 0), (self.centre, 3), (self.results, 2))):
            split.addWidget(widget)
            split.setStretchFactor(i, stretch)
        split.setSizes([200, 760, 520])
        split.setChildrenCollapsible(False)
        self.splitter = split
        self.setCentralWidget(split)

    def _build_statusbar(self) -> None:
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        st = self.status
        self.state_label, self.speed_label, self.page_box = st.state_label, st.speed_label, st.page_box
        self.model_label, self.fast_label, self.load_bar = st.model_label, st.fast_label, st.load_bar
        self.zoom_button = st.zoom_button
        st.add_zoom_actions((self.action_set.act_fit_width, self.action_set.act_fit_page))
        st.zoom_requested.connect(self.view.zoom_to)
        st.page_requested.connect(self.go_to_page)
        self.view.zoom_changed.connect(st.show_zoom)

    def _wire(self) -> None:
        d, r, res = self.documents, self.runs, self.results
        self.doc_list.currentRowChanged.connect(self._on_doc_row)
        self.thumbs.currentRowChanged.connect(self._on_thumb_row)
        self.regions.changed.connect(self._update_actions)
        self.regions.status.connect(self.state_label.setText)
        self.regions.page_wanted.connect(self.show_page)
        self.layout.changed.connect(self._update_actions)
        self.layout.status.connect(self.state_label.setText)
        self.layout.message.connect(self.show_message)
        d.added.connect(self._on_doc_added)
        d.focus.connect(self.doc_list.setCurrentRow)
        d.current_changed.connect(self._on_current_changed)
        d.page_image.connect(lambda _st, _page, image: self.view.set_image(image))
        d.thumb_ready.connect(self._on_thumb_ready)
        d.page_slow.connect(lambda st, page, slow: st is d.current and self.thumbs.mark_slow(page, slow))
        d.password_needed.connect(self._ask_password)
        for source in (d, r):
            source.status.connect(self.state_label.setText)
            source.message.connect(self.show_message)
        r.model_changed.connect(self._on_model_state)
        r.model_needed.connect(self.show_model_dialog)
        r.load_progress.connect(self.status.show_load_progress)
        r.fast_path_changed.connect(self.status.show_fast_path)
        r.busy_changed.connect(self._on_busy)
        r.speed.connect(self.speed_label.setText)
        res.message.connect(self.show_message)
        res.save_requested.connect(self.save_results)
        res.selection_changed.connect(self._on_result_selected)
        res.text_edited.connect(self.persistence.job_finished)
        res.source_edited.connect(self._on_source_edited)
        res.remove_requested.connect(self._remove_entry)
        res.rerun_requested.connect(self.run_again)
        self.theme.changed.connect(self._on_theme)

    def _add_history(self) -> None:
        self.history_dock = dock = self.persistence.history_dock(self.results, self)
        if dock is None:
            return
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        toggle = dock.toggleViewAction()
        self.action_set.add_history_toggle(toggle)
        toggle.toggled.connect(lambda on: on and dock.refresh())

    @Slot(bool)
    def _on_theme(self, dark: bool) -> None:
        self.preview.set_dark(dark)
        self.action_set.refresh_icons()
        self.results.refresh_icons()
        pal = self.palette()
        self.view.setBackgroundBrush(Theme.canvas(pal, dark))
        self.setStyleSheet(Theme.stylesheet(pal, dark))

    # --- documents --------------------------------------------------------------------------------
    @Slot()
    def open_dialog(self) -> None:
        start = self.settings.last_dir or str(Path.home())
        paths, _ = QFileDialog.getOpenFileNames(self, "Open", start, OPEN_FILTER)
        if paths:
            self.settings.last_dir = str(Path(paths[0]).parent)
            self.open_paths(paths)

    def open_paths(self, paths: list[str | Path]) -> int:
        """Open files and folders (their supported files); returns how many opens were started."""
        return self.documents.open_paths(paths)

    def paste(self) -> bool:
        """Paste an image (or image files) from the clipboard as a new document."""
        return self.documents.paste(QApplication.clipboard())

    def snip_screen(self) -> None:
        """Frame a rectangle of the screen; it opens as a new document with one region, ready to run."""
        from glmocr_desktop.gui.snip import ScreenSnip

        (self.findChild(ScreenSnip) or ScreenSnip(self)).start()

    @Slot(object)
    def _on_doc_added(self, st: DocState) -> None:
        item = QListWidgetItem(icon("page"), st.name)
        pages = st.page_count
        item.setToolTip(f"{st.path}\n{pages} page{'s' if pages != 1 else ''}")
        self.doc_list.addItem(item)
        if Path(st.path).exists():
            self.settings.add_recent(st.path)
        for entry in self.persistence.restore(st) or []:
            self.results.add(entry, select=False)
        self.doc_list.setCurrentRow(len(self.docs) - 1)

    @Slot(str, bool)
    def _ask_password(self, path: str, wrong: bool) -> None:
        name = Path(path).name
        password = dialogs.ask_password(self, name, wrong=wrong)
        if password:
            self.documents.open_path(path, password)
        else:
            self.show_message(f"{name} was not opened (it needs a password).")

    def close_current_document(self) -> None:
        st = self.current
        if st is not None:
            self.doc_list.takeItem(self.documents.close_document(st))
            self.undo.forget(st)

    @Slot(int)
    def _on_doc_row(self, row: int) -> None:
        self.documents.show(self.docs[row] if 0 <= row < len(self.docs) else None)

    @Slot(object)
    def _on_current_changed(self, st: DocState | None) -> None:
        self.undo.activate(st)
        if st is None:
            self.thumbs.clear_pages()
            self.view.clear_page()
            self.centre.setCurrentWidget(self.empty)
            self.status.clear_page()
            self.setWindowTitle(APP_NAME)
            self._update_actions()
            return
        self.thumbs.set_pages(st.page_count, st.thumbs)
        self.setWindowTitle(f"{st.name} — {APP_NAME}")
        self.centre.setCurrentWidget(self.view)
        self.show_page(st.page)

    @Slot(int)
    def _on_thumb_row(self, row: int) -> None:
        if self.current is not None and row >= 0 and row != self.current.page:
            self.show_page(row)

    def go_to_page(self, index: int) -> None:
        """Page ``index`` (0-based) of the current document, unless it is the one shown."""
        if self.current is not None and 0 <= index < self.current.page_count and index != self.current.page:
            self.show_page(index)

    def go_page(self, step: int) -> None:
        if self.current is not None:
            self.show_page(min(max(0, self.current.page + step), self.current.page_count - 1))

    def show_page(self, index: int) -> None:
        st = self.current
        size = self.documents.turn_to(index) if st is not None else None
        if size is None:
            return
        self.view.new_task = self.current_task()
        self.view.set_page(size, st.thumbs.get(index), st.regions.setdefault(index, []), st.rotation.get(index, 0))
        self.regions.page_shown()
        self.thumbs.select_quietly(index)
        self.status.show_page(index, st.page_count)
        self.status.show_zoom(self.view.zoom())
        self._update_actions()

    @Slot(object, int, QImage)
    def _on_thumb_ready(self, st: DocState, page: int, image: QImage) -> None:
        if st is not self.current:
            return
        self.thumbs.set_thumb(page, image)
        if page == st.page and self.view.page is not None and self.view.page.pixmap_item.pixmap().isNull():
            self.view.set_image(image)

    def dragEnterEvent(self, event) -> None:
        if Documents.can_drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        if self.documents.drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    # --- regions and tasks ------------------------------------------------------------------------
    def current_task(self) -> Task:
        return self.regions.current_task()

    def choose_task(self, task: Task) -> None:
        self.regions.choose_task(task)

    def add_whole_page_region(self) -> None:
        self.regions.add_whole_page()

    def delete_regions(self) -> None:
        self.regions.delete_selected()

    def edit_template(self) -> bool:
        return self.regions.edit_template()

    def detect_layout_page(self) -> list[str]:
        return self.layout.detect_page()

    def detect_layout_document(self) -> list[str]:
        return self.layout.detect_document()

    def set_keep_abandoned(self, keep: bool) -> None:
        self.settings.keep_abandoned = bool(keep)
        self.store.save(self.settings)
        self.show_message(
            ("Headers, footers and page numbers are kept" if keep else "Headers, footers and page numbers are "
             "left out") + " from the next layout detection"
        )  # fmt: skip

    def merge_regions(self) -> None:
        self.regions.merge_selected()

    def move_regions(self, step: int) -> None:
        self.regions.move_selected(step)

    def rotate_page(self) -> None:
        angle = self.documents.rotate()
        if angle is not None:
            self.view.set_rotation(angle)

    # --- the model --------------------------------------------------------------------------------
    def load_model(self) -> None:
        self.runs.load_model()

    @Slot(object, str)
    def _on_model_state(self, state: ModelState, detail: str) -> None:
        self.status.show_model(state, self.runs.info, self.settings.model)
        if state is ModelState.MISSING:
            self.show_model_dialog(detail)
        elif state is ModelState.ERROR:
            self.show_message(f"The model could not be loaded: {detail}", error=True, dialog=True)
        self._update_actions()

    def show_model_dialog(self, message: str = "") -> dialogs.ModelDialog:
        make = partial(dialogs.ModelDialog, message or "Choose where the model comes from.", self)
        self._model_dialog = dialogs.open_once(self._model_dialog, make, self._on_model_dialog_finished)
        return self._model_dialog

    @Slot(int)
    def _on_model_dialog_finished(self, code: int) -> None:
        dlg = self._model_dialog
        if dlg is not None and dlg.chosen:
            self.settings.model = dlg.chosen
            self.store.save(self.settings)
            self.load_model()

    # --- running ----------------------------------------------------------------------------------
    def run_selected(self) -> list[Request]:
        specs = self.view.selected_specs()
        if not specs:
            page_specs = self.current.regions.get(self.current.page, []) if self.current else []
            return self.run_page() if page_specs else self.run_whole_page()
        return self._run(specs)

    def run_page(self) -> list[Request]:
        if self.current is None:
            return []
        specs = list(self.current.regions.get(self.current.page, []))
        return self._run(specs) if specs else self.run_whole_page()

    def run_whole_page(self, task: Task | None = None) -> list[Request]:
        """The whole page, read as text unless ``task`` says otherwise (Run Whole Page As): the task for new
        regions is not used. Text goes through the page's layout (each block with its own prompt, the page
        assembled) when the layout model is on this computer, as the official pipeline reads pages; else
        one prompt."""
        task = task or Task.TEXT
        st = self.current
        if st is not None and task is Task.TEXT and self._layout_installed():
            self.document_runs.start([st], {id(st): [st.page]})
            return []
        return self._run([None], task)

    def _layout_installed(self) -> bool:
        from glmocr_desktop.engines.layout import layout_model_available
        from glmocr_desktop.gui.document_runner import layout_spec

        return layout_model_available(layout_spec(self.settings.layout_model))

    def _run(self, specs: list[RegionSpec | None], whole_page: Task = Task.TEXT) -> list[Request]:
        """Read the regions (None: the whole page, with ``whole_page``)."""
        st = self.current
        if st is None:
            self.show_message("Open a document first.")
            return []
        if not self.regions.ensure_template(specs, whole_page):
            return []
        reqs = build_requests(st, specs, whole_page, self.regions.template(), self.settings)
        reqs = self.runs.submit(reqs, batch=len(specs) > 1)
        self._update_actions()
        return reqs

    def run_document(self) -> bool:
        return self.document_runs.run_document()

    def export_document(self) -> bool:
        return self.document_runs.export_document()

    def cancel(self) -> None:
        if self._model_dialog is not None and self._model_dialog.isVisible():
            return  # Esc closes the dialog
        self.document_runs.controller.cancel()
        self.layout.cancel()
        self.runs.cancel()

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        if not busy and not self._closing and not self.is_busy():
            self.status.settle()
        self._update_actions()

    def is_busy(self) -> bool:
        return self.runs.is_busy()

    @Slot(object, int)
    def run_again(self, entry: Any, limit: int) -> list[Request]:
        """Read a cut result's region again, with its task and template, with the token limit ``limit``;
        the new result goes right after it (the banner's "Run again with more tokens")."""
        st = next((d for d in self.docs if entry.document is not None and d.doc is entry.document), None)
        if st is None:
            self.show_message("Open its document again to run this result again.")
            return []
        req = entry.meta.get("request")
        if req is None:  # a result from the history: its region, read as it was
            spec = next((s for s in st.regions.get(entry.page, []) if s.id == entry.spec_id), None)
            template = (spec.template if spec else None) or self.regions.template()
            req = Request(document=st.doc, page=entry.page, region=entry.meta.get("region"), task=entry.task,
                          template=template if entry.task is Task.EXTRACT else None,
                          rotation=st.rotation.get(entry.page, 0), dpi=self.settings.render_dpi,
                          label=entry.label, spec_id=entry.spec_id)  # fmt: skip
        again = dataclasses.replace(req, id=new_id(), max_new_tokens=limit,
                                    label=f"{req.label.split(' · again')[0]} · again, {limit:,} tokens")  # fmt: skip
        reqs = self.runs.submit([again], batch=False, after=entry)
        self._update_actions()
        return reqs

    # --- results ------------------------------------------------------------------------------
    @Slot(object)
    def _remove_entry(self, entry: Any) -> None:
        self.remove_result(entry)

    def remove_result(self, entry: Any = None) -> bool:
        """Take the selected result off the list (Del in the list, the trash button); the store keeps it
        and Undo brings it back."""
        entry = entry or self.results.current()
        if entry is None or entry.state.active:
            self.show_message("Select a finished result to remove it from the list.")
            return False
        self.undo.push(RemoveResult(self.results, entry))
        kept = "the history keeps it; " if self.persistence.store is not None else ""
        self.show_message(f"Removed {entry.label} from the list ({kept}Undo brings it back)")
        return True

    def delete_result_from_history(self) -> bool:
        """Delete the selected result from the history for good, after asking."""
        entry = self.results.current()
        if entry is None or entry.state.active:
            self.show_message("Select a finished result to delete it from the history.")
            return False
        if self.persistence.store is None or entry.meta.get("store_id") is None:
            self.show_message(f"{entry.label} is not in the history (Del removes it from the list).")
            return False
        if not dialogs.confirm_delete_from_history(self, entry.label):
            return False
        self.persistence.result_deleted(entry)
        self.results.remove(entry)
        self.show_message(f"Deleted {entry.label} from the history")
        return True

    @Slot(object, str, bool)
    def _on_source_edited(self, entry: Any, text: str, edited: bool) -> None:
        self.undo.push(SourceEdit(self.results, entry, (text, edited), (entry.text, entry.edited)))

    def copy_result(self) -> bool:
        return self.results.copy_natural()

    def copy_options(self) -> list[tuple[str, str]]:
        entry = self.results.current()
        return [] if entry is None else list(clipboard.copy_options(entry.task, entry.text))

    def copy_as(self, key: str) -> None:
        self.results.copy_as(key)

    def save_results(self) -> None:
        if not any(e.text for e in self.results.entries):
            self.show_message("There is no result to save yet.")
            return
        start = str(Path(self.settings.last_dir or Path.home()) / "results.md")
        path, chosen = QFileDialog.getSaveFileName(self, "Save results", start, "Markdown (*.md);;JSON (*.json)")
        if path:
            self.save_results_to(path, "json" if path.lower().endswith(".json") or "JSON" in chosen else "md")

    def save_results_to(self, path: str, fmt: str) -> None:
        from glmocr_desktop.core.exports import save_result  # on first save: it brings the exporters

        results = [result_of(e) for e in self.results.entries if e.text]
        try:
            save_result(path, results, fmt)
        except Exception as exc:
            self.show_message(f"Could not save {path}: {exc}", error=True, dialog=True)
            return
        self.show_message(f"Saved {len(results)} result(s) to {path}")

    @Slot(object)
    def _on_result_selected(self, entry: Any) -> None:
        st = self.current
        if entry is None or st is None or entry.document is not st.doc or entry.page != st.page:
            return
        for spec in st.regions.get(st.page, []):
            if spec.id == entry.spec_id:
                self.view.select_spec(spec)

    # --- settings ---------------------------------------------------------------------------------
    def open_settings(self) -> None:
        dlg = dialogs.SettingsDialog(self.settings, self)
        if dlg.exec() != dlg.DialogCode.Accepted:
            return
        self.apply_settings(dlg.result_settings())

    def apply_settings(self, new: Settings) -> None:
        old = self.settings
        reload_model = (new.model, new.device, new.dtype) != (old.model, old.device, old.dtype)
        self.settings = new
        self.store.save(new)
        self.theme.apply()
        if reload_model and self.model_state is not ModelState.IDLE:
            self.load_model()

    def recent_files(self) -> list[str]:
        return list(self.settings.recent_files)

    def clear_recent(self) -> None:
        self.settings.recent_files = []
        self.store.save(self.settings)

    # --- messages, start and close ----------------------------------------------------------------
    def show_message(self, text: str, error: bool = False, dialog: bool = False) -> None:
        """The one place a message reaches the user: the status bar, the log, and a dialog when asked."""
        self.messages.append(text)
        if error:
            self.last_error = text
            log.warning("%s", text)
        self.statusBar().showMessage(text, 8000)
        if dialog and not self._closing:
            dialogs.show_error(self, APP_NAME, text)

    def _update_actions(self) -> None:
        self.action_set.update(self.current is not None, self.runs.can_stop() or self.layout.busy
                               or self.document_runs.controller.running)

    def notify_startup(self, text: str) -> None:
        """Something the user must know about start-up (e.g. the results store was repaired).

        Shown in the status bar now and once in a non-blocking message box after the window appears.
        """
        self.show_message(text, error=True)
        self._startup_notices.append(text)
        if self._shown_once:
            QTimer.singleShot(0, self._show_startup_notices)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self._startup_notices:
                QTimer.singleShot(0, self._show_startup_notices)

    @Slot()
    def _show_startup_notices(self) -> None:
        notices, self._startup_notices = self._startup_notices, []
        if notices and not self._closing:
            dialogs.show_notice(self, APP_NAME, "\n\n".join(notices))

    def start(self, files: list[str] | None = None) -> None:
        """After show(): open files from the command line and load the model in the background."""
        if files:
            self.open_paths(files)
        if self.settings.autoload_model:
            QTimer.singleShot(0, self.load_model)
        QTimer.singleShot(0, self.document_runs.controller.offer_resume)  # a run a crash left unfinished

    def closeEvent(self, event) -> None:
        """Cancel, join the inference thread, stop background renders, then save everything."""
        self._closing = True
        self.document_runs.controller.shutdown()  # stopped, not ended: the next start offers to resume it
        self.runs.shutdown(timeout_ms=10000)
        self.documents.shutdown()
        self.persistence.close()
        try:
            self.store.save_window_state(self.saveGeometry(), self.saveState())
            self.store.save(self.settings)
        except Exception:
            log.exception("saving settings failed")
        self.documents.close_all()
        super().closeEvent(event)


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    label = QLabel(title)
    label.setObjectName("paneTitle")
    label.setContentsMargins(10, 6, 6, 4)
    f = label.font()
    f.setBold(True)
    label.setFont(f)
    lay.addWidget(label)
    lay.addWidget(widget, 1)
    return box
