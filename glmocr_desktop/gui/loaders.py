"""Background work on the QThreadPool: opening documents, rendering pages and thumbnails.

Runnables emit through a QObject that lives in the GUI thread, so their signals arrive queued there.
Thumbnails are rendered nearest-to-the-current-page first: every queued runnable picks the nearest
still-missing page when it starts, so moving to page 300 of a 500-page PDF re-prioritises at once.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)


def pil_to_qimage(image: Image.Image) -> QImage:
    """Copy a PIL image into a QImage (safe to build off the GUI thread)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    data = image.tobytes("raw", "RGB")
    qimg = QImage(data, image.width, image.height, 3 * image.width, QImage.Format.Format_RGB888)
    return qimg.copy()


class _Task(QRunnable):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            self.fn()
        except RuntimeError as exc:
            if "has been deleted" not in str(exc):  # the window closed while a render ended: no one to tell
                log.exception("background task failed")
        except Exception:
            log.exception("background task failed")


#: Seconds after which a page render or an open that has not finished is reported to the user.
SLOW_AFTER_S = 15.0
#: Extra pool threads that may be added, one per stuck render, so stuck work cannot starve the rest.
MAX_EXTRA_THREADS = 8


class Watchdog(QObject):
    """Notices background work that takes too long; the work itself cannot be interrupted.

    MuPDF and Pillow calls cannot be stopped from outside, so a stuck render keeps its pool thread;
    what we can do is tell the user (once per piece of work) instead of leaving them waiting.
    ``started``/``finished`` may be called from any thread; ``slow`` is emitted in the GUI thread.
    """

    slow = Signal(object, float)  # the key given to started(), seconds so far

    def __init__(self, limit_s: float = SLOW_AFTER_S, parent=None) -> None:
        super().__init__(parent)
        self.limit_s = limit_s
        self._lock = threading.Lock()
        self._running: dict[Any, float] = {}
        self._reported: set[Any] = set()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)

    def started(self, key: Any) -> None:
        with self._lock:
            self._running[key] = time.monotonic()
        QTimer.singleShot(0, self, self._arm)  # the timer lives in our thread

    def finished(self, key: Any) -> None:
        with self._lock:
            self._running.pop(key, None)
            self._reported.discard(key)

    def running(self) -> list[Any]:
        with self._lock:
            return list(self._running)

    @Slot()
    def _arm(self) -> None:
        if not self._timer.isActive():
            self._timer.start(max(50, int(min(1.0, self.limit_s / 4) * 1000)))

    @Slot()
    def check(self) -> None:
        now = time.monotonic()
        late: list[tuple[Any, float]] = []
        with self._lock:
            for key, t0 in self._running.items():
                if now - t0 >= self.limit_s and key not in self._reported:
                    self._reported.add(key)
                    late.append((key, now - t0))
            idle = not self._running
        if idle:
            self._timer.stop()
        for key, seconds in late:
            log.debug("background work %r is still running after %.1f s", key, seconds)  # the window says it
            self.slow.emit(key, seconds)


class DocumentOpener(QObject):
    """Opens files off the GUI thread; a password retry is just another ``open`` call."""

    opened = Signal(str, object)  # path, Document
    failed = Signal(str, object)  # path, exception
    slow = Signal(str, float)  # path, seconds so far (once per open that takes too long)

    def __init__(self, pool: QThreadPool, parent=None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.watchdog = Watchdog(parent=self)
        self.watchdog.slow.connect(lambda key, s: self.slow.emit(key[0], s))
        self._count = 0

    def open(self, path: str, password: str | None = None) -> None:
        self._count += 1
        key = (path, self._count)
        self.watchdog.started(key)

        def work() -> None:
            try:
                from glmocr_desktop.core import render_pool
                from glmocr_desktop.core.documents import open_document

                doc = open_document(path, password=password)
                render_pool.shared().prestart()  # its pages render in warm workers from the first one
            except Exception as exc:
                self.watchdog.finished(key)
                self.failed.emit(path, exc)
                return
            self.watchdog.finished(key)
            self.opened.emit(path, doc)

        self.pool.start(_Task(work))

    def open_bytes(self, data: bytes, name: str) -> None:
        def work() -> None:
            try:
                from glmocr_desktop.core.documents import open_image_bytes

                doc = open_image_bytes(data, name)
            except Exception as exc:
                self.failed.emit(name, exc)
                return
            self.opened.emit(name, doc)

        self.pool.start(_Task(work))


class PageRenderer(QObject):
    """Renders pages for the page view and thumbnails for the strip."""

    page_ready = Signal(object, int, int, QImage)  # document, page, request token, image
    page_failed = Signal(object, int, str)
    page_slow = Signal(object, int, float)  # document, page, seconds so far (render still running)
    thumb_ready = Signal(object, int, QImage)  # document, page, image

    def __init__(self, pool: QThreadPool, parent=None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.watchdog = Watchdog(parent=self)
        self.watchdog.slow.connect(self._on_slow)
        self._base_threads = pool.maxThreadCount()
        self._lock = threading.Lock()
        self._wanted: dict[int, tuple[Any, set[int]]] = {}  # id(doc) -> (doc, missing pages)
        self._centre: dict[int, int] = {}
        self._token = 0

    # pages ----------------------------------------------------------------------------------------
    def render_page(self, doc, page: int, dpi: int = 110, max_side: int = 2600) -> int:
        """Render ``page`` for display; returns a token so stale renders can be ignored."""
        self._token += 1
        token = self._token
        key = (token, doc, page)
        # timed from the request: a render stuck behind other stuck work is just as late for the user
        self.watchdog.started(key)

        def work() -> None:
            if token != self._token:
                self.watchdog.finished(key)
                return  # the user moved on
            try:
                img = doc.render_page(page, dpi=dpi, max_side=max_side)
                q = pil_to_qimage(img)
            except Exception as exc:
                self.watchdog.finished(key)
                self.page_failed.emit(doc, page, str(exc))
                return
            self.watchdog.finished(key)
            self.page_ready.emit(doc, page, token, q)

        self.pool.start(_Task(work), priority=10)
        return token

    @Slot(object, float)
    def _on_slow(self, key: Any, seconds: float) -> None:
        # A stuck render keeps its pool thread: add one so the rest of the work still gets through.
        if self.pool.maxThreadCount() < self._base_threads + MAX_EXTRA_THREADS:
            self.pool.setMaxThreadCount(self.pool.maxThreadCount() + 1)
        token, doc, page = key
        if token == self._token and token != "thumb":  # only the page the user is waiting for
            self.page_slow.emit(doc, page, seconds)

    # thumbnails -------------------------------------------------------------------------------------
    def request_thumbnails(self, doc, pages: list[int], centre: int = 0) -> None:
        with self._lock:
            entry = self._wanted.setdefault(id(doc), (doc, set()))
            new = set(pages) - entry[1]
            entry[1].update(pages)
            self._centre[id(doc)] = centre
        for _ in new:
            self.pool.start(_Task(functools.partial(self._render_nearest, id(doc))))

    def set_centre(self, doc, centre: int) -> None:
        with self._lock:
            self._centre[id(doc)] = centre

    def forget(self, doc) -> None:
        with self._lock:
            self._wanted.pop(id(doc), None)
            self._centre.pop(id(doc), None)

    def _render_nearest(self, key: int) -> None:
        with self._lock:
            entry = self._wanted.get(key)
            if not entry or not entry[1]:
                return
            doc, missing = entry
            centre = self._centre.get(key, 0)
            page = min(missing, key=lambda p: (abs(p - centre), p))
            missing.discard(page)
        key = ("thumb", doc, page)
        self.watchdog.started(key)
        try:
            img = doc.render_thumbnail(page, max_side=180)
            q = pil_to_qimage(img)
        except Exception:
            log.debug("thumbnail %s failed", page, exc_info=True)
            return
        finally:
            self.watchdog.finished(key)
        self.thumb_ready.emit(doc, page, q)
