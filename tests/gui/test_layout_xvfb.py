"""Detected regions on a real page in a shown window under a real X display, checked and photographed.

The page is page 24 of the corpus thesis (``samplefiles_GeoTopo-komprimiert.pdf``: definitions, four
knot pictures, a caption, display formulas, a theorem box). The blocks are a hand-made list that
matches the page's real layout (from the PDF's own text and image boxes, labelled as PP-DocLayoutV3
labels them), placed through the same code as a detection; the random-weight test checkpoint would
give arbitrary boxes. The child process (this file as a script, on the xcb platform) reports what it
checked as JSON and writes ``test-artifacts/auto-regions.png``; ``docs/auto-regions.png`` is a copy.

Run it here with:  xvfb-run -a -s "-screen 0 1600x1000x24" pytest -m xvfb tests/gui/test_layout_xvfb.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PAGE = 23  # 0-based: the page printed as "21"
PT_W, PT_H = 595.276, 841.89  # the page's size in points

#: (label, box in PDF points x0, y0, x1, y1), in reading order.
BLOCKS = [
    ("number", (90, 26, 101, 35)),
    ("header", (420, 26, 539, 35)),
    ("paragraph_title", (90, 55, 161, 66)),
    ("text", (110, 65, 358, 80)),
    ("paragraph_title", (90, 91, 203, 102)),
    ("image", (124, 155, 214, 262)),
    ("image", (221, 149, 311, 262)),
    ("image", (318, 143, 408, 262)),
    ("image", (415, 137, 505, 262)),
    ("figure_title", (195, 273, 434, 284)),
    ("paragraph_title", (90, 306, 161, 317)),
    ("text", (110, 316, 497, 339)),
    ("display_formula", (277, 341, 372, 365)),
    ("text", (110, 370, 149, 381)),
    ("display_formula", (265, 393, 384, 431)),
    ("text", (110, 437, 255, 456)),
    ("display_formula", (262, 457, 387, 480)),
    ("text", (110, 486, 423, 498)),
    ("paragraph_title", (90, 505, 161, 516)),
    ("text", (110, 515, 510, 538)),
    ("text", (110, 539, 383, 552)),
    ("display_formula", (262, 556, 388, 582)),
    ("text", (110, 593, 408, 616)),
    ("display_formula", (255, 620, 394, 640)),
    ("paragraph_title", (100, 665, 279, 676)),
    ("text", (119, 678, 530, 703)),
]


@pytest.mark.xvfb
@pytest.mark.gui
def test_detected_regions_in_a_real_window(corpus_dir):
    pdf = corpus_dir / "pdfs" / "samplefiles_GeoTopo-komprimiert.pdf"
    from .xvfb_support import run_window_child

    data = run_window_child(__file__, "auto-regions-report.json", pdf)
    placed = [label for label, _ in BLOCKS if label not in ("number", "header")]
    assert data["badges"] == [f"{n} · {label}" for n, label in enumerate(placed, 1)]
    assert data["pictures"] == 4
    # every look is on screen: text blue, formula purple, picture grey, and the page itself
    for name in ("text", "formula", "picture"):
        assert data["colour_pixels"][name] > 500, data["colour_pixels"]
    assert Path(data["png"]).stat().st_size > 50_000


# --- the child process ------------------------------------------------------------------------------


def _child(pdf: Path, artifacts: Path, report: Path) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from xvfb_support import wait_until

    from glmocr_desktop.gui.webengine import prepare_webengine

    prepare_webengine()
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QApplication

    from glmocr_desktop.core.layout import LayoutBlock, kind_of
    from glmocr_desktop.core.regions import Region
    from glmocr_desktop.core.tasks import Task
    from glmocr_desktop.gui.controllers.persistence import NullPersistence
    from glmocr_desktop.gui.main_window import MainWindow
    from glmocr_desktop.gui.page_view import PICTURE_COLOUR, TASK_COLOURS
    from glmocr_desktop.gui.settings_store import SettingsStore

    app = QApplication([sys.argv[0]])
    ini = Path(tempfile.mkdtemp()) / "settings.ini"
    store = SettingsStore(QSettings(str(ini), QSettings.Format.IniFormat))
    window = MainWindow(store=store, persistence=NullPersistence())
    window.settings.theme = "light"
    window.theme.apply()
    window.resize(1500, 960)
    window.show()

    def wait(cond, timeout=60.0) -> bool:
        return wait_until(app, cond, timeout)

    window.open_paths([pdf])
    if not wait(lambda: window.current is not None and window.view.page is not None):
        print("document did not open", file=sys.stderr)
        return 2
    window.show_page(PAGE)
    shown = window.documents.page_image
    full: list[int] = []
    shown.connect(lambda st, page, image: full.append(image.width()))
    if not wait(lambda: bool(full)):
        print("the page image did not arrive", file=sys.stderr)
        return 3
    blocks = [
        LayoutBlock(Region(x0 / PT_W, y0 / PT_H, x1 / PT_W, y1 / PT_H), label, kind_of(label), 0.9, order)
        for order, (label, (x0, y0, x1, y1)) in enumerate(BLOCKS)
    ]
    window.regions.place_layout(window.current, PAGE, blocks, keep_abandoned=window.settings.keep_abandoned)
    items = window.view.region_items()
    items[4].setSelected(True)  # one picture selected: its handles show
    window.view.fit_width()
    window.view.verticalScrollBar().setValue(0)
    wait(lambda: False, 1.0)
    png = artifacts / "auto-regions.png"
    window.grab().save(str(png), "PNG")
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)

    def near(c: QColor, p: int) -> bool:
        q = QColor(p)
        return abs(q.red() - c.red()) + abs(q.green() - c.green()) + abs(q.blue() - c.blue()) < 40

    looks = {"text": TASK_COLOURS[Task.TEXT], "formula": TASK_COLOURS[Task.FORMULA], "picture": PICTURE_COLOUR}
    pixels = [image.pixel(x, y) for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)]
    out = {
        "png": str(png),
        "badges": [it.spec.badge(it.number) for it in items],
        "pictures": sum(1 for it in items if it.spec.is_picture),
        "colour_pixels": {name: sum(1 for p in pixels if near(c, p)) for name, c in looks.items()},
    }
    report.write_text(json.dumps(out, indent=2))
    window.close()
    import shiboken6

    shiboken6.delete(window)
    return 0


if __name__ == "__main__":
    sys.exit(_child(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))
