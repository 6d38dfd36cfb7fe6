"""The choices the menus make and keep in the settings: the theme (and the window following it),
copying each result when done, keeping page headers and footers in layout detection, recent files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication

from glmocr_desktop.gui.controllers.theme import Theme

if TYPE_CHECKING:
    from glmocr_desktop.gui.main_window import MainWindow


class Preferences(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        window.theme.changed.connect(self._on_theme)

    def _save(self) -> None:
        self.w.store.save(self.w.settings)

    def set_theme(self, mode: str) -> None:
        """View > Theme: "system", "light" or "dark", for the whole window."""
        self.w.settings.theme = mode
        self._save()
        self.w.theme.apply()

    @Slot(bool)
    def _on_theme(self, dark: bool) -> None:
        """Everything that does not follow the application palette by itself follows the theme."""
        w = self.w
        w.preview.set_dark(dark)
        w.results.set_dark(dark)
        w.action_set.refresh_icons()
        w.results.refresh_icons()
        w.action_set.theme_actions[w.theme.mode()].setChecked(True)
        pal = QApplication.palette()
        w.view.setBackgroundBrush(Theme.canvas(pal, dark))
        w.setStyleSheet(Theme.stylesheet(pal, dark))

    def set_auto_copy(self, on: bool) -> None:
        self.w.settings.auto_copy = bool(on)
        self._save()
        self.w.show_message(self.tr("Each finished result is copied to the clipboard") if on
                            else self.tr("Finished results are no longer copied by themselves"))  # fmt: skip

    def set_keep_abandoned(self, keep: bool) -> None:
        self.w.settings.keep_abandoned = bool(keep)
        self._save()
        self.w.show_message(self.tr("Headers, footers and page numbers are kept from the next layout detection")
                            if keep else
                            self.tr("Headers, footers and page numbers are left out from the next layout detection"))  # fmt: skip

    def recent_files(self) -> list[str]:
        return list(self.w.settings.recent_files)

    def clear_recent(self) -> None:
        self.w.settings.recent_files = []
        self._save()
