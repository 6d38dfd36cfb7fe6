"""Settings › Engine: where the model runs (this computer or servers) and the server's API key.

The API key lives in the system keyring (``keyring``: Secret Service, macOS Keychain, Windows
Credential Locker), never in the settings file or the log. Where no keyring backend is available the
page says so and the key is kept for this session only. "Test connection" lists each server's models
and its round trip, checked on a thread of its own. A plain ``http://`` URL to another computer is
accepted only after a warning (pages and key would travel unencrypted); TLS verification stays on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from glmocr_desktop.core.settings import MAX_CONCURRENCY, Settings

log = logging.getLogger(__name__)

KEYRING_SERVICE = "glmocr-desktop"
KEYRING_USER = "remote-engine"
#: shown through QCoreApplication.translate("EngineSettings", ...)
ENGINE_LABELS = {
    "local": QT_TRANSLATE_NOOP("EngineSettings", "This computer (local model)"),
    "openai": QT_TRANSLATE_NOOP(
        "EngineSettings", "OpenAI-compatible server (vLLM, SGLang, LM Studio, llama.cpp, glmocr-desktop serve)"
    ),
    "ollama": "Ollama",
}


class ApiKeyStore:
    """The remote engine's API key: in the system keyring, or for this session when there is none."""

    _session: ClassVar[dict[str, str]] = {}  # shared by every store of this process, never written anywhere

    def __init__(self, service: str = KEYRING_SERVICE, user: str = KEYRING_USER) -> None:
        self.service, self.user = service, user

    def backend_problem(self) -> str:
        """Why the keyring cannot be used ("" when it can)."""
        try:
            import keyring
            from keyring.backends import fail

            backend = keyring.get_keyring()
        except Exception as exc:  # a broken keyring install is no reason to stop the app
            return QCoreApplication.translate("EngineSettings", "the keyring could not be opened ({0}: {1})").format(
                type(exc).__name__, exc)  # fmt: skip
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
            return QCoreApplication.translate("EngineSettings", "no system keyring is available on this computer")
        return ""

    def get(self) -> str | None:
        if self.user in self._session:
            return self._session[self.user]
        if self.backend_problem():
            return None
        import keyring

        try:
            return keyring.get_password(self.service, self.user)
        except Exception as exc:
            log.warning("Reading the API key from the keyring failed: %s", type(exc).__name__)
            return None

    def set(self, key: str) -> str:
        """Keep ``key`` ("" forgets it); returns "keyring" or "session" (where it was kept)."""
        key = key.strip()
        problem = self.backend_problem()
        if not problem:
            import keyring

            try:
                if key:
                    keyring.set_password(self.service, self.user, key)
                else:
                    try:
                        keyring.delete_password(self.service, self.user)
                    except keyring.errors.PasswordDeleteError:
                        pass
                self._session.pop(self.user, None)
                return "keyring"
            except Exception as exc:
                log.warning("Saving the API key in the keyring failed: %s", type(exc).__name__)
        if key:
            self._session[self.user] = key
        else:
            self._session.pop(self.user, None)
        return "session"


def make_remote_engine(settings: Settings, keys: ApiKeyStore | None = None):
    """The remote engine the settings describe (call off the GUI thread: the keyring may be slow)."""
    from glmocr_desktop.core.errors import ModelError
    from glmocr_desktop.engines.remote import RemoteEngine

    if not settings.remote_urls:
        raise ModelError(QCoreApplication.translate("EngineSettings", "No server URL is set."),
                         hint=QCoreApplication.translate("EngineSettings", "Add one in Settings › Engine."))
    try:
        return RemoteEngine(settings.remote_urls, settings.remote_model, settings.engine,
                            api_key=(keys or ApiKeyStore()).get(), concurrency=settings.remote_concurrency)
    except ValueError as exc:
        raise ModelError(str(exc), hint=QCoreApplication.translate("EngineSettings", "Correct it in Settings › Engine.")) from None


def ask_plain_http(parent: QWidget | None, urls: list[str]) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("EngineSettings", "Unencrypted connection"))
    box.setText(QCoreApplication.translate(
        "EngineSettings", "These servers are on other computers and are reached over plain http:"))
    box.setInformativeText("\n".join(urls) + "\n\n" + QCoreApplication.translate(
        "EngineSettings", "The pages you read and the API key travel unencrypted; anyone on the network between "
        "can read them. Use https unless the network is yours."))  # fmt: skip
    use = box.addButton(QCoreApplication.translate("EngineSettings", "Use Anyway"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is use


class _CheckBridge(QObject):
    checked = Signal(object, float)  # list of engines.remote.ServerCheck, seconds taken


class EngineSettingsPage(QWidget):
    """The Engine page of the Settings dialog."""

    tested = Signal(str)  # the text shown after a Test connection

    def __init__(self, settings: Settings, parent: QWidget | None = None, *, keys: ApiKeyStore | None = None,
                 confirm_plain_http: Callable[[QWidget | None, list[str]], bool] = ask_plain_http) -> None:
        super().__init__(parent)
        s = settings.normalised()
        self.keys = keys or ApiKeyStore()
        self.confirm_plain_http = confirm_plain_http
        self._accepted_http = list(s.remote_plain_http_ok)
        self.engine = QComboBox()
        for value, label in ENGINE_LABELS.items():
            self.engine.addItem(QCoreApplication.translate("EngineSettings", str(label)), value)
        self.engine.setCurrentIndex(max(0, self.engine.findData(s.engine)))
        self.urls = QPlainTextEdit("\n".join(s.remote_urls))
        self.urls.setPlaceholderText(
            "https://gpu-box.example:8000\n" + self.tr("(one server per line; requests are spread over them)"))
        self.urls.setFixedHeight(72)
        self.model = QLineEdit(s.remote_model)
        self.model.setPlaceholderText(self.tr("glm-ocr (vLLM/SGLang --served-model-name; Ollama: glm-ocr)"))
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.forget_key = QPushButton(self.tr("Forget Key"))
        self.forget_key.clicked.connect(self._forget_key)
        self._forget = False
        self.key_changed = False  # set by apply() when a new key was kept or the old one forgotten
        problem = self.keys.backend_problem()
        self.key_note = QLabel()
        self.key_note.setWordWrap(True)
        if problem:
            self.key_note.setText(
                self.tr("The API key cannot be saved: {0}. It is kept until the app closes.").format(problem))
            self.api_key.setPlaceholderText(self.tr("kept for this session only"))
        else:
            self.key_note.setText(self.tr("The API key is kept in the system keyring, not in the settings file."))
            self.api_key.setPlaceholderText(self.tr("unchanged (leave empty to keep the saved key)"))
        key_row = QHBoxLayout()
        key_row.addWidget(self.api_key, 1)
        key_row.addWidget(self.forget_key)
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, MAX_CONCURRENCY)
        self.concurrency.setValue(s.remote_concurrency)
        self.concurrency.setToolTip(self.tr("Requests in flight at once over all servers (the official SDK uses 32)."))
        self.test_button = QPushButton(self.tr("Test Connection"))
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow(self.tr("Run the model on"), self.engine)
        form.addRow(self.tr("Server URLs"), self.urls)
        form.addRow(self.tr("Model name"), self.model)
        form.addRow(self.tr("API key"), key_row)
        form.addRow("", self.key_note)
        form.addRow(self.tr("Requests in flight"), self.concurrency)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.test_result)
        layout.addStretch(1)
        self._bridge = _CheckBridge(self)
        self._bridge.checked.connect(self._on_checked)
        self._testing: threading.Thread | None = None
        self.engine.currentIndexChanged.connect(self._update_enabled)
        self._update_enabled()

    # --- values ----------------------------------------------------------------------------------

    def engine_kind(self) -> str:
        return str(self.engine.currentData())

    def url_list(self) -> list[str]:
        return [line.strip() for line in self.urls.toPlainText().splitlines() if line.strip()]

    def _update_enabled(self) -> None:
        remote = self.engine_kind() != "local"
        for w in (self.urls, self.model, self.api_key, self.forget_key, self.concurrency, self.test_button):
            w.setEnabled(remote)

    def _forget_key(self) -> None:
        self.api_key.clear()
        self._forget = True
        self.key_note.setText(self.tr("The saved API key is forgotten when you press OK."))

    def problem(self) -> str:
        """What keeps the page from being applied ("" when nothing), checking URLs and http warnings."""
        if self.engine_kind() == "local":
            return ""
        from glmocr_desktop.engines.remote import is_plain_http_to_remote_host, normalise_url

        urls = self.url_list()
        if not urls:
            return self.tr("Add the URL of at least one server.")
        for url in urls:
            try:
                normalise_url(url)
            except ValueError as exc:
                return str(exc)
        plain = [u for u in urls if is_plain_http_to_remote_host(u) and u not in self._accepted_http]
        if plain:
            if not self.confirm_plain_http(self, plain):
                return self.tr("Use https for servers on other computers, or accept the warning.")
            self._accepted_http.extend(plain)
        return ""

    def apply(self, settings: Settings) -> Settings:
        """The settings with this page's values; the API key goes to the keyring (or this session)."""
        settings.engine = self.engine_kind()
        settings.remote_urls = self.url_list()
        settings.remote_model = self.model.text().strip() or "glm-ocr"
        settings.remote_concurrency = self.concurrency.value()
        settings.remote_plain_http_ok = [u for u in self._accepted_http if u in settings.remote_urls]
        key = self.api_key.text().strip()
        if key or self._forget:
            self.key_changed = True
            where = self.keys.set(key)
            log.info("API key %s (%s)", "saved" if key else "forgotten", where)
        return settings

    # --- test connection -------------------------------------------------------------------------

    @Slot()
    def test_connection(self) -> None:
        from glmocr_desktop.engines.remote import check_servers

        urls = self.url_list()
        if not urls:
            self._show(self.tr("Add the URL of at least one server."))
            return
        if self._testing is not None and self._testing.is_alive():
            return
        typed = self.api_key.text().strip()
        model, kind, keys, bridge = self.model.text().strip(), self.engine_kind(), self.keys, self._bridge
        self.test_button.setEnabled(False)
        self._show(self.tr("Testing…"))

        def work() -> None:
            import time

            started = time.perf_counter()
            key = typed or (None if self._forget else keys.get())
            checks = check_servers(urls, model, kind, api_key=key)
            bridge.checked.emit(checks, time.perf_counter() - started)

        self._testing = threading.Thread(target=work, name="engine-test", daemon=True)
        self._testing.start()

    @Slot(object, float)
    def _on_checked(self, checks: list, seconds: float) -> None:
        lines = []
        for c in checks:
            if c.ok:
                models = ", ".join(c.models) if c.models else self.tr("none listed")
                rtt = f"{c.round_trip_s * 1000:.0f} ms" if c.round_trip_s is not None else "?"
                line = self.tr("✓ {0}: {1}; models: {2}").format(c.url, rtt, models)
                if c.error:
                    line += f" ({c.error})"
            else:
                line = f"✗ {c.url}: {c.error}"
            lines.append(line)
        self.test_button.setEnabled(self.engine_kind() != "local")
        self._show("\n".join(lines))

    def _show(self, text: str) -> None:
        self.test_result.setText(text)
        self.tested.emit(text)
