"""The main window: documents and pages on the left, the page with its regions in the middle, results on
the right.

A composition root: ``gui.window_layout`` builds the panes and the status bar, and the controllers
(``gui/controllers``) do the work: ``Documents`` (open files, pages, renders), ``Navigation`` (which
document and page is shown), ``Runs`` (the model and the inference thread), ``Regions`` and
``LayoutDetection``, ``ResultCommands`` (copy, save, remove, run again), a ``Persistence`` (the results
store, or none), ``Actions`` (menus, keys, toolbar), ``ContextMenus``, ``Preferences`` and ``Theme``.
The window keeps the commands the actions call, most of them handed to a controller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QListWidget,
    QMainWindow,
    QProgressBar,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
)

from glmocr_desktop import APP_NAME
from glmocr_desktop.core import formats
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.base import ModelState
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.context_menus import ContextMenus
from glmocr_desktop.gui.controllers.actions import Actions
from glmocr_desktop.gui.controllers.documents import Documents
from glmocr_desktop.gui.controllers.layout import LayoutDetection
from glmocr_desktop.gui.controllers.navigation import Navigation
from glmocr_desktop.gui.controllers.persistence import Persistence, StorePersistence
from glmocr_desktop.gui.controllers.preferences import Preferences
from glmocr_desktop.gui.controllers.regions import Regions
from glmocr_desktop.gui.controllers.result_commands import ResultCommands
from glmocr_desktop.gui.controllers.runs import Runs, build_requests
from glmocr_desktop.gui.controllers.theme import Theme
from glmocr_desktop.gui.controllers.undo import UndoStacks
from glmocr_desktop.gui.model_details import ModelDetailsDialog, SpeedMeter, model_rows
from glmocr_desktop.gui.page_strip import PageStrip
from glmocr_desktop.gui.page_view import PageView
from glmocr_desktop.gui.result_pane import ResultPane
from glmocr_desktop.gui.settings_store import SettingsStore
from glmocr_desktop.gui.status_bar import StatusBar
from glmocr_desktop.gui.window_layout import (
    DEFAULT_SIZE,
    PREVIEW_MIN_WIDTH,
    RESULTS_MIN_WIDTH,
    VIEW_MIN_WIDTH,
    build_panes,
    build_status_bar,
    default_window_rect,
)
from glmocr_desktop.gui.worker import Request

if TYPE_CHECKING:
    from glmocr_desktop.core.regions import TaskRegion
    from glmocr_desktop.gui.crash import ExceptionHandler

#: The window and, re-exported, its first-start geometry and the panes' least widths.
__all__ = ["DEFAULT_SIZE", "PREVIEW_MIN_WIDTH", "RESULTS_MIN_WIDTH", "VIEW_MIN_WIDTH", "MainWindow",
           "default_window_rect"]  # fmt: skip

log = logging.getLogger(__name__)

#: Only the types the opener really opens (core.formats is the one list of them).
OPEN_FILTER = formats.open_dialog_filter()


def _delegate(controller: str, name: str) -> Any:
    """A window command carried out by one of its controllers (actions, tests and other modules call
    it on the window)."""
    return property(lambda self: getattr(getattr(self, controller), name))


def _engine_of(s: Settings) -> tuple:
    """What the engine is made from: a change means loading it again (the API key: see open_settings)."""
    return (s.model, s.device, s.dtype, s.engine, s.remote_urls, s.remote_model, s.remote_concurrency)


class MainWindow(QMainWindow):
    # the widgets, built by gui.window_layout
    doc_list: QListWidget
    thumbs: PageStrip
    view: PageView
    empty: QLabel
    centre: QStackedWidget
    results: ResultPane
    preview: Any  # PreviewView, or what preview_factory makes
    splitter: QSplitter
    status: StatusBar
    state_label: QLabel
    speed_label: QLabel
    model_label: QLabel
    fast_label: QLabel
    page_box: QSpinBox
    load_bar: QProgressBar
    zoom_button: QToolButton

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
        self.exception_handler: ExceptionHandler | None = None  # set by app.create_app

        self.persistence = persistence if persistence is not None else StorePersistence.open()
        self.documents = Documents(self)
        build_panes(self, preview_factory)
        self.navigation = Navigation(self)
        self.result_commands = ResultCommands(self)
        self.theme = Theme(lambda: self.settings.theme, self)
        self.preferences = Preferences(self)
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
        self.action_set.act_auto_copy.setChecked(self.settings.auto_copy)
        build_status_bar(self)
        from glmocr_desktop.gui.document_workspace import DocumentWorkspace

        self.document_runs = DocumentWorkspace(self, preview_factory)
        self.context_menus = ContextMenus(self)
        self.speed_meter = SpeedMeter(self)
        self.results.finished.connect(self.speed_meter.add)
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
    go_page = _delegate("navigation", "go_page")
    go_to_page = _delegate("navigation", "go_to_page")
    show_page = _delegate("navigation", "show_page")
    close_current_document = _delegate("navigation", "close_document")
    copy_result = _delegate("result_commands", "copy_result")
    copy_options = _delegate("result_commands", "copy_options")
    copy_as = _delegate("result_commands", "copy_as")
    save_results = _delegate("result_commands", "save_results")
    save_results_to = _delegate("result_commands", "save_results_to")
    remove_result = _delegate("result_commands", "remove_result")
    delete_result_from_history = _delegate("result_commands", "delete_result_from_history")
    run_again = _delegate("result_commands", "run_again")
    set_theme = _delegate("preferences", "set_theme")
    set_auto_copy = _delegate("preferences", "set_auto_copy")
    set_keep_abandoned = _delegate("preferences", "set_keep_abandoned")
    recent_files = _delegate("preferences", "recent_files")
    clear_recent = _delegate("preferences", "clear_recent")

    # --- construction ---------------------------------------------------------------------------
    def _wire(self) -> None:
        d, r = self.documents, self.runs
        self.regions.changed.connect(self._update_actions)
        self.regions.status.connect(self.state_label.setText)
        self.regions.page_wanted.connect(self.show_page)
        self.layout.changed.connect(self._update_actions)
        self.layout.status.connect(self.state_label.setText)
        self.layout.message.connect(self.show_message)
        for source in (d, r):
            source.status.connect(self.state_label.setText)
        d.message.connect(self.show_message)
        r.message.connect(partial(self.show_message, logged=True))  # the inference thread logged the failure
        r.busy_status.connect(self.status.show_busy)
        r.model_changed.connect(self._on_model_state)
        r.model_needed.connect(self.show_model_dialog)
        r.load_progress.connect(self.status.show_load_progress)
        r.fast_path_changed.connect(self.status.show_fast_path)
        r.busy_changed.connect(self._on_busy)
        r.speed.connect(self.speed_label.setText)
        self.results.message.connect(self.show_message)

    def _add_history(self) -> None:
        self.history_dock = dock = self.persistence.history_dock(self.results, self)
        if dock is None:
            return
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        toggle = dock.toggleViewAction()
        self.action_set.add_history_toggle(toggle)
        toggle.toggled.connect(lambda on: on and dock.refresh())

    # --- documents --------------------------------------------------------------------------------
    @Slot()
    def open_dialog(self) -> None:
        start = self.settings.last_dir or str(Path.home())
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Open"), start, OPEN_FILTER)
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
            self.show_message(self.tr("The model could not be loaded: {0}").format(detail), error=True, dialog=True,
                              logged=True)  # fmt: skip
        self._update_actions()

    def show_model_dialog(self, message: str = "") -> dialogs.ModelDialog:
        make = partial(dialogs.ModelDialog, message or self.tr("Choose where the model comes from."), self)
        if not message and self.model_state is not ModelState.MISSING:  # Run > Model…: what is in use
            rows = model_rows(self.model_state, self.runs.info, self.settings.model, self.speed_meter.text())
            make = partial(ModelDetailsDialog, rows, "", self)
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

    def _run(self, specs: list[TaskRegion | None], whole_page: Task = Task.TEXT) -> list[Request]:
        """Read the regions (None: the whole page, with ``whole_page``)."""
        st = self.current
        if st is None:
            self.show_message(self.tr("Open a document first."))
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

    # --- results ------------------------------------------------------------------------------
    # --- settings ---------------------------------------------------------------------------------
    def open_settings(self) -> None:
        dlg = dialogs.SettingsDialog(self.settings, self)
        if dlg.exec() != dlg.DialogCode.Accepted:
            return
        new = dlg.result_settings()
        reload_for_key = (dlg.engine_page.key_changed and new.engine != "local"
                          and _engine_of(new) == _engine_of(self.settings))  # else apply_settings reloads
        self.apply_settings(new)
        if reload_for_key and self.model_state is not ModelState.IDLE:
            self.load_model()  # the remote engine reads the new API key when it is made

    def apply_settings(self, new: Settings) -> None:
        old = self.settings
        reload_model = _engine_of(new) != _engine_of(old)
        self.settings = new
        self.store.save(new)
        self.theme.apply()
        if reload_model and self.model_state is not ModelState.IDLE:
            self.load_model()

    # --- messages, start and close ----------------------------------------------------------------
    def show_message(self, text: str, error: bool = False, dialog: bool = False, logged: bool = False) -> None:
        """The one place a message reaches the user: the status bar, the log (unless the failure was logged
        where it happened: ``logged``, one log line per event), and a dialog when asked."""
        self.messages.append(text)
        if error:
            self.last_error = text
            if not logged:
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

