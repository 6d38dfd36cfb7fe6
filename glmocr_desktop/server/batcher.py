"""Requests from many clients, read together: the queue between the HTTP handlers and the engine.

One engine thread takes the requests waiting (up to ``max_batch``, after a short gathering pause) and
reads them in one ``engine.stream_many`` call, the local engine's batched fast path (continuous
batching on a warm GPU, where ``max_batch`` left unset follows the engine's ``GLMOCR_MAX_BATCH``). Chunks go back to
each request's asyncio queue on the event loop. At most ``max_queue`` requests are admitted (waiting
or being read); one more is refused at once (the server answers 429), so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from glmocr_desktop.core.errors import ModelError, OcrError
from glmocr_desktop.core.jobs import Job

log = logging.getLogger(__name__)


class QueueFull(Exception):
    """Every admission slot is taken."""


@dataclass(eq=False)
class Pending:
    """One admitted request: its job and where its chunks go."""

    job: Job
    loop: asyncio.AbstractEventLoop
    out: asyncio.Queue = field(default_factory=asyncio.Queue)
    gone: bool = False  # the client went away; its output is dropped
    admitted: float = field(default_factory=time.monotonic)

    def send(self, item: tuple[str, Any]) -> None:
        try:
            self.loop.call_soon_threadsafe(self.out.put_nowait, item)
        except RuntimeError:  # the loop closed: the server is shutting down
            self.gone = True


class Batcher:
    def __init__(self, engine: Any, *, max_batch: int | None = None, max_queue: int = 64,
                 gather_s: float = 0.005) -> None:
        self.engine = engine
        self._fixed_batch = max(1, int(max_batch)) if max_batch else None
        self.max_queue = max(self.max_batch, int(max_queue))
        self.gather_s = gather_s
        self._waiting: deque[Pending] = deque()
        self._cond = threading.Condition()
        self._running: list[Pending] = []
        self._closed = False
        self.served = 0
        self.rejected = 0
        self.batches = 0
        self._thread = threading.Thread(target=self._loop, name="serve-engine", daemon=True)
        self._thread.start()

    @property
    def max_batch(self) -> int:
        """Requests read together: as set, else what the engine takes now (more once its fast path is warm)."""
        if self._fixed_batch is not None:
            return self._fixed_batch
        if getattr(self.engine, "continuous_batching", False):
            return max(1, int(getattr(self.engine, "max_batch", 8)))
        return max(1, int(getattr(self.engine, "MAX_BATCH", 8)))

    # --- from the event loop ---------------------------------------------------------------------

    def submit(self, job: Job, loop: asyncio.AbstractEventLoop) -> Pending:
        with self._cond:
            if self._closed:
                raise QueueFull("the server is shutting down")
            if len(self._waiting) + len(self._running) >= self.max_queue:
                self.rejected += 1
                raise QueueFull(f"{self.max_queue} requests are already queued or being read")
            pending = Pending(job, loop)
            self._waiting.append(pending)
            self._cond.notify()
            return pending

    def forget(self, pending: Pending) -> None:
        """The client left: drop it if it waits; stop the batch if nobody in it still listens."""
        pending.gone = True
        with self._cond:
            if pending in self._waiting:
                self._waiting.remove(pending)
                return
            running = list(self._running)
        if running and all(p.gone for p in running):
            self.engine.cancel()

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {"waiting": len(self._waiting), "running": len(self._running), "max_queue": self.max_queue,
                    "max_batch": self.max_batch, "served": self.served, "rejected": self.rejected,
                    "batches": self.batches}

    def close(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._closed = True
            waiting = list(self._waiting)
            self._waiting.clear()
            self._cond.notify_all()
        for p in waiting:
            p.send(("error", ModelError("The server is shutting down.")))
        self.engine.cancel()
        self._thread.join(timeout)

    # --- the engine thread -----------------------------------------------------------------------

    def _take(self) -> list[Pending] | None:
        with self._cond:
            while not self._waiting and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            size = self.max_batch
            # Requests sent together arrive a few ms apart: wait while they keep coming (each one within
            # ``gather_s`` of the last, ten times that at most), so they are read together.
            deadline = time.monotonic() + 10 * self.gather_s
            while 0 < len(self._waiting) < size and not self._closed and self.gather_s > 0:
                before, left = len(self._waiting), deadline - time.monotonic()
                if left <= 0 or not self._cond.wait_for(self._changed(before), min(self.gather_s, left)):
                    break
            if self._closed or not self._waiting:
                return None if self._closed else []
            batch: list[Pending] = []
            while self._waiting and len(batch) < size:
                batch.append(self._waiting.popleft())
            self._running = batch
            return batch

    def _changed(self, before: int) -> Callable[[], bool]:
        return lambda: len(self._waiting) != before or self._closed

    def _loop(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                return
            if not batch:  # the requests waiting left before they were read
                continue
            try:
                self._read(batch)
            finally:
                with self._cond:
                    self._running = []

    def _read(self, batch: list[Pending]) -> None:
        by_id = {p.job.id: p for p in batch}
        finished: set[str] = set()
        self.batches += 1
        try:
            for chunk in self.engine.stream_many([p.job for p in batch]):
                p = by_id.get(chunk.job_id)
                if p is None or p.gone:
                    continue
                if chunk.done:
                    finished.add(chunk.job_id)
                    self.served += 1
                    p.send(("done", chunk.result))
                elif chunk.text:
                    p.send(("delta", chunk.text))
        except Exception as exc:
            if not isinstance(exc, OcrError):
                log.exception("the engine failed on a batch")
            for job_id, p in by_id.items():
                if job_id not in finished:
                    finished.add(job_id)
                    p.send(("error", exc))
        for job_id, p in by_id.items():
            if job_id not in finished:
                p.send(("error", ModelError("The engine stopped before this request was read.")))
