"""Dialogs: PDF password, missing model (choose a folder or download), settings, extraction template."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, Signal, Slot
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
from glmocr_desktop.gui.i18n import SHIPPED
from glmocr_desktop.gui.icons import icon


def ask_password(parent: QWidget | None, name: str, wrong: bool = False) -> str | None:
    """Ask for a PDF's password; None when the user cancels."""
    prompt = QCoreApplication.translate("Dialogs", "“{0}” is protected by a password.").format(name)
    if wrong:
        prompt = QCoreApplication.translate("Dialogs", "That password did not open “{0}”. Try again.")
        prompt = prompt.format(name)
    title = QCoreApplication.translate("Dialogs", "Password required")
    text, ok = QInputDialog.getText(parent, title, prompt, QLineEdit.EchoMode.Password)
    return text if ok else None


# --- model -------------------------------------------------------------------------------------


class _DownloadBridge(QObject):
    progress = Signal(object, object, str)  # done, total (python ints: may exceed 2**31)
    finished = Signal(str)
    failed = Signal(str, bool)  # message, cancelled


class ModelDialog(QDialog):
    """Explains that the model is missing; offers a local folder or a download from the hub."""

    # shown through QCoreApplication.translate("ModelDialog", ...)
    TITLE = QT_TRANSLATE_NOOP("ModelDialog", "GLM-OCR model needed")
    HEAD = QT_TRANSLATE_NOOP("ModelDialog", "The GLM-OCR model is not on this computer yet.")
    FOLDER_CAPTION = QT_TRANSLATE_NOOP("ModelDialog", "Folder with the GLM-OCR model")

    def __init__(self, message: str, parent: QWidget | None = None, repo_id: str = DEFAULT_MODEL_ID) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("ModelDialog", str(self.TITLE)))
        self.setMinimumWidth(520)
        self.repo_id = repo_id
        self.chosen: str | None = None
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

        head = QLabel(f"<b>{QCoreApplication.translate('ModelDialog', str(self.HEAD))}</b>")
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
        self.folder_button = QPushButton(icon("folder"), self.tr("Choose folder…"))
        self.download_button = QPushButton(icon("download"), self.tr("Download"))
        self.download_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Close"))
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
        return f"{message}<br><br>" + self.tr(
            "Choose a folder that holds the model, or download {0} (about 2.7 GB) from Hugging Face. "
            "The download can be stopped and resumed later."
        ).format(f"<code>{self.repo_id}</code>")

    def check_folder(self, folder: Path) -> None:
        """Raises an OcrError that says what is wrong with ``folder``."""
        from glmocr_desktop.engines.modelfiles import check_model_dir

        check_model_dir(folder)

    @Slot()
    def choose_folder(self) -> None:
        caption = QCoreApplication.translate("ModelDialog", str(self.FOLDER_CAPTION))
        folder = QFileDialog.getExistingDirectory(self, caption)
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
        self.status.setText(self.tr("Connecting to Hugging Face…"))
        self.download_button.setEnabled(False)
        self.folder_button.setEnabled(False)
        self.cancel_button.setText(self.tr("Stop download"))
        bridge = self._bridge
        stopped = self.tr(
            "The download was stopped. The files finished so far are kept; the next try fetches the rest."
        )

        def work() -> None:
            try:
                path = download(
                    self.repo_id, progress=lambda d, t, m: bridge.progress.emit(d, t, m), cancel=self._cancel
                )
            except DownloadCancelled:
                bridge.failed.emit(stopped, True)
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
        self.status.setText(self.tr("Downloading… {0}").format(message))

    @Slot(str)
    def _on_finished(self, path: str) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self.chosen = self.repo_id
        self.status.setText(self.tr("Downloaded to {0}").format(path))
        self.accept()

    @Slot(str, bool)
    def _on_failed(self, message: str, cancelled: bool) -> None:
        self.progress.hide()
        self.status.setText(message)
        self.download_button.setEnabled(True)
        self.download_button.setText(self.tr("Resume download") if cancelled else self.tr("Try again"))
        self.folder_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Close"))

    @Slot()
    def cancel(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._cancel.set()
            self.status.setText(self.tr("Stopping…"))
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

    TITLE = QT_TRANSLATE_NOOP("ModelDialog", "Layout model needed")
    HEAD = QT_TRANSLATE_NOOP("ModelDialog", "The layout model is not on this computer yet.")
    FOLDER_CAPTION = QT_TRANSLATE_NOOP("ModelDialog", "Folder with the PP-DocLayoutV3 layout model")

    def __init__(self, message: str, parent: QWidget | None = None, repo_id: str = "") -> None:
        from glmocr_desktop.engines.layout import DEFAULT_LAYOUT_MODEL_ID  # not at start-up

        super().__init__(message, parent, repo_id or DEFAULT_LAYOUT_MODEL_ID)

    def body_html(self, message: str) -> str:
        return f"{html.escape(message)}<br><br>" + self.tr(
            "Detect Layout finds the page's titles, paragraphs, tables, formulas and pictures with PP-DocLayoutV3, "
            "as the GLM-OCR pipeline does. Get it with<br>{0}<br>press Download to fetch it from Hugging Face now, "
            "or choose a folder that holds it (config.json, model.safetensors, preprocessor_config.json)."
        ).format(f"<code>hf download {self.repo_id}</code>")

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
    box.setWindowTitle(QCoreApplication.translate("Dialogs", "Replace edited regions?"))
    if len(edited_pages) == 1:
        text = QCoreApplication.translate("Dialogs", "You edited the detected regions of page {0}.")
    else:
        text = QCoreApplication.translate("Dialogs", "You edited the detected regions of pages {0}.")
    box.setText(text.format(", ".join(map(str, edited_pages))))
    box.setInformativeText(QCoreApplication.translate(
        "Dialogs", "Detecting the layout again replaces them (regions you drew stay)."))
    replace = box.addButton(QCoreApplication.translate("Dialogs", "Replace"),
                            QMessageBox.ButtonRole.DestructiveRole)
    skip = None
    if pages > len(edited_pages):
        skip = box.addButton(QCoreApplication.translate("Dialogs", "Keep edited pages"),
                             QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(skip or QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return "replace" if clicked is replace else "skip" if skip is not None and clicked is skip else None


def confirm_delete_from_history(parent: QWidget | None, label: str) -> bool:
    """Deleting a result from the history is for good: True only when the user says so."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("Dialogs", "Delete from history?"))
    box.setText(QCoreApplication.translate("Dialogs", "Delete {0} from the history?").format(label))
    box.setInformativeText(QCoreApplication.translate(
        "Dialogs", "It is deleted for good: Undo cannot bring it back. (Del only takes a result off the list.)"))
    delete = box.addButton(QCoreApplication.translate("Dialogs", "Delete"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is delete


# --- settings ----------------------------------------------------------------------------------


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(480)
        s = settings.normalised()
        self.model = QLineEdit(s.model)
        self.model.setPlaceholderText(DEFAULT_MODEL_ID)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(browse)
        # the combo boxes show a value's name in the window's language and keep the value as its data
        auto = self.tr("auto")
        self.device = _choices(DEVICES, s.device, {"auto": auto})
        self.dtype = _choices(DTYPES, s.dtype, {"auto": auto})
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(0, MAX_TOKENS)
        self.max_tokens.setSpecialValueText(self.tr("Task default"))
        self.max_tokens.setSingleStep(256)
        self.max_tokens.setValue(s.max_new_tokens)
        self.dpi = QSpinBox()
        self.dpi.setRange(MIN_DPI, MAX_DPI)
        self.dpi.setSuffix(self.tr(" dpi"))
        self.dpi.setValue(s.render_dpi)
        self.theme = _choices(THEMES, s.theme, {"system": self.tr("system"), "light": self.tr("light"),
                                                "dark": self.tr("dark")})
        self.language = QComboBox()
        self.language.addItem(self.tr("System default"), "system")
        for code, name in SHIPPED.items():  # each language by its own name
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        language_note = QLabel(self.tr("Takes effect when the app starts again."))
        language_note.setWordWrap(True)
        self.layout_model = QLineEdit(s.layout_model)
        self.layout_model.setPlaceholderText(self.tr("PP-DocLayoutV3 from the Hugging Face cache"))
        browse_layout = QPushButton(self.tr("Browse…"))
        browse_layout.clicked.connect(self._browse_layout)
        layout_row = QHBoxLayout()
        layout_row.addWidget(self.layout_model, 1)
        layout_row.addWidget(browse_layout)
        form = QFormLayout()
        form.addRow(self.tr("Model (hub id or folder)"), model_row)
        form.addRow(self.tr("Layout model (hub id or folder)"), layout_row)
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("Precision"), self.dtype)
        form.addRow(self.tr("Max new tokens"), self.max_tokens)
        form.addRow(self.tr("Recognition DPI"), self.dpi)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Language"), self.language)
        form.addRow("", language_note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        general = QWidget()
        general.setLayout(form)
        self.engine_page = EngineSettingsPage(s, self)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, self.tr("General"))
        self.tabs.addTab(self.engine_page, self.tr("Engine"))
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
        caption = QCoreApplication.translate("ModelDialog", str(ModelDialog.FOLDER_CAPTION))
        folder = QFileDialog.getExistingDirectory(self, caption)
        if folder:
            self.model.setText(folder)

    def _browse_layout(self) -> None:
        caption = QCoreApplication.translate("ModelDialog", str(LayoutModelDialog.FOLDER_CAPTION))
        folder = QFileDialog.getExistingDirectory(self, caption)
        if folder:
            self.layout_model.setText(folder)

    def result_settings(self) -> Settings:
        s = Settings.from_dict(self._base.to_dict())
        s.model = self.model.text().strip() or DEFAULT_MODEL_ID
        s.layout_model = self.layout_model.text().strip()
        s.device = str(self.device.currentData())
        s.dtype = str(self.dtype.currentData())
        s.max_new_tokens = self.max_tokens.value()
        s.render_dpi = self.dpi.value()
        s.theme = str(self.theme.currentData())
        s.language = str(self.language.currentData())
        self.engine_page.apply(s)
        return s.normalised()


def _choices(values: tuple[str, ...], current: str, names: dict[str, str]) -> QComboBox:
    """A combo box of ``values`` (shown by their name in ``names`` where they have one), ``current`` chosen."""
    box = QComboBox()
    for value in values:
        box.addItem(names.get(value, value), value)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


# --- extraction template -------------------------------------------------------------------------


def ready_templates() -> dict[str, dict]:
    return dict(READY_TEMPLATES)


def check_template(text: str) -> dict:
    """Parse and validate a template; raises TemplateError/ValueError with a readable message."""
    from glmocr_desktop.core.errors import TemplateError

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(QCoreApplication.translate("Dialogs", "Not valid JSON: {0} (line {1}, column {2}).")
                            .format(exc.msg, exc.lineno, exc.colno)) from None
    checked = validate_template(data)
    return checked if isinstance(checked, dict) else data


class TemplateDialog(QDialog):
    """Edit the JSON fill-in template for information extraction, starting from a ready one."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Extraction template"))
        self.resize(520, 460)
        self.ready = QComboBox()
        self.ready.addItem(self.tr("Start from…"), "")
        names = {"Invoice": self.tr("Invoice"), "Receipt": self.tr("Receipt"), "ID card": self.tr("ID card"),
                 "Business card": self.tr("Business card")}
        for name in ready_templates():
            self.ready.addItem(names.get(name, name), name)
        self.ready.currentIndexChanged.connect(lambda i: self._use_ready(str(self.ready.itemData(i) or "")))
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
        hint = QLabel(self.tr("A JSON object whose values are empty strings; the model fills them in."))
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
        """Put the ready template ``name`` (its key in READY_TEMPLATES) in the editor."""
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
