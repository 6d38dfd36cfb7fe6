"""Background work on the QThreadPool: opening documents, rendering pages and thumbnails.

Runnables emit through a QObject that lives in the GUI thread, so their signals arrive queued there.
Thumbnails are rendered nearest-to-the-current-page first: every queued runnable picks the nearest
still-missing page when it starts, so moving to page 300 of a 500-page PDF re-prioritises at once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
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
        except Exception:  # noqa: BLE001 - never let an exception escape into the pool
            log.exception("background task failed")


class DocumentOpener(QObject):
    """Opens files off the GUI thread; a password retry is just another ``open`` call."""

    opened = Signal(str, object)  # path, Document
    failed = Signal(str, object)  # path, exception

    def __init__(self, pool: QThreadPool, parent=None) -> None:
        super().__init__(parent)
        self.pool = pool

    def open(self, path: str, password: str | None = None) -> None:
        def work() -> None:
            try:
                from glmocr_desktop.core.documents import open_document

                doc = open_document(path, password=password)
            except Exception as exc:  # noqa: BLE001 - typed errors become messages in the GUI
                self.failed.emit(path, exc)
                return
            self.opened.emit(path, doc)

        self.pool.start(_Task(work))

    def open_bytes(self, data: bytes, name: str) -> None:
        def work() -> None:
            try:
                from glmocr_desktop.core.documents import open_image_bytes

                doc = open_image_bytes(data, name)
            except Exception as exc:  # noqa: BLE001
                self.failed.emit(name, exc)
                return
            self.opened.emit(name, doc)

        self.pool.start(_Task(work))


class PageRenderer(QObject):
    """Renders pages for the page view and thumbnails for the strip."""

    page_ready = Signal(object, int, int, QImage)  # document, page, request token, image
    page_failed = Signal(object, int, str)
    thumb_ready = Signal(object, int, QImage)  # document, page, image

    def __init__(self, pool: QThreadPool, parent=None) -> None:
        super().__init__(parent)
        self.pool = pool
        self._lock = threading.Lock()
        self._wanted: dict[int, tuple[Any, set[int]]] = {}  # id(doc) -> (doc, missing pages)
        self._centre: dict[int, int] = {}
        self._token = 0

    # pages ----------------------------------------------------------------------------------------
    def render_page(self, doc, page: int, dpi: int = 110, max_side: int = 2600) -> int:
        """Render ``page`` for display; returns a token so stale renders can be ignored."""
        self._token += 1
        token = self._token

        def work() -> None:
            if token != self._token:
                return  # the user moved on
            try:
                img = doc.render_page(page, dpi=dpi, max_side=max_side)
                q = pil_to_qimage(img)
            except Exception as exc:  # noqa: BLE001
                self.page_failed.emit(doc, page, str(exc))
                return
            self.page_ready.emit(doc, page, token, q)

        self.pool.start(_Task(work), priority=10)
        return token

    # thumbnails -------------------------------------------------------------------------------------
    def request_thumbnails(self, doc, pages: list[int], centre: int = 0) -> None:
        with self._lock:
            entry = self._wanted.setdefault(id(doc), (doc, set()))
            new = set(pages) - entry[1]
            entry[1].update(pages)
            self._centre[id(doc)] = centre
        for _ in new:
            self.pool.start(_Task(lambda key=id(doc): self._render_nearest(key)))

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
        try:
            img = doc.render_thumbnail(page, max_side=180)
            q = pil_to_qimage(img)
        except Exception:  # noqa: BLE001 - a blank thumbnail; the page view shows the error
            log.debug("thumbnail %s failed", page, exc_info=True)
            return
        self.thumb_ready.emit(doc, page, q)
