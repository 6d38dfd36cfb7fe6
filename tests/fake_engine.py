"""An engine for testing window logic without torch: it streams scripted text through the Engine API.

It stands in for the model only where the model is not what is tested (queueing, cancelling, error
paths, persistence); the text it streams is what the test wrote, never presented as recognition.
Results go through core's ``finish_result``, like the local engine's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator

from glmocr_desktop.core.jobs import Chunk, Job, Timings
from glmocr_desktop.core.results import Generation, finish_result
from glmocr_desktop.engines.base import EngineInfo, FastPathState


class FakeEngine:
    """``script(job) -> list of text pieces`` (default: the job's task label in three pieces).

    ``gate``, when given, is waited on before every piece after the first, so a test can hold a job
    mid-stream; ``fail_with`` raises from ``stream`` after the first piece; ``load_error`` from ``load``;
    ``budget_hit(job)``, when given, says whether the job's token limit ended it.
    """

    def __init__(self, script: Callable[[Job], list[str]] | None = None, *, gate: threading.Event | None = None,
                 fail_with: BaseException | None = None, load_error: BaseException | None = None,
                 budget_hit: Callable[[Job], bool] | None = None) -> None:
        self.script = script or (lambda job: ["scripted ", job.task.label.lower(), " text"])
        self.budget_hit = budget_hit
        self.gate = gate
        self.fail_with = fail_with
        self.load_error = load_error
        self.info = EngineInfo(model="fake-engine", device="cpu", dtype="float32")
        self.jobs: list[Job] = []
        self.closed = False
        self._cancel = threading.Event()

    def load(self, progress=None) -> None:
        if progress is not None:
            progress(0.5, "Loading the scripted engine")
        if self.load_error is not None:
            raise self.load_error

    def warm_up_fast_path(self, progress=None) -> bool:
        self.info.fast_path = FastPathState.UNAVAILABLE
        self.info.fast_path_detail = "scripted engine"
        return False

    def stream(self, job: Job) -> Iterator[Chunk]:
        return self.stream_many([job])

    def stream_many(self, jobs: Iterable[Job]) -> Iterator[Chunk]:
        jobs = list(jobs)
        self.jobs.extend(jobs)
        self._cancel.clear()
        return self._run(jobs)

    def _run(self, jobs: list[Job]) -> Iterator[Chunk]:
        for job in jobs:
            started = time.time()
            pieces, written = self.script(job), []
            for n, piece in enumerate(pieces):
                if n and self.gate is not None:
                    while not self.gate.wait(0.01):
                        if self._cancel.is_set():
                            break
                if self._cancel.is_set():
                    break
                written.append(piece)
                yield Chunk(job_id=job.id, text=piece, generated_tokens=n + 1)
                if self.fail_with is not None:
                    raise self.fail_with
            timings = Timings(started=started, total_s=time.time() - started, generated_tokens=len(written))
            generation = Generation(raw_text="".join(written), cancelled=self._cancel.is_set(),
                                    budget_hit=bool(self.budget_hit and self.budget_hit(job)))
            result = finish_result(job, generation, model=self.info.model, device=self.info.device, timings=timings)
            yield Chunk(job_id=job.id, done=True, result=result, generated_tokens=len(written))

    def cancel(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        self.closed = True
        self.cancel()
