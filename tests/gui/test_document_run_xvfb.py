"""Run Document under a real X display: the progress panel photographed mid-run, then the assembled
document view with a clicked block's region outlined on its page.

The window runs in a child process on the xcb platform (this file run as a script), driven by the
scripted engine (its text says that it is scripted); it writes ``test-artifacts/document-run.png`` and
``document-view.png`` and a JSON report of what the panel and the view showed.

Run it here with:  xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest tests/gui/test_document_run_xvfb.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CORPUS_PDF = "pdfs/docling_multi_page.pdf"  # born-digital 5-page text PDF (MANIFEST.tsv)


@pytest.mark.gui
def test_progress_panel_and_document_view_in_a_real_window(corpus_dir):
    from .xvfb_support import run_window_child

    data = run_window_child(__file__, "document-run-report.json", corpus_dir / CORPUS_PDF)
    mid = data["mid_run"]
    assert mid["pages"] == "1 / 5" and mid["now"].endswith("page 2") and mid["pause_enabled"]
    end = data["done"]
    assert end["pages"] == "5 / 5" and end["time_left"] == "done"
    assert end["blocks"] == data["blocks_expected"] and end["selected"] == [0, 1]
    assert end["highlights"] == 1 and end["blocked"] == []
    for png in (mid["png"], end["png"]):
        assert Path(png).stat().st_size > 20_000


# --- the child process ------------------------------------------------------------------------------

REGIONS = [  # page 1: a title, two paragraphs and a table, as a user might draw them
    ((0.08, 0.06, 0.92, 0.12), "text"),
    ((0.08, 0.14, 0.92, 0.40), "text"),
    ((0.08, 0.42, 0.92, 0.62), "table"),
    ((0.08, 0.64, 0.92, 0.92), "text"),
]


def _script(job):
    page = job.source.page + 1
    if job.task.value == "table":
        return ["<table><tr><th>Scripted</th><th>table</th></tr>",
                f"<tr><td>page {page}</td><td>test engine</td></tr></table>"]
    return [f"Scripted text of a block on page {page}, ", "streamed by the test engine ",
            "(no model runs in this picture)."]


def _child(pdf: str, artifacts: Path, report: Path) -> int:
    import threading

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from glmocr_desktop.gui.webengine import prepare_webengine

    prepare_webengine()
    import shiboken6
    from fake_engine import FakeEngine
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from glmocr_desktop.core.regions import Region, TaskRegion
    from glmocr_desktop.core.tasks import Task
    from glmocr_desktop.gui.controllers.persistence import NullPersistence
    from glmocr_desktop.gui.main_window import MainWindow
    from glmocr_desktop.gui.settings_store import SettingsStore

    app = QApplication([sys.argv[0]])
    gate = threading.Event()
    held = {"page": 1}

    def script(job):
        if job.source.page >= held["page"]:
            gate.wait(60)
        return _script(job)

    engine = FakeEngine(script)
    (artifacts / "document-run-settings.ini").unlink(missing_ok=True)  # a fresh window, whatever ran before
    store = SettingsStore(QSettings(str(artifacts / "document-run-settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(store=store, engine_factory=lambda settings: engine, persistence=NullPersistence())
    w.resize(1500, 940)
    w.show()

    from xvfb_support import wait_until

    def wait(cond, timeout=30.0) -> bool:
        return wait_until(app, cond, timeout)

    w.open_paths([pdf])
    if not wait(lambda: w.current is not None and w.view.page is not None):
        print("the PDF did not open", file=sys.stderr)
        return 2
    st = w.current
    st.regions[0] = [TaskRegion(Region(*box), Task(task)) for box, task in REGIONS]
    w.show_page(0)
    ws, c = w.document_runs, w.document_runs.controller
    ws.start([st])
    wait(lambda: c.active is not None and c.active.progress.pages_done == 1, 90)
    panel = ws.panel
    wait(lambda: panel.pages.text() == "1 / 5", 30)  # the panel refreshes a few times a second
    mid = {"pages": panel.pages.text(), "now": panel.current.text(), "pause_enabled": panel.pause_button.isEnabled(),
           "png": str(artifacts / "document-run.png")}  # fmt: skip
    w.grab().save(mid["png"], "PNG")
    held["page"] = 99
    gate.set()
    if not wait(lambda: c.active is None and c.last is not None, 60):
        print("the run did not finish", file=sys.stderr)
        return 3
    view = ws.view
    wait(lambda: view.preview is not None and view.preview.is_ready)
    expected = sum(len(p.blocks) for p in c.output_for(st).assembled.values())
    count = "document.querySelectorAll('.doc-block').length"
    wait(lambda: view.preview.evaluate(count) == expected)
    w.show_page(3)
    view.preview.run_js("document.querySelector('.doc-block[data-page=\"0\"][data-block=\"1\"]').click()")
    wait(lambda: st.page == 0 and len(ws.highlight.items) == 1)
    wait(lambda: False, 0.5)
    done = {
        "pages": panel.pages.text(),
        "time_left": panel.time_left.text(),
        "blocks": view.preview.evaluate(count),
        "selected": view.preview.evaluate(
            "(() => { const e = document.querySelector('.doc-block.selected'); "
            "return e ? [+e.dataset.page, +e.dataset.block] : null; })()"),
        "highlights": len(ws.highlight.items),
        "blocked": [b.url for b in view.preview.blocked_requests],
        "png": str(artifacts / "document-view.png"),
    }
    w.grab().save(done["png"], "PNG")
    report.write_text(json.dumps({"mid_run": mid, "done": done, "blocks_expected": expected}, indent=2))
    w.close()
    shiboken6.delete(w)
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
