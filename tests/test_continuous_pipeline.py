"""A document read through an engine with continuous batching: every ready block of the pages in flight
goes to one engine call, largest crops first, and the pages come out as they would one batch at a time."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from test_pipeline import TOKENS, RecordingEngine, by_type, detector, document, engine  # noqa: F401

from glmocr_desktop.core.pipeline import CONTINUOUS_PAGES_IN_FLIGHT, DocumentPipeline, PageDone, RegionDone
from glmocr_desktop.engines.fast_decode import FastDecoder


def test_document_through_continuous_batching(engine, detector, document, monkeypatch):  # noqa: F811
    static = list(DocumentPipeline(engine, detector, max_new_tokens=TOKENS).run(document))
    monkeypatch.setattr(engine, "fast", FastDecoder(engine.model, device="cpu", dtype=torch.float32))
    monkeypatch.setattr(engine, "max_batch", 4)
    assert engine.continuous_batching
    recorder = RecordingEngine(engine)
    pipeline = DocumentPipeline(recorder, detector, max_new_tokens=TOKENS)
    assert pipeline._in_flight() == CONTINUOUS_PAGES_IN_FLIGHT
    events = list(pipeline.run(document))
    regions = by_type(events, RegionDone)
    assert len(recorder.batches) == 1 and len(recorder.batches[0]) == len(regions) > 4, "one call, all blocks"
    areas = [j.image.width * j.image.height for j in recorder.batches[0]]
    assert areas == sorted(areas, reverse=True), "largest crops first"
    assert {e.page for e in regions} == {0, 1}
    pages, before = by_type(events, PageDone), by_type(static, PageDone)
    assert [p.page.index for p in pages] == [p.page.index for p in before] == [0, 1]
    for got, ref in zip(pages, before):
        assert [(b.index, b.content) for b in got.page.blocks] == [(b.index, b.content) for b in ref.page.blocks]
    # a page is reported as soon as its last block is read, not when the whole call ends
    last_of_first = max(i for i, e in enumerate(events) if isinstance(e, RegionDone) and e.page == pages[0].page.index)
    assert events.index(pages[0]) == last_of_first + 1
