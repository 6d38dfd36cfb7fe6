"""Screen snip: a rectangle of the screen straight into a new document with one region over all of it,
with the current task, ready to run (the main workflow of Mathpix, NormCap and pix2tex).

How the pixels are got depends on the desktop, so it sits behind :class:`Capture`, one class a way:

- :class:`QtScreenCapture` (X11, Windows, macOS): every screen is grabbed with ``QScreen.grabWindow(0)``
  and shown frozen in a full-screen overlay on which the user drags the rectangle (Esc cancels). The
  crop is cut in device pixels, so on a HiDPI screen the model reads exactly the pixels that were framed.
- :class:`PortalCapture` (Wayland, where an application cannot read the screen): the xdg-desktop-portal
  ``Screenshot`` call with ``interactive: true``; the desktop's own dialog frames the area, and the
  ``Response`` signal of the request object names the PNG it wrote.

:func:`pick_capture` chooses; :class:`ScreenSnip` turns a capture into a document in the window.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import (
    SLOT,
    QCoreApplication,
    QObject,
    QPoint,
    QRect,
    QRectF,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QKeyEvent, QPainter, QPen, QPixmap, QScreen
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

MIN_SNIP_PX = 4  # a smaller drag is a slip of the hand, not a selection (logical pixels)
HIDE_MS = 250  # time for the compositor to take the window off the screen before it is grabbed
PORTAL_TIMEOUT_MS = 180_000  # the portal sends nothing when it is refused; the user may take a while


@dataclass(frozen=True)
class SnipOutcome:
    """What a capture gives back: an image, or none with a reason (no reason: the user cancelled)."""

    image: QImage | None = None
    error: str = ""

    @property
    def cancelled(self) -> bool:
        return self.image is None and not self.error


class Capture(Protocol):
    """One way of getting a framed rectangle of the screen; ``done`` is called once, in the GUI thread."""

    name: str
    hides_window: bool  # whether the app window must leave the screen first

    def capture(self, done: Callable[[SnipOutcome], None]) -> None: ...


# --- X11, Windows, macOS: grab, then frame on a frozen copy ------------------------------------------


def crop_device_pixels(shot: QPixmap, logical: QRect | QRectF) -> QImage:
    """The device pixels of ``shot`` under ``logical`` (a rectangle in the overlay's logical pixels)."""
    dpr = shot.devicePixelRatio() or 1.0
    r = QRectF(logical)
    device = QRectF(r.x() * dpr, r.y() * dpr, r.width() * dpr, r.height() * dpr).toAlignedRect()
    device &= QRect(0, 0, shot.width(), shot.height())
    image = shot.toImage().copy(device)
    image.setDevicePixelRatio(1.0)  # a document of plain pixels: what the model reads
    return image


class SnipOverlay(QWidget):
    """A frozen screen to drag a rectangle on: ``selected`` with the crop, ``cancelled`` on Esc."""

    selected = Signal(QImage)
    cancelled = Signal()

    def __init__(self, screen: QScreen, shot: QPixmap) -> None:
        flags = Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool
        super().__init__(None, flags)
        self.setObjectName("snipOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.screen_ = screen
        self.shot = shot
        self._origin: QPoint | None = None
        self._current: QPoint | None = None
        self.setGeometry(screen.geometry())

    def show_on_screen(self) -> None:
        self.winId()  # creates the window handle so it can be put on its screen
        self.windowHandle().setScreen(self.screen_)
        self.setGeometry(self.screen_.geometry())
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self.setFocus()

    def selection(self) -> QRect:
        """The dragged rectangle: a drag of n pixels frames n pixels."""
        a, b = self._origin, self._current
        if a is None or b is None:
            return QRect()
        return QRect(min(a.x(), b.x()), min(a.y(), b.y()), abs(a.x() - b.x()), abs(a.y() - b.y()))

    # events ---------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            self.cancelled.emit()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._origin = self._current = event.position().toPoint()
            self.update()

    def mouseMoveEvent(self, event) -> None:
        if self._origin is not None:
            self._current = event.position().toPoint()
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._origin is None:
            return
        self._current = event.position().toPoint()
        rect = self.selection()
        self._origin = self._current = None
        self.update()
        if rect.width() >= MIN_SNIP_PX and rect.height() >= MIN_SNIP_PX:
            self.selected.emit(crop_device_pixels(self.shot, rect))

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.drawPixmap(self.rect(), self.shot)  # the pixmap's ratio maps its device pixels onto the screen
        sel = self.selection()
        shade = QColor(0, 0, 0, 110)
        if sel.isEmpty():
            p.fillRect(self.rect(), shade)
        else:
            full, top, bottom = self.rect(), sel.top(), sel.bottom() + 1
            p.fillRect(QRect(0, 0, full.width(), top), shade)
            p.fillRect(QRect(0, bottom, full.width(), full.height() - bottom), shade)
            p.fillRect(QRect(0, top, sel.left(), sel.height()), shade)
            p.fillRect(QRect(sel.right() + 1, top, full.width() - sel.right() - 1, sel.height()), shade)
            pen = QPen(QColor("#2f7cf6"), 2)
            pen.setCosmetic(True)
            p.setPen(pen)
            p.drawRect(QRectF(sel).adjusted(-1, -1, 1, 1))  # just outside: the framed pixels stay visible
            dpr = self.shot.devicePixelRatio() or 1.0
            label = f"{round(sel.width() * dpr)} × {round(sel.height() * dpr)} px"
            self._badge(p, label, QPoint(sel.left(), max(0, sel.top() - 26)))
        self._badge(
            p, self.tr("Drag around what to read  ·  Esc to cancel"), QPoint(self.width() // 2, 24), centred=True
        )
        p.end()

    def _badge(self, p: QPainter, text: str, at: QPoint, centred: bool = False) -> None:
        font = QFont(self.font())
        font.setPointSizeF(10.5)
        p.setFont(font)
        box = p.fontMetrics().boundingRect(text).adjusted(-8, -4, 8, 4)
        box.moveTopLeft(at - QPoint(box.width() // 2, 0) if centred else at)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(20, 20, 24, 220))
        p.drawRoundedRect(box, 5, 5)
        p.setPen(QColor("white"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class QtScreenCapture:
    """Grab every screen with Qt, then let the user frame a rectangle on one of them."""

    name = "screen"
    hides_window = True

    def __init__(self) -> None:
        self.overlays: list[SnipOverlay] = []
        self._done: Callable[[SnipOutcome], None] | None = None

    def capture(self, done: Callable[[SnipOutcome], None]) -> None:
        shots = [(s, s.grabWindow(0)) for s in QGuiApplication.screens()]
        shots = [(s, p) for s, p in shots if not p.isNull()]
        if not shots:
            done(SnipOutcome(error=QCoreApplication.translate("QtScreenCapture",
                                                              "The screen could not be read on this desktop.")))
            return
        self._done = done
        self.overlays = [SnipOverlay(s, p) for s, p in shots]
        for overlay in self.overlays:
            overlay.selected.connect(self._on_selected)
            overlay.cancelled.connect(self._on_cancelled)
            overlay.show_on_screen()

    def _finish(self, outcome: SnipOutcome) -> None:
        overlays, self.overlays = self.overlays, []
        for overlay in overlays:
            overlay.close()
        done, self._done = self._done, None
        if done is not None:
            done(outcome)

    @Slot(QImage)
    def _on_selected(self, image: QImage) -> None:
        self._finish(SnipOutcome(image=image))

    @Slot()
    def _on_cancelled(self) -> None:
        self._finish(SnipOutcome())


# --- Wayland: the desktop portal ----------------------------------------------------------------------

PORTAL_SERVICE = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
PORTAL_SCREENSHOT = "org.freedesktop.portal.Screenshot"
PORTAL_REQUEST = "org.freedesktop.portal.Request"


class PortalCapture(QObject):
    """xdg-desktop-portal ``Screenshot`` with ``interactive: true``; the answer comes as a signal."""

    name = "portal"
    hides_window = True

    def __init__(self, bus=None, timeout_ms: int = PORTAL_TIMEOUT_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus = bus  # a QDBusConnection; the session bus when None
        self._done: Callable[[SnipOutcome], None] | None = None
        self._paths: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self._on_timeout)

    def _connection(self):
        from PySide6.QtDBus import QDBusConnection

        return self._bus if self._bus is not None else QDBusConnection.sessionBus()

    def capture(self, done: Callable[[SnipOutcome], None]) -> None:
        from PySide6.QtDBus import QDBusMessage, QDBusObjectPath

        bus = self._connection()
        if not bus.isConnected():
            done(SnipOutcome(error=self.tr("The screen cannot be read: there is no desktop session bus.")))
            return
        self._done = done
        token = f"glmocr_{uuid.uuid4().hex}"
        sender = bus.baseService().lstrip(":").replace(".", "_")
        # listen before asking: the answer may come before the call returns
        self._listen(f"{PORTAL_PATH}/request/{sender}/{token}")
        call = QDBusMessage.createMethodCall(PORTAL_SERVICE, PORTAL_PATH, PORTAL_SCREENSHOT, "Screenshot")
        call.setArguments(["", {"handle_token": token, "interactive": True, "modal": True}])
        reply = bus.call(call)  # returns at once with the request's path; the dialog answers later
        if reply.type() != QDBusMessage.MessageType.ReplyMessage:
            self._finish(SnipOutcome(error=self.tr("The desktop's screenshot service is not available ({0}).")
                                     .format(reply.errorMessage() or reply.errorName())))  # fmt: skip
            return
        args = reply.arguments()
        handle = args[0].path() if args and isinstance(args[0], QDBusObjectPath) else ""
        if handle and handle not in self._paths:  # portals before 0.9 choose the path themselves
            self._listen(handle)
        self._timer.start()

    def _listen(self, path: str) -> None:
        ok = self._connection().connect(PORTAL_SERVICE, path, PORTAL_REQUEST, "Response", self,
                                        SLOT("_on_response(uint,QVariantMap)"))  # fmt: skip
        if ok:
            self._paths.append(path)
        else:
            log.warning("cannot listen for the portal's answer on %s", path)

    def _stop_listening(self) -> None:
        bus = self._connection()
        for path in self._paths:
            bus.disconnect(PORTAL_SERVICE, path, PORTAL_REQUEST, "Response", self,
                           SLOT("_on_response(uint,QVariantMap)"))  # fmt: skip
        self._paths = []

    def _finish(self, outcome: SnipOutcome) -> None:
        self._timer.stop()
        self._stop_listening()
        done, self._done = self._done, None
        if done is not None:
            done(outcome)

    @Slot("uint", "QVariantMap")
    def _on_response(self, code: int, results: Mapping) -> None:
        if self._done is None:
            return
        self._finish(portal_outcome(int(code), dict(results or {})))

    @Slot()
    def _on_timeout(self) -> None:
        self._finish(SnipOutcome(error=self.tr("The desktop's screenshot dialog did not answer.")))


def portal_outcome(code: int, results: Mapping) -> SnipOutcome:
    """The portal's answer: 0 with a file URI, 1 cancelled by the user, 2 refused or failed."""
    if code == 1:
        return SnipOutcome()
    if code != 0:
        return SnipOutcome(error=QCoreApplication.translate("PortalCapture", "The desktop did not allow the screenshot."))
    uri = str(results.get("uri") or "")
    path = QUrl(uri).toLocalFile() if uri else ""
    image = QImage(path) if path else QImage()
    if image.isNull():
        what = uri or QCoreApplication.translate("PortalCapture", "no file")
        return SnipOutcome(error=QCoreApplication.translate("PortalCapture", "The screenshot could not be read ({0}).")
                           .format(what))  # fmt: skip
    try:
        Path(path).unlink()  # the portal wrote it for us (often into Pictures): do not leave it there
    except OSError:
        log.info("could not remove the portal's screenshot %s", path)
    image.setDevicePixelRatio(1.0)
    return SnipOutcome(image=image)


# --- choosing, and the window's end -------------------------------------------------------------------


def is_wayland(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Wayland sessions cannot be read with Qt, under XWayland neither (other clients' windows are black)."""
    env = os.environ if env is None else env
    if platform is None:
        platform = QGuiApplication.platformName()
    return (
        platform.startswith("wayland")
        or env.get("XDG_SESSION_TYPE") == "wayland"
        or bool(env.get("WAYLAND_DISPLAY"))
    )


def pick_capture(env: Mapping[str, str] | None = None, platform: str | None = None) -> Capture:
    return PortalCapture() if is_wayland(env, platform) else QtScreenCapture()


class ScreenSnip(QObject):
    """Snip for a window: out of the way while the user frames, then the snip as a new document with
    one region over all of it and the current task."""

    finished = Signal(object)  # SnipOutcome

    SNIP = "Snip"  # documents are named "Snip image 1.png", ... (in the window's language)

    def __init__(self, window, capture_factory: Callable[[], Capture] = pick_capture) -> None:
        super().__init__(window)
        self.window = window
        self.capture_factory = capture_factory
        self.capture: Capture | None = None
        self._pending: set[str] = set()  # names of the snips on their way to becoming documents
        self._was_visible = False
        window.documents.added.connect(self._on_document_added)

    def is_busy(self) -> bool:
        return self.capture is not None

    def start(self) -> bool:
        """Begin a snip; False when one is under way already."""
        if self.capture is not None:
            return False
        self.capture = self.capture_factory()
        self._was_visible = self.window.isVisible() and not self.window.isMinimized()
        if self.capture.hides_window and self._was_visible:
            self.window.hide()
            QTimer.singleShot(HIDE_MS, self._begin)
        else:
            self._begin()
        return True

    @Slot()
    def _begin(self) -> None:
        if self.capture is not None:
            self.capture.capture(self._on_done)

    def _on_done(self, outcome: SnipOutcome) -> None:
        self.capture = None
        if self._was_visible and not self.window.isVisible():
            self.window.show()
            self.window.raise_()
            self.window.activateWindow()
        if outcome.image is not None and not outcome.image.isNull():
            self._pending.add(self.window.documents.open_image(outcome.image, self.SNIP))
        elif outcome.error:
            self.window.show_message(outcome.error, error=True)
        else:
            self.window.show_message(self.tr("Snip cancelled."))
        self.finished.emit(outcome)

    @Slot(object)
    def _on_document_added(self, st) -> None:
        name = str(getattr(st, "path", "") or getattr(st, "name", ""))
        if name not in self._pending:
            return
        self._pending.discard(name)
        if self.window.current is st and not st.regions.get(st.page):
            self.window.add_whole_page_region()  # with the current task: ready to run
