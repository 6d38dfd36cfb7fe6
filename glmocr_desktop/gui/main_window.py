"""The main window: documents and pages on the left, the page with its regions in the middle, results on
the right. It wires the inference thread, the background loaders and the result store together."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QCoreApplication, QEvent, QIODevice, QSize, Qt, QThreadPool, QTimer, Slot
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from glmocr_desktop import APP_NAME
from glmocr_desktop.core.errors import (
    ModelNotFoundError,
    PasswordRequiredError,
    WrongPasswordError,
    user_message,
)
from glmocr_desktop.core.jobs import JobState, Result, Source
from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.base import FastPathState, ModelState
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.icons import clear_cache, icon
from glmocr_desktop.gui.loaders import DocumentOpener, PageRenderer
from glmocr_desktop.gui.page_view import TASK_COLOURS, PageView, RegionSpec
from glmocr_desktop.gui.result_pane import ResultEntry, ResultPane, cut_notice
from glmocr_desktop.gui.settings_store import SettingsStore
from glmocr_desktop.gui.worker import InferenceThread, Request

log = logging.getLogger(__name__)

TASK_KEYS = {Task.TEXT: "1", Task.FORMULA: "2", Task.TABLE: "3", Task.EXTRACT: "4"}
DISPLAY_LONG_SIDE = 2200  # pixels of the page image shown in the view
_ABANDONED: list[QThreadPool] = []  # pools with stuck work at close (see closeEvent)


@dataclass(eq=False)
class DocState:
    doc: Any
    path: str
    regions: dict[int, list[RegionSpec]] = field(default_factory=dict)
    rotation: dict[int, int] = field(default_factory=dict)
    thumbs: dict[int, QImage] = field(default_factory=dict)
    page: int = 0

    @property
    def name(self) -> str:
        return str(getattr(self.doc, "name", "") or Path(self.path).name)


def _thumb_icon(image: QImage | QPixmap) -> QIcon:
    pm = QPixmap.fromImage(image) if isinstance(image, QImage) else image
    ic = QIcon(pm)
    ic.addPixmap(pm, QIcon.Mode.Selected)  # no selection tint over the page
    return ic


def is_supported(path: Path) -> bool:
    """Imported on first use: core.documents brings PyMuPDF and numpy, which start-up does not need."""
    from glmocr_desktop.core.documents import is_supported as supported

    return supported(path)


class MainWindow(QMainWindow):
    def __init__(self, store: SettingsStore | None = None, engine_factory=None, preview_factory=None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.store = store or SettingsStore()
        self.settings: Settings = self.store.load()
        self.docs: list[DocState] = []
        self.current: DocState | None = None
        self.model_state = ModelState.IDLE
        self.last_error = ""
        self.messages: list[str] = []  # user-facing messages, newest last (tests read them)
        self._paste_count = 0
        self._closing = False
        self._pending_runs: list[tuple[list[Request], bool]] = []
        self._page_token = 0
        self._model_dialog: dialogs.ModelDialog | None = None
        self.result_store = None
        self._startup_notices: list[str] = []
        self._shown_once = False
        self.slow_pages: set[tuple[int, int]] = set()  # (id(doc), page) renders reported as slow
        self.exception_handler = None  # gui.crash.ExceptionHandler, set by app.create_app

        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max(2, min(4, (os.cpu_count() or 2))))
        # opening has its own threads: renders stuck in a damaged file must not keep other files shut
        self.open_pool = QThreadPool(self)
        self.open_pool.setMaxThreadCount(2)
        self.opener = DocumentOpener(self.open_pool, self)
        self.opener.opened.connect(self._on_opened)
        self.opener.failed.connect(self._on_open_failed)
        self.opener.slow.connect(self._on_open_slow)
        self.renderer = PageRenderer(self.pool, self)
        self.renderer.page_ready.connect(self._on_page_ready)
        self.renderer.page_failed.connect(self._on_page_failed)
        self.renderer.page_slow.connect(self._on_page_slow)
        self.renderer.thumb_ready.connect(self._on_thumb_ready)

        self.worker = InferenceThread(engine_factory, self)
        self.worker.load_started.connect(self._on_load_started)
        self.worker.load_progress.connect(self._on_load_progress)
        self.worker.loaded.connect(self._on_loaded)
        self.worker.load_failed.connect(self._on_load_failed)
        self.worker.job_started.connect(self._on_job_started)
        self.worker.chunk.connect(self._on_chunk)
        self.worker.job_finished.connect(self._on_job_finished)
        self.worker.job_failed.connect(self._on_job_failed)
        self.worker.job_cancelled.connect(self._on_job_cancelled)
        self.worker.busy_changed.connect(self._on_busy)
        self.worker.fast_path_changed.connect(self._on_fast_path)

        self._build_widgets(preview_factory)
        self._build_actions()
        self._build_menus_and_toolbar()
        self._build_statusbar()
        self._open_store()
        self._apply_theme()
        hints = QApplication.styleHints()
        hints.colorSchemeChanged.connect(self._apply_theme)

        geo, state = self.store.window_state()
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1440, 900)
        if state is not None:
            self.restoreState(state)
        self._set_task(Task.parse(self.settings.task))
        self._update_actions()

    # --- construction ---------------------------------------------------------------------------
    def _build_widgets(self, preview_factory) -> None:
        self.doc_list = QListWidget()
        self.doc_list.setObjectName("documents")
        self.doc_list.currentRowChanged.connect(self._on_doc_row)
        self.doc_list.setIconSize(QSize(18, 18))
        self.thumbs = QListWidget()
        self.thumbs.setObjectName("thumbnails")
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbs.setWrapping(False)
        self.thumbs.setMovement(QListWidget.Movement.Static)
        self.thumbs.setIconSize(QSize(120, 150))
        self.thumbs.setGridSize(QSize(150, 182))
        self.thumbs.setUniformItemSizes(True)
        self.thumbs.setSpacing(4)
        self.thumbs.currentRowChanged.connect(self._on_thumb_row)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self._titled("Documents", self.doc_list))
        left.addWidget(self._titled("Pages", self.thumbs))
        left.setSizes([160, 640])
        left.setMinimumWidth(170)

        self.view = PageView()
        self.view.viewport().setAcceptDrops(False)
        self.view.regions_changed.connect(self._on_regions_changed)
        self.view.selection_changed.connect(self._on_region_selection)
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

        self.results = ResultPane(preview_factory)
        self.results.message.connect(self.show_message)
        self.results.save_requested.connect(self.save_results)
        self.results.selection_changed.connect(self._on_result_selected)
        self.results.text_edited.connect(self._on_result_edited)
        self.results.delete_requested.connect(self._on_result_deleted)
        self.preview = self.results.preview

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.centre)
        split.addWidget(self.results)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([200, 760, 520])
        split.setChildrenCollapsible(False)
        self.splitter = split
        self.setCentralWidget(split)

    @staticmethod
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

    def _action(self, text: str, slot, shortcut=None, icon_name: str | None = None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                act.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                act.setShortcut(QKeySequence(shortcut))
        act.setData(icon_name)
        if tip or shortcut:
            keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            act.setToolTip(f"{tip or text.replace('&', '').rstrip('…')}" + (f"  ({keys})" if keys else ""))
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        A = self._action
        self.act_open = A("&Open…", self.open_dialog, QKeySequence.StandardKey.Open, "open", "Open files")
        self.act_paste = A("&Paste Image", self.paste, QKeySequence.StandardKey.Paste, "paste",
                           "Paste an image from the clipboard")  # fmt: skip
        self.act_save = A("&Save Results…", self.save_results, QKeySequence.StandardKey.Save, "save")
        self.act_close_doc = A("&Close Document", self.close_current_document, QKeySequence.StandardKey.Close)
        self.act_quit = A("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_copy = A("&Copy Result", self.copy_result, QKeySequence.StandardKey.Copy, "copy")
        self.act_zoom_in = A("Zoom &In", lambda: self.view.zoom_in(), QKeySequence.StandardKey.ZoomIn, "zoom-in")
        self.act_zoom_out = A("Zoom &Out", lambda: self.view.zoom_out(), QKeySequence.StandardKey.ZoomOut,
                              "zoom-out")  # fmt: skip
        self.act_fit_width = A("Fit &Width", lambda: self.view.fit_width(), "Ctrl+2", "fit-width")
        self.act_fit_page = A("Fit &Page", lambda: self.view.fit_page(), "Ctrl+0", "fit-page")
        self.act_rotate = A("&Rotate Page", self.rotate_page, "Ctrl+R", "rotate", "Rotate the page clockwise")
        self.act_prev = A("Previous Page", lambda: self.go_page(-1), "PgUp")
        self.act_next = A("Next Page", lambda: self.go_page(+1), "PgDown")
        self.act_whole = A("&Whole Page Region", self.add_whole_page_region, "Ctrl+A", "page",
                           "Make the whole page one region")  # fmt: skip
        self.act_delete = A("&Delete Region", self.delete_regions, [QKeySequence.StandardKey.Delete], "delete")
        self.act_template = A("Extraction &Template…", self.edit_template, "Ctrl+T", "template",
                              "Edit the JSON template for extraction")  # fmt: skip
        self.act_run = A("&Run Selected", self.run_selected, ["Ctrl+Return", "Ctrl+Enter"], "run",
                         "Recognise the selected regions")  # fmt: skip
        self.act_run_page = A("Run &All Regions", self.run_page, ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
                              "run-all", "Recognise every region of this page")  # fmt: skip
        self.act_run_whole = A("Run &Whole Page", self.run_whole_page, "Ctrl+Alt+Return", "page",
                               "Recognise the whole page")  # fmt: skip
        self.act_stop = A("&Stop", self.cancel, "Esc", "stop", "Stop recognition")
        self.act_settings = A("&Settings…", self.open_settings,
                              ["Ctrl+,"], "settings")  # fmt: skip
        self.act_model = A("&Model…", self.show_model_dialog, None, None, "Choose or download the model")
        self.act_reload = A("&Reload Model", self.load_model)

        self.task_group = QActionGroup(self)
        self.task_group.setExclusive(True)
        self.task_actions: dict[Task, QAction] = {}
        for task in Task:
            act = A(task.label, lambda _=False, t=task: self.choose_task(t), TASK_KEYS[task], task.value,
                    f"{task.label}: applies to the selected region and new ones")  # fmt: skip
            act.setCheckable(True)
            self.task_group.addAction(act)
            self.task_actions[task] = act

    def _build_menus_and_toolbar(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addAction(self.act_open)
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addAction(self.act_paste)
        m.addSeparator()
        m.addAction(self.act_save)
        m.addAction(self.act_close_doc)
        m.addSeparator()
        m.addAction(self.act_settings)
        m.addAction(self.act_quit)
        m = mb.addMenu("&Edit")
        m.addAction(self.act_copy)
        self.copy_as_menu = m.addMenu("Copy &As")
        self.copy_as_menu.aboutToShow.connect(self._fill_copy_as)
        m = mb.addMenu("&View")
        for a in (self.act_zoom_in, self.act_zoom_out, self.act_fit_width, self.act_fit_page, self.act_rotate,
                  self.act_prev, self.act_next):  # fmt: skip
            m.addAction(a)
        self.view_menu = m
        m = mb.addMenu("&Region")
        for a in self.task_actions.values():
            m.addAction(a)
        m.addSeparator()
        m.addAction(self.act_whole)
        m.addAction(self.act_delete)
        m.addAction(self.act_template)
        m = mb.addMenu("&Run")
        for a in (self.act_run, self.act_run_page, self.act_run_whole, self.act_stop):
            m.addAction(a)
        m.addSeparator()
        m.addAction(self.act_model)
        m.addAction(self.act_reload)

        tb = QToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.toolbar = tb
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        for a in (self.act_open, self.act_paste):
            tb.addAction(a)
        tb.addSeparator()
        for a in (self.act_zoom_out, self.act_zoom_in, self.act_fit_width, self.act_fit_page, self.act_rotate):
            tb.addAction(a)
        tb.addSeparator()
        for a in self.task_actions.values():
            tb.addAction(a)
            btn = tb.widgetForAction(a)
            if isinstance(btn, QToolButton):
                btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.act_template)
        tb.addSeparator()
        tb.addAction(self.act_whole)
        for a in (self.act_run, self.act_run_page):
            tb.addAction(a)
            btn = tb.widgetForAction(a)
            if isinstance(btn, QToolButton):
                btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.act_stop)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred)
        tb.addWidget(spacer)
        tb.addAction(self.act_settings)
        self.act_run.setText("Run")
        self.act_run_page.setText("Run all")

    def _build_statusbar(self) -> None:
        sb = self.statusBar()
        self.state_label = QLabel("Ready")
        self.load_bar = QProgressBar()
        self.load_bar.setMaximumWidth(160)
        self.load_bar.setMaximumHeight(14)
        self.load_bar.setTextVisible(False)
        self.load_bar.hide()
        self.model_label = QLabel("")
        self.fast_label = QLabel("")
        self.fast_label.setObjectName("fastPath")
        self.speed_label = QLabel("")
        self.page_label = QLabel("")
        sb.addWidget(self.state_label, 1)
        sb.addPermanentWidget(self.load_bar)
        sb.addPermanentWidget(self.page_label)
        sb.addPermanentWidget(self.speed_label)
        sb.addPermanentWidget(self.model_label)
        sb.addPermanentWidget(self.fast_label)
        self.fast_label.hide()
        for w in (self.page_label, self.speed_label, self.model_label, self.fast_label):
            w.setContentsMargins(8, 0, 8, 0)

    # --- theme ------------------------------------------------------------------------------------
    def is_dark(self) -> bool:
        if self.settings.theme in ("light", "dark"):
            return self.settings.theme == "dark"
        scheme = QApplication.styleHints().colorScheme()
        if scheme == Qt.ColorScheme.Unknown:
            return QApplication.palette().window().color().lightness() < 128
        return scheme == Qt.ColorScheme.Dark

    @Slot()
    def _apply_theme(self, *_: Any) -> None:
        hints = QApplication.styleHints()
        wanted = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(self.settings.theme)
        try:
            if wanted is not None:
                hints.setColorScheme(wanted)
            else:
                hints.unsetColorScheme()
        except AttributeError:  # pragma: no cover - Qt < 6.8
            pass
        dark = self.is_dark()
        self.preview.set_dark(dark)
        clear_cache()
        for act in self.findChildren(QAction):
            name = act.data()
            if isinstance(name, str) and name:
                act.setIcon(icon(name))
        for task, act in self.task_actions.items():
            act.setIcon(icon(task.value, TASK_COLOURS[task]))
        self.results.refresh_icons()
        pal = self.palette()
        base = pal.window().color()
        canvas = base.darker(112) if not dark else base.darker(135)
        self.view.setBackgroundBrush(canvas)
        mid = pal.mid().color().name()
        hl = pal.highlight().color()
        sel = f"rgba({hl.red()},{hl.green()},{hl.blue()},{60 if dark else 40})"
        selb = hl.name()
        self.setStyleSheet(
            f"""
            QToolBar#mainToolbar {{ spacing: 4px; padding: 4px 6px; border: none;
                border-bottom: 1px solid {mid}; }}
            QToolBar#mainToolbar QToolButton {{ padding: 4px 6px; border-radius: 6px; }}
            QToolBar#mainToolbar QToolButton:checked {{ background: {sel}; border: 1px solid {selb}; }}
            QListWidget#thumbnails::item:selected {{ background: transparent; border: 2px solid {selb};
                border-radius: 4px; color: palette(window-text); }}
            QLabel#paneTitle {{ color: palette(window-text); }}
            QLabel#emptyHint {{ color: palette(placeholder-text); }}
            QListWidget {{ border: none; }}
            QSplitter::handle {{ background: {mid}; }}
            QSplitter::handle:horizontal {{ width: 1px; }}
            QSplitter::handle:vertical {{ height: 1px; }}
            QStatusBar {{ border-top: 1px solid {mid}; }}
            """
        )

    # --- documents --------------------------------------------------------------------------------
    @Slot()
    def open_dialog(self) -> None:
        start = self.settings.last_dir or str(Path.home())
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open", start,
            "Documents (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.gif *.jp2 *.pnm *.ppm *.pgm);;"
            "All files (*)",
        )  # fmt: skip
        if paths:
            self.settings.last_dir = str(Path(paths[0]).parent)
            self.open_paths(paths)

    def open_paths(self, paths: list[str | Path]) -> int:
        """Open files and folders (their supported files); returns how many opens were started."""
        started = 0
        refused: list[str] = []
        for raw in paths:
            path = Path(raw).expanduser()
            if path.is_dir():
                files = sorted(p for p in path.iterdir() if p.is_file() and is_supported(p))
                if not files:
                    refused.append(f"{path.name}/ (no supported files)")
                for f in files:
                    started += self._open_one(f)
            elif not path.exists():
                refused.append(f"{path.name} (not found)")
            elif not is_supported(path):
                refused.append(f"{path.name} (not a supported image or PDF)")
            else:
                started += self._open_one(path)
        if refused:
            self.show_message("Not opened: " + "; ".join(refused), error=True)
        return started

    def _open_one(self, path: Path) -> int:
        key = str(path.resolve())
        for i, st in enumerate(self.docs):
            if st.path == key:
                self.doc_list.setCurrentRow(i)
                return 0
        self.state_label.setText(f"Opening {path.name}…")
        self.opener.open(key)
        return 1

    @Slot(str, object)
    def _on_opened(self, path: str, doc: Any) -> None:
        if self._closing:
            return
        state = DocState(doc=doc, path=path)
        self.docs.append(state)
        item = QListWidgetItem(icon("page"), state.name)
        pages = getattr(doc, "page_count", 1)
        item.setToolTip(f"{path}\n{pages} page{'s' if pages != 1 else ''}")
        self.doc_list.addItem(item)
        if Path(path).exists():
            self.settings.add_recent(path)
        for w in getattr(doc, "warnings", None) or []:
            self.show_message(f"{state.name}: {w}")
        self._restore_from_store(state)
        self.doc_list.setCurrentRow(len(self.docs) - 1)
        self.state_label.setText(f"Opened {state.name}")

    @Slot(str, object)
    def _on_open_failed(self, path: str, exc: Any) -> None:
        if self._closing:
            return
        name = Path(path).name
        if isinstance(exc, PasswordRequiredError):
            password = dialogs.ask_password(self, name, wrong=isinstance(exc, WrongPasswordError))
            if password:
                self.opener.open(path, password)
            else:
                self.show_message(f"{name} was not opened (it needs a password).")
            return
        self.show_message(f"Could not open {name}: {user_message(exc)}", error=True, dialog=True)

    def paste(self) -> bool:
        """Paste an image (or image files) from the clipboard as a new document."""
        mime = QApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            return self.open_paths([u.toLocalFile() for u in mime.urls() if u.isLocalFile()]) > 0
        image = QApplication.clipboard().image()
        if image.isNull():
            self.show_message("The clipboard holds no image.")
            return False
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        self._paste_count += 1
        name = f"Pasted image {self._paste_count}.png"
        self.opener.open_bytes(bytes(buf.data()), name)
        return True

    def close_current_document(self) -> None:
        st = self.current
        if st is None:
            return
        row = self.docs.index(st)
        self.renderer.forget(st.doc)
        self.docs.pop(row)
        self.doc_list.takeItem(row)
        try:
            st.doc.close()
        except Exception:  # noqa: BLE001
            pass
        if not self.docs:
            self._show_doc(None)

    @Slot(int)
    def _on_doc_row(self, row: int) -> None:
        self._show_doc(self.docs[row] if 0 <= row < len(self.docs) else None)

    def _show_doc(self, st: DocState | None) -> None:
        if self.current is not None and self.current is not st:
            self.renderer.forget(self.current.doc)
        self.current = st
        self.thumbs.blockSignals(True)
        self.thumbs.clear()
        if st is None:
            self.thumbs.blockSignals(False)
            self.view.clear_page()
            self.centre.setCurrentWidget(self.empty)
            self.page_label.setText("")
            self.setWindowTitle(APP_NAME)
            self._update_actions()
            return
        placeholder = QPixmap(120, 150)
        placeholder.fill(QColor("#ffffff"))
        for i in range(int(getattr(st.doc, "page_count", 1))):
            img = st.thumbs.get(i)
            item = QListWidgetItem(_thumb_icon(img if img is not None else placeholder), str(i + 1))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.thumbs.addItem(item)
        self.thumbs.blockSignals(False)
        self.setWindowTitle(f"{st.name} — {APP_NAME}")
        self.centre.setCurrentWidget(self.view)
        self.show_page(st.page)
        missing = [i for i in range(int(st.doc.page_count)) if i not in st.thumbs]
        self.renderer.request_thumbnails(st.doc, missing, st.page)

    @Slot(int)
    def _on_thumb_row(self, row: int) -> None:
        if self.current is not None and row >= 0 and row != self.current.page:
            self.show_page(row)

    def go_page(self, step: int) -> None:
        if self.current is not None:
            self.show_page(min(max(0, self.current.page + step), self.current.doc.page_count - 1))

    def show_page(self, index: int) -> None:
        st = self.current
        if st is None:
            return
        st.page = index
        doc = st.doc
        try:
            size = doc.page_size(index)
        except Exception as exc:  # noqa: BLE001
            self.show_message(f"Page {index + 1} cannot be shown: {exc}", error=True)
            return
        self.view.new_task = self.current_task()
        self.view.set_page(size, st.thumbs.get(index), st.regions.setdefault(index, []), st.rotation.get(index, 0))
        w, h = size
        dpi = max(36, min(200, DISPLAY_LONG_SIDE * 72.0 / max(w, h, 1)))
        self._page_token = self.renderer.render_page(doc, index, dpi=int(dpi), max_side=DISPLAY_LONG_SIDE)
        if self.thumbs.currentRow() != index:
            self.thumbs.blockSignals(True)
            self.thumbs.setCurrentRow(index)
            self.thumbs.blockSignals(False)
        self.renderer.set_centre(doc, index)
        self.page_label.setText(f"Page {index + 1} of {doc.page_count}")
        self._update_actions()

    @Slot(object, int, int, QImage)
    def _on_page_ready(self, doc: Any, page: int, token: int, image: QImage) -> None:
        if (id(doc), page) in self.slow_pages:
            self.slow_pages.discard((id(doc), page))
            if self.current is not None and self.current.doc is doc:
                item = self.thumbs.item(page)
                if item is not None:
                    item.setText(str(page + 1))
                    item.setToolTip("")
        if self.current is not None and self.current.doc is doc and self.current.page == page:
            self.view.set_image(image)

    @Slot(object, int, float)
    def _on_page_slow(self, doc: Any, page: int, seconds: float) -> None:
        """A page render runs far longer than it should: say so, and mark the page in the strip."""
        if self._closing:
            return
        self.slow_pages.add((id(doc), page))
        for st in self.docs:
            if st.doc is doc:
                if st is self.current:
                    item = self.thumbs.item(page)
                    if item is not None:
                        item.setText(f"{page + 1} ⌛")
                        item.setToolTip("This page is taking unusually long to render.")
                self.show_message(
                    f"Page {page + 1} of {st.name} is taking unusually long to render ({seconds:.0f} s so far). "
                    "It will appear when it is done; other pages and documents can be used meanwhile.",
                    error=True,
                )
                break

    @Slot(str, float)
    def _on_open_slow(self, path: str, seconds: float) -> None:
        if not self._closing:
            self.show_message(
                f"{Path(path).name} is taking unusually long to open ({seconds:.0f} s so far); "
                "it will appear when it is ready.",
                error=True,
            )

    @Slot(object, int, str)
    def _on_page_failed(self, doc: Any, page: int, message: str) -> None:
        if self.current is not None and self.current.doc is doc and self.current.page == page:
            self.show_message(f"Page {page + 1} could not be rendered: {message}", error=True)

    @Slot(object, int, QImage)
    def _on_thumb_ready(self, doc: Any, page: int, image: QImage) -> None:
        for st in self.docs:
            if st.doc is doc:
                st.thumbs[page] = image
                if st is self.current:
                    item = self.thumbs.item(page)
                    if item is not None:
                        item.setIcon(_thumb_icon(image))
                    if page == st.page and self.view.page is not None and self.view.page.pixmap_item.pixmap().isNull():
                        self.view.set_image(image)
                break

    # --- drag and drop ----------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            event.acceptProposedAction()
        elif mime.hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasUrls():
            local = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            remote = [u.toString() for u in mime.urls() if not u.isLocalFile()]
            if remote:
                self.show_message("Links to the web are not downloaded; save the file and drop it instead.")
            if local:
                self.open_paths(local)
                event.acceptProposedAction()
                return
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                buf = QBuffer()
                buf.open(QIODevice.OpenModeFlag.WriteOnly)
                image.save(buf, "PNG")
                self._paste_count += 1
                self.opener.open_bytes(bytes(buf.data()), f"Dropped image {self._paste_count}.png")
                event.acceptProposedAction()
                return
        if not mime.hasUrls():
            self.show_message("Only files can be dropped here (images and PDFs).")
        event.ignore()

    # --- regions and tasks ------------------------------------------------------------------------
    def current_task(self) -> Task:
        for task, act in self.task_actions.items():
            if act.isChecked():
                return task
        return Task.TEXT

    def _set_task(self, task: Task) -> None:
        self.task_actions[task].setChecked(True)
        self.view.new_task = task

    def choose_task(self, task: Task) -> None:
        """Task for new regions, and for the selected ones (keys 1-4)."""
        self._set_task(task)
        self.settings.task = task.value
        selected = self.view.selected_specs()
        for spec in selected:
            spec.task = task
            spec.template = self._template() if task is Task.EXTRACT else None
        if selected:
            self.view.refresh_regions()
            self._on_regions_changed()
        self.state_label.setText(
            f"{task.label}: " + (f"applied to {len(selected)} region(s)" if selected else "for new regions")
        )

    def add_whole_page_region(self) -> None:
        if self.current is None:
            return
        spec = self.view.add_region(Region(0.0, 0.0, 1.0, 1.0), self.current_task())
        if spec.task is Task.EXTRACT:
            spec.template = self._template()

    def delete_regions(self) -> None:
        n = self.view.delete_selected()
        if n:
            self.state_label.setText(f"Deleted {n} region(s)")

    def rotate_page(self) -> None:
        st = self.current
        if st is None:
            return
        angle = (st.rotation.get(st.page, 0) + 90) % 360
        st.rotation[st.page] = angle
        self.view.set_rotation(angle)

    @Slot()
    def _on_regions_changed(self) -> None:
        st = self.current
        if st is not None:
            for spec in st.regions.get(st.page, []):
                if spec.task is Task.EXTRACT and spec.template is None:
                    spec.template = self._template()
            self._save_regions(st)
        self._update_actions()

    @Slot()
    def _on_region_selection(self) -> None:
        selected = self.view.selected_specs()
        if len(selected) == 1:
            self.task_actions[selected[0].task].setChecked(True)
        self._update_actions()

    def _template(self) -> dict | None:
        text = self.settings.extraction_template
        if not text:
            return None
        try:
            return dialogs.check_template(text)
        except Exception:  # noqa: BLE001
            return None

    def _template_or_ask(self) -> bool:
        if self._template() is not None:
            return True
        return self.edit_template()

    def edit_template(self) -> bool:
        text = self.settings.extraction_template
        if not text:
            ready = dialogs.ready_templates()
            if ready:
                import json

                text = json.dumps(next(iter(ready.values())), ensure_ascii=False, indent=2)
        dlg = dialogs.TemplateDialog(text, self)
        if dlg.exec() != dlg.DialogCode.Accepted or dlg.template is None:
            return False
        self.settings.extraction_template = dlg.text()
        self.store.save(self.settings)
        tpl = dlg.template
        for st in self.docs:
            for specs in st.regions.values():
                for spec in specs:
                    if spec.task is Task.EXTRACT:
                        spec.template = tpl
        return True

    # --- model ------------------------------------------------------------------------------------
    def load_model(self) -> None:
        self.model_state = ModelState.LOADING
        self.worker.request_load(self.settings)

    @Slot()
    def _on_load_started(self) -> None:
        self.model_state = ModelState.LOADING
        self.load_bar.setRange(0, 0)
        self.load_bar.show()
        self.model_label.setText("Loading model…")
        self.state_label.setText("Loading the model…")

    @Slot(float, str)
    def _on_load_progress(self, fraction: float, message: str) -> None:
        if fraction < 0:
            self.load_bar.setRange(0, 0)
        else:
            self.load_bar.setRange(0, 100)
            self.load_bar.setValue(int(fraction * 100))
        self.state_label.setText(message)

    @Slot(object)
    def _on_loaded(self, info: Any) -> None:
        self.model_state = ModelState.READY
        self.load_bar.hide()
        model = str(getattr(info, "model", "") or self.settings.model)
        short = Path(model).name if os.sep in model else model
        parts = [short, getattr(info, "device", ""), getattr(info, "dtype", "")]
        self.model_label.setText(" · ".join(p for p in parts if p))
        self.model_label.setToolTip(model)
        self.state_label.setText("Model ready")
        pending, self._pending_runs = self._pending_runs, []
        for reqs, batch in pending:
            self.worker.submit(reqs, batch)
        self._update_actions()

    @Slot(object, str)
    def _on_fast_path(self, state: FastPathState, detail: str) -> None:
        """The fast decode path warms up beside the loaded model; stock generate serves meanwhile."""
        if state is FastPathState.WARMING:
            text = "fast path: warming…"
        elif state.ready:
            text = "fast path: ready"
        elif state is FastPathState.UNAVAILABLE:
            text = "fast path: off"
        else:
            text = ""
        self.fast_label.setText(text)
        self.fast_label.setToolTip(f"Fast decode path: {state.value}" + (f" ({detail})" if detail else ""))
        self.fast_label.setVisible(bool(text))

    @Slot(object)
    def _on_load_failed(self, exc: Any) -> None:
        self.load_bar.hide()
        message = user_message(exc)
        for reqs, _ in self._pending_runs:
            for r in reqs:
                entry = self.results.entry(r.id)
                if entry is not None:
                    self.results.set_state(entry, JobState.ERROR, "The model is not loaded.")
        self._pending_runs = []
        if isinstance(exc, ModelNotFoundError):
            self.model_state = ModelState.MISSING
            self.model_label.setText("No model")
            self.state_label.setText("The GLM-OCR model is not on this computer yet.")
            self.show_model_dialog(message)
        else:
            self.model_state = ModelState.ERROR
            self.model_label.setText("Model failed")
            self.show_message(f"The model could not be loaded: {message}", error=True, dialog=True)
        self._update_actions()

    def show_model_dialog(self, message: str = "") -> dialogs.ModelDialog:
        if self._model_dialog is not None and self._model_dialog.isVisible():
            return self._model_dialog
        dlg = dialogs.ModelDialog(message or "Choose where the model comes from.", self)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.finished.connect(self._on_model_dialog_finished)
        self._model_dialog = dlg
        dlg.open()
        return dlg

    @Slot(int)
    def _on_model_dialog_finished(self, code: int) -> None:
        dlg = self._model_dialog
        if dlg is not None and dlg.chosen:
            self.settings.model = dlg.chosen
            self.store.save(self.settings)
            self.load_model()

    # --- running ----------------------------------------------------------------------------------
    def _requests(self, specs: list[RegionSpec | None]) -> list[Request]:
        st = self.current
        if st is None:
            return []
        page = st.page
        all_specs = st.regions.get(page, [])
        reqs = []
        for spec in specs:
            task = spec.task if spec else self.current_task()
            template = None
            if task is Task.EXTRACT:
                template = (spec.template if spec else None) or self._template()
                if template is None:
                    if not self.edit_template():
                        return []
                    template = self._template()
            number = all_specs.index(spec) + 1 if spec in all_specs else 0
            where = f"#{number}" if spec else "page"
            label = f"{st.name} · p.{page + 1} · {where} {task.label}"
            reqs.append(
                Request(
                    document=st.doc,
                    page=page,
                    region=spec.region if spec else None,
                    task=task,
                    template=template,
                    rotation=st.rotation.get(page, 0),
                    dpi=self.settings.render_dpi,
                    max_new_tokens=self.settings.max_new_tokens or None,
                    label=label,
                )
            )
            reqs[-1].spec_id = spec.id if spec else ""  # type: ignore[attr-defined]
        return reqs

    def run_selected(self) -> list[Request]:
        specs = self.view.selected_specs()
        if not specs:
            page_specs = self.current.regions.get(self.current.page, []) if self.current else []
            if page_specs:
                return self.run_page()
            return self.run_whole_page()
        return self._submit(self._requests(specs), batch=len(specs) > 1)

    def run_page(self) -> list[Request]:
        if self.current is None:
            return []
        specs = list(self.current.regions.get(self.current.page, []))
        if not specs:
            return self.run_whole_page()
        return self._submit(self._requests(specs), batch=len(specs) > 1)

    def run_whole_page(self) -> list[Request]:
        return self._submit(self._requests([None]), batch=False)

    def _submit(self, reqs: list[Request], batch: bool) -> list[Request]:
        if not reqs:
            if self.current is None:
                self.show_message("Open a document first.")
            return []
        for r in reqs:
            entry = ResultEntry(
                id=r.id, label=r.label, task=r.task, document=r.document, page=r.page,
                spec_id=getattr(r, "spec_id", ""),
            )  # fmt: skip
            entry.meta["region"] = r.region
            self.results.add(entry, select=(r is reqs[0]))
        if self.model_state is ModelState.READY:
            self.worker.submit(reqs, batch)
        else:
            self._pending_runs.append((reqs, batch))
            if self.model_state in (ModelState.IDLE, ModelState.ERROR):
                self.load_model()
            elif self.model_state is ModelState.MISSING:
                self.show_model_dialog("The model is needed to recognise text.")
        self.state_label.setText(f"Queued {len(reqs)} job(s)")
        self._update_actions()
        return reqs

    def cancel(self) -> None:
        if self._model_dialog is not None and self._model_dialog.isVisible():
            return
        running = [e for e in self.results.entries if e.state.active]
        for reqs, _ in self._pending_runs:
            for r in reqs:
                e = self.results.entry(r.id)
                if e is not None:
                    self.results.set_state(e, JobState.CANCELLED)
        self._pending_runs = []
        if running or self.worker.pending:
            self.worker.cancel_all()
            self.state_label.setText("Stopping…")

    @Slot(str)
    def _on_job_started(self, job_id: str) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        self.results.set_state(entry, JobState.RUNNING)
        self.state_label.setText(f"Recognising {entry.label}…")
        self._store_start(entry)

    @Slot(str, str, int)
    def _on_chunk(self, job_id: str, delta: str, tokens: int) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        self.results.append(entry, delta, tokens)
        rate = entry.tokens_per_s()
        self.speed_label.setText(f"{rate:.1f} tok/s · {entry.tokens} tokens" if rate else f"{entry.tokens} tokens")
        self._store_partial(entry)

    @Slot(str, object)
    def _on_job_finished(self, job_id: str, result: Any) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        self.results.finish(entry, result)
        rate = result.timings.tokens_per_s
        self.speed_label.setText(f"{rate:.1f} tok/s · {result.timings.generated_tokens} tokens")
        cut = cut_notice(result)
        note = " (stopped)" if result.cancelled else (f" ({cut[0]})" if cut else "")
        self.state_label.setText(f"Done: {entry.label}{note}")
        self._store_finish(entry)

    @Slot(str, object)
    def _on_job_failed(self, job_id: str, exc: BaseException) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        message = user_message(exc)
        self.results.set_state(entry, JobState.ERROR, message)
        self.show_message(f"{entry.label}: {message}", error=True)
        self._store_finish(entry)

    @Slot(str)
    def _on_job_cancelled(self, job_id: str) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        self.results.set_state(entry, JobState.CANCELLED)
        self._store_finish(entry)

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        if not busy and not self._closing:
            if not any(e.state.active for e in self.results.entries):
                if self.state_label.text().startswith(("Stopping", "Recognising", "Queued")):
                    self.state_label.setText("Ready")
        self._update_actions()

    def is_busy(self) -> bool:
        return any(e.state.active for e in self.results.entries)

    # --- results ------------------------------------------------------------------------------
    def copy_result(self) -> bool:
        return self.results.copy_natural()

    def _fill_copy_as(self) -> None:
        self.copy_as_menu.clear()
        entry = self.results.current()
        if entry is None:
            self.copy_as_menu.addAction("No result selected").setEnabled(False)
            return
        from glmocr_desktop.gui import clipboard

        for key, label in clipboard.copy_options(entry.task, entry.text):
            self.copy_as_menu.addAction(label, lambda k=key: self.results.copy_as(k))

    def save_results(self) -> None:
        entries = [e for e in self.results.entries if e.text]
        if not entries:
            self.show_message("There is no result to save yet.")
            return
        start = str(Path(self.settings.last_dir or Path.home()) / "results.md")
        path, chosen = QFileDialog.getSaveFileName(self, "Save results", start, "Markdown (*.md);;JSON (*.json)")
        if path:
            self.save_results_to(path, "json" if path.lower().endswith(".json") or "JSON" in chosen else "md")

    def save_results_to(self, path: str, fmt: str) -> None:
        entries = [e for e in self.results.entries if e.text]
        results = [self._entry_result(e) for e in entries]
        from glmocr_desktop.core.exports import save_result

        try:
            save_result(path, results, fmt)
        except Exception as exc:  # noqa: BLE001
            self.show_message(f"Could not save {path}: {exc}", error=True, dialog=True)
            return
        self.show_message(f"Saved {len(results)} result(s) to {path}")

    def _entry_result(self, entry: ResultEntry):
        if entry.result is not None:
            r = entry.result
            if entry.edited:
                import dataclasses

                r = dataclasses.replace(r, text=entry.text, extraction=entry.extraction)
            return r
        return Result(
            job_id=entry.id, task=entry.task, text=entry.text, raw_text=entry.text,
            source=Source(file=str(getattr(entry.document, "path", "")), page=entry.page,
                          region=entry.meta.get("region")),
            cancelled=entry.state is JobState.CANCELLED,
        )  # fmt: skip

    @Slot(object)
    def _on_result_selected(self, entry: Any) -> None:
        if entry is None or self.current is None or entry.document is not self.current.doc:
            return
        if entry.page != self.current.page:
            return
        for spec in self.current.regions.get(self.current.page, []):
            if spec.id == entry.spec_id:
                self.view.select_spec(spec)

    @Slot(object)
    def _on_result_edited(self, entry: Any) -> None:
        self._store_finish(entry)

    @Slot(object)
    def _on_result_deleted(self, entry: Any) -> None:
        rs = self.result_store
        if rs is not None and entry.meta.get("store_id") is not None:
            try:
                rs.delete_result(entry.meta["store_id"])
            except Exception:  # noqa: BLE001
                log.exception("delete from store failed")

    # --- result store (optional until core/store.py lands) ----------------------------------------
    def _open_store(self) -> None:
        try:
            from glmocr_desktop.gui.history import attach_store
        except ImportError:
            return
        try:
            attach_store(self)
        except Exception:  # noqa: BLE001 - the app works without history
            log.exception("result store unavailable")
            self.result_store = None

    def _restore_from_store(self, st: DocState) -> None:
        hook = getattr(self, "store_restore", None)
        if hook:
            hook(st)

    def _save_regions(self, st: DocState) -> None:
        hook = getattr(self, "store_regions", None)
        if hook:
            hook(st)

    def _store_start(self, entry: ResultEntry) -> None:
        hook = getattr(self, "store_start", None)
        if hook:
            hook(entry)

    def _store_partial(self, entry: ResultEntry) -> None:
        hook = getattr(self, "store_partial", None)
        if hook:
            hook(entry)

    def _store_finish(self, entry: ResultEntry) -> None:
        hook = getattr(self, "store_finish", None)
        if hook:
            hook(entry)

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
        self._apply_theme()
        if reload_model and self.model_state != "idle":
            self.load_model()

    # --- misc ---------------------------------------------------------------------------------------
    def show_message(self, text: str, error: bool = False, dialog: bool = False) -> None:
        self.messages.append(text)
        if error:
            self.last_error = text
            log.warning("%s", text)
        self.statusBar().showMessage(text, 8000)
        if dialog and not self._closing:
            dialogs.show_error(self, APP_NAME, text)

    def _update_actions(self) -> None:
        has_doc = self.current is not None
        busy = self.is_busy() if hasattr(self, "results") else False
        for a in (self.act_zoom_in, self.act_zoom_out, self.act_fit_width, self.act_fit_page, self.act_rotate,
                  self.act_whole, self.act_run, self.act_run_page, self.act_run_whole, self.act_close_doc,
                  self.act_prev, self.act_next):  # fmt: skip
            a.setEnabled(has_doc)
        self.act_stop.setEnabled(busy or bool(self._pending_runs))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = [p for p in self.settings.recent_files if Path(p).exists()]
        if not files:
            self.recent_menu.addAction("No recent files").setEnabled(False)
            return
        for p in files:
            self.recent_menu.addAction(Path(p).name, lambda p=p: self.open_paths([p])).setToolTip(p)
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear list", self._clear_recent)

    def _clear_recent(self) -> None:
        self.settings.recent_files = []
        self.store.save(self.settings)

    def notify_startup(self, text: str) -> None:
        """Something the user must know about start-up (e.g. the results store was repaired).

        Shown in the status bar now and once in a non-blocking message box after the window appears.
        """
        self.show_message(text, error=True)
        self._startup_notices.append(text)
        if self._shown_once:
            QTimer.singleShot(0, self._show_startup_notices)

    def showEvent(self, event) -> None:  # noqa: N802
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

    def closeEvent(self, event) -> None:
        self._closing = True
        self.worker.cancel_all()
        finished = self.worker.shutdown(timeout_ms=10000)
        if not finished:
            log.warning("the inference thread did not stop in time")
        for pool in (self.pool, self.open_pool):
            pool.clear()
            if not pool.waitForDone(3000):
                # A render stuck inside a damaged file cannot be interrupted. Destroying the pool would wait
                # for it forever, so it is kept alive and left behind; the process can still exit.
                log.warning("background work still running at close; not waiting for it")
                pool.setParent(None)
                _ABANDONED.append(pool)
        # results the worker finished while stopping are queued to us: record them before the store closes
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        hook = getattr(self, "store_close", None)
        if hook:
            hook()
        try:
            self.store.save_window_state(self.saveGeometry(), self.saveState())
            self.store.save(self.settings)
        except Exception:  # noqa: BLE001
            log.exception("saving settings failed")
        for st in self.docs:
            try:
                st.doc.close()
            except Exception:  # noqa: BLE001
                pass
        super().closeEvent(event)
