"""The settings model, its QSettings persistence, and the hub download's progress and cancel."""

from __future__ import annotations

import threading

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


def _fake_snapshot(total_files=3, size=1000, gate=None):
    """Drives tqdm_class the way huggingface_hub's snapshot_download does (bytes bar + file bar)."""

    def snapshot_download(repo_id, cache_dir=None, local_dir=None, tqdm_class=None, **kw):
        bytes_bar = tqdm_class(desc="Reconstructing (incomplete total...)", total=0, initial=0, unit="B",
                               unit_scale=True)  # fmt: skip
        bytes_bar.total = total_files * size
        bytes_bar.refresh()
        with tqdm_class(desc=f"Fetching {total_files} files", total=total_files) as files:
            for _ in range(total_files):
                for _ in range(10):
                    if gate is not None:
                        gate()
                    bytes_bar.update(size // 10)
                files.update(1)
        return str(local_dir or "/tmp/model")

    return snapshot_download


def test_download_reports_bytes(monkeypatch):
    import huggingface_hub

    from glmocr_desktop.engines import hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", _fake_snapshot())
    seen = []
    path = hub.download_model("zai-org/GLM-OCR", progress=lambda d, t, m: seen.append((d, t, m)))
    assert str(path) == "/tmp/model"
    assert seen[-1][0] == seen[-1][1] == 3000
    assert all(t in (0, 3000) for _, t, _ in seen)
    assert "KB" in seen[-1][2]


def test_download_cancel(monkeypatch):
    import huggingface_hub

    from glmocr_desktop.engines import hub

    cancel = threading.Event()
    calls = []

    def gate():
        calls.append(1)
        if len(calls) == 5:
            cancel.set()

    monkeypatch.setattr(huggingface_hub, "snapshot_download", _fake_snapshot(gate=gate))
    with pytest.raises(hub.DownloadCancelled):
        hub.download_model(progress=None, cancel=cancel)
    assert len(calls) == 5  # stopped within one update


def test_download_error_is_readable(monkeypatch):
    import huggingface_hub

    from glmocr_desktop.engines import hub

    def boom(*a, **k):
        raise OSError("no route to host")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", boom)
    with pytest.raises(hub.DownloadError) as info:
        hub.download_model("zai-org/GLM-OCR")
    assert "no route to host" in str(info.value) and "disk space" in str(info.value)
