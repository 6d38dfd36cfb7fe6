"""The open documents: opening (files, folders, drops, pastes, passwords), which one and which page is
shown, page images and thumbnails from the background renderer.

Widget-free: the window renders what the signals say. Opening and rendering run on QThreadPools
(:mod:`glmocr_desktop.gui.loaders`); nothing here blocks the GUI thread.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QCoreApplication,
    QIODevice,
    QMimeData,
    QObject,
    QThreadPool,
    Signal,
    Slot,
)
from PySide6.QtGui import QClipboard, QImage

from glmocr_desktop.core.errors import PasswordRequiredError, WrongPasswordError, user_message
from glmocr_desktop.core.regions import TaskRegion
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui.loaders import DocumentOpener, PageRenderer

log = logging.getLogger(__name__)

DISPLAY_LONG_SIDE = 2200  # pixels of the page image shown in the view
_ABANDONED: list[QThreadPool] = []  # pools with stuck work at close (see shutdown)
#: Names of images that become documents, by how they came (shown in the window's language).
IMAGE_NAMES = {
    "Pasted": QT_TRANSLATE_NOOP("Documents", "Pasted image {0}.png"),
    "Dropped": QT_TRANSLATE_NOOP("Documents", "Dropped image {0}.png"),
    "Snip": QT_TRANSLATE_NOOP("Documents", "Snip image {0}.png"),
}


@dataclass(eq=False)
class DocState:
    """An open document with what the user did to it: regions and rotation per page, the page shown."""

    doc: Any  # core.documents.Document
    path: str
    regions: dict[int, list[TaskRegion]] = field(default_factory=dict)
    rotation: dict[int, int] = field(default_factory=dict)
    thumbs: dict[int, QImage] = field(default_factory=dict)
    page: int = 0

    @property
    def name(self) -> str:
        return str(getattr(self.doc, "name", "") or Path(self.path).name)

    @property
    def page_count(self) -> int:
        return int(getattr(self.doc, "page_count", 1))


def is_supported(path: Path) -> bool:
    """Imported on first use: core.documents brings PyMuPDF and numpy, which start-up does not need."""
    from glmocr_desktop.core.documents import is_supported as supported

    return supported(path)


def _png(image: QImage) -> bytes:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide6 takes only str
    return bytes(buf.data().data())


class Documents(QObject):
    """The list of open documents and the current one."""

    added = Signal(object)  # DocState, just opened
    focus = Signal(int)  # the row of a document asked to open again
    current_changed = Signal(object)  # DocState or None
    page_image = Signal(object, int, QImage)  # DocState, page: the current page's full image
    thumb_ready = Signal(object, int, QImage)  # DocState, page
    page_slow = Signal(object, int, bool)  # DocState, page, still slow (False: it arrived)
    password_needed = Signal(str, bool)  # path, the last one was wrong: call open_path(path, password)
    status = Signal(str)
    message = Signal(str, bool, bool)  # text, error, also as a dialog

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.docs: list[DocState] = []
        self.current: DocState | None = None
        self.slow_pages: set[tuple[int, int]] = set()  # (id(doc), page) renders reported as slow
        self.closing = False
        self._image_count = 0
        self.page_token = 0
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

    def _say(self, text: str, error: bool = False, dialog: bool = False) -> None:
        self.message.emit(text, error, dialog)

    # --- opening -----------------------------------------------------------------------------------
    def open_paths(self, paths: list[str | Path]) -> int:
        """Open files and folders (their supported files); returns how many opens were started."""
        started = 0
        refused: list[str] = []
        for raw in paths:
            path = Path(raw).expanduser()
            if path.is_dir():
                files = sorted(p for p in path.iterdir() if p.is_file() and is_supported(p))
                if not files:
                    refused.append(self.tr("{0}/ (no supported files)").format(path.name))
                for f in files:
                    started += self._open_one(f)
            elif not path.exists():
                refused.append(self.tr("{0} (not found)").format(path.name))
            elif not is_supported(path):
                refused.append(self.tr("{0} (not a supported image or PDF)").format(path.name))
            else:
                started += self._open_one(path)
        if refused:
            self._say(self.tr("Not opened: {0}").format("; ".join(refused)), error=True)
        return started

    def _open_one(self, path: Path) -> int:
        key = str(path.resolve())
        for i, st in enumerate(self.docs):
            if st.path == key:
                self.focus.emit(i)
                return 0
        self.status.emit(self.tr("Opening {0}…").format(path.name))
        self.opener.open(key)
        return 1

    def open_path(self, path: str, password: str | None = None) -> None:
        self.opener.open(path, password)

    def open_image(self, image: QImage, how: str) -> str:
        """A pasted or dropped image becomes a document named e.g. "Pasted image 2.png" (``how``: a key of
        :data:`IMAGE_NAMES`); returns the name, which the document's ``path`` and ``name`` will have."""
        self._image_count += 1
        template = IMAGE_NAMES.get(how)
        shown = QCoreApplication.translate("Documents", str(template)) if template else f"{how} image {{0}}.png"
        name = shown.format(self._image_count)
        self.opener.open_bytes(_png(image), name)
        return name

    def paste(self, clipboard: QClipboard) -> bool:
        """Image files or an image from the clipboard, as new documents."""
        mime = clipboard.mimeData()
        if mime is not None and mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            return self.open_paths([u.toLocalFile() for u in mime.urls() if u.isLocalFile()]) > 0
        image = clipboard.image()
        if image.isNull():
            self._say(self.tr("The clipboard holds no image."))
            return False
        self.open_image(image, "Pasted")
        return True

    @staticmethod
    def can_drop(mime: QMimeData) -> bool:
        return (mime.hasUrls() and any(u.isLocalFile() for u in mime.urls())) or mime.hasImage()

    def drop(self, mime: QMimeData) -> bool:
        """Files, folders or an image dropped on the window; whether the drop was taken."""
        if mime.hasUrls():
            local: list[str | Path] = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            if any(not u.isLocalFile() for u in mime.urls()):
                self._say(self.tr("Links to the web are not downloaded; save the file and drop it instead."))
            if local:
                self.open_paths(local)
                return True
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.open_image(image, "Dropped")
                return True
        if not mime.hasUrls():
            self._say(self.tr("Only files can be dropped here (images and PDFs)."))
        return False

    @Slot(str, object)
    def _on_opened(self, path: str, doc: Any) -> None:
        if self.closing:
            return
        state = DocState(doc=doc, path=path)
        self.docs.append(state)
        for w in getattr(doc, "warnings", None) or []:
            self._say(f"{state.name}: {w}")
        self.added.emit(state)
        self.status.emit(self.tr("Opened {0}").format(state.name))

    @Slot(str, object)
    def _on_open_failed(self, path: str, exc: Any) -> None:
        if self.closing:
            return
        if isinstance(exc, PasswordRequiredError):
            self.password_needed.emit(path, isinstance(exc, WrongPasswordError))
            return
        self._say(self.tr("Could not open {0}: {1}").format(Path(path).name, user_message(exc)), error=True,
                  dialog=True)  # fmt: skip

    @Slot(str, float)
    def _on_open_slow(self, path: str, seconds: float) -> None:
        if not self.closing:
            self._say(self.tr("{0} is taking unusually long to open ({1} s so far); it will appear when it is "
                              "ready.").format(Path(path).name, f"{seconds:.0f}"), error=True)  # fmt: skip

    # --- which document, which page ----------------------------------------------------------------
    def show(self, st: DocState | None) -> None:
        if self.current is not None and self.current is not st:
            self.renderer.forget(self.current.doc)
        self.current = st
        self.current_changed.emit(st)
        if st is not None:
            missing = [i for i in range(st.page_count) if i not in st.thumbs]
            self.renderer.request_thumbnails(st.doc, missing, st.page)

    def close_document(self, st: DocState) -> int:
        """Forget ``st`` and close its file; returns the row it had."""
        row = self.docs.index(st)
        self.renderer.forget(st.doc)
        self.docs.pop(row)
        _close_quietly(st.doc)
        if not self.docs:
            self.show(None)
        return row

    def turn_to(self, index: int) -> tuple[float, float] | None:
        """Make ``index`` the current page and start rendering it; its size, or None if it has none."""
        st = self.current
        if st is None:
            return None
        st.page = index
        try:
            size = st.doc.page_size(index)
        except Exception as exc:
            self._say(self.tr("Page {0} cannot be shown: {1}").format(index + 1, exc), error=True)
            return None
        w, h = size
        dpi = max(36, min(200, DISPLAY_LONG_SIDE * 72.0 / max(w, h, 1)))
        self.page_token = self.renderer.render_page(st.doc, index, dpi=int(dpi), max_side=DISPLAY_LONG_SIDE)
        self.renderer.set_centre(st.doc, index)
        return size

    def rotate(self) -> int | None:
        """Turn the current page a quarter clockwise; the new angle."""
        st = self.current
        if st is None:
            return None
        angle = (st.rotation.get(st.page, 0) + 90) % 360
        st.rotation[st.page] = angle
        return angle

    def state_of(self, doc: Any) -> DocState | None:
        return next((st for st in self.docs if st.doc is doc), None)

    def set_template(self, template: dict) -> None:
        """A new extraction template applies to every extraction region of every open document."""
        for st in self.docs:
            for specs in st.regions.values():
                for spec in specs:
                    if spec.task is Task.EXTRACT:
                        spec.template = template

    # --- renderer ----------------------------------------------------------------------------------
    def _is_current_page(self, doc: Any, page: int) -> bool:
        return self.current is not None and self.current.doc is doc and self.current.page == page

    @Slot(object, int, int, QImage)
    def _on_page_ready(self, doc: Any, page: int, token: int, image: QImage) -> None:
        st = self.state_of(doc)
        if (id(doc), page) in self.slow_pages:
            self.slow_pages.discard((id(doc), page))
            if st is not None:
                self.page_slow.emit(st, page, False)
        if st is not None and self._is_current_page(doc, page):
            self.page_image.emit(st, page, image)

    @Slot(object, int, float)
    def _on_page_slow(self, doc: Any, page: int, seconds: float) -> None:
        """A page render runs far longer than it should: say so, and have the page marked."""
        if self.closing:
            return
        self.slow_pages.add((id(doc), page))
        st = self.state_of(doc)
        if st is not None:
            self.page_slow.emit(st, page, True)
            self._say(self.tr("Page {0} of {1} is taking unusually long to render ({2} s so far). It will "
                              "appear when it is done; other pages and documents can be used meanwhile.")
                      .format(page + 1, st.name, f"{seconds:.0f}"), error=True)  # fmt: skip

    @Slot(object, int, str)
    def _on_page_failed(self, doc: Any, page: int, message: str) -> None:
        if self._is_current_page(doc, page):
            self._say(self.tr("Page {0} could not be rendered: {1}").format(page + 1, message), error=True)

    @Slot(object, int, QImage)
    def _on_thumb_ready(self, doc: Any, page: int, image: QImage) -> None:
        st = self.state_of(doc)
        if st is not None:
            st.thumbs[page] = image
            self.thumb_ready.emit(st, page, image)

    # --- closing -----------------------------------------------------------------------------------
    def shutdown(self, wait_ms: int = 3000) -> None:
        """Stop background work (bounded) and close every file."""
        self.closing = True
        from glmocr_desktop.core import render_pool

        render_pool.shared().stop_running()  # a page still rendering in a worker ends now, not in a minute
        for pool in (self.pool, self.open_pool):
            pool.clear()
            if not pool.waitForDone(wait_ms):
                # A render stuck inside a damaged file cannot be interrupted. Destroying the pool would wait
                # for it forever, so it is kept alive and left behind; the process can still exit.
                log.warning("background work still running at close; not waiting for it")
                pool.setParent(None)
                _ABANDONED.append(pool)

    def close_all(self) -> None:
        for st in self.docs:
            _close_quietly(st.doc)


def _close_quietly(doc: Any) -> None:
    try:
        doc.close()
    except Exception:
        log.debug("closing a document failed", exc_info=True)
