"""The settings model and its QSettings persistence (the hub download: tests/test_model_download.py)."""

from __future__ import annotations

import pytest

from glmocr_desktop import DEFAULT_MODEL_ID
from glmocr_desktop.core.settings import MAX_RECENT, Settings


def test_defaults_and_normalise():
    s = Settings()
    assert s.model == DEFAULT_MODEL_ID and s.render_dpi == 200 and s.max_new_tokens == 0
    bad = Settings(device="tpu", dtype="int3", render_dpi=5, max_new_tokens=3, theme="pink", task="x", model=" ")
    n = bad.normalised()
    assert (n.device, n.dtype, n.theme, n.task, n.model) == ("auto", "auto", "system", "text", DEFAULT_MODEL_ID)
    assert n.render_dpi == 72 and n.max_new_tokens == 16


def test_layout_settings():
    s = Settings()
    assert s.layout_model == "" and s.keep_abandoned is False
    n = Settings.from_dict({"layout_model": "  /models/layout ", "keep_abandoned": "true"})
    assert n.layout_model == "/models/layout" and n.keep_abandoned is True


def test_from_dict_coerces_strings_and_ignores_unknown():
    s = Settings.from_dict({"render_dpi": "300", "autoload_model": "false", "recent_files": "/a.pdf", "zzz": 1})
    assert s.render_dpi == 300 and s.autoload_model is False and s.recent_files == ["/a.pdf"]
    assert Settings.from_dict(Settings(device="cpu").to_dict()).device == "cpu"


def test_recent_files_unique_and_bounded():
    s = Settings()
    for i in range(MAX_RECENT + 5):
        s.add_recent(f"/f{i}.pdf")
    s.add_recent("/f3.pdf")
    assert s.recent_files[0] == "/f3.pdf" and len(s.recent_files) == MAX_RECENT
    assert len(set(s.recent_files)) == len(s.recent_files)


def test_qsettings_round_trip(tmp_path):
    pytest.importorskip("PySide6.QtCore")
    from PySide6.QtCore import QSettings

    from glmocr_desktop.gui.settings_store import SettingsStore

    path = str(tmp_path / "s.ini")
    store = SettingsStore(QSettings(path, QSettings.Format.IniFormat))
    s = Settings(model="/models/glm", device="cpu", render_dpi=250, max_new_tokens=512, theme="dark")
    s.add_recent("/x/scan.pdf")
    store.save(s)
    again = SettingsStore(QSettings(path, QSettings.Format.IniFormat)).load()
    assert again == s.normalised()
    empty = Settings(recent_files=[])
    store.save(empty)
    assert SettingsStore(QSettings(path, QSettings.Format.IniFormat)).load().recent_files == []
