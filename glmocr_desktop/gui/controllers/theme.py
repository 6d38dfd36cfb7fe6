"""Light or dark: from the settings, else from the system; says when it changed, and what the window's
chrome looks like in it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from glmocr_desktop.gui.icons import clear_cache

_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}


class Theme(QObject):
    """``mode()`` is the setting: "light", "dark" or "system". ``changed(dark)`` follows every apply,
    including the system switching its scheme."""

    changed = Signal(bool)

    def __init__(self, mode: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mode = mode
        QApplication.styleHints().colorSchemeChanged.connect(self.apply)

    def is_dark(self) -> bool:
        mode = self._mode()
        if mode in _SCHEMES:
            return mode == "dark"
        scheme = QApplication.styleHints().colorScheme()
        if scheme == Qt.ColorScheme.Unknown:
            return QApplication.palette().window().color().lightness() < 128
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
        clear_cache()  # icons are drawn in the palette's text colour
        self.changed.emit(self.is_dark())

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
