"""The page: a zoomable, rotatable QGraphicsView on which regions are drawn, moved and resized.

Region geometry lives in page points (the page item's own coordinates), so the view's zoom, the page's
rotation and the render DPI never change it; :class:`~glmocr_desktop.core.regions.TaskRegion` keeps it
normalised 0..1.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)

from glmocr_desktop.core.regions import Region, TaskRegion
from glmocr_desktop.core.tasks import Task

TASK_COLOURS = {
    Task.TEXT: QColor("#2f7cf6"),
    Task.FORMULA: QColor("#a855f7"),
    Task.TABLE: QColor("#12a37f"),
    Task.EXTRACT: QColor("#f08c00"),
}
PICTURE_COLOUR = QColor("#6b7280")  # pictures are kept as crops, not read: grey, dashed, hatched
HANDLE_PX = 9  # handle size on screen
MIN_DRAG_PX = 6  # smaller drags are clicks
ZOOM_MIN, ZOOM_MAX = 0.05, 16.0
FIT_MARGIN_PX = 12  # space around a fitted page on screen
#: What an arrow key moves or resizes the selected regions by, as a share of the page (Shift: the large step).
KEY_STEP, KEY_STEP_LARGE = 0.005, 0.05
#: The smallest a region can be made from the keyboard, as a share of the page.
KEY_MIN_SIDE = 0.01
#: The share of the visible part of the page a region made from the keyboard takes, centred on it.
KEY_REGION_SHARE = (0.5, 0.25)
ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}


def region_colour(spec: TaskRegion) -> QColor:
    """A region's colour: its task's, or grey for a picture."""
    return PICTURE_COLOUR if spec.is_picture else TASK_COLOURS.get(spec.task, TASK_COLOURS[Task.TEXT])


def _view_scale(item: QGraphicsItem) -> float:
    scene = item.scene()
    if scene is None or not scene.views():
        return 1.0
    t = scene.views()[0].transform()
    return max(1e-6, math.hypot(t.m11(), t.m12()))


class RegionItem(QGraphicsRectItem):
    """One region: coloured by task, numbered, with eight resize handles when selected."""

    HANDLES = ("tl", "t", "tr", "r", "br", "b", "bl", "l")

    def __init__(self, spec: TaskRegion, number: int, page_size: tuple[float, float], parent=None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.number = number
        self.page_w, self.page_h = page_size
        self._resize: str | None = None
        self._press_rect: QRectF | None = None
        self.on_changed: Callable[[RegionItem], None] | None = None  # set by the view
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)
        self.setZValue(10)
        self.set_region(spec.region)

    # geometry -----------------------------------------------------------------------------------
    def set_region(self, region: Region) -> None:
        self.prepareGeometryChange()
        self.setPos(region.x0 * self.page_w, region.y0 * self.page_h)
        self.setRect(QRectF(0, 0, region.width * self.page_w, region.height * self.page_h))

    def page_rect(self) -> QRectF:
        return QRectF(self.pos(), self.rect().size())

    def to_region(self) -> Region:
        r = self.page_rect()
        return Region.from_corners(
            r.left() / self.page_w, r.top() / self.page_h, r.right() / self.page_w, r.bottom() / self.page_h
        )

    def _px(self) -> float:
        return 1.0 / _view_scale(self)

    def _handle_rects(self) -> dict[str, QRectF]:
        s = HANDLE_PX * self._px()
        r = self.rect()
        cx, cy = r.center().x(), r.center().y()
        pts = {
            "tl": (r.left(), r.top()), "t": (cx, r.top()), "tr": (r.right(), r.top()),
            "r": (r.right(), cy), "br": (r.right(), r.bottom()), "b": (cx, r.bottom()),
            "bl": (r.left(), r.bottom()), "l": (r.left(), cy),
        }  # fmt: skip
        return {k: QRectF(x - s / 2, y - s / 2, s, s) for k, (x, y) in pts.items()}

    def _handle_at(self, pos: QPointF) -> str | None:
        if not self.isSelected():
            return None
        for name, rect in self._handle_rects().items():
            if rect.adjusted(-2 * self._px(), -2 * self._px(), 2 * self._px(), 2 * self._px()).contains(pos):
                return name
        return None

    def boundingRect(self) -> QRectF:
        m = (HANDLE_PX + 2) * self._px()
        badge = 18 * self._px()
        wide = max(0.0, (self._badge_width() + 2) * self._px() - self.rect().width())  # a long label
        return self.rect().adjusted(-m, -max(m, badge), max(m, wide), m)

    @staticmethod
    def _badge_font(font: QFont) -> QFont:
        font = QFont(font)
        font.setBold(True)
        font.setPointSizeF(8)
        return font

    def _badge_place(self) -> QPointF:
        """Where the badge's top-left goes, in screen pixels from the region's top-left: above the left
        corner, or above the right one, or inside a tall region, whichever lies on no other region
        (dense layouts: a paragraph right under its title); above the left corner when all do."""
        px = self._px()
        r = self.page_rect()
        w = self._badge_width()
        places = [QPointF(0, -16), QPointF(max(0.0, r.width() / px - w), -16)]
        if r.height() >= 40 * px:
            places.append(QPointF(0, 0))
        others = [o.page_rect() for o in (self.parentItem().childItems() if self.parentItem() else ())
                  if isinstance(o, RegionItem) and o is not self]  # fmt: skip
        for p in places:
            rect = QRectF(r.left() + p.x() * px, r.top() + p.y() * px, w * px, 16 * px)
            if not any(o.intersects(rect) for o in others):
                return p
        return places[0]

    def _badge_width(self) -> float:
        """The badge's width in screen pixels (it is drawn unscaled, whatever the zoom)."""
        text = self.spec.badge(self.number)
        return max(22.0, QFontMetricsF(self._badge_font(QFont())).horizontalAdvance(text) + 10)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        m = HANDLE_PX * self._px()
        path.addRect(self.rect().adjusted(-m / 2, -m / 2, m / 2, m / 2))
        return path

    # painting -----------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        colour = region_colour(self.spec)
        px = self._px()
        fill = QColor(colour)
        fill.setAlpha(60 if self.isSelected() else 34)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(colour, 2.5 if self.isSelected() else 1.8)
        pen.setCosmetic(True)
        if self.spec.is_picture:  # kept as a crop, not read: dashed and hatched
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        painter.drawRect(self.rect())
        if self.spec.is_picture:
            hatch = QBrush(QColor(colour.red(), colour.green(), colour.blue(), 90), Qt.BrushStyle.BDiagPattern)
            hatch.setTransform(QTransform.fromScale(px * 2, px * 2))  # the same spacing at every zoom
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(hatch)
            painter.drawRect(self.rect())
        # reading-order number and label above the top-left corner
        font = self._badge_font(painter.font())
        painter.save()
        painter.translate(self.rect().topLeft())
        painter.scale(px, px)
        label = self.spec.badge(self.number)
        badge = QRectF(self._badge_place(), QSizeF(self._badge_width(), 16))
        chip = QColor(colour)
        chip.setAlpha(255 if self.isSelected() else 215)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(chip)
        painter.drawRoundedRect(badge, 3, 3)
        painter.setPen(QColor("white"))
        painter.setFont(font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
        painter.restore()
        if self.isSelected():
            painter.setPen(QPen(colour, 1.2 * px))
            painter.setBrush(QColor("white"))
            for rect in self._handle_rects().values():
                painter.drawRect(rect)

    # interaction --------------------------------------------------------------------------------
    def hoverMoveEvent(self, event) -> None:
        h = self._handle_at(event.pos())
        cursors = {
            "tl": Qt.CursorShape.SizeFDiagCursor, "br": Qt.CursorShape.SizeFDiagCursor,
            "tr": Qt.CursorShape.SizeBDiagCursor, "bl": Qt.CursorShape.SizeBDiagCursor,
            "t": Qt.CursorShape.SizeVerCursor, "b": Qt.CursorShape.SizeVerCursor,
            "l": Qt.CursorShape.SizeHorCursor, "r": Qt.CursorShape.SizeHorCursor,
        }  # fmt: skip
        self.setCursor(cursors.get(h or "", Qt.CursorShape.SizeAllCursor))
        super().hoverMoveEvent(event)

    def mousePressEvent(self, event) -> None:
        self._resize = self._handle_at(event.pos()) if event.button() == Qt.MouseButton.LeftButton else None
        self._press_rect = self.page_rect()
        if self._resize:
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if not self._resize:
            super().mouseMoveEvent(event)
            return
        p = self.mapToParent(event.pos())
        x = min(max(p.x(), 0.0), self.page_w)
        y = min(max(p.y(), 0.0), self.page_h)
        r = QRectF(self.page_rect())
        if "l" in self._resize:
            r.setLeft(x)
        if "r" in self._resize:
            r.setRight(x)
        if self._resize.startswith("t"):
            r.setTop(y)
        if self._resize.startswith("b"):
            r.setBottom(y)
        r = r.normalized()
        min_side = 4 * self._px()
        if r.width() < min_side or r.height() < min_side:
            return
        self.prepareGeometryChange()
        self.setPos(r.topLeft())
        self.setRect(QRectF(0, 0, r.width(), r.height()))

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        self._resize = None
        if self._press_rect is not None and self.page_rect() != self._press_rect:
            self.spec.region = self.to_region()
            if self.on_changed:
                self.on_changed(self)
        self._press_rect = None

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(11 if value else 10)  # the selected region's number is drawn over its neighbours'
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and self._resize is None:
            w, h = self.rect().width(), self.rect().height()
            x = min(max(value.x(), 0.0), max(0.0, self.page_w - w))
            y = min(max(value.y(), 0.0), max(0.0, self.page_h - h))
            return QPointF(x, y)
        return super().itemChange(change, value)


class PageItem(QGraphicsRectItem):
    """The sheet of paper: a white rectangle in page points with the rendered image on it."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__(0, 0, width, height)
        self.setBrush(QColor("white"))
        pen = QPen(QColor(0, 0, 0, 60), 1)
        pen.setCosmetic(True)
        self.setPen(pen)
        self.pixmap_item = QGraphicsPixmapItem(self)
        self.pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.setTransformOriginPoint(width / 2, height / 2)

    def set_image(self, image: QImage | None) -> None:
        if image is None or image.isNull():
            self.pixmap_item.setPixmap(QPixmap())
            return
        self.pixmap_item.setPixmap(QPixmap.fromImage(image))
        self.pixmap_item.setScale(self.rect().width() / max(1, image.width()))


class PageView(QGraphicsView):
    regions_changed = Signal()  # a region was added, moved, resized or deleted
    selection_changed = Signal()
    zoom_changed = Signal(float)
    region_menu_requested = Signal(object, QPoint)  # TaskRegion right-clicked (now selected), global position
    page_menu_requested = Signal(QPoint)  # the page (not a region) right-clicked, global position

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(False)  # the window takes drops
        self.page: PageItem | None = None
        self.specs: list[TaskRegion] = []
        self.new_task = Task.TEXT
        self.fit_mode: str | None = "page"
        self._drawing: RegionItem | None = None
        self._draw_origin: QPointF | None = None
        self._pan_from: QPointF | None = None
        self._space = False
        #: What the keyboard edit being announced by ``regions_changed`` did ("add", "move", "resize"), else None.
        self.key_edit: str | None = None
        self.scene().selectionChanged.connect(self.selection_changed)
        self._name_controls()

    def _name_controls(self) -> None:
        self.setAccessibleName(self.tr("Page"))
        self.setAccessibleDescription(self.shortcuts_text())
        self.setToolTip(self.shortcuts_text())
        if self.page is not None:
            self.page.setToolTip(self.toolTip())

    def announce(self, text: str) -> None:
        """Have a screen reader say ``text`` (what a key did: the status bar is not read out)."""
        if text and QAccessible.isActive():
            QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self, text))

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._name_controls()
        super().changeEvent(event)

    def shortcuts_text(self) -> str:
        """The page's mouse and keyboard controls (its tooltip and accessible description)."""
        return self.tr(
            "Drag on the page to draw a region; drag a region to move it, its handles to resize it.\n"
            "Insert or N: new region in the middle of the visible page, with the task for new regions\n"
            "Tab / Shift+Tab: select the next / previous region in reading order\n"
            "Arrow keys: move the selected regions (Shift: larger steps)\n"
            "Ctrl+arrow keys: resize the selected regions from the bottom-right corner (Shift: larger steps)\n"
            "Del: delete the selected regions · 1-4: task · Space+drag: pan · Ctrl+wheel: zoom"
        )

    # page -----------------------------------------------------------------------------------------
    def set_page(
        self, size: tuple[float, float], image: QImage | None, specs: list[TaskRegion], rotation: int = 0
    ) -> None:
        """Show a page of ``size`` points; ``specs`` is the page's own list and is edited in place."""
        self.scene().clear()
        w, h = max(1.0, float(size[0])), max(1.0, float(size[1]))
        self.page = PageItem(w, h)
        self.page.setToolTip(self.toolTip())
        self.page.setRotation(rotation)
        self.scene().addItem(self.page)
        self.page.set_image(image)
        self.specs = specs
        self._rebuild_items()
        self._update_scene_rect()
        self.apply_fit()

    def clear_page(self) -> None:
        self.scene().clear()
        self.page = None
        self.specs = []

    def set_image(self, image: QImage) -> None:
        if self.page is not None:
            self.page.set_image(image)

    def rotation(self) -> int:
        return int(self.page.rotation()) % 360 if self.page else 0

    def set_rotation(self, degrees: int) -> None:
        if self.page is None:
            return
        self.page.setRotation(degrees % 360)
        self._update_scene_rect()
        self.apply_fit()

    def _update_scene_rect(self) -> None:
        if self.page is None:
            return
        r = self.page.sceneBoundingRect()
        m = max(r.width(), r.height()) * 0.04
        self.setSceneRect(r.adjusted(-m, -m, m, m))

    # regions --------------------------------------------------------------------------------------
    def region_items(self) -> list[RegionItem]:
        if self.page is None:
            return []
        items = [c for c in self.page.childItems() if isinstance(c, RegionItem)]
        return sorted(items, key=lambda it: it.number)

    def _rebuild_items(self) -> None:
        if self.page is None:
            return
        selected = {it.spec.id for it in self.region_items() if it.isSelected()}
        for it in self.region_items():
            self.scene().removeItem(it)
        size = (self.page.rect().width(), self.page.rect().height())
        for n, spec in enumerate(self.specs, 1):
            item = RegionItem(spec, n, size, self.page)
            item.on_changed = self._item_changed
            item.setSelected(spec.id in selected)

    def refresh_regions(self) -> None:
        """Re-read the specs (tasks, numbers, geometry) after the window changed them."""
        self._rebuild_items()
        self.scene().update()

    def _item_changed(self, item: RegionItem) -> None:
        if item.spec.from_layout:
            item.spec.edited = True  # detecting again asks before it replaces this page's regions
        self.regions_changed.emit()

    def selected_specs(self) -> list[TaskRegion]:
        return [it.spec for it in self.region_items() if it.isSelected()]

    def select_spec(self, spec: TaskRegion | None) -> None:
        self.scene().clearSelection()
        for it in self.region_items():
            if spec is not None and it.spec is spec:
                it.setSelected(True)

    def add_region(self, region: Region, task: Task | None = None) -> TaskRegion:
        spec = TaskRegion(region=region, task=task or self.new_task)
        self.specs.append(spec)
        self._rebuild_items()
        self.select_spec(spec)
        self.regions_changed.emit()
        return spec

    def delete_selected(self) -> int:
        gone = {id(s) for s in self.selected_specs()}
        if not gone:
            return 0
        if any(s.from_layout for s in self.selected_specs()):
            for s in self.specs:  # the page's detected regions were edited: the survivors say so
                if s.from_layout and id(s) not in gone:
                    s.edited = True
        self.specs[:] = [s for s in self.specs if id(s) not in gone]
        self._rebuild_items()
        self.regions_changed.emit()
        return len(gone)

    # keyboard: make, select, move and resize regions ----------------------------------------------
    def _key_changed(self, kind: str) -> None:
        """Announce a keyboard edit; ``key_edit`` says which while ``regions_changed`` is delivered."""
        self.key_edit = kind
        try:
            self.regions_changed.emit()
        finally:
            self.key_edit = None

    def visible_page_rect(self) -> QRectF:
        """The part of the page in the viewport, in page points (the whole page when none of it is)."""
        if self.page is None:
            return QRectF()
        shown = self.page.mapFromScene(self.mapToScene(self.viewport().rect())).boundingRect()
        part = shown.intersected(self.page.rect())
        return part if part.width() > 0 and part.height() > 0 else self.page.rect()

    def add_region_at_centre(self) -> TaskRegion | None:
        """A new region with the task for new regions, centred on the visible part of the page."""
        if self.page is None:
            return None
        w, h = self.page.rect().width(), self.page.rect().height()
        part = self.visible_page_rect()
        c = part.center()
        half_w, half_h = part.width() * KEY_REGION_SHARE[0] / 2, part.height() * KEY_REGION_SHARE[1] / 2
        region = Region.from_corners((c.x() - half_w) / w, (c.y() - half_h) / h, (c.x() + half_w) / w,
                                     (c.y() + half_h) / h)  # fmt: skip
        spec = TaskRegion(region=region, task=self.new_task)
        self.specs.append(spec)
        self._rebuild_items()
        self.select_spec(spec)
        self._show_selected()
        self._key_changed("add")
        return spec

    def select_next(self, forward: bool = True) -> bool:
        """Select the region after (before) the selected ones in reading order; the first (last) when none
        is selected. False past the last (first) region: Tab then leaves the page, as it does elsewhere."""
        items = self.region_items()
        chosen = [i for i, it in enumerate(items) if it.isSelected()]
        if not chosen:
            target = 0 if forward else len(items) - 1
        else:
            target = chosen[-1] + 1 if forward else chosen[0] - 1
        if not 0 <= target < len(items):
            return False
        self.select_spec(items[target].spec)
        self._show_selected()
        return True

    def _show_selected(self) -> None:
        for it in self.region_items():
            if it.isSelected():
                self.ensureVisible(it, 24, 24)

    def _page_axis(self, screen_axis: int) -> tuple[int, int]:
        """The page's axis (0: x, 1: y) along the screen's x (0) or y (1) axis, and its sign: the page
        may be turned by a multiple of 90 degrees."""
        if self.page is None:
            return screen_axis, 1
        inv = self.page.sceneTransform().inverted()[0]
        v = inv.map(QPointF(1.0, 0.0) if screen_axis == 0 else QPointF(0.0, 1.0)) - inv.map(QPointF(0.0, 0.0))
        if abs(v.x()) >= abs(v.y()):
            return 0, 1 if v.x() > 0 else -1
        return 1, 1 if v.y() > 0 else -1

    def move_selected_by_key(self, dx: int, dy: int, large: bool = False) -> bool:
        """Move the selected regions one step in a screen direction, together and inside the page."""
        items = [it for it in self.region_items() if it.isSelected()]
        if not items:
            return False
        step = KEY_STEP_LARGE if large else KEY_STEP
        delta = [0.0, 0.0]
        for screen_axis, amount in ((0, dx), (1, dy)):
            if amount:
                axis, sign = self._page_axis(screen_axis)
                delta[axis] += amount * sign * step
        boxes = [it.spec.region.as_tuple() for it in items]
        for axis in (0, 1):  # the group stops at the page's edge, keeping its shape
            low, high = min(b[axis] for b in boxes), max(b[axis + 2] for b in boxes)
            delta[axis] = min(max(delta[axis], -low), 1.0 - high)
        if abs(delta[0]) < 1e-12 and abs(delta[1]) < 1e-12:
            return False
        for it, (x0, y0, x1, y1) in zip(items, boxes, strict=True):
            it.spec.region = Region.from_corners(x0 + delta[0], y0 + delta[1], x1 + delta[0], y1 + delta[1])
            it.set_region(it.spec.region)
            self._mark_edited(it)
        self._show_selected()
        self._key_changed("move")
        return True

    def resize_selected_by_key(self, dx: int, dy: int, large: bool = False) -> bool:
        """Move the selected regions' right (dx) or bottom (dy) edge, as seen on screen, one step; a
        region keeps ``KEY_MIN_SIDE`` and stays inside the page."""
        items = [it for it in self.region_items() if it.isSelected()]
        step = KEY_STEP_LARGE if large else KEY_STEP
        changed = False
        for it in items:
            lo, hi = list(it.spec.region.as_tuple()[:2]), list(it.spec.region.as_tuple()[2:])
            for screen_axis, amount in ((0, dx), (1, dy)):
                if not amount:
                    continue
                axis, sign = self._page_axis(screen_axis)
                if sign > 0:  # the screen's right or bottom edge is the page's high edge on this axis
                    hi[axis] = min(max(hi[axis] + amount * step, lo[axis] + KEY_MIN_SIDE), 1.0)
                else:
                    lo[axis] = max(min(lo[axis] - amount * step, hi[axis] - KEY_MIN_SIDE), 0.0)
            region = Region.from_corners(lo[0], lo[1], hi[0], hi[1])
            if region != it.spec.region:
                it.spec.region = region
                it.set_region(region)
                self._mark_edited(it)
                changed = True
        if changed:
            self._show_selected()
            self._key_changed("resize")
        return changed

    @staticmethod
    def _mark_edited(item: RegionItem) -> None:
        if item.spec.from_layout:
            item.spec.edited = True

    # zoom -----------------------------------------------------------------------------------------
    def zoom(self) -> float:
        return _view_scale(self.page) if self.page is not None and self.page.scene() else 1.0

    def set_zoom(self, factor: float) -> None:
        current = math.hypot(self.transform().m11(), self.transform().m12()) or 1.0
        factor = min(ZOOM_MAX, max(ZOOM_MIN, factor))
        if abs(factor - current) <= 1e-9 * factor:
            return  # a refit at the same size changes nothing, so it starts nothing either
        self.setTransform(QTransform.fromScale(factor, factor))  # the page item carries the rotation
        self.zoom_changed.emit(factor)
        self.scene().update()

    def zoom_by(self, step: float) -> None:
        current = math.hypot(self.transform().m11(), self.transform().m12()) or 1.0
        self.zoom_to(current * step)

    def zoom_to(self, factor: float) -> None:
        """A fixed zoom (1.0 = 100 %): the fit mode ends and the scroll bars show as needed."""
        self.fit_mode = None
        self._set_bars(Qt.ScrollBarPolicy.ScrollBarAsNeeded, Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.set_zoom(factor)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(1 / 1.25)

    def fit_width(self) -> None:
        self.fit_mode = "width"
        self.apply_fit()

    def fit_page(self) -> None:
        self.fit_mode = "page"
        self.apply_fit()

    def fit_zoom(self) -> tuple[float, bool]:
        """The fit mode's zoom and whether the vertical scroll bar shows, from the view's own size.

        Neither depends on the scroll bars being shown, and the bars' policies are set from the result
        instead of "as needed", so a refit can never show or hide a bar that changes the fit again (a
        bar that appeared, shrank the viewport, was fitted away and came back froze the window).
        Fit page: the page fits, no bars. Fit width: the page fills the width; when it is then taller
        than the view the vertical bar is always on and the width it takes is left out of the fit.
        """
        if self.page is None:
            return 1.0, False
        r = self.page.sceneBoundingRect()
        area = self.contentsRect()  # the view less its frame: the same with or without scroll bars
        vw = max(1, area.width() - 2 * FIT_MARGIN_PX)
        vh = max(1, area.height() - 2 * FIT_MARGIN_PX)
        if self.fit_mode != "width":
            return min(vw / r.width(), vh / r.height()), False
        zoom = vw / r.width()
        if self.sceneRect().height() * zoom <= area.height():
            return zoom, False
        transient = self.style().styleHint(QStyle.StyleHint.SH_ScrollBar_Transient, None, self)
        bar = 0 if transient else self.verticalScrollBar().sizeHint().width()
        return max(1, vw - bar) / r.width(), True

    @staticmethod
    def _fit_bars(vertical: bool) -> tuple[Qt.ScrollBarPolicy, Qt.ScrollBarPolicy]:
        off, on = Qt.ScrollBarPolicy.ScrollBarAlwaysOff, Qt.ScrollBarPolicy.ScrollBarAlwaysOn
        return off, on if vertical else off

    def _set_bars(self, horizontal: Qt.ScrollBarPolicy, vertical: Qt.ScrollBarPolicy) -> None:
        if self.horizontalScrollBarPolicy() != horizontal:
            self.setHorizontalScrollBarPolicy(horizontal)
        if self.verticalScrollBarPolicy() != vertical:
            self.setVerticalScrollBarPolicy(vertical)

    def apply_fit(self) -> None:
        if self.page is None or self.fit_mode is None:
            return
        r = self.page.sceneBoundingRect()
        factor, vbar = self.fit_zoom()
        self._set_bars(*self._fit_bars(vbar))
        self.set_zoom(factor)
        if self.fit_mode == "width":
            self.centerOn(r.center().x(), r.top())
            self.ensureVisible(QRectF(r.left(), r.top(), r.width(), 1), 0, 12)
        else:
            self.centerOn(r.center())

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.Resize and self.page is not None and self.fit_mode is not None:
            # the bars for the new size before the viewport is laid out: one viewport resize, one fit
            self._set_bars(*self._fit_bars(self.fit_zoom()[1]))
        return super().event(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.apply_fit()

    def sizeHint(self) -> QSize:
        """A fixed hint: QGraphicsView's own grows with the zoom, and layouts must not follow the fit."""
        return QSize(760, 600)

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.zoom_by(1.15**steps)
            event.accept()
            return
        super().wheelEvent(event)

    # mouse: draw, pan, select ----------------------------------------------------------------------
    def _page_point(self, view_pos) -> QPointF | None:
        if self.page is None:
            return None
        return self.page.mapFromScene(self.mapToScene(view_pos))

    def _region_item_at(self, view_pos) -> RegionItem | None:
        for item in self.items(view_pos):
            if isinstance(item, RegionItem):
                return item
        return None

    def mousePressEvent(self, event) -> None:
        pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space
        ):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and self.page is not None and self._region_item_at(pos) is None:
            p = self._page_point(pos)
            if p is not None and self.page.rect().adjusted(-20, -20, 20, 20).contains(p):
                self.scene().clearSelection()
                self._draw_origin = self._clamp(p)
                self.setFocus()
                event.accept()
                return
        super().mousePressEvent(event)

    def _clamp(self, p: QPointF) -> QPointF:
        if self.page is None:
            return p
        r = self.page.rect()
        return QPointF(min(max(p.x(), 0.0), r.width()), min(max(p.y(), 0.0), r.height()))

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        if (self._draw_origin is not None and self.page is not None
                and (point := self._page_point(event.position().toPoint())) is not None):
            p = self._clamp(point)
            rect = QRectF(self._draw_origin, p).normalized()
            if self._drawing is None:
                if max(rect.width(), rect.height()) * _view_scale(self.page) < MIN_DRAG_PX:
                    return
                size = (self.page.rect().width(), self.page.rect().height())
                tmp = TaskRegion(region=Region(0, 0, 1, 1), task=self.new_task)
                self._drawing = RegionItem(tmp, len(self.specs) + 1, size, self.page)
            self._drawing.prepareGeometryChange()
            self._drawing.setPos(rect.topLeft())
            self._drawing.setRect(QRectF(0, 0, max(rect.width(), 1e-3), max(rect.height(), 1e-3)))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        if self._draw_origin is not None:
            item, self._drawing, self._draw_origin = self._drawing, None, None
            if item is not None:
                region = None
                try:
                    region = item.to_region()
                except Exception:
                    region = None
                self.scene().removeItem(item)
                if region is not None:
                    self.add_region(region)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event) -> None:
        item = self._region_item_at(event.pos())
        if item is None:
            if self.page is None:
                super().contextMenuEvent(event)
            else:
                self.page_menu_requested.emit(event.globalPos())
                event.accept()
            return
        if not item.isSelected():  # the menu acts on what is selected: the clicked region at least
            self.scene().clearSelection()
            item.setSelected(True)
        self.region_menu_requested.emit(item.spec, event.globalPos())
        event.accept()

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.delete_selected():
            event.accept()
            return
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
            return
        if self._region_key(event):
            event.accept()
            return
        if key == Qt.Key.Key_Minus:
            self.zoom_out()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab on the page (QGraphicsView hands them here): the next or previous region in
        reading order, then on to the next widget past the last (first) one."""
        if self.hasFocus() and self.select_next(forward=next):
            return True
        return super().focusNextPrevChild(next)

    def _region_key(self, event) -> bool:
        """Insert/N, arrows and Ctrl+arrows on the regions; False leaves the key to Qt."""
        if self.page is None:
            return False
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        plain = not mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                            | Qt.KeyboardModifier.MetaModifier)  # fmt: skip
        if key in (Qt.Key.Key_Insert, Qt.Key.Key_N) and plain and not shift:
            return self.add_region_at_centre() is not None
        if key in ARROWS and not mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier):
            if not self.selected_specs():
                return False  # the arrows scroll the page
            dx, dy = ARROWS[key]
            if ctrl:
                self.resize_selected_by_key(dx, dy, shift)
            else:
                self.move_selected_by_key(dx, dy, shift)
            return True  # at the page's edge too: the page does not scroll away under the selection
        return False

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)
