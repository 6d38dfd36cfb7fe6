"""End to end under a real X display: a known result rendered in a shown window, checked and photographed.

The test session's QApplication is offscreen, and the platform of a process is fixed once it starts,
so the window runs in a child process on the xcb platform (this file run as a script). It reports the
DOM checks as JSON and writes screenshots to ``test-artifacts/`` (repository root, git-ignored):
``preview.png`` (light) and ``preview-dark.png``.

Run it here with:  Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 pytest -m xvfb
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

RESULT = r"""# Invoice analysis

The total cost follows $C = n \cdot p + s$, where $n$ is the quantity, $p$ the unit price and
$s = 4.50$ the shipping fee. Roots of the quadratic $ax^2 + bx + c = 0$ are

$$
x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}
$$

| Item        | Qty | Unit price | Amount |
|:------------|----:|-----------:|-------:|
| Ballpoint   |  12 |       0.80 |   9.60 |
| Notebook A5 |   4 |       2.25 |   9.00 |
| **Total**   |     |            | **18.60** |

<table><tr><th rowspan="2">Region</th><th colspan="2">Quarter</th></tr><tr><th>Q1</th><th>Q2</th></tr><tr><td>North</td><td>1,204</td><td>1,388</td></tr><tr><td>South</td><td>987</td><td>1,120</td></tr></table>

- Checked against the *scanned original*
- Sum over rows: $\sum_{i=1}^{n} a_i = 18.60$

> Note: amounts are in EUR. 备注：金额以欧元计。
"""

EXPECTED_CELLS = [
    "Item", "Qty", "Unit price", "Amount",
    "Ballpoint", "12", "0.80", "9.60",
    "Notebook A5", "4", "2.25", "9.00",
    "Total", "", "", "18.60",
    "Region", "Quarter", "Q1", "Q2",
    "North", "1,204", "1,388",
    "South", "987", "1,120",
]  # fmt: skip


@pytest.mark.xvfb
@pytest.mark.gui
def test_preview_in_a_real_window():
    if not os.environ.get("DISPLAY"):
        pytest.skip("needs an X display (run under Xvfb)")
    ARTIFACTS.mkdir(exist_ok=True)
    report = ARTIFACTS / "preview-report.json"
    report.unlink(missing_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.run(
        [sys.executable, __file__, str(ARTIFACTS), str(report)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    data = json.loads(report.read_text())

    for theme in ("light", "dark"):
        shot = data[theme]
        assert shot["fonts_loaded"], shot
        assert shot["katex"] == 7, shot  # six inline formulas and one display formula
        assert shot["katex_display"] == 1
        assert shot["math_errors"] == 0
        assert shot["cells"] == EXPECTED_CELLS
        assert shot["td_border"] == "solid"
        assert shot["blocked"] == []
        png = Path(shot["png"])
        assert png.stat().st_size > 10_000
        # a real picture, not an empty or single-colour frame
        assert shot["distinct_colours"] > 50
    assert data["light"]["background"] != data["dark"]["background"]
    assert data["dark"]["theme_class"] == "dark"


# --- the child process ------------------------------------------------------------------------------


def _child(artifacts: Path, report: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from glmocr_desktop.gui.webengine import prepare_webengine

    prepare_webengine()
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication, QMainWindow

    from glmocr_desktop.gui.preview import PreviewView

    app = QApplication([sys.argv[0]])
    window = QMainWindow()
    window.setWindowTitle("GLM-OCR preview")
    preview = PreviewView()
    window.setCentralWidget(preview)
    window.resize(1000, 860)
    window.show()

    from xvfb_support import wait_until

    def wait(cond, timeout=30.0) -> bool:
        return wait_until(app, cond, timeout)

    if not wait(lambda: preview.is_ready):
        print("page did not load", file=sys.stderr)
        return 2
    out: dict = {}
    for theme, dark in (("light", False), ("dark", True)):
        preview.set_dark(dark)
        preview.clear()
        preview.set_text(RESULT)
        wait(lambda: preview.evaluate("previewState().katex") >= 7)
        preview.run_js(
            "window.__fonts = null;"
            "Promise.all(['16px KaTeX_Main', 'italic 16px KaTeX_Math', '16px KaTeX_Size2'].map(f => document.fonts.load(f)))"
            ".then(() => document.fonts.ready).then(() => { window.__fonts = document.fonts.check('16px KaTeX_Main'); })"
        )
        wait(lambda: preview.evaluate("window.__fonts") is not None)
        # two frames after the fonts, so the picture shows the final layout
        wait(lambda: False, 0.5)
        png = artifacts / ("preview.png" if theme == "light" else "preview-dark.png")
        grabbed = window.grab()
        grabbed.save(str(png), "PNG")
        image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
        colours = {image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
        out[theme] = {
            "png": str(png),
            "fonts_loaded": preview.evaluate("window.__fonts") is True,
            "katex": preview.evaluate("previewState().katex"),
            "katex_display": preview.evaluate("document.querySelectorAll('.katex-display').length"),
            "math_errors": preview.evaluate("previewState().errors"),
            "cells": preview.evaluate(
                "[...document.querySelectorAll('td, th')].map(c => c.textContent.trim())"
            ),
            "td_border": preview.evaluate("getComputedStyle(document.querySelector('td')).borderTopStyle"),
            "background": preview.evaluate("getComputedStyle(document.documentElement).backgroundColor"),
            "theme_class": preview.evaluate("document.documentElement.className"),
            "blocked": [b.url for b in preview.blocked_requests],
            "distinct_colours": len(colours),
        }
    report.write_text(json.dumps(out, indent=2))
    window.close()
    import shiboken6

    shiboken6.delete(window)
    return 0


if __name__ == "__main__":
    sys.exit(_child(Path(sys.argv[1]), Path(sys.argv[2])))
