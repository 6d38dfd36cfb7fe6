"""Typed persistence of :class:`~glmocr_desktop.core.settings.Settings` through ``QSettings``.

Tests and portable installs set ``GLMOCR_DATA_DIR``; settings then live in an ini file there instead of
the platform's native store, so nothing leaks between runs.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from glmocr_desktop import APP_ID
from glmocr_desktop.core import paths
from glmocr_desktop.core.settings import Settings, coerce


def open_qsettings() -> QSettings:
    data_dir = paths.data_dir_override()
    if data_dir:
        data_dir.mkdir(parents=True, exist_ok=True)
        return QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_ID, APP_ID)


class SettingsStore:
    """Load and save the settings model; also keeps window geometry and dock state (Qt-only bytes)."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.qs = qsettings or open_qsettings()

    def load(self) -> Settings:
        defaults = Settings()
        data = {}
        for key, default in defaults.to_dict().items():
            if self.qs.contains(f"settings/{key}"):
                data[key] = coerce(self.qs.value(f"settings/{key}"), default)
        return Settings.from_dict(data)

    def save(self, settings: Settings) -> None:
        for key, value in settings.normalised().to_dict().items():
            if isinstance(value, list):
                # an empty list would read back as an empty string; store a marker-free list
                self.qs.setValue(f"settings/{key}", list(value) if value else [])
            else:
                self.qs.setValue(f"settings/{key}", value)
        self.qs.sync()

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        geo = self.qs.value("window/geometry")
        state = self.qs.value("window/state")
        return (geo if isinstance(geo, QByteArray) else None, state if isinstance(state, QByteArray) else None)

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qs.setValue("window/geometry", geometry)
        self.qs.setValue("window/state", state)
        self.qs.sync()

    def value(self, key: str, default=None):
        return self.qs.value(key, default)

    def set_value(self, key: str, value) -> None:
        self.qs.setValue(key, value)
