"""Dialogs: PDF password, missing model (choose a folder or download), settings, extraction template."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from glmocr_desktop import DEFAULT_MODEL_ID
from glmocr_desktop.core.extraction import READY_TEMPLATES, validate_template
from glmocr_desktop.core.settings import DEVICES, DTYPES, MAX_DPI, MAX_TOKENS, MIN_DPI, THEMES, Settings
from glmocr_desktop.gui.engine_settings import EngineSettingsPage
from glmocr_desktop.gui.icons import icon


def ask_password(parent: QWidget | None, name: str, wrong: bool = False) -> str | None:
    """Ask for a PDF's password; None when the user cancels."""
    prompt = f"“{name}” is protected by a password."
    if wrong:
        prompt = f"That password did not open “{name}”. Try again."
    text, ok = QInputDialog.getText(parent, "Password required", prompt, QLineEdit.EchoMode.Password)
    return text if ok else None


# --- model -------------------------------------------------------------------------------------


class _DownloadBridge(QObject):
    progress = Signal(object, object, str)  # done, total (python ints: may exceed 2**31)
    finished = Signal(str)
    failed = Signal(str, bool)  # message, cancelled


class ModelDialog(QDialog):
    """Explains that the model is missing; offers a local folder or a download from the hub."""

    TITLE = "GLM-OCR model needed"
    HEAD = "The GLM-OCR model is not on this computer yet."
    FOLDER_CAPTION = "Folder with the GLM-OCR model"

    def __init__(self, message: str, parent: QWidget | None = None, repo_id: str = DEFAULT_MODEL_ID) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.TITLE)
        self.setMinimumWidth(520)
        self.repo_id = repo_id
        self.chosen: str | None = None
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

        head = QLabel(f"<b>{self.HEAD}</b>")
        body = QLabel(self.body_html(message))
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.RichText)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body = body
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.folder_button = QPushButton(icon("folder"), "Choose folder…")
        self.download_button = QPushButton(icon("download"), "Download")
        self.download_button.setDefault(True)
        self.cancel_button = QPushButton("Close")
        self.folder_button.clicked.connect(self.choose_folder)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(head)
        layout.addWidget(body)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self._bridge = _DownloadBridge(self)
        self._bridge.progress.connect(self._on_progress)
        self._bridge.finished.connect(self._on_finished)
        self._bridge.failed.connect(self._on_failed)

    def body_html(self, message: str) -> str:
        return (
            f"{message}<br><br>Choose a folder that holds the model, or download <code>{self.repo_id}</code> "
            "(about 2.7 GB) from Hugging Face. The download can be stopped and resumed later."
        )

    def check_folder(self, folder: Path) -> None:
        """Raises an OcrError that says what is wrong with ``folder``."""
        from glmocr_desktop.engines.modelfiles import check_model_dir

        check_model_dir(folder)

    @Slot()
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.FOLDER_CAPTION)
        if folder:
            self.use_folder(folder)

    def use_folder(self, folder: str) -> bool:
        from glmocr_desktop.core.errors import OcrError

        try:
            self.check_folder(Path(folder))
        except OcrError as exc:
            self.status.setText(str(exc))
            return False
        self.chosen = folder
        self.accept()
        return True

    @Slot()
    def start_download(self, downloader=None) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        from glmocr_desktop.engines.hub import DownloadCancelled, download_model

        download = downloader or download_model
        self._cancel.clear()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText("Connecting to Hugging Face…")
        self.download_button.setEnabled(False)
        self.folder_button.setEnabled(False)
        self.cancel_button.setText("Stop download")
        bridge = self._bridge

        def work() -> None:
            try:
                path = download(
                    self.repo_id, progress=lambda d, t, m: bridge.progress.emit(d, t, m), cancel=self._cancel
                )
            except DownloadCancelled:
                bridge.failed.emit("The download was stopped. The files finished so far are kept; the next try fetches the rest.", True)
                return
            except Exception as exc:
                bridge.failed.emit(str(exc), False)
                return
            bridge.finished.emit(str(path))

        self._thread = threading.Thread(target=work, name="model-download", daemon=True)
        self._thread.start()

    @Slot(object, object, str)
    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(1.0, done / total)))
        self.status.setText(f"Downloading… {message}")

    @Slot(str)
    def _on_finished(self, path: str) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self.chosen = self.repo_id
        self.status.setText(f"Downloaded to {path}")
        self.accept()

    @Slot(str, bool)
    def _on_failed(self, message: str, cancelled: bool) -> None:
        self.progress.hide()
        self.status.setText(message)
        self.download_button.setEnabled(True)
        self.download_button.setText("Resume download" if cancelled else "Try again")
        self.folder_button.setEnabled(True)
        self.cancel_button.setText("Close")

    @Slot()
    def cancel(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._cancel.set()
            self.status.setText("Stopping…")
            return
        self.reject()

    def done(self, result: int) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._cancel.set()
            self._thread.join(timeout=3)
        super().done(result)

    @property
    def downloading(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


class LayoutModelDialog(ModelDialog):
    """The layout model (PP-DocLayoutV3) is missing: the command that gets it, a folder, or a download."""

    TITLE = "Layout model needed"
    HEAD = "The layout model is not on this computer yet."
    FOLDER_CAPTION = "Folder with the PP-DocLayoutV3 layout model"

    def __init__(self, message: str, parent: QWidget | None = None, repo_id: str = "") -> None:
        from glmocr_desktop.engines.layout import DEFAULT_LAYOUT_MODEL_ID  # not at start-up

        super().__init__(message, parent, repo_id or DEFAULT_LAYOUT_MODEL_ID)

    def body_html(self, message: str) -> str:
        return (
            f"{html.escape(message)}<br><br>Detect Layout finds the page's titles, paragraphs, tables, formulas "
            f"and pictures with PP-DocLayoutV3, as the GLM-OCR pipeline does. Get it with<br>"
            f"<code>hf download {self.repo_id}</code><br>press Download to fetch it from Hugging Face now, or "
            "choose a folder that holds it (config.json, model.safetensors, preprocessor_config.json)."
        )

    def check_folder(self, folder: Path) -> None:
        from glmocr_desktop.engines.layout import check_layout_dir

        check_layout_dir(folder)


def open_once(shown: QDialog | None, make: Callable[[], QDialog], finished: Callable[[int], None]) -> QDialog:
    """The dialog ``shown`` if it is still up, else a new window-modal one, opened without a nested event
    loop (the window goes on working; ``finished`` hears how it ended)."""
    if shown is not None and shown.isVisible():
        return shown
    dlg = make()
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.finished.connect(finished)
    dlg.open()
    return dlg


def ask_replace_edited(parent: QWidget | None, edited_pages: list[int], pages: int) -> str | None:
    """Detecting again over regions the user edited: "replace", "skip" (those pages) or None (cancel).

    ``edited_pages`` are 1-based; ``pages`` is how many pages the detection covers."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Replace edited regions?")
    where = f"page {edited_pages[0]}" if len(edited_pages) == 1 else "pages " + ", ".join(map(str, edited_pages))
    box.setText(f"You edited the detected regions of {where}.")
    box.setInformativeText("Detecting the layout again replaces them (regions you drew stay).")
    replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
    skip = None
    if pages > len(edited_pages):
        skip = box.addButton("Keep edited pages", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(skip or QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return "replace" if clicked is replace else "skip" if skip is not None and clicked is skip else None


def confirm_delete_from_history(parent: QWidget | None, label: str) -> bool:
    """Deleting a result from the history is for good: True only when the user says so."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Delete from history?")
    box.setText(f"Delete {label} from the history?")
    box.setInformativeText("It is deleted for good: Undo cannot bring it back. (Del only takes a result "
                           "off the list.)")  # fmt: skip
    delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is delete


# --- settings ----------------------------------------------------------------------------------


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(480)
        s = settings.normalised()
        self.model = QLineEdit(s.model)
        self.model.setPlaceholderText(DEFAULT_MODEL_ID)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(browse)
        self.device = QComboBox()
        self.device.addItems(list(DEVICES))
        self.device.setCurrentText(s.device)
        self.dtype = QComboBox()
        self.dtype.addItems(list(DTYPES))
        self.dtype.setCurrentText(s.dtype)
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(0, MAX_TOKENS)
        self.max_tokens.setSpecialValueText("Task default")
        self.max_tokens.setSingleStep(256)
        self.max_tokens.setValue(s.max_new_tokens)
        self.dpi = QSpinBox()
        self.dpi.setRange(MIN_DPI, MAX_DPI)
        self.dpi.setSuffix(" dpi")
        self.dpi.setValue(s.render_dpi)
        self.theme = QComboBox()
        self.theme.addItems(list(THEMES))
        self.theme.setCurrentText(s.theme)
        self.layout_model = QLineEdit(s.layout_model)
        self.layout_model.setPlaceholderText("PP-DocLayoutV3 from the Hugging Face cache")
        browse_layout = QPushButton("Browse…")
        browse_layout.clicked.connect(self._browse_layout)
        layout_row = QHBoxLayout()
        layout_row.addWidget(self.layout_model, 1)
        layout_row.addWidget(browse_layout)
        form = QFormLayout()
        form.addRow("Model (hub id or folder)", model_row)
        form.addRow("Layout model (hub id or folder)", layout_row)
        form.addRow("Device", self.device)
        form.addRow("Precision", self.dtype)
        form.addRow("Max new tokens", self.max_tokens)
        form.addRow("Recognition DPI", self.dpi)
        form.addRow("Theme", self.theme)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        general = QWidget()
        general.setLayout(form)
        self.engine_page = EngineSettingsPage(s, self)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.engine_page, "Engine")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self._base = s

    def accept(self) -> None:
        problem = self.engine_page.problem()
        if problem:
            self.tabs.setCurrentWidget(self.engine_page)
            self.engine_page.test_result.setText(problem)
            return
        super().accept()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the GLM-OCR model")
        if folder:
            self.model.setText(folder)

    def _browse_layout(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, LayoutModelDialog.FOLDER_CAPTION)
        if folder:
            self.layout_model.setText(folder)

    def result_settings(self) -> Settings:
        s = Settings.from_dict(self._base.to_dict())
        s.model = self.model.text().strip() or DEFAULT_MODEL_ID
        s.layout_model = self.layout_model.text().strip()
        s.device = self.device.currentText()
        s.dtype = self.dtype.currentText()
        s.max_new_tokens = self.max_tokens.value()
        s.render_dpi = self.dpi.value()
        s.theme = self.theme.currentText()
        self.engine_page.apply(s)
        return s.normalised()


# --- extraction template -------------------------------------------------------------------------


def ready_templates() -> dict[str, dict]:
    return dict(READY_TEMPLATES)


def check_template(text: str) -> dict:
    """Parse and validate a template; raises TemplateError/ValueError with a readable message."""
    from glmocr_desktop.core.errors import TemplateError

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    checked = validate_template(data)
    return checked if isinstance(checked, dict) else data


class TemplateDialog(QDialog):
    """Edit the JSON fill-in template for information extraction, starting from a ready one."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Extraction template")
        self.resize(520, 460)
        self.ready = QComboBox()
        self.ready.addItem("Start from…")
        for name in ready_templates():
            self.ready.addItem(name)
        self.ready.currentTextChanged.connect(self._use_ready)
        self.editor = QPlainTextEdit(text)
        mono = self.editor.font()
        mono.setFamily("monospace")
        self.editor.setFont(mono)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d33;")
        self.editor.textChanged.connect(self._validate)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        hint = QLabel("A JSON object whose values are empty strings; the model fills them in.")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.ready)
        layout.addWidget(hint)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.template: dict | None = None
        self._validate()

    def _use_ready(self, name: str) -> None:
        tpl = ready_templates().get(name)
        if tpl is not None:
            self.editor.setPlainText(json.dumps(tpl, ensure_ascii=False, indent=2))

    def _validate(self) -> bool:
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            self.template = check_template(self.editor.toPlainText())
        except Exception as exc:
            self.template = None
            self.error.setText(str(exc))
            ok_button.setEnabled(False)
            return False
        self.error.setText("")
        ok_button.setEnabled(True)
        return True

    def text(self) -> str:
        return self.editor.toPlainText()


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()


def show_notice(parent: QWidget | None, title: str, message: str) -> QMessageBox:
    """An informative message that does not block the window (start-up notices)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.open()
    return box
