"""The strip of page thumbnails beside the page view."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem


def thumb_icon(image: QImage | QPixmap) -> QIcon:
    pm = QPixmap.fromImage(image) if isinstance(image, QImage) else image
    ic = QIcon(pm)
    ic.addPixmap(pm, QIcon.Mode.Selected)  # no selection tint over the page
    return ic


class PageStrip(QListWidget):
    """One item per page, a white placeholder until its thumbnail arrives; slow pages are marked."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("thumbnails")
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.TopToBottom)
        self.setWrapping(False)
        self.setMovement(QListWidget.Movement.Static)
        self.setIconSize(QSize(120, 150))
        self.setGridSize(QSize(150, 182))
        self.setUniformItemSizes(True)
        self.setSpacing(4)

    def set_pages(self, count: int, thumbs: dict[int, QImage]) -> None:
        """Show ``count`` pages (without emitting a row change)."""
        self.blockSignals(True)
        self.clear()
        placeholder = QPixmap(120, 150)
        placeholder.fill(QColor("#ffffff"))
        for i in range(count):
            img = thumbs.get(i)
            item = QListWidgetItem(thumb_icon(img if img is not None else placeholder), str(i + 1))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.addItem(item)
        self.blockSignals(False)

    def clear_pages(self) -> None:
        self.blockSignals(True)
        self.clear()
        self.blockSignals(False)

    def select_quietly(self, page: int) -> None:
        if self.currentRow() != page:
            self.blockSignals(True)
            self.setCurrentRow(page)
            self.blockSignals(False)

    def set_thumb(self, page: int, image: QImage) -> None:
        item = self.item(page)
        if item is not None:
            item.setIcon(thumb_icon(image))

    def mark_slow(self, page: int, slow: bool) -> None:
        item = self.item(page)
        if item is None:
            return
        item.setText(f"{page + 1} ⌛" if slow else str(page + 1))
        item.setToolTip(self.tr("This page is taking unusually long to render.") if slow else "")
