"""The assembled document, as a dock: every page read so far, in order, its blocks in reading order, in
the same locked-down preview as a single result.

Each block on the page carries its page and block number (``data-page`` / ``data-block``, written by
:func:`glmocr_desktop.core.render.document_block_html`). The page has no bridge to call out through, so
a click is kept by the page's script and taken from here by polling (``takeClick()``, a few times a
second, only while the dock is shown); :meth:`DocumentView.show_block` scrolls to a block and marks it.
:class:`RegionHighlight` draws a block's regions on the page view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QDockWidget, QGraphicsRectItem, QLabel, QStackedWidget, QWidget

from glmocr_desktop.core.regions import Region

#: How often a shown document view asks its page for a click (ms).
CLICK_POLL_MS = 120
HIGHLIGHT_COLOUR = QColor("#f5a700")


class DocumentView(QDockWidget):
    """Shows HTML blocks of an assembled document; ``block_clicked(page, block)`` on a click."""

    block_clicked = Signal(int, int)

    def __init__(self, preview_factory: Callable | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Document"))
        self.setObjectName("documentDock")
        self._factory = preview_factory
        self.preview = None  # made when first needed: a second web view costs start-up time
        self.key: str | None = None  # the document shown
        self._stack = QStackedWidget()
        self._empty = QLabel(self.tr("Run Document (Ctrl+Shift+D) to see the whole document here."))
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._stack.addWidget(self._empty)
        self.setWidget(self._stack)
        self._poll = QTimer(self)
        self._poll.setInterval(CLICK_POLL_MS)
        self._poll.timeout.connect(self._take_click)
        self.visibilityChanged.connect(self._on_visibility)

    def ensure_preview(self):
        if self.preview is None:
            from glmocr_desktop.gui.preview import PreviewView

            self.preview = (self._factory or PreviewView)()
            self.preview.page_ready.connect(self._on_page_ready)
            self._stack.addWidget(self.preview)
            self._stack.setCurrentWidget(self.preview)
        return self.preview

    def set_blocks(self, key: str, blocks: list[str]) -> None:
        """Show ``blocks`` (from core.render) of document ``key``; unchanged blocks are not sent again."""
        preview = self.ensure_preview()
        if key != self.key:
            preview.clear()
            self.key = key
        preview.set_blocks(blocks)
        self._on_visibility(self.isVisible())

    def clear(self) -> None:
        self.key = None
        if self.preview is not None:
            self.preview.clear()

    def show_block(self, page: int, block: int) -> None:
        if self.preview is not None and self.preview.is_ready:
            from glmocr_desktop.gui.preview import js_call

            self.preview.run_js(js_call("showBlock", int(page), int(block)))

    @Slot()
    def _on_page_ready(self) -> None:
        from glmocr_desktop.gui.preview import js_call

        if self.preview is not None:
            self.preview.run_js(js_call("setFollow", False))  # a document is read from the top

    @Slot(bool)
    def _on_visibility(self, visible: bool) -> None:
        if visible and self.preview is not None and self.key is not None:
            if not self._poll.isActive():
                self._poll.start()
        else:
            self._poll.stop()

    @Slot()
    def _take_click(self) -> None:
        if self.preview is not None and self.preview.is_ready:
            self.preview.query("takeClick()", self._on_click)

    def _on_click(self, value) -> None:
        if isinstance(value, dict) and isinstance(value.get("page"), int) and isinstance(value.get("block"), int):
            self.block_clicked.emit(value["page"], value["block"])


class RegionHighlight:
    """Outlines drawn over the page view's page (children of its page item: a new page removes them)."""

    def __init__(self) -> None:
        self._items: list[QGraphicsRectItem] = []

    def clear(self) -> None:
        for item in self._items:
            if shiboken6.isValid(item) and item.scene() is not None:
                item.scene().removeItem(item)
        self._items = []

    def show(self, view, regions: Sequence[Region]) -> list[QGraphicsRectItem]:
        """Outline ``regions`` on the page ``view`` shows and bring the first into sight."""
        self.clear()
        page = view.page
        if page is None:
            return []
        w, h = page.rect().width(), page.rect().height()
        pen = QPen(HIGHLIGHT_COLOUR, 3)
        pen.setCosmetic(True)
        fill = QColor(HIGHLIGHT_COLOUR)
        fill.setAlpha(45)
        for r in regions:
            item = QGraphicsRectItem(QRectF(r.x0 * w, r.y0 * h, r.width * w, r.height * h), page)
            item.setPen(pen)
            item.setBrush(QBrush(fill))
            item.setZValue(20)  # above the regions
            item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            item.setData(0, "highlight")
            self._items.append(item)
        if self._items:
            view.ensureVisible(self._items[0], 40, 40)
        return list(self._items)

    @property
    def items(self) -> list[QGraphicsRectItem]:
        return [i for i in self._items if shiboken6.isValid(i) and i.scene() is not None]


def page_fraction(view, pos) -> QPointF | None:
    """Where a point of the view's viewport lies on its page, as fractions 0..1 (None: off the page)."""
    page = view.page
    if page is None:
        return None
    p = page.mapFromScene(view.mapToScene(pos))
    w, h = page.rect().width(), page.rect().height()
    x, y = p.x() / w, p.y() / h
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        return None
    return QPointF(x, y)
