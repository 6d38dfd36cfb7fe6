"""The document pipeline with the tiny GLM-OCR engine and the tiny layout model on a real 2-page PDF."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("cv2")

from glmocr_desktop.core.assembly import PageInput, assemble
from glmocr_desktop.core.documents import open_document
from glmocr_desktop.core.imaging import MODEL_MAX_PIXELS, fit_pixels
from glmocr_desktop.core.pipeline import (
    NO_LAYOUT_MODEL,
    DocumentPipeline,
    LayoutFound,
    PageDone,
    PageStarted,
    RegionDone,
    RunFinished,
)
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.local import LocalEngine

TOKENS = 3


class RecordingEngine:
    """The real engine, noting the jobs it is given (to check crops and tasks against the layout)."""

    def __init__(self, engine):
        self.engine = engine
        self.batches = []

    def stream_many(self, jobs):
        jobs = list(jobs)
        self.batches.append(jobs)
        return self.engine.stream_many(jobs)

    def cancel(self):
        self.engine.cancel()

    def __getattr__(self, name):  # image_pixel_cap and the rest of the engine
        return getattr(self.engine, name)

    @property
    def jobs(self):
        return [j for batch in self.batches for j in batch]


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    eng = LocalEngine(tiny_model_dir, device="cpu", dtype="fp32", fast=False)
    eng.load()
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def detector(tiny_layout_detector):
    return tiny_layout_detector


@pytest.fixture
def document(corpus_dir):
    with open_document(corpus_dir / "pdfs" / "pdfjs_rotation.pdf") as doc:  # 2 pages, the second rotated
        yield doc


def by_type(events, kind):
    return [e for e in events if isinstance(e, kind)]


def test_each_block_becomes_a_job_with_its_task_and_crop(engine, detector, document):
    recorder = RecordingEngine(engine)
    events = list(DocumentPipeline(recorder, detector, max_new_tokens=TOKENS).run(document))
    assert isinstance(events[0], PageStarted) and isinstance(events[-1], RunFinished)
    assert [e.page for e in by_type(events, PageStarted)] == [0, 1]
    layouts = by_type(events, LayoutFound)
    assert all(lf.fallback is None for lf in layouts)
    jobs = iter(recorder.jobs)
    cap = getattr(engine, "image_pixel_cap", MODEL_MAX_PIXELS)
    for lf in layouts:
        page_image = document.render_page(lf.page)  # the SDK's 200 DPI, long side <= 3500 px
        assert max(page_image.size) <= 3500
        assert lf.blocks == tuple(detector.detect([page_image])[0])
        for block in lf.blocks:
            if block.task is None:
                continue
            job = next(jobs)
            assert job.task is block.task and job.prompt == {
                Task.TEXT: "Text Recognition:", Task.TABLE: "Table Recognition:",
                Task.FORMULA: "Formula Recognition:"}[block.task]
            assert job.source.page == lf.page and job.source.region == block.region
            assert job.source.file == str(document.path)
            crop = page_image.crop(block.region.to_pixels(*page_image.size))
            assert job.image.tobytes() == fit_pixels(crop, max_pixels=cap).tobytes()
    assert next(jobs, None) is None
    # one stream_many call per page, holding all of the page's blocks to read
    assert [len(b) for b in recorder.batches] == [lf.regions_to_read for lf in layouts]


def test_results_come_back_in_reading_order(engine, detector, document):
    events = list(DocumentPipeline(engine, detector, max_new_tokens=TOKENS).run(document))
    pages = by_type(events, PageDone)
    assert [p.page.index for p in pages] == [0, 1]
    assert by_type(events, RunFinished)[0].pages == tuple(p.page for p in pages)
    for done, lf in zip(pages, by_type(events, LayoutFound)):
        page = done.page
        assert isinstance(page, PageInput) and (page.width, page.height) == document.render_page(page.index).size
        assert [b.index for b in page.blocks] == [b.order for b in lf.blocks] == list(range(len(lf.blocks)))
        assert [b.region for b in page.blocks] == [b.region for b in lf.blocks]
        regions = [e for e in by_type(events, RegionDone) if e.page == page.index]
        assert [e.done for e in regions] == list(range(1, len(regions) + 1))
        assert [e.block.index for e in regions] == sorted(e.block.index for e in regions)
        read = {e.block.index: e for e in regions}
        for block, found in zip(page.blocks, lf.blocks):
            if found.task is None:
                assert block.label == "image" and block.image is not None and block.content == ""
            else:
                assert block.label == found.task.value and block.native_label == found.native_label
                assert block.content == read[block.index].result.text  # the final clean-up, unchanged
                assert read[block.index].result.source.region == found.region
        assert done.regions == len(regions) and done.tokens == sum(e.tokens for e in regions)
        assert all(0 < e.tokens <= TOKENS for e in regions)
    assemble([p.page for p in pages])  # the pages are what assembly takes


def test_cancel_stops_between_regions(engine, detector, document):
    recorder = RecordingEngine(engine)
    pipeline = DocumentPipeline(recorder, detector, max_new_tokens=TOKENS, jobs_per_batch=1)
    events = []
    for event in pipeline.run(document):
        events.append(event)
        if isinstance(event, RegionDone):
            pipeline.cancel()
    assert len(by_type(events, RegionDone)) == 1
    assert len(recorder.batches) == 1 and len(recorder.batches[0]) == 1
    assert not by_type(events, PageDone)
    assert [e.page for e in by_type(events, PageStarted)] == [0]
    finished = events[-1]
    assert isinstance(finished, RunFinished) and finished.cancelled and finished.pages == ()


def test_without_a_layout_model_each_page_is_one_text_region(engine, document):
    recorder = RecordingEngine(engine)
    events = list(DocumentPipeline(recorder, None, max_new_tokens=TOKENS, keep_page_images=True).run(document, [1]))
    (lf,) = by_type(events, LayoutFound)
    assert lf.fallback == NO_LAYOUT_MODEL and lf.blocks == ()
    ((job,),) = recorder.batches
    assert job.task is Task.TEXT and job.source.region is None and job.source.page == 1
    (done,) = by_type(events, PageDone)
    assert done.fallback == NO_LAYOUT_MODEL
    (block,) = done.page.blocks
    assert (block.index, block.label, block.native_label) == (0, "text", "text")
    assert block.region.as_tuple() == (0.0, 0.0, 1.0, 1.0)
    assert done.page.image is not None and done.page.image.size == (done.page.width, done.page.height)


def test_drawn_regions_replace_the_layout_on_their_page(engine, detector, document):
    from glmocr_desktop.core.regions import Region, TaskRegion

    drawn = [TaskRegion(Region(0.5, 0.5, 1.0, 1.0), Task.TABLE), TaskRegion(Region(0.0, 0.0, 0.5, 0.2), Task.FORMULA)]
    recorder = RecordingEngine(engine)
    events = list(DocumentPipeline(recorder, detector, max_new_tokens=TOKENS).run(document, [0], {0: drawn}))
    (lf,) = by_type(events, LayoutFound)
    assert lf.drawn and lf.fallback is None
    ((first, second),) = recorder.batches
    assert (first.task, first.source.region) == (Task.TABLE, drawn[0].region)
    assert (second.task, second.source.region) == (Task.FORMULA, drawn[1].region)
    (done,) = by_type(events, PageDone)
    assert [(b.index, b.label, b.native_label) for b in done.page.blocks] == [(0, "table", "text"), (1, "formula", "text")]


def test_a_page_without_blocks_is_read_whole(engine, tiny_layout_model_dir, document):
    from glmocr_desktop.core.layout import LayoutOptions
    from glmocr_desktop.core.pipeline import NO_LAYOUT_BLOCKS
    from glmocr_desktop.engines.layout import LayoutDetector

    nothing_passes = LayoutDetector(tiny_layout_model_dir, options=LayoutOptions(threshold=1.01))
    recorder = RecordingEngine(engine)
    events = list(DocumentPipeline(recorder, nothing_passes, max_new_tokens=TOKENS).run(document, [0]))
    nothing_passes.close()
    (lf,) = by_type(events, LayoutFound)
    assert lf.blocks == () and lf.fallback == NO_LAYOUT_BLOCKS
    ((job,),) = recorder.batches
    assert job.task is Task.TEXT and job.source.region is None
    (done,) = by_type(events, PageDone)
    assert done.fallback == NO_LAYOUT_BLOCKS and len(done.page.blocks) == 1


def test_several_pages_in_flight_batch_across_pages_and_read_the_same(engine, detector, document):
    """Blocks of two pages are drawn into batches largest first; every block is read once, pages are
    handed over in document order, and each block's text is the one read page by page (fp32: a row
    reads the same in any batch)."""
    one = list(DocumentPipeline(engine, detector, max_new_tokens=TOKENS).run(document))
    recorder = RecordingEngine(engine)
    two = list(DocumentPipeline(recorder, detector, max_new_tokens=TOKENS, pages_in_flight=2,
                                jobs_per_batch=3).run(document))
    pages = {lf.page: lf for lf in by_type(two, LayoutFound)}
    assert sorted(pages) == [0, 1]
    assert all(len(batch) <= 3 for batch in recorder.batches)
    areas = [j.image.width * j.image.height for j in recorder.jobs]
    assert areas == sorted(areas, reverse=True)
    assert len({j.id for j in recorder.jobs}) == len(recorder.jobs) == sum(lf.regions_to_read for lf in pages.values())
    if all(lf.regions_to_read for lf in pages.values()) and len(recorder.jobs) > 3:
        assert any(len({j.source.page for j in batch}) == 2 for batch in recorder.batches)
    assert [p.page.index for p in by_type(two, PageDone)] == [0, 1]
    def texts(events):
        return [[b.content for b in p.page.blocks] for p in by_type(events, PageDone)]

    assert texts(two) == texts(one)
    for page in (0, 1):
        dones = [e.done for e in by_type(two, RegionDone) if e.page == page]
        assert dones == list(range(1, pages[page].regions_to_read + 1))


def test_page_regions_keep_their_layout_labels_and_pictures(engine, document):
    """Detected regions the user kept: a title stays a heading in the assembled page, a picture a crop."""
    from glmocr_desktop.core.regions import PICTURE, Region, TaskRegion

    regions = [
        TaskRegion(Region(0.1, 0.05, 0.9, 0.12), Task.TEXT, label="doc_title"),
        TaskRegion(Region(0.1, 0.15, 0.9, 0.5), Task.TEXT, label="text"),
        TaskRegion(Region(0.1, 0.55, 0.6, 0.9), label="image", kind=PICTURE),
    ]
    recorder = RecordingEngine(engine)
    events = list(DocumentPipeline(recorder, None, max_new_tokens=TOKENS).run(document, [0], {0: regions}))
    ((title, body),) = recorder.batches  # the picture is not read
    assert (title.source.region, body.source.region) == (regions[0].region, regions[1].region)
    (done,) = by_type(events, PageDone)
    assert [(b.label, b.native_label) for b in done.page.blocks] == [
        ("text", "doc_title"), ("text", "text"), ("image", "image")]
    assert done.pictures == 1 and done.page.blocks[2].image is not None
    (page,) = assemble([done.page]).pages
    heading = next(b for b in page.blocks if b.native_label == "doc_title")
    assert heading.content.startswith("# ")
