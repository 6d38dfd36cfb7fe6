"""Under a real X display: the Edit menu open with its Undo entry naming the command, and a result cut by
its token limit with the banner's "Run again with more tokens" button, photographed.

The window runs in a child process on the xcb platform (this file run as a script) with the scripted
FakeEngine and no database; it reports what it saw as JSON and writes ``test-artifacts/undo-menu.png``
, ``test-artifacts/rerun-banner.png`` and ``test-artifacts/task-toolbar.png`` (repository root,
git-ignored).

Run it here with:  Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 pytest -m xvfb tests/gui/test_undo_xvfb.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.xvfb
@pytest.mark.gui
def test_the_undo_entry_and_the_rerun_banner_in_a_real_window():
    from .xvfb_support import run_window_child

    data = run_window_child(__file__, "undo-report.json")
    assert data["menu_visible"] and data["undo_text"] == "&Undo Delete Region"
    assert data["menu_items"][:2] == ["Undo Delete Region", "Redo"]
    assert data["banner_visible"] and data["button_text"] == "Run again with more tokens"
    assert data["button_fits"], data  # the button is inside the banner, not cut off
    assert data["rerun_tokens"] == 128
    for name in ("undo-menu.png", "rerun-banner.png", "task-toolbar.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000


# --- the child process ------------------------------------------------------------------------------


def _child(artifacts: Path, report: Path) -> int:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(Path(__file__).resolve().parent)]
    from glmocr_desktop.gui.webengine import prepare_webengine

    prepare_webengine()
    from fake_engine import FakeEngine
    from PIL import Image, ImageDraw
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from xvfb_support import wait_until

    from glmocr_desktop.core.regions import Region
    from glmocr_desktop.core.tasks import Task
    from glmocr_desktop.gui.controllers.persistence import NullPersistence
    from glmocr_desktop.gui.main_window import MainWindow
    from glmocr_desktop.gui.settings_store import SettingsStore

    app = QApplication([sys.argv[0]])
    tmp = Path(tempfile.mkdtemp())
    page = tmp / "invoice.png"
    img = Image.new("RGB", (1200, 1600), "white")
    draw = ImageDraw.Draw(img)
    for i in range(20):
        draw.text((80, 120 + 60 * i), f"Row {i}: item, quantity, unit price, amount", fill="black")
    img.save(page)
    engine = FakeEngine(lambda job: ["| Item | Qty |\n|---|---|\n", "| Pen | 12 |\n", "| Pad | 4 |"],
                        budget_hit=lambda job: job.token_budget < 100)  # fmt: skip
    store = SettingsStore(QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(store=store, engine_factory=lambda settings: engine, persistence=NullPersistence())
    w.settings.max_new_tokens = 64
    w.settings.layout_model = str(tmp / "no-layout-model")
    w.resize(1440, 900)
    w.show()
    w.open_paths([page])
    if not wait_until(app, lambda: w.current is not None and w.view.page is not None):
        print("the page did not open", file=sys.stderr)
        return 2
    w.view.add_region(Region(0.05, 0.05, 0.95, 0.45))
    w.view.add_region(Region(0.05, 0.5, 0.95, 0.9))
    w.action_set.task_actions[Task.TABLE].trigger()  # the selected (second) region: a table
    w.view.select_spec(w.current.regions[0][0])
    w.delete_regions()
    out: dict = {"undo_text": w.action_set.act_undo.text()}
    (req,) = w.run_page()
    entry = w.results.entry(req.id)
    wait_until(app, lambda: not entry.state.active, 20)
    w.results.select(entry)
    wait_until(app, lambda: False, 0.8)  # the preview paints
    pane, button = w.results, w.results.rerun_button
    out["banner_visible"] = pane.cut_box.isVisible()
    out["button_text"] = button.text()
    box = pane.cut_box.rect()
    geo = button.geometry()
    out["button_fits"] = box.contains(geo) and geo.width() >= button.sizeHint().width()
    pane.grab().save(str(artifacts / "rerun-banner.png"), "PNG")
    w.action_set.toolbar.grab().save(str(artifacts / "task-toolbar.png"), "PNG")  # "New regions:" and the tasks
    # the Edit menu, open
    menu = w.action_set.edit_menu
    w.menuBar().setActiveAction(menu.menuAction())
    wait_until(app, menu.isVisible, 5)
    wait_until(app, lambda: False, 0.5)
    out["menu_visible"] = menu.isVisible()
    out["menu_items"] = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    top_left = w.mapToGlobal(w.rect().topLeft())
    shot = app.primaryScreen().grabWindow(0, top_left.x(), top_left.y(), 760, 420)
    shot.save(str(artifacts / "undo-menu.png"), "PNG")
    menu.close()
    button.click()
    wait_until(app, lambda: len(engine.jobs) == 2, 20)
    out["rerun_tokens"] = engine.jobs[-1].max_new_tokens if len(engine.jobs) == 2 else None
    wait_until(app, lambda: not w.is_busy(), 20)
    report.write_text(json.dumps(out, indent=2))
    w.close()
    import shiboken6

    shiboken6.delete(w)
    return 0


if __name__ == "__main__":
    sys.exit(_child(Path(sys.argv[1]), Path(sys.argv[2])))
