"""Under a real X display: the whole window in the dark theme with results grouped per document (a re-run
shown as a version), the result list's right-click menu open and Run > Model…, photographed and measured.

The window runs in a child process on the xcb platform (this file run as a script) with the scripted
FakeEngine and no database; it reports what it saw as JSON and writes ``test-artifacts/dark-window.png``,
``test-artifacts/result-menu.png``, ``test-artifacts/grouped-results.png`` and
``test-artifacts/model-dialog.png`` (git-ignored; the README's copies live in docs/).

Run it here with:  xvfb-run -a -s "-screen 0 1600x1000x24" pytest -m xvfb tests/gui/test_window_states_xvfb.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SHOTS = ("dark-window.png", "result-menu.png", "grouped-results.png", "model-dialog.png")


@pytest.mark.xvfb
@pytest.mark.gui
def test_dark_window_grouped_results_and_result_menu_in_a_real_window():
    from .xvfb_support import run_window_child

    data = run_window_child(__file__, "window-states-report.json")
    # dark: the window's own pixels (lists, panes, status bar, toolbar), not only the preview, are dark
    assert data["window_lightness"] < 90, data
    assert data["list_lightness"] < 90 and data["toolbar_lightness"] < 90, data
    assert data["groups"] == ["receipt.png", "letter.png"] and data["versions"] == 2, data
    assert data["menu_visible"] and "Run Again" in data["menu_items"] and "Copy As" in data["menu_items"]
    assert not data["toolbar_overflows"]
    assert data["model_rows"]["Model"] == "fake-engine" and data["model_rows"]["Device"] == "cpu"
    assert "tokens/s" in data["model_rows"]["Speed"] and data["dialog_lightness"] < 90
    for name in SHOTS:
        assert (ARTIFACTS / name).stat().st_size > 10_000


# --- the child process ------------------------------------------------------------------------------


def _lightness(image) -> float:
    """Mean lightness (0-255) of a QImage, sampled on a grid."""
    from PySide6.QtGui import QColor

    w, h = image.width(), image.height()
    values = [QColor(image.pixel(x, y)).lightness() for x in range(0, w, 7) for y in range(0, h, 7)]
    return sum(values) / max(1, len(values))


def _page(path: Path, title: str, lines: int) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1000, 1300), "white")
    draw = ImageDraw.Draw(img)
    draw.text((80, 60), title, fill="black")
    for i in range(lines):
        draw.text((80, 120 + 44 * i), f"{i + 1}. A line of the {title.lower()}, as scanned", fill="black")
    img.save(path)


def _child(artifacts: Path, report: Path) -> int:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(Path(__file__).resolve().parent)]
    from glmocr_desktop.gui.webengine import prepare_webengine

    prepare_webengine()
    from fake_engine import FakeEngine
    from PySide6.QtCore import QPoint, QRect, QSettings
    from PySide6.QtWidgets import QApplication
    from xvfb_support import wait_until

    from glmocr_desktop.core.regions import Region
    from glmocr_desktop.gui.controllers.persistence import NullPersistence
    from glmocr_desktop.gui.main_window import MainWindow
    from glmocr_desktop.gui.settings_store import SettingsStore

    app = QApplication([sys.argv[0]])
    tmp = Path(tempfile.mkdtemp())
    receipt, letter = tmp / "receipt.png", tmp / "letter.png"
    _page(receipt, "Receipt", 12)
    _page(letter, "Letter", 20)
    texts = iter([
        "## Receipt\n\nCoffee 2.40\n\nCake 3.10", "Total **5.50**",
        "# Letter\n\nDear reader, the text of the letter with $E = mc^2$ inline.",
        "# Letter\n\nDear reader, the text of the letter with $E = mc^2$ inline, read again.",
    ])  # fmt: skip
    engine = FakeEngine(lambda job: [word + " " for word in next(texts, "more text").split(" ")])  # word by word
    store = SettingsStore(QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(store=store, engine_factory=lambda settings: engine, persistence=NullPersistence())
    w.settings.layout_model = str(tmp / "no-layout-model")
    w.set_theme("dark")
    w.resize(1366, 800)
    w.show()
    out: dict = {}
    for path in (receipt, letter):
        w.open_paths([path])
        if not wait_until(app, lambda p=path: w.current is not None and w.current.name == p.name
                          and w.view.page is not None):  # fmt: skip
            print("the page did not open", file=sys.stderr)
            return 2
        if path is receipt:
            w.view.add_region(Region(0.05, 0.03, 0.95, 0.2))
            w.view.add_region(Region(0.05, 0.22, 0.95, 0.4))
            reqs = w.run_page()
        else:
            reqs = w.run_whole_page()
        wait_until(app, lambda r=reqs: all(not w.results.entry(q.id).state.active for q in r), 20)
    again = w.run_whole_page()  # the letter read again: a second version under the first
    wait_until(app, lambda: not w.results.entry(again[0].id).state.active, 20)
    w.results.list.expandAll()
    wait_until(app, lambda: False, 1.5)  # the preview and thumbnails paint
    tree = w.results.list
    out["groups"] = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    out["versions"] = len(w.results.versions(w.results.entry(again[0].id)))
    out["toolbar_overflows"] = w.action_set.toolbar_overflows()
    shot = w.grab()
    shot.save(str(artifacts / "dark-window.png"), "PNG")
    chrome = (w.doc_list.viewport(), w.thumbs.viewport(), w.results, w.statusBar())  # all but the white page
    out["window_lightness"] = sum(_lightness(part.grab().toImage()) for part in chrome) / len(chrome)
    out["list_lightness"] = _lightness(tree.viewport().grab().toImage())
    out["toolbar_lightness"] = _lightness(w.action_set.toolbar.grab().toImage())
    w.results.grab().save(str(artifacts / "grouped-results.png"), "PNG")
    # the result list's right-click menu, open on the letter's latest result
    w.results.select(w.results.entry(again[0].id))
    rect = tree.visualItemRect(tree.currentItem())
    tree.customContextMenuRequested.emit(rect.center())
    menu = w.context_menus.menu
    wait_until(app, lambda: menu is not None and menu.isVisible(), 5)
    wait_until(app, lambda: False, 0.5)
    out["menu_visible"] = bool(menu and menu.isVisible())
    out["menu_items"] = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()] if menu else []
    corner = w.results.mapToGlobal(QPoint(0, 0))
    area = QRect(corner.x() - 40, corner.y(), w.results.width() + 40, 560)
    if menu is not None:
        area = area.united(menu.geometry().adjusted(0, 0, 12, 12))  # the menu whole, with its shadow
    grab = app.primaryScreen().grabWindow(0, area.x(), area.y(), area.width(), area.height())
    grab.save(str(artifacts / "result-menu.png"), "PNG")
    if menu is not None:
        menu.close()
    dialog = w.show_model_dialog()  # Run > Model…
    wait_until(app, dialog.isVisible, 5)
    wait_until(app, lambda: False, 0.4)
    out["model_rows"] = {label: shown.text() for label, shown in dialog.value_labels.items()}
    picture = dialog.grab()
    picture.save(str(artifacts / "model-dialog.png"), "PNG")
    out["dialog_lightness"] = _lightness(picture.toImage())
    dialog.reject()
    report.write_text(json.dumps(out, indent=2))
    w.close()
    import shiboken6

    shiboken6.delete(w)
    return 0


if __name__ == "__main__":
    sys.exit(_child(Path(sys.argv[1]), Path(sys.argv[2])))
