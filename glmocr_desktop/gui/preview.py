"""The rendered preview: recognised text as Markdown, KaTeX math and tables in a locked-down web view.

Model output is untrusted. Python renders it to sanitised HTML blocks (:mod:`glmocr_desktop.core.render`);
the page (``assets/preview/``) has a strict Content-Security-Policy; the profile is off the record
and may load nothing but the shipped files; there is no QWebChannel. The page is driven only through
``runJavaScript`` calls whose data is a JSON literal (:func:`js_call`).

All methods must be called from the GUI thread. Connect a worker's signals to slots of QObjects that
live in the GUI thread (a bare lambda connected to a worker's signal runs in the worker).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QEventLoop,
    Qt,
    QThread,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QColor, QDesktopServices
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QMenu, QMessageBox, QVBoxLayout, QWidget

from glmocr_desktop.core.budget import html_to_plain, page_limits, plain_block
from glmocr_desktop.core.render import BlockUpdate, IncrementalRenderer
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui.webengine import BlockedRequest, ResourceOnlyInterceptor, create_locked_profile
from glmocr_desktop.resources import resource

log = logging.getLogger(__name__)

PREVIEW_PAGE = resource("preview", "preview.html")
#: At most ~30 page updates a second while streaming.
STREAM_INTERVAL_MS = 33
#: While streaming, rendering takes at most about this share of the GUI thread's time.
STREAM_RENDER_SHARE = 0.25
#: Renderer crashes less than this many seconds apart count as one run of crashes: the second one of
#: a run shows everything the page holds as plain text; after the fourth the page is not reloaded.
CRASH_WINDOW_S = 60.0
CRASHES_BEFORE_GIVING_UP = 4
CRASH_NOTICE = str(QT_TRANSLATE_NOOP("PreviewView", "This part stopped the preview"))  # shown translated
OPENABLE_SCHEMES = ("http", "https", "mailto")

_LIGHT_BG = QColor("#ffffff")
_DARK_BG = QColor("#17191c")


def js_literal(value: Any) -> str:
    """``value`` as a JavaScript literal that can never end a script context or a string early."""
    return (
        json.dumps(value, ensure_ascii=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def js_call(function: str, *args: Any) -> str:
    """``function(arg, ...)`` with every argument passed as a JSON literal, never spliced as code."""
    if not function.isidentifier():
        raise ValueError(f"not a function name: {function!r}")
    return f"{function}({', '.join(js_literal(a) for a in args)})"


class PreviewPage(QWebEnginePage):
    """A page that never leaves ``preview.html``: link clicks become :attr:`link_clicked`."""

    link_clicked = Signal(QUrl)

    def __init__(self, profile: QWebEngineProfile, home: QUrl, parent=None) -> None:
        super().__init__(profile, parent)
        self._home = home
        self.console: list[tuple[int, str, int, str]] = []
        self.refused: list[str] = []  # navigations refused (tests read it)
        self.permissionRequested.connect(self._deny_permission)
        self.fileSystemAccessRequested.connect(self._deny_file_system)

    def acceptNavigationRequest(
        self, url: QUrl, kind: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        if (
            is_main_frame
            and self._is_home(url)
            and kind
            in (
                QWebEnginePage.NavigationType.NavigationTypeTyped,
                QWebEnginePage.NavigationType.NavigationTypeReload,
                QWebEnginePage.NavigationType.NavigationTypeOther,
            )
        ):
            return True
        self.refused.append(url.toString())
        if (
            kind == QWebEnginePage.NavigationType.NavigationTypeLinkClicked
            and url.scheme() in OPENABLE_SCHEMES
        ):
            self.link_clicked.emit(QUrl(url))
        return False

    def _is_home(self, url: QUrl) -> bool:
        return url.scheme() == "file" and not url.hasQuery() and url.toLocalFile() == self._home.toLocalFile()

    def createWindow(self, _type):
        return None

    def javaScriptConsoleMessage(self, level, message: str, line: int, source: str) -> None:
        self.console.append(
            (int(level.value) if hasattr(level, "value") else int(level), message, line, source)
        )
        del self.console[:-200]
        log.debug("preview console: %s (%s:%s)", message, source, line)

    @Slot(object)
    def _deny_permission(self, permission) -> None:
        permission.deny()

    @Slot(object)
    def _deny_file_system(self, request) -> None:
        request.reject()


class PreviewView(QWidget):
    """Shows a result as rendered Markdown; streams updates block by block.

    ``set_text`` shows a whole result; ``stream_text`` is for partial text while tokens arrive (throttled,
    only changed blocks are sent). ``page_ready`` fires once the page and its script have loaded;
    updates before that are kept and sent then. ``link_clicked`` carries http(s)/mailto links the user
    clicked (see :func:`confirm_and_open`); the page itself never navigates.
    """

    page_ready = Signal()
    link_clicked = Signal(QUrl)
    updated = Signal(int, int)  # start index, total blocks: a block update was sent to the page
    #: The page's renderer stopped (a message for the user, once per crash; the content that was being
    #: shown then is shown as plain text from now on and never sent to the page again).
    renderer_crashed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, page: Path = PREVIEW_PAGE) -> None:
        super().__init__(parent)
        self._home = QUrl.fromLocalFile(str(page))
        # The view (and the page it owns) is created first so that it is destroyed before the profile.
        self._view = QWebEngineView(self)
        self._profile, self._interceptor = create_locked_profile(self)
        self._page = PreviewPage(self._profile, self._home, self._view)
        self._view.setPage(self._page)
        self._view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._view.customContextMenuRequested.connect(self._context_menu)
        self._view.setAcceptDrops(False)  # drops go to the window
        self._page.link_clicked.connect(self.link_clicked)
        self._page.loadFinished.connect(self._on_load_finished)
        self._page.renderProcessTerminated.connect(self._on_render_process_terminated)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)

        self._renderer = IncrementalRenderer()
        self._ready = False
        self._sent_total = 0
        self._dark: bool | None = None
        self._pending: tuple[str, Task] | None = None
        #: An update the page has not finished yet: the next one waits for it (back-pressure), so a slow
        #: block never piles up updates behind it. Only the newest state waits: streamed text in
        #: ``_pending``, other changes as the first block index that changed (``_held``).
        self._awaiting_ack = False
        self._held: int | None = None
        self._in_flight: list[str] = []  # blocks of the update the page is working on (or did last)
        self._unconfirmed = False  # the page gave no answer to the last update (its renderer died)
        self._poisoned: dict[str, str] = {}  # blocks that crashed the renderer -> their plain form
        self._crashes = 0  # in the current run of crashes (see CRASH_WINDOW_S)
        self._last_crash = -CRASH_WINDOW_S
        self._last_flush = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)
        self.last_update_ms = 0.0  # Python side of the last page call
        self.last_render_ms = 0.0  # the last streamed render (parse, sanitise, diff)

        self._page.setBackgroundColor(_LIGHT_BG)
        self._view.load(self._home)

    # --- state for the window and tests ---

    @property
    def view(self) -> QWebEngineView:
        return self._view

    @property
    def page(self) -> PreviewPage:
        return self._page

    @property
    def is_ready(self) -> bool:
        return self._ready

    @property
    def interceptor(self) -> ResourceOnlyInterceptor:
        return self._interceptor

    @property
    def blocked_requests(self) -> list[BlockedRequest]:
        """Requests the page tried and was refused (anything but the shipped files)."""
        return self._interceptor.blocked

    @property
    def blocks(self) -> list[str]:
        """The HTML blocks the page shows (or will show once ready)."""
        return self._renderer.blocks

    @property
    def text(self) -> str:
        return self._renderer.text

    # --- content ---

    def set_text(self, text: str, task: Task | str = Task.TEXT) -> None:
        """Show ``text`` now (a finished result). Blocks the page already shows are not sent again."""
        self._check_thread()
        self._timer.stop()
        self._pending = None
        self._send(self._renderer.update(text, Task.parse(task), full=True))

    def set_blocks(self, blocks: list[str]) -> None:
        """Show HTML blocks made by :mod:`glmocr_desktop.core.render` (which sanitises the content in
        them), e.g. an assembled document's; blocks the page already shows are not sent again."""
        self._check_thread()
        self._timer.stop()
        self._pending = None
        self._send(self._renderer.set_blocks(blocks))

    def stream_text(self, text: str, task: Task | str = Task.TEXT) -> None:
        """The whole text so far of a result being generated; sent at most ~30 times a second."""
        self._check_thread()
        self._pending = (text, Task.parse(task))
        if self._timer.isActive() or (self._awaiting_ack and self._ready):
            return  # sent when the timer fires, or when the page answers the update it is working on
        self._timer.start(self._stream_wait_ms())

    def flush(self) -> None:
        """Send a pending streamed update now."""
        self._timer.stop()
        self._flush()

    def clear(self) -> None:
        self._check_thread()
        self._timer.stop()
        self._pending = None
        self._held = None
        self._renderer.reset()
        self._sent_total = 0
        if self._ready:
            self.run_js(js_call("clear"))

    def set_dark(self, dark: bool | None) -> None:
        """Dark or light colours; ``None`` follows the system (prefers-color-scheme)."""
        self._dark = dark
        self._page.setBackgroundColor(_DARK_BG if dark else _LIGHT_BG)
        if self._ready:
            self.run_js(js_call("setTheme", _theme(dark)))

    # --- JavaScript ---

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run ``script`` in the page; ``callback`` gets its raw result later.

        Qt hands numbers, strings and booleans over; objects and arrays arrive as ``''`` (PySide6
        6.12), so use :meth:`query` for those.
        """
        if callback is None:
            self._page.runJavaScript(script, 0)
        else:
            self._page.runJavaScript(script, 0, callback)

    def query(self, expression: str, callback: Callable[[Any], None]) -> None:
        """Evaluate a JavaScript expression; ``callback`` gets its value as JSON-decoded Python data."""
        wrapped = f"JSON.stringify({{v: ({expression})}})"

        def decode(raw: Any) -> None:
            try:
                callback(json.loads(raw).get("v") if isinstance(raw, str) and raw else None)
            except ValueError:
                callback(None)

        self.run_js(wrapped, decode)

    def evaluate(self, expression: str, timeout_ms: int = 5000) -> Any:
        """:meth:`query` that waits for the value (spins a local event loop: tests and screenshots only)."""
        loop = QEventLoop()
        box: dict[str, Any] = {}

        def done(value: Any) -> None:
            box["value"] = value
            loop.quit()

        self.query(expression, done)
        if "value" not in box:
            QTimer.singleShot(timeout_ms, loop.quit)
            loop.exec()
        if "value" not in box:
            raise TimeoutError(f"no answer from the preview page within {timeout_ms} ms")
        return box["value"]

    def grab_png(self, path: str | Path) -> bool:
        """Save what the preview shows as a PNG."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return self._view.grab().save(str(path), "PNG")

    # --- internals ---

    def _check_thread(self) -> None:
        if QThread.currentThread() != self.thread():
            raise RuntimeError(
                "PreviewView is used from a worker thread; connect the worker's signal to a slot of an "
                "object that lives in the GUI thread."
            )

    @Slot()
    def _flush(self) -> None:
        if self._pending is None or (self._awaiting_ack and self._ready):
            return
        text, task = self._pending
        self._pending = None
        self._last_flush = time.monotonic()
        started = time.perf_counter()
        update = self._renderer.update(text, task)
        self.last_render_ms = (time.perf_counter() - started) * 1000.0
        self._send(update)

    def _send(self, update: BlockUpdate) -> None:
        if not self._ready:
            return  # sent in full once the page has loaded
        if not update.blocks and update.total == self._sent_total:
            return  # nothing changed
        if self._awaiting_ack:
            # the page is still busy: remember where the change starts, send the newest state later
            self._held = update.start if self._held is None else min(self._held, update.start)
            return
        self._post(update.start)

    def _post(self, start: int) -> None:
        """Send blocks ``start..`` of what the renderer holds; the page answers when it is done."""
        blocks = self._renderer.blocks
        start = min(start, len(blocks))
        started = time.perf_counter()
        self._sent_total = len(blocks)
        self._in_flight = blocks[start:]
        self._awaiting_ack = True
        self.run_js(js_call("setBlocks", start, [self._safe(b) for b in self._in_flight], len(blocks)),
                    self._on_update_done)
        self.last_update_ms = (time.perf_counter() - started) * 1000.0
        self.updated.emit(start, len(blocks))

    def _safe(self, block: str) -> str:
        """``block``, or its plain text when it once crashed the renderer."""
        return self._poisoned.get(block, block)

    def _on_update_done(self, result: Any) -> None:
        """The page has applied an update; send what changed meanwhile, if anything."""
        if not self._awaiting_ack:
            return  # an answer from before a reload
        if not isinstance(result, (int, float)):  # setBlocks answers with a number
            # No answer: the renderer died on this update (Qt calls back with nothing before it
            # reports the crash). The blocks stay suspects; _on_render_process_terminated reloads.
            self._unconfirmed = True
            return
        self._awaiting_ack = False
        self._unconfirmed = False
        if self._held is not None:
            held, self._held = self._held, None
            self._post(held)
        elif self._pending is not None and not self._timer.isActive():
            self._timer.start(self._stream_wait_ms())

    def _stream_wait_ms(self) -> int:
        """How long the next streamed update waits: ~30 a second, fewer when rendering is slow, so the
        GUI thread spends at most :data:`STREAM_RENDER_SHARE` of its time on it."""
        interval = max(STREAM_INTERVAL_MS, self.last_render_ms / STREAM_RENDER_SHARE)
        return max(0, int(interval - (time.monotonic() - self._last_flush) * 1000.0))

    @Slot(bool)
    def _on_load_finished(self, ok: bool) -> None:
        if not ok:
            log.warning("preview page did not load: %s", self._home.toString())
            return
        self._ready = True
        self._awaiting_ack = False
        self._held = None
        self._sent_total = 0
        self.run_js(js_call("setLimits", page_limits()))
        if self._dark is not None:
            self.run_js(js_call("setTheme", _theme(self._dark)))
        if self._renderer.blocks:
            self._post(0)
        self.page_ready.emit()

    @Slot(object, int)
    def _on_render_process_terminated(self, status, code: int) -> None:
        """The renderer died (out of memory, killed). Content it died on is never sent to it again:
        when it was working on an update, those blocks are shown as plain text from now on; when it died
        idle, the page is reloaded as it was, and should it die again soon, everything it showed is
        shown as plain text."""
        log.warning("preview renderer ended (%s, %s); reloading", status, code)
        now = time.monotonic()
        self._crashes = self._crashes + 1 if now - self._last_crash < CRASH_WINDOW_S else 1
        self._last_crash = now
        if (self._awaiting_ack or self._unconfirmed) and self._in_flight:
            suspects = self._in_flight
        elif self._crashes > 1:
            suspects = self._renderer.blocks
        else:
            suspects = []
        for block in suspects:
            if block not in self._poisoned:
                self._poisoned[block] = plain_block(html_to_plain(block), QCoreApplication.translate("PreviewView", CRASH_NOTICE))
        self._ready = False
        self._awaiting_ack = self._unconfirmed = False
        self._held = None
        self._in_flight = []
        self.renderer_crashed.emit(
            self.tr("The preview stopped while showing this result; the part that stopped it is shown as plain text.")
            if suspects else self.tr("The preview stopped while showing this result; it was reloaded.")
        )
        if self._crashes >= CRASHES_BEFORE_GIVING_UP:
            log.error("preview renderer keeps ending; not reloading it")
            return
        QTimer.singleShot(0, lambda: self._view.load(self._home))

    @Slot(object)
    def _context_menu(self, pos) -> None:
        menu = QMenu(self)
        for label, action in (
            (self.tr("Copy"), QWebEnginePage.WebAction.Copy),
            (self.tr("Select All"), QWebEnginePage.WebAction.SelectAll),
        ):
            item = QAction(label, menu)
            item.triggered.connect(lambda _=False, a=action: self._page.triggerAction(a))
            menu.addAction(item)
        menu.exec(self._view.mapToGlobal(pos))


def _theme(dark: bool | None) -> str:
    return "auto" if dark is None else ("dark" if dark else "light")


#: mailto: fields that make the mail program attach a file (Thunderbird, Evolution, KMail read them).
_MAILTO_ATTACHMENT_FIELDS = ("attach", "attachment", "attachments")


def link_refusal(url: QUrl) -> str | None:
    """Why a link from recognised text is not opened at all, or None."""
    if url.scheme() not in OPENABLE_SCHEMES or not url.isValid():
        return QCoreApplication.translate("PreviewView", "Only web and mail links can be opened.")
    if url.scheme() == "mailto":
        from urllib.parse import parse_qsl

        fields = {k.strip().lower() for k, _ in parse_qsl(url.query(QUrl.ComponentFormattingOption.FullyDecoded))}
        if fields & set(_MAILTO_ATTACHMENT_FIELDS):
            return QCoreApplication.translate(
                "PreviewView", "This mail link would attach a file from this computer; it is not opened.")
    return None


def link_question(url: QUrl) -> str:
    """What the dialog says about ``url``: the site it really goes to first (punycode, without the user
    part that can make ``http://www.bank.example.com@evil/`` look like the bank), then the address."""
    shown = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
    if url.scheme() == "mailto":
        return QCoreApplication.translate(
            "PreviewView", "The recognised text links to an e-mail address:\n\n{0}\n\nOpen it in your mail program?"
        ).format(shown)
    host = url.host(QUrl.ComponentFormattingOption.FullyEncoded) or QCoreApplication.translate("PreviewView", "(no site)")
    lines = [QCoreApplication.translate("PreviewView", "The recognised text links to the site:\n\n    {0}\n").format(host),
             QCoreApplication.translate("PreviewView", "Full address:\n{0}\n").format(shown)]
    if url.userName() or url.password():
        user = url.userInfo(QUrl.ComponentFormattingOption.FullyEncoded)
        lines.append(QCoreApplication.translate(
            "PreviewView", "Careful: \u201c{0}@\u201d in the address is not the site; the site is {1}.\n").format(user, host))
    lines.append(QCoreApplication.translate("PreviewView", "Open it in your browser?"))
    return "\n".join(lines)


def confirm_and_open(url: QUrl, parent: QWidget | None = None) -> bool:
    """Ask before opening a link from recognised text in the system browser (or mail client)."""
    refusal = link_refusal(url)
    if refusal is not None:
        if url.scheme() == "mailto" and url.isValid():
            QMessageBox.information(parent, QCoreApplication.translate("PreviewView", "Link not opened"), refusal)
        return False
    answer = QMessageBox.question(
        parent,
        QCoreApplication.translate("PreviewView", "Open link?"),
        link_question(url),
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    if answer != QMessageBox.StandardButton.Open:
        return False
    return QDesktopServices.openUrl(url)
