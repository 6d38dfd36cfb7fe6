"""Process-wide workarounds: each does what its docstring says, is safe to repeat, and lives only here."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from glmocr_desktop import workarounds

ROOT = Path(__file__).resolve().parent.parent


def test_chromium_flags_add_gc_and_keep_what_is_there(monkeypatch):
    monkeypatch.delenv("QTWEBENGINE_CHROMIUM_FLAGS", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    net = " ".join(workarounds._NO_NETWORK_FLAGS)
    assert workarounds.set_chromium_flags() == f"--js-flags=--expose-gc {net}"
    assert workarounds.set_chromium_flags() == f"--js-flags=--expose-gc {net}"  # not repeated
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--js-flags=--max-old-space-size=64 --lang=de")
    assert workarounds.set_chromium_flags() == f"--js-flags=--max-old-space-size=64 --lang=de {net}"
    assert os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] == f"--js-flags=--max-old-space-size=64 --lang=de {net}"


def test_chromium_runs_without_sandbox_only_as_root(monkeypatch):
    monkeypatch.delenv("QTWEBENGINE_CHROMIUM_FLAGS", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    net = " ".join(workarounds._NO_NETWORK_FLAGS).split()
    assert workarounds.set_chromium_flags().split() == ["--js-flags=--expose-gc", *net, "--no-sandbox", "--disable-gpu"]


def test_singleton_guard_applies_exactly_to_pyside_6_12_before_python_3_12():
    from importlib.metadata import version

    expected = sys.version_info < (3, 12) and version("PySide6-Essentials").startswith("6.12.")
    assert workarounds.guard_singleton_refcounts() is expected
    assert workarounds.guard_singleton_refcounts() is expected  # again: no overflow, same answer
    if expected:
        assert sys.getrefcount(None) > 1 << 60 and sys.getrefcount(True) > 1 << 60


def test_pillow_bomb_warning_becomes_an_error():
    from PIL import Image

    from glmocr_desktop.core import imaging

    workarounds.limit_pillow_decoding(imaging.MAX_PAGE_PIXELS)
    assert Image.MAX_IMAGE_PIXELS == imaging.MAX_PAGE_PIXELS
    with pytest.raises(Image.DecompressionBombWarning):
        Image._decompression_bomb_check((15_000, 15_000))  # 225 MP: above the cap, below Pillow's refusal
    Image._decompression_bomb_check((10_000, 10_000))  # 100 MP: above Pillow's default, fine here


def test_mupdf_messages_are_silenced():
    import pymupdf

    workarounds.quiet_mupdf()
    workarounds.quiet_mupdf()
    assert pymupdf.TOOLS.mupdf_display_errors() is False
    assert pymupdf.TOOLS.mupdf_display_warnings() is False


def test_triton_preload_honours_the_switch(monkeypatch):
    monkeypatch.setenv("GLMOCR_NO_TRITON_PRELOAD", "1")
    assert workarounds.preload_triton() is False
    monkeypatch.delenv("GLMOCR_NO_TRITON_PRELOAD")
    expected = sys.platform.startswith("linux") and importlib.util.find_spec("triton") is not None
    assert workarounds.preload_triton() is expected


def test_importing_the_module_loads_no_library():
    code = (
        "import sys, glmocr_desktop.workarounds\n"
        "print(sorted(m for m in ('PySide6', 'torch', 'triton', 'PIL', 'pymupdf') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "pattern",
    [r"ctypes\.c_ssize_t", r"MAX_IMAGE_PIXELS\s*=", r"mupdf_display_(errors|warnings)\(",
     r"QTWEBENGINE_CHROMIUM_FLAGS", r"^\s*import triton\b", r"filterwarnings\(.*DecompressionBomb"],
)  # fmt: skip
def test_no_copy_elsewhere_in_the_app(pattern):
    rx = re.compile(pattern, re.MULTILINE)
    found = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "glmocr_desktop").rglob("*.py")
        if p.name != "workarounds.py" and rx.search(p.read_text(encoding="utf-8"))
    )
    assert found == []
