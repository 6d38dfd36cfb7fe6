"""The one region type, the one run request and the one result type of core, as both front ends use them."""

from __future__ import annotations

import pytest
from PIL import Image

from glmocr_desktop.core.documents import open_document
from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.core.layout import LayoutBlock
from glmocr_desktop.core.regions import LAYOUT, PICTURE, WHOLE_PAGE, Region, TaskRegion
from glmocr_desktop.core.results import ROW_FIELDS, Result, Source, Timings
from glmocr_desktop.core.run_request import build_run_requests
from glmocr_desktop.core.tasks import Task


@pytest.fixture
def document(tmp_path):
    path = tmp_path / "page.png"
    Image.new("RGB", (400, 300), "white").save(path)
    doc = open_document(path)
    yield doc
    doc.close()


def test_a_task_region_puts_back_what_it_was_and_is_made_from_a_layout_block():
    spec = TaskRegion(Region(0.1, 0.1, 0.5, 0.5), Task.TABLE, label="table")
    before = spec.state()
    spec.region, spec.task, spec.kind, spec.edited = Region(0.2, 0.2, 0.6, 0.6), Task.TEXT, PICTURE, True
    assert spec.read_task is None and spec.badge(2) == "2 · table"
    spec.set_state(before)
    assert spec.state() == before and spec.read_task is Task.TABLE
    picture = TaskRegion.from_block(LayoutBlock(Region(0, 0, 1, 0.5), "image", "image", 0.9, 0))
    title = TaskRegion.from_block(LayoutBlock(Region(0, 0.5, 1, 1), "doc_title", "text", 0.9, 1))
    assert (picture.is_picture, picture.from_layout, picture.source) == (True, True, LAYOUT)
    assert (title.read_task, title.label, title.is_picture) == (Task.TEXT, "doc_title", False)
    assert picture.id != title.id


def test_one_builder_makes_the_window_and_the_cli_requests(document):
    template = {"name": ""}
    table = TaskRegion(Region(0.1, 0.1, 0.9, 0.5), Task.TABLE, label="table")
    picture = TaskRegion(Region(0.1, 0.6, 0.9, 0.9), kind=PICTURE)
    form = TaskRegion(Region(0.0, 0.0, 0.5, 0.5), Task.EXTRACT)
    regions = [table, picture, form]
    reqs = build_run_requests(document, 0, [*regions, None], task=Task.FORMULA, template=template, dpi=100,
                              max_new_tokens=0, rotation=90, name="page.png", page_regions=regions)
    assert [(r.task, r.region, r.spec_id) for r in reqs] == [
        (Task.TABLE, table.region, table.id), (Task.EXTRACT, form.region, form.id), (Task.FORMULA, None, "")]
    assert [r.label for r in reqs] == ["page.png · p.1 · #1 table Table", "page.png · p.1 · #3 Extraction",
                                       "page.png · p.1 · page Formula"]
    assert [r.template for r in reqs] == [None, template, None]  # a region without a template takes the one given
    assert all(r.max_new_tokens is None for r in reqs)  # 0 means the task's default
    job = reqs[0].make_job()
    assert job.id == reqs[0].id and job.task is Task.TABLE and job.source.region == table.region
    assert job.source.document_hash == document.content_hash and job.source.file == str(document.path)
    assert job.image.height > job.image.width  # turned a quarter as shown: the wide crop stands up
    (cli,) = build_run_requests(document, 0, [None], task=Task.TEXT, file="scan.png")
    assert cli.make_job().source.file == "scan.png" and cli.region is None


def test_a_stored_row_reads_back_as_the_result_it_was_and_a_bad_row_gets_defaults():
    good = Result("j1", Task.TABLE, "<table></table>", "raw", model="m", source=Source("f.png", 2, WHOLE_PAGE, "h"),
                  timings=Timings(started=1.0, total_s=2.0, generated_tokens=5), truncated=True, warnings=["w"])
    row = dict.fromkeys(ROW_FIELDS)
    row.update(id="r1", job_id="j1", document_hash="h", page=2, x0=0.0, y0=0.0, x1=1.0, y1=1.0, task="table",
               text=good.text, raw_text="raw", model="m", device="", timings='{"started": 1.0, "total_s": 2.0, "generated_tokens": 5}',
               warnings='["w"]', cut=0, cancelled=0, truncated=1, status="done", created=1.0, updated=2.0,
               document_name="f.png", document_paths='["f.png"]')  # fmt: skip
    back = Result.from_row(row)
    assert back.to_json() == good.to_json()
    assert (back.id, back.page, back.region, back.state) == ("r1", 2, WHOLE_PAGE, JobState.DONE)
    assert Result.from_row(tuple(row[k] for k in ROW_FIELDS)).to_json() == good.to_json()
    bad = dict.fromkeys(ROW_FIELDS)
    bad.update(page="x", x0=5, y0=0, x1=1, y1=1, task="nonsense", timings='{"total_s": "slow"}', warnings="[",
               cut="yes", status="interrupted", created=-5, document_paths='{"a": 1}')  # fmt: skip
    worst = Result.from_row(bad)
    assert (worst.page, worst.region, worst.task, worst.timings.total_s, worst.warnings) == (0, None, Task.TEXT, 0.0, [])
    assert worst.cancelled and worst.state is JobState.INTERRUPTED and worst.created == 0.0
    assert Result("j", Task.TEXT, "", "", error="boom").state is JobState.ERROR  # not stored: from the result
