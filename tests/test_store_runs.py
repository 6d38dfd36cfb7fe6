"""Document runs in the results store: recorded as they go, read back, resumed where they stopped."""

from __future__ import annotations

import sqlite3

from glmocr_desktop.core.assembly import PageBlock, PageInput, assemble
from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.render import BLOCK_DATA_ATTRIBUTES, document_block_html, sanitize_html
from glmocr_desktop.core.results import Result, Source
from glmocr_desktop.core.run_progress import RunProgress, duration_text
from glmocr_desktop.core.store import SCHEMA_VERSION, ResultStore
from glmocr_desktop.core.store.runs import RunBlock, RunLog
from glmocr_desktop.core.tasks import Task

TOP, BOTTOM = Region(0.1, 0.1, 0.9, 0.3), Region(0.1, 0.5, 0.9, 0.9)


def _result(text: str, page: int, region: Region, task: Task = Task.TEXT) -> Result:
    return Result(job_id=f"j{page}", task=task, text=text, raw_text=text,
                  source=Source(file="a.pdf", page=page, region=region, document_hash="h1"))


def _plan() -> list[RunBlock]:
    return [RunBlock(0, "text", "doc_title", Task.TEXT, TOP), RunBlock(1, "image", "image", None, Region(0, 0.3, 1, 0.5)),
            RunBlock(2, "table", "table", Task.TABLE, BOTTOM)]


def test_a_run_records_its_pages_blocks_and_results(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite3")
    log = RunLog(store)
    run_id = log.create([("h1", "/x/a.pdf", 0), ("h1", "/x/a.pdf", 1)], {"documents": 1})
    log.page_planned(run_id, "h1", 0, _plan())
    rid = log.block_read(run_id, "h1", 0, 0, _result("Title", 0, TOP))
    log.block_read(run_id, "h1", 0, 2, _result("<table><tr><td>1</td></tr></table>", 0, BOTTOM, Task.TABLE))
    page = PageInput(0, 800, 1000, [PageBlock(0, "text", "doc_title", "Title", TOP),
                                    PageBlock(1, "image", "image", "", Region(0, 0.3, 1, 0.5)),
                                    PageBlock(2, "table", "table", "<table><tr><td>1</td></tr></table>", BOTTOM)])
    log.page_done(run_id, "h1", 0, page)
    store.flush()
    run = log.get(run_id)
    assert [p.page for p in run.pages] == [0, 1] and run.documents == [("h1", "/x/a.pdf")]
    first, second = run.pages
    assert first.done and (first.width, first.height) == (800, 1000)
    assert [b.block for b in first.blocks] == [0, 1, 2] and first.blocks[0].result_id == rid
    assert first.blocks[1].task is None and not first.remaining()
    assert second.state == "queued" and not second.planned
    # every block read is also an ordinary result (history, search)
    assert store.get_result(rid).text == "Title" and store.get_result(rid).region == TOP
    md, _ = assemble([first.page_input()]).to_markdown()
    assert md.startswith("# Title") and "<td>1</td>" in md
    assert log.unfinished() == []  # this process runs it
    store.close()


def test_an_unfinished_run_of_a_gone_process_is_offered_and_completes_its_begun_page(tmp_path):
    db = tmp_path / "r.sqlite3"
    store = ResultStore(db)
    log = RunLog(store)
    run_id = log.create([("h1", "/x/a.pdf", 0), ("h1", "/x/a.pdf", 1)])
    log.page_planned(run_id, "h1", 0, _plan())
    log.block_read(run_id, "h1", 0, 0, _result("Title", 0, TOP))
    store.close()
    with sqlite3.connect(db) as conn:  # as if another process, now gone, had run it
        conn.execute("UPDATE doc_runs SET owner = 'elsewhere:1'")

    store = ResultStore(db)
    log = RunLog(store)
    (run,) = log.unfinished()
    begun = run.pages[0]
    assert begun.planned and not begun.done
    assert [(b.block, b.task) for b in begun.remaining()] == [(2, Task.TABLE)]  # the title is not read again
    # the pipeline reads what was left as drawn regions: its block 0 is block 2 of the page
    read = PageInput(0, 800, 1000, [PageBlock(0, "table", "text", "<table><tr><td>9</td></tr></table>", BOTTOM)])
    page = begun.completed_by(read)
    assert [(b.index, b.label, b.native_label, b.content[:7]) for b in page.blocks] == [
        (0, "text", "doc_title", "Title"), (1, "image", "image", ""), (2, "table", "table", "<table>")]
    log.adopt(run.id)
    log.page_done(run.id, "h1", 0, page)
    log.finish(run.id, "done")
    store.flush()
    assert log.unfinished() == [] and log.get(run.id).status == "done"
    assert log.get(run.id).pages[0].blocks[0].result_id  # kept through page_done
    store.close()


def test_the_schema_has_the_run_tables(tmp_path):
    store = ResultStore(tmp_path / "r.sqlite3")
    names = {r[0] for r in store._read("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"doc_runs", "doc_run_pages", "doc_run_blocks"} <= names
    assert store._read("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    store.close()


def test_document_blocks_carry_their_page_and_block_and_model_output_cannot_forge_them():
    html = document_block_html(3, 7, 'Hi <div data-page="0" data-block="0" onclick="x()">forged</div><script>x</script>')
    assert html.startswith('<div class="doc-block" data-page="3" data-block="7">')
    assert html.count("data-page") == 1 and "onclick" not in html and "<script" not in html
    assert set(BLOCK_DATA_ATTRIBUTES) == {"data-page", "data-block"}
    assert "data-" not in sanitize_html('<span data-page="1" class="doc-block">x</span>')


def test_progress_estimates_time_left_from_pages_done_and_leaves_pauses_out():
    now = [0.0]
    p = RunProgress(pages_total=10, clock=lambda: now[0])
    p.start()
    now[0] = 20.0
    p.pages_done, p.tokens = 2, 400
    assert p.seconds_left == 80.0 and p.tokens_per_s == 20.0
    p.set_paused(True)
    now[0] = 120.0
    assert p.active_s == 20.0 and p.time_left_text() == "paused"
    p.set_paused(False)
    now[0] = 130.0
    assert p.active_s == 30.0
    assert duration_text(45) == "45 s" and duration_text(600) == "10 min" and duration_text(7500) == "2 h 05 min"
