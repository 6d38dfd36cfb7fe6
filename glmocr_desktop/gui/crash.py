"""Unexpected exceptions: logged with their traceback and shown to the user, never fatal.

``sys.excepthook`` sees exceptions of the main thread and of Qt slots and virtual methods (PySide6
reports those through it); ``threading.excepthook`` those of plain Python threads. Either may fire on
any thread, so the handler only logs there and hands a short summary to the GUI thread through a
queued signal. Dialogs are rate-limited: one at a time, at most one per ``min_interval_s``; the ones
held back are counted and said in the next dialog (the log has them all).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from glmocr_desktop import APP_NAME

log = logging.getLogger("glmocr_desktop.crash")

_handler: ExceptionHandler | None = None


class ExceptionHandler(QObject):
    """Lives in the GUI thread; ``raised`` crosses threads queued."""

    raised = Signal(str, str)  # one-line summary, formatted traceback

    def __init__(self, log_path: str = "", min_interval_s: float = 10.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.min_interval_s = min_interval_s
        self.window: QWidget | None = None
        self.shown: list[str] = []  # summaries of the dialogs shown (newest last)
        self.seen = 0  # every unexpected exception, shown or not
        self.suppressed = 0  # held back by the rate limit since the last dialog
        self._last_shown = -1e9
        self._box: QMessageBox | None = None
        self._lock = threading.Lock()
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook
        self.raised.connect(self._on_raised, Qt.ConnectionType.QueuedConnection)

    # --- hooks (any thread) ---------------------------------------------------------------------

    def install(self) -> None:
        if sys.excepthook != self.sys_hook:
            self._previous_sys = sys.excepthook
            sys.excepthook = self.sys_hook
        if threading.excepthook != self.thread_hook:
            self._previous_threading = threading.excepthook
            threading.excepthook = self.thread_hook

    def uninstall(self) -> None:
        if sys.excepthook == self.sys_hook:
            sys.excepthook = self._previous_sys
        if threading.excepthook == self.thread_hook:
            threading.excepthook = self._previous_threading

    def sys_hook(self, etype: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(etype, (KeyboardInterrupt, SystemExit)):
            self._previous_sys(etype, value, tb)
            return
        self.handle(etype, value, tb, threading.current_thread().name)

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, name)

    def handle(self, etype, value, tb, where: str) -> None:
        """Log the traceback; ask the GUI thread to tell the user. Must never raise."""
        try:
            text = "".join(traceback.format_exception(etype, value, tb))
            log.error("Unexpected error in thread %s:\n%s", where, text)
            summary = f"{etype.__name__}: {value}" if str(value) else etype.__name__
            with self._lock:
                self.seen += 1
            self.raised.emit(summary[:500], text)
        except Exception:
            try:
                if sys.__stderr__ is not None:
                    sys.__stderr__.write("error while reporting an error\n")
            except Exception:
                pass

    # --- GUI thread -------------------------------------------------------------------------------

    @Slot(str, str)
    def _on_raised(self, summary: str, details: str) -> None:
        now = time.monotonic()
        if (self._box is not None and self._box.isVisible()) or now - self._last_shown < self.min_interval_s:
            self.suppressed += 1
            self._status(self.tr("Unexpected error (logged): {0}").format(summary))
            return
        self._last_shown = now
        more = ("\n\n" + self.tr("%n more error(s) happened since the last message.", "", self.suppressed)
                if self.suppressed else "")  # fmt: skip
        self.suppressed = 0
        where = "\n\n" + self.tr("Details are in the log file:\n{0}").format(self.log_path) if self.log_path else ""
        text = (
            self.tr("Something went wrong inside {0}:").format(APP_NAME) + f"\n\n{summary}\n\n"
            f"{self._what_is_kept()}{more}{where}"
        )
        self.shown.append(summary)
        self._status(self.tr("Unexpected error (logged): {0}").format(summary))
        w = self.window
        parent = w if w is not None and _alive(w) and w.isVisible() else None
        box = QMessageBox(QMessageBox.Icon.Critical, self.tr("{0}: unexpected error").format(APP_NAME), text,
                          QMessageBox.StandardButton.Ok, parent)  # fmt: skip
        box.setDetailedText(details[-20000:])
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.setWindowModality(Qt.WindowModality.NonModal)
        self._box = box
        box.destroyed.connect(self._forget_box)
        box.open()

    def _what_is_kept(self) -> str:
        """The truth about the results, from the store itself: never "kept" for what was not written."""
        persistence = getattr(self.window, "persistence", None) if _alive(self.window) else None
        try:
            health = persistence.health() if persistence is not None else None
        except Exception:
            health = None
        if health is None:
            return self.tr("The app carries on.")
        n = health.unsaved_results
        if n == 1:
            return self.tr("The app carries on. 1 result is not saved yet ({0}): kept in memory only; the banner "
                           "at the top of the window can save them to a file.").format(health.reason())
        if n:
            return self.tr("The app carries on. %n results are not saved yet ({0}): kept in memory only; the "
                           "banner at the top of the window can save them to a file.", "", n).format(health.reason())
        if not health.ok:
            return self.tr("The app carries on, but new results cannot be saved now ({0}).").format(health.reason())
        return self.tr("The app carries on; every result so far is saved.")

    @Slot()
    def _forget_box(self) -> None:
        self._box = None

    def _status(self, text: str) -> None:
        w = self.window
        if not isinstance(w, QMainWindow) or not _alive(w):
            return
        try:
            w.statusBar().showMessage(text, 10000)
        except Exception:
            pass


def _alive(obj: QObject | None) -> bool:
    if obj is None:
        return False
    import shiboken6

    return shiboken6.isValid(obj)


def install_exception_handler(window: QWidget | None = None, log_path: str = "") -> ExceptionHandler:
    """Install (once per process) the hooks; later calls re-install them and update window and path."""
    global _handler
    if _handler is None:
        _handler = ExceptionHandler(log_path)
    if log_path:
        _handler.log_path = log_path
    if window is not None:
        _handler.window = window
    _handler.install()
    return _handler


def exception_handler() -> ExceptionHandler | None:
    return _handler
