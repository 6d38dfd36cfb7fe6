"""Screen snip on a real X display: a window of known pixels is put on the screen, the Qt capture grabs
the screen, the overlay is dragged over a known rectangle, and the snip must hold exactly that window's
pixels there, at scale 1 and at scale 2 (HiDPI: the device pixels, not the logical ones). Esc cancels.

The test session's QApplication is offscreen and a process's platform is fixed when it starts, so the
screen work runs in a child process on the xcb platform (this file run as a script). The overlay is
photographed mid-drag to ``test-artifacts/snip-overlay.png`` (and ``snip-overlay-x2.png``).

Run it with:  xvfb-run -a -s "-screen 0 1280x800x24" pytest -m xvfb tests/gui/test_snip_xvfb.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

WINDOW_AT = (137, 91)  # logical position of the known window
WINDOW_SIZE = (360, 240)  # logical size
FRAME = (23, 17, 181, 97)  # x, y, w, h of the snip inside the window, logical pixels


@pytest.mark.xvfb
@pytest.mark.gui
@pytest.mark.parametrize("scale", ["1", "2"])
def test_qt_snip_holds_the_framed_pixels(scale):
    if not os.environ.get("DISPLAY"):
        pytest.skip("needs an X display (run under xvfb-run -a)")
    ARTIFACTS.mkdir(exist_ok=True)
    report = ARTIFACTS / f"snip-report-x{scale}.json"
    report.unlink(missing_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "QT_SCALE_FACTOR": scale, "PYTHONPATH": str(ROOT)}
    env.pop("QT_SCREEN_SCALE_FACTORS", None)
    proc = subprocess.run([sys.executable, __file__, str(report), scale], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    data = json.loads(report.read_text())
    dpr = float(scale)
    assert data["screen_dpr"] == dpr
    w, h = round(FRAME[2] * dpr), round(FRAME[3] * dpr)
    assert data["snip_size"] == [w, h]  # device pixels: twice as many each way at scale 2
    assert data["snip_dpr"] == 1.0
    assert data["mismatched_pixels"] == 0, data
    assert data["overlays"] >= 1
    assert data["esc_cancelled"] is True
    assert Path(data["overlay_png"]).stat().st_size > 5_000


# --- the child process ------------------------------------------------------------------------------


def _child(report: Path, scale: str) -> int:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from glmocr_desktop import workarounds

    workarounds.before_qt()
    from pixels import mismatched, pattern
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from glmocr_desktop.gui.snip import QtScreenCapture

    app = QApplication([sys.argv[0]])
    screen = QGuiApplication.primaryScreen()
    dpr = screen.devicePixelRatio()
    # the known window, painted pixel for pixel in device pixels
    known = pattern(round(WINDOW_SIZE[0] * dpr), round(WINDOW_SIZE[1] * dpr))
    known.setDevicePixelRatio(dpr)

    class Known(QWidget):
        def paintEvent(self, event):
            p = QPainter(self)
            p.drawImage(0, 0, known)
            p.end()

    win = Known(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
    win.setFixedSize(*WINDOW_SIZE)
    win.move(*WINDOW_AT)
    win.show()

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    spin(1.0)
    origin = win.mapToGlobal(QPoint(0, 0))  # where X really put it (logical)
    capture = QtScreenCapture()
    outcomes = []
    capture.capture(outcomes.append)
    overlays = list(capture.overlays)
    spin(0.8)
    overlay = overlays[0]
    top_left = overlay.mapFromGlobal(origin + QPoint(FRAME[0], FRAME[1]))
    bottom_right = top_left + QPoint(FRAME[2], FRAME[3])
    QTest.mousePress(overlay, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, top_left)
    QTest.mouseMove(overlay, top_left + QPoint(FRAME[2] // 2, FRAME[3] // 2))
    QTest.mouseMove(overlay, bottom_right)
    spin(0.5)
    shot_png = ARTIFACTS_DIR / f"snip-overlay{'' if scale == '1' else '-x' + scale}.png"
    screen.grabWindow(0).save(str(shot_png))  # what the user sees mid-drag
    QTest.mouseRelease(overlay, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bottom_right)
    spin(0.3)
    snip = outcomes[0].image if outcomes else QImage()
    expected = known.copy(round(FRAME[0] * dpr), round(FRAME[1] * dpr), round(FRAME[2] * dpr),
                          round(FRAME[3] * dpr))  # fmt: skip
    bad = mismatched(snip, expected)

    # Esc on the overlay cancels
    outcomes2 = []
    capture.capture(outcomes2.append)
    spin(0.5)
    QTest.keyClick(capture.overlays[0], Qt.Key.Key_Escape)
    spin(0.3)
    data = {
        "screen_dpr": dpr,
        "snip_size": [snip.width(), snip.height()],
        "snip_dpr": snip.devicePixelRatio(),
        "mismatched_pixels": bad,
        "overlays": len(overlays),
        "origin": [origin.x(), origin.y()],
        "esc_cancelled": bool(outcomes2) and outcomes2[0].cancelled and not capture.overlays,
        "overlay_png": str(shot_png),
    }
    report.write_text(json.dumps(data))
    win.close()
    return 0


ARTIFACTS_DIR = ARTIFACTS

if __name__ == "__main__":
    raise SystemExit(_child(Path(sys.argv[1]), sys.argv[2]))
