"""Line icons drawn as tiny SVGs, tinted with the palette's text colour so they suit light and dark."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

_P = 'fill="none" stroke="{c}" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"'

SHAPES: dict[str, str] = {
    "open": '<path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/>',
    "paste": '<rect x="6" y="4" width="12" height="17" rx="2"/><path d="M9 4V3h6v1M9 10h6M9 14h6M9 18h3"/>',
    "snip": '<path d="M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5M12 9v6M9 12h6"/>',
    "zoom-in": '<circle cx="11" cy="11" r="6.5"/><path d="M20 20l-4.2-4.2M8 11h6M11 8v6"/>',
    "zoom-out": '<circle cx="11" cy="11" r="6.5"/><path d="M20 20l-4.2-4.2M8 11h6"/>',
    "fit-width": '<path d="M3 5v14M21 5v14M7 12h10M9 9l-3 3 3 3M15 9l3 3-3 3"/>',
    "fit-page": '<rect x="5" y="3" width="14" height="18" rx="2"/><path d="M9 8l-2-2M15 8l2-2M9 16l-2 2M15 16l2 2"/>',
    "rotate": '<path d="M20 12a8 8 0 1 1-2.3-5.7"/><path d="M20 4v4h-4"/>',
    "region": '<path d="M4 8V5a1 1 0 0 1 1-1h3M16 4h3a1 1 0 0 1 1 1v3M20 16v3a1 1 0 0 1-1 1h-3M8 20H5a1 1 0 0 1-1-1v-3"/><rect x="8" y="8" width="8" height="8" rx="1"/>',
    "page": '<path d="M6 3h8l5 5v12a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z"/><path d="M14 3v5h5M8 12h8M8 16h6"/>',
    "run": '<path d="M7 4.5v15l12-7.5z" fill="{c}"/>',
    "run-all": '<path d="M4 5v14l8-7zM12 5v14l8-7z" fill="{c}"/>',
    "stop": '<rect x="6" y="6" width="12" height="12" rx="2" fill="{c}"/>',
    "settings": '<path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0"/><circle cx="16" cy="6" r="2"/><circle cx="10" cy="12" r="2"/><circle cx="18" cy="18" r="2"/>',
    "copy": '<rect x="8" y="8" width="12" height="12" rx="2"/><path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2"/>',
    "save": '<path d="M5 3h11l3 3v13a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2z"/><path d="M8 3v5h7V3M8 21v-6h8v6"/>',
    "history": '<path d="M3 12a9 9 0 1 0 3-6.7L3 8"/><path d="M3 3v5h5M12 7v5l3 3"/>',
    "delete": '<path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/>',
    "text": '<path d="M5 6V4h14v2M12 4v16M9 20h6"/>',
    "formula": '<path d="M18 5H7l6 7-6 7h11"/>',
    "table": '<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M3 10h18M3 15h18M10 4v16"/>',
    "extract": '<path d="M8 4H7a2 2 0 0 0-2 2v4l-2 2 2 2v4a2 2 0 0 0 2 2h1M16 4h1a2 2 0 0 1 2 2v4l2 2-2 2v4a2 2 0 0 1-2 2h-1"/>',
    "template": '<rect x="4" y="3" width="16" height="18" rx="2"/><path d="M8 8h8M8 12h8M8 16h4"/>',
    "close": '<path d="M6 6l12 12M18 6L6 18"/>',
    "download": '<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>',
    "folder": '<path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/>',
    "layout": '<rect x="4" y="3" width="16" height="18" rx="2"/><path d="M7 6.5h10"/><rect x="7" y="9.5" width="4.5" height="8" rx=".5"/><path d="M14 10h3M14 13h3M14 16h3"/>',
    "layout-all": '<path d="M8 3h11a1 1 0 0 1 1 1v13"/><rect x="4" y="6" width="13" height="15" rx="2"/><path d="M7 9.5h7M7 12.5h3v5H7zM12.5 13h1.5M12.5 16h1.5"/>',
    "merge": '<rect x="3" y="4" width="8" height="7" rx="1"/><rect x="13" y="13" width="8" height="7" rx="1"/><path d="M7 11v4a2 2 0 0 0 2 2h4M17 13V9a2 2 0 0 0-2-2h-4"/>',
}


def _svg(name: str, colour: str) -> bytes:
    body = SHAPES[name].replace("{c}", colour)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" {_P.format(c=colour)}>{body}</svg>'
    ).encode()


@lru_cache(maxsize=256)
def _icon(name: str, colour: str) -> QIcon:
    renderer = QSvgRenderer(QByteArray(_svg(name, colour)))
    icon = QIcon()
    for size in (16, 20, 24, 32, 48):
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(p, QRectF(0, 0, size, size))
        p.end()
        icon.addPixmap(pm)
    return icon


def icon(name: str, colour: QColor | str | None = None) -> QIcon:
    """The named icon in ``colour`` (default: the application's text colour)."""
    if colour is None:
        app = QApplication.instance()
        colour = app.palette().windowText().color().name() if isinstance(app, QGuiApplication) else "#333333"
    elif isinstance(colour, QColor):
        colour = colour.name()
    return _icon(name, colour)


def clear_cache() -> None:
    _icon.cache_clear()
