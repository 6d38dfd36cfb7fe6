"""Light or dark: from the settings, else from the system; says when it changed, and what the window's
chrome looks like in it.

The whole window follows: the application palette is set to a dark or light one (many desktops and the
Fusion style do not change it when the colour scheme is asked for), so lists, dialogs, menus and the
page's canvas darken with the preview.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from glmocr_desktop.gui.icons import clear_cache

_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}

#: The dark palette's colours by role (a neutral grey, Qt's Fusion layout of roles).
_DARK = {
    QPalette.ColorRole.Window: "#2b2b2e",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1f1f22",
    QPalette.ColorRole.AlternateBase: "#28282c",
    QPalette.ColorRole.ToolTipBase: "#3a3a3e",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.PlaceholderText: "#8c8c90",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#333337",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Light: "#4a4a4f",
    QPalette.ColorRole.Midlight: "#3c3c41",
    QPalette.ColorRole.Mid: "#46464b",
    QPalette.ColorRole.Dark: "#18181a",
    QPalette.ColorRole.Shadow: "#0c0c0d",
    QPalette.ColorRole.Highlight: "#3d7fd6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#7ab4ff",
    QPalette.ColorRole.LinkVisited: "#b49cff",
}
_DARK_DISABLED = "#7a7a7e"


_desktop: list[QPalette] = []


def _desktop_palette() -> QPalette:
    """The application palette as the desktop gave it, before any window of ours set one."""
    if not _desktop:
        _desktop.append(QPalette(QApplication.palette()))
    return _desktop[0]


def dark_palette() -> QPalette:
    pal = QPalette()
    for role, colour in _DARK.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DARK_DISABLED))
    return pal


def light_palette() -> QPalette:
    """The style's own light palette (Fusion's when the style has none of its own)."""
    style = QApplication.style()
    pal = style.standardPalette() if style is not None else QPalette()
    if pal.window().color().lightness() < 128:
        fusion = QStyleFactory.create("Fusion")
        pal = fusion.standardPalette() if fusion is not None else QPalette()
    return pal


class Theme(QObject):
    """``mode()`` is the setting: "light", "dark" or "system". ``changed(dark)`` follows every apply,
    including the system switching its scheme."""

    changed = Signal(bool)

    def __init__(self, mode: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mode = mode
        self._system_palette = _desktop_palette()
        QApplication.styleHints().colorSchemeChanged.connect(self.apply)

    def mode(self) -> str:
        return self._mode()

    def is_dark(self) -> bool:
        mode = self._mode()
        if mode in _SCHEMES:
            return mode == "dark"
        scheme = QApplication.styleHints().colorScheme()
        if scheme == Qt.ColorScheme.Unknown:
            return self._system_palette.window().color().lightness() < 128
        return scheme == Qt.ColorScheme.Dark

    @Slot()
    def apply(self, *_: object) -> None:
        hints = QApplication.styleHints()
        wanted = _SCHEMES.get(self._mode())
        try:
            if wanted is not None:
                hints.setColorScheme(wanted)
            else:
                hints.unsetColorScheme()
        except AttributeError:  # pragma: no cover - Qt < 6.8
            pass
        dark = self.is_dark()
        system_dark = self._system_palette.window().color().lightness() < 128
        if dark == system_dark:
            pal = self._system_palette  # the desktop's own colours when they are the ones asked for
        else:
            pal = dark_palette() if dark else light_palette()
        QApplication.setPalette(pal)
        clear_cache()  # icons are drawn in the palette's text colour
        self.changed.emit(dark)

    @staticmethod
    def canvas(palette: QPalette, dark: bool) -> QColor:
        """Behind the page: a shade darker than the window, so a white page stands out."""
        base = palette.window().color()
        return base.darker(135 if dark else 112)

    @staticmethod
    def stylesheet(palette: QPalette, dark: bool) -> str:
        mid = palette.mid().color().name()
        hl = palette.highlight().color()
        sel = f"rgba({hl.red()},{hl.green()},{hl.blue()},{60 if dark else 40})"
        selb = hl.name()
        return f"""
            QToolBar#mainToolbar {{ spacing: 4px; padding: 4px 6px; border: none;
                border-bottom: 1px solid {mid}; }}
            QToolBar#mainToolbar QToolButton {{ padding: 4px 6px; border-radius: 6px; }}
            QToolBar#mainToolbar QToolButton:checked {{ background: {sel}; border: 1px solid {selb}; }}
            QListWidget#thumbnails::item:selected {{ background: transparent; border: 2px solid {selb};
                border-radius: 4px; color: palette(window-text); }}
            QLabel#paneTitle {{ color: palette(window-text); }}
            QLabel#emptyHint {{ color: palette(placeholder-text); }}
            QListWidget {{ border: none; }}
            QSplitter::handle {{ background: {mid}; }}
            QSplitter::handle:horizontal {{ width: 1px; }}
            QSplitter::handle:vertical {{ height: 1px; }}
            QStatusBar {{ border-top: 1px solid {mid}; }}
            """
