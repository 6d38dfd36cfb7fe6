"""The double-click bundle (packaging/build_bundle.sh) as a person gets it: under Xvfb it opens a scan
in its window, its preview typesets math, and it runs the tiny test checkpoint.

Skipped unless a bundle was built (the build takes 15-20 minutes and several GB, so it is run by hand):
build/bundle/dist/glmocr-desktop/glmocr-desktop, or the executable named by GLMOCR_BUNDLE.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = Path(os.environ.get("GLMOCR_BUNDLE", ROOT / "build" / "bundle" / "dist" / "glmocr-desktop" / "glmocr-desktop"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not BUNDLE.is_file(), reason=f"no bundle built ({BUNDLE}): bash packaging/build_bundle.sh"),
]


def bundle_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The bundle sees nothing of this checkout or its environment, and keeps its data in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "QT_"))}
    env.update(GLMOCR_DATA_DIR=str(tmp_path / "data"), GLMOCR_LOG_DIR=str(tmp_path / "log"),
               HF_HUB_OFFLINE="1", **extra)
    return env


@pytest.fixture
def page(tmp_path) -> Path:
    from PIL import Image, ImageDraw

    path = tmp_path / "scan.png"
    img = Image.new("RGB", (800, 500), "white")
    ImageDraw.Draw(img).text((50, 50), "A scan opened by the bundle", fill="black")
    img.save(path)
    return path


def test_bundle_self_check_renders_the_preview(tmp_path):
    proc = subprocess.run([str(BUNDLE), "--self-check"], capture_output=True, text=True, cwd=tmp_path,
                          env=bundle_env(tmp_path, QT_QPA_PLATFORM="offscreen"), timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "(bundle)" in proc.stdout and "ok   WebEngine preview: KaTeX typeset a formula" in proc.stdout
    assert "ok   assets:" in proc.stdout and "ok   torch:" in proc.stdout


def test_bundle_runs_the_tiny_checkpoint(tmp_path, page, tiny_model_dir):
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [str(BUNDLE), "ocr", str(page), "--model", str(tiny_model_dir), "--no-layout", "--max-new-tokens", "8",
         "--device", "cpu", "--format", "json", "-o", str(out)],
        capture_output=True, text=True, cwd=tmp_path, env=bundle_env(tmp_path), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["task"] == "text" and result["file"] == str(page) and isinstance(result["text"], str)
    assert result["text"] and result["timings"]["generated_tokens"] >= 1


@pytest.mark.xvfb
def test_bundle_window_opens_a_scan_under_xvfb(tmp_path, page, tiny_model_dir):
    if not shutil.which("xvfb-run"):
        pytest.skip("xvfb-run is not installed")
    report = tmp_path / "startup.json"
    env = bundle_env(tmp_path, GLMOCR_STARTUP_REPORT=str(report))
    shot = tmp_path / "window.png"
    # the window with the scan; once painted, the screen is photographed (xwd, when installed) and it closes
    script = (f'"{BUNDLE}" "{page}" --model "{tiny_model_dir}" --no-autoload --new-instance & pid=$!; '
              f'for i in $(seq 1 600); do [ -s "{report}" ] && break; sleep 0.1; done; sleep 2; '
              f'command -v xwd >/dev/null && xwd -root -silent > "{shot}.xwd"; kill $pid; wait $pid')
    started = time.monotonic()
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "bash", "-c", script],
                          capture_output=True, text=True, env=env, timeout=240)
    assert report.is_file(), proc.stderr[-3000:]
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["painted"] >= data["exposed"] and not data["torch_imported"]
    assert time.monotonic() - started < 240
    log = (tmp_path / "log" / "glmocr-desktop.log")
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    assert "Traceback" not in text, text[-3000:]
