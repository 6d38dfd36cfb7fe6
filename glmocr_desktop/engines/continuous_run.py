"""Many jobs through continuous batching, as the engine streams them: chunks per token, a result per job
as soon as it ends, inputs prepared ahead on a CPU thread while the GPU decodes.

Why a module of its own: the engine's static path prepares a batch, decodes it and finishes it; here
jobs join and leave a running batch, so preparation, decoding and finishing overlap, and each job's
result comes back when it is done (not in job order). The decoding itself is
:class:`~glmocr_desktop.engines.fast_decode.continuous.ContinuousDecoder`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from glmocr_desktop.core.errors import ModelError, OcrError, OutOfMemoryError
from glmocr_desktop.core.jobs import Chunk, Job, Result, Timings
from glmocr_desktop.engines.decoding import DecodeRow

log = logging.getLogger(__name__)

IMAGE_TOKEN_ID = 59280


class PreparedJobs:
    """The jobs' processor inputs, made one job at a time on a CPU thread, a little ahead of the batch.

    A job whose image cannot be prepared is reported (``on_failed``) and never joins; a job too long for a
    row of the continuous cache is set aside for the static path (``set_aside``).
    """

    def __init__(self, engine: Any, jobs: list[Job], fits, ahead: int, on_failed) -> None:
        self.engine = engine
        self.jobs = jobs
        self.fits = fits
        self.ahead = max(1, ahead)
        self.on_failed = on_failed
        self.ready: deque = deque()
        self.set_aside: list[int] = []
        self.shapes: dict[int, tuple[int, int]] = {}  # job index -> (prompt tokens, image tokens)
        self._left = len(jobs)  # not taken, not failed, not set aside
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self.prepare_s = 0.0
        self._thread = threading.Thread(target=self._produce, name="glmocr-prepare", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        from glmocr_desktop.engines.fast_decode.continuous import Region

        for index, job in enumerate(self.jobs):
            with self._cond:
                while len(self.ready) >= self.ahead and not self._stop.is_set():
                    self._cond.wait(0.05)
            if self._stop.is_set():
                return
            t0 = time.perf_counter()
            try:
                inputs = self.engine.prepare_inputs([job], to_device=False)  # on the CPU: see prepare_inputs
            except OcrError as exc:
                self.on_failed(index, exc)
                with self._cond:
                    self._left -= 1
                    self._cond.notify_all()
                continue
            except BaseException as exc:  # an unexpected failure: the job fails with it, the others go on
                log.exception("preparing job %s failed", job.id)
                self.on_failed(index, OcrError(f"The image could not be prepared: {exc}"))
                with self._cond:
                    self._left -= 1
                    self._cond.notify_all()
                continue
            finally:
                self.prepare_s += time.perf_counter() - t0
            ids = inputs["input_ids"]
            self.shapes[index] = (int(ids.shape[1]), int((ids[0] == IMAGE_TOKEN_ID).sum()))
            with self._cond:
                if self.fits(int(ids.shape[1]), job.token_budget):
                    self.ready.append(Region(index, inputs, job.token_budget))
                else:
                    self.set_aside.append(index)
                    self._left -= 1
                self._cond.notify_all()

    def take(self, n: int, wait: bool) -> list:
        with self._cond:
            while wait and not self.ready and self._left > 0 and not self._stop.is_set():
                self._cond.wait(0.05)
            out = [self.ready.popleft() for _ in range(min(n, len(self.ready)))]
            self._left -= len(out)
            self._cond.notify_all()
            return out

    def pending(self) -> int:
        with self._cond:
            return 0 if self._stop.is_set() else self._left

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self._thread.join()


def run_continuous(engine: Any, decoder: Any, jobs: list[Job]) -> Iterator[Chunk]:
    """Chunks of every job through ``decoder`` (engine lock held by the caller); a job's result comes back
    when the job ends. Jobs too long for a row run afterwards on the engine's static path."""
    started = time.perf_counter()
    rows: list[DecodeRow] = engine._new_rows(jobs)
    items: queue.Queue = queue.Queue()
    stops: set[int] = set()
    stops_lock = threading.Lock()
    cancel = engine._cancel
    done_marker = object()

    def on_tokens(events):
        items.put(events)
        with stops_lock:
            out = list(stops)
            stops.clear()
        return out

    source = PreparedJobs(engine, jobs, decoder.fits, ahead=decoder.max_batch,
                          on_failed=lambda index, exc: items.put(("failed", index, exc)))
    stats: dict[str, Any] = {}

    def worker() -> None:
        try:
            result = decoder.run(source, eos_token_ids=engine.eos_ids, pad_token_id=engine.pad_id,
                                 repetition_penalty=engine.repetition_penalty, on_tokens=on_tokens,
                                 should_stop=cancel.is_set, capacity_hint=0)
            stats.update(result.as_dict())
            items.put(done_marker)
        except BaseException as exc:
            items.put(exc)

    thread = threading.Thread(target=worker, name="glmocr-generate", daemon=True)
    thread.start()
    eos = set(engine.eos_ids)
    finished: set[int] = set()

    def finish(index: int) -> Chunk:
        finished.add(index)
        row = rows[index]
        tail = row.detok.flush()
        if tail and not row.cut:
            row.text.append(tail)
        prompt_len, image_tokens = source.shapes.get(index, (0, 0))
        return engine._finish(row, time.perf_counter() - started, prompt_len, image_tokens, 1.0)

    try:
        while True:
            item = items.get()
            if item is done_marker:
                break
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, tuple):
                _, index, exc = item
                finished.add(index)
                yield failed_chunk(engine, jobs[index], exc)
                continue
            now = time.perf_counter() - started
            for index, tok in item:
                row = rows[index]
                if row.finished:
                    continue
                delta, stop = row.accept(tok, eos, now)
                if delta:
                    yield Chunk(job_id=row.job.id, text=delta, generated_tokens=row.tokens)
                if stop and not row.truncated:  # cut by the guard; a spent budget ends on the device too
                    with stops_lock:
                        stops.add(index)
                if row.finished:
                    yield finish(index)
    finally:
        if thread.is_alive():
            cancel.set()  # the consumer stopped early (closed generator): stop the decoder too
        thread.join()
        source.close()
        engine.continuous_stats = {**stats, "prepare_s": round(source.prepare_s, 3)}
    later = [] if cancel.is_set() else sorted(source.set_aside)
    for index in sorted(set(range(len(jobs))) - finished - set(later)):
        yield finish(index)  # cancelled, or never started
    if later:
        yield from engine._run_locked([jobs[i] for i in later])


def failed_chunk(engine: Any, job: Job, exc: OcrError) -> Chunk:
    """The result of a job that could not run (its image could not be prepared); the others go on."""
    result = Result(job_id=job.id, task=job.task, text="", raw_text="", model=engine.info.model,
                    device=engine.info.device, source=job.source, timings=Timings(), error=exc.message)
    return Chunk(job_id=job.id, done=True, result=result)


def run_many(engine: Any, jobs: list[Job]) -> Iterator[Chunk]:
    """Jobs through continuous batching with the engine held; where the fast path cannot take them before
    any token came back (GPU memory, an unsupported shape), through the engine's static batches."""
    import torch

    from glmocr_desktop.engines.fast_decode import FastDecodeUnavailable

    engine._acquire()
    produced = False
    try:
        engine._cancel.clear()
        decoder = engine._continuous_for(engine.fast)
        if decoder is not None:
            try:
                for chunk in run_continuous(engine, decoder, jobs):
                    produced = True
                    yield chunk
                return
            except (torch.cuda.OutOfMemoryError, FastDecodeUnavailable) as exc:
                engine._continuous_decoder = None
                engine._free_memory()
                if produced and isinstance(exc, FastDecodeUnavailable):
                    raise ModelError(f"The fast decode path stopped unexpectedly: {exc}") from exc
                if produced:
                    raise OutOfMemoryError(
                        "The GPU ran out of memory while reading these regions together.",
                        hint="Lower GLMOCR_MAX_BATCH, close other GPU programs, or read fewer regions "
                             "at once.") from None
                log.warning("Continuous batching cannot take these jobs (%s); using static batches", exc)
            except RuntimeError as exc:  # a device error of the continuous step itself (not memory)
                if produced:
                    raise
                engine._continuous_decoder = None
                engine.continuous_off = f"continuous batching failed on this device: {exc!r}"[:500]
                log.warning("%s; reading regions in static batches from now on", engine.continuous_off)
        for start in range(0, len(jobs), engine.MAX_BATCH):
            if start and engine._cancel.is_set():
                break
            yield from engine._run_locked(jobs[start : start + engine.MAX_BATCH])
    finally:
        engine._lock.release()
