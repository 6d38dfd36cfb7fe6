"""The engine runs many jobs by continuous batching when the fast path is there: the same results as
stock, each job's result as it ends, a bad image fails only its own job, cancel ends everything."""

from __future__ import annotations

import threading

import pytest

torch = pytest.importorskip("torch")

from test_engine import engine, page_image  # noqa: F401  (engine: the tiny engine fixture)

from glmocr_desktop.core.jobs import Job
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.fast_decode import FastDecoder


def jobs():
    sizes = [(448, 448), (320, 560), (700, 200), (200, 200), (560, 320), (256, 448)]
    tasks = [Task.TEXT, Task.TABLE, Task.FORMULA, Task.TEXT, Task.TEXT, Task.TABLE]
    budgets = [20, 14, 9, 5, 17, 11]
    return [Job(image=page_image(w, h, f"region {i}"), task=t, max_new_tokens=n)
            for i, ((w, h), t, n) in enumerate(zip(sizes, tasks, budgets))]


def results(chunks):
    out, order = {}, []
    for c in chunks:
        if c.done:
            out[c.job_id] = c.result
            order.append(c.job_id)
    return out, order


def test_many_jobs_match_stock_and_a_bad_image_fails_alone(engine, monkeypatch):  # noqa: F811
    work = jobs()
    stock, _ = results(engine.stream_many(work))  # no fast path: stock generate, static groups
    fast = FastDecoder(engine.model, device="cpu", dtype=torch.float32, max_cache_len=2048)
    monkeypatch.setattr(engine, "fast", fast)
    monkeypatch.setattr(engine, "max_batch", 4)
    assert engine.continuous_batching
    bad = Job(image=page_image(6000, 20, "strip"), max_new_tokens=5)  # longer than the model can read
    again = [Job(image=j.image, task=j.task, max_new_tokens=j.max_new_tokens) for j in work]
    got, order = results(engine.stream_many([*again[:3], bad, *again[3:]]))
    assert set(order) == {j.id for j in again} | {bad.id} and len(order) == len(again) + 1
    assert not got[bad.id].ok and "200 times" in got[bad.id].error
    for old, new in zip(work, again):
        assert got[new.id].ok
        assert got[new.id].raw_text == stock[old.id].raw_text
        assert got[new.id].timings.generated_tokens == stock[old.id].timings.generated_tokens
    stats = engine.continuous_stats
    assert stats["batch"] == 4 and stats["joined_regions"] == len(again) and stats["joins"] >= 3


def test_cancel_ends_a_continuous_run(engine, monkeypatch):  # noqa: F811
    monkeypatch.setattr(engine, "fast", FastDecoder(engine.model, device="cpu", dtype=torch.float32,
                                                    max_cache_len=2048))
    monkeypatch.setattr(engine, "max_batch", 2)
    import glmocr_desktop.core.loops as loops

    monkeypatch.setattr(loops.RepetitionGuard, "feed", lambda self, delta: False)  # run to the budget
    work = [Job(image=page_image(200 + 40 * i, 200, f"r{i}"), max_new_tokens=200) for i in range(5)]
    first = threading.Event()
    done = []

    def consume():
        for chunk in engine.stream_many(work):
            if not chunk.done:
                first.set()
            else:
                done.append(chunk.result)

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    assert first.wait(60)
    engine.cancel()
    t.join(60)
    assert not t.is_alive(), "a cancelled run ends"
    assert len(done) == len(work), "every job comes back, finished or not"
    assert any(r.cancelled for r in done)
    assert all(r.timings.generated_tokens < 200 for r in done)


def test_a_job_too_long_for_a_row_runs_on_the_static_path(engine, monkeypatch):  # noqa: F811
    """A region whose prompt and budget do not fit a row of the continuous cache is set aside and read
    afterwards by the static path (here down to stock generate); every result is still stock's."""
    work = [Job(image=page_image(448, 448, "big"), max_new_tokens=12),
            Job(image=page_image(112, 112, "small"), max_new_tokens=12),
            Job(image=page_image(140, 112, "small too"), max_new_tokens=6)]
    stock, _ = results(engine.stream_many(work))
    monkeypatch.setattr(engine, "fast", FastDecoder(engine.model, device="cpu", dtype=torch.float32,
                                                    max_cache_len=200))
    again = [Job(image=j.image, task=j.task, max_new_tokens=j.max_new_tokens) for j in work]
    got, order = results(engine.stream_many(again))
    assert order[-1] == again[0].id, "the long region comes last, from the static path"
    assert engine.continuous_stats["joined_regions"] == 2
    for old, new in zip(work, again):
        assert got[new.id].raw_text == stock[old.id].raw_text


def test_a_device_error_in_continuous_batching_falls_back_to_static_batches(engine, monkeypatch):  # noqa: F811
    """A continuous step that fails on the device before any token came back: the regions are read in
    static batches instead, and continuous batching stays off for the session."""
    from glmocr_desktop.engines.fast_decode import continuous

    monkeypatch.setattr(engine, "fast", FastDecoder(engine.model, device="cpu", dtype=torch.float32,
                                                    max_cache_len=2048))
    monkeypatch.setattr(engine, "continuous_off", "")

    def broken(self, *a, **k):
        raise RuntimeError("CUDA error: no kernel image is available for execution on the device")

    monkeypatch.setattr(continuous.RowsStep, "__call__", broken)
    work = jobs()[:3]
    got, order = results(engine.stream_many(work))
    assert set(order) == {j.id for j in work} and all(r.ok for r in got.values())
    assert "no kernel image" in engine.continuous_off
    assert engine._continuous_for(engine.fast) is None
