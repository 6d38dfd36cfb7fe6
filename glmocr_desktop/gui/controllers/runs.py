"""Running recognition: the model's lifecycle, the job queue and what comes back from the inference thread.

One :class:`InferenceThread` owns the engine; this controller, on the GUI thread, hands it requests and
turns its typed signals into result-list updates, persistence calls and status text. Requests made
before the model is ready wait here and go in when it is (or fail when loading does).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal, Slot

from glmocr_desktop.core.errors import ModelNotFoundError, user_message
from glmocr_desktop.core.jobs import JobState, Result
from glmocr_desktop.core.regions import TaskRegion
from glmocr_desktop.core.run_request import build_run_requests
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import DEFAULT_MAX_NEW_TOKENS, Task
from glmocr_desktop.engines.base import FastPathState, ModelState
from glmocr_desktop.gui.controllers.documents import DocState
from glmocr_desktop.gui.controllers.persistence import Persistence
from glmocr_desktop.gui.result_pane import ResultEntry, ResultPane, cut_notice
from glmocr_desktop.gui.worker import InferenceThread, Request

log = logging.getLogger(__name__)


def build_requests(st: DocState, specs: list[TaskRegion | None], task: Task, template: dict | None,
                   settings: Settings) -> list[Request]:  # fmt: skip
    """The requests for regions of the current page (None: the whole page with ``task``), as
    :func:`~glmocr_desktop.core.run_request.build_run_requests` makes them from the window's state."""
    page = st.page
    return build_run_requests(st.doc, page, specs, task=task, template=template, dpi=settings.render_dpi,
                              max_new_tokens=settings.max_new_tokens or None, rotation=st.rotation.get(page, 0),
                              name=st.name, page_regions=st.regions.get(page, []))  # fmt: skip


class Runs(QObject):
    """The model and the jobs, seen from the GUI thread."""

    model_changed = Signal(object, str)  # ModelState, detail (the error message when it failed)
    model_needed = Signal(str)  # a run waits for a model the user has to choose or download
    load_progress = Signal(float, str)  # fraction (-1: unknown), message
    fast_path_changed = Signal(object, str)  # FastPathState, detail
    busy_changed = Signal(bool)
    status = Signal(str)
    busy_status = Signal(str)  # a status that lasts only while jobs run ("Recognising …"): "Ready" follows it
    speed = Signal(str)
    message = Signal(str, bool, bool)  # text, error, also as a dialog

    def __init__(self, results: ResultPane, persistence: Persistence, settings: Callable[[], Settings],
                 engine_factory: Callable[[Settings], Any] | None = None,
                 parent: QObject | None = None, layout_factory: Callable[[str, str], Any] | None = None,
                 ) -> None:  # fmt: skip
        super().__init__(parent)
        self.results = results
        self.persistence = persistence
        self._settings = settings
        self.model_state = ModelState.IDLE
        self.fast_path = FastPathState.OFF
        self.pending_runs: list[tuple[list[Request], bool]] = []  # waiting for the model
        self.worker = InferenceThread(engine_factory, self, layout_factory=layout_factory)
        w = self.worker
        w.load_started.connect(self._on_load_started)
        w.load_progress.connect(self.load_progress)
        w.loaded.connect(self._on_loaded)
        w.load_failed.connect(self._on_load_failed)
        w.job_started.connect(self._on_job_started)
        w.chunk.connect(self._on_chunk)
        w.job_finished.connect(self._on_job_finished)
        w.job_failed.connect(self._on_job_failed)
        w.job_cancelled.connect(self._on_job_cancelled)
        w.busy_changed.connect(self.busy_changed)
        w.fast_path_changed.connect(self._on_fast_path)

    @property
    def info(self):
        """The loaded engine's EngineInfo, or None."""
        return self.worker.info

    def is_busy(self) -> bool:
        return any(e.state.active for e in self.results.entries)

    def can_stop(self) -> bool:
        return self.is_busy() or bool(self.pending_runs)

    # --- the model ---------------------------------------------------------------------------------
    def _set_model_state(self, state: ModelState, detail: str = "") -> None:
        self.model_state = state
        self.model_changed.emit(state, detail)

    def load_model(self) -> None:
        self.model_state = ModelState.LOADING
        self.worker.request_load(self._settings())

    @Slot()
    def _on_load_started(self) -> None:
        self._set_model_state(ModelState.LOADING)

    @Slot(object)
    def _on_loaded(self, info: Any) -> None:
        self._set_model_state(ModelState.READY)
        pending, self.pending_runs = self.pending_runs, []
        for reqs, batch in pending:
            self.worker.submit(reqs, batch)

    @Slot(object)
    def _on_load_failed(self, exc: BaseException) -> None:
        for reqs, _ in self.pending_runs:
            self._settle(reqs, JobState.ERROR, self.tr("The model is not loaded."))
        self.pending_runs = []
        missing = isinstance(exc, ModelNotFoundError)
        self._set_model_state(ModelState.MISSING if missing else ModelState.ERROR, user_message(exc))

    @Slot(object, str)
    def _on_fast_path(self, state: FastPathState, detail: str) -> None:
        self.fast_path = state
        self.fast_path_changed.emit(state, detail)

    # --- jobs --------------------------------------------------------------------------------------
    def submit(self, reqs: list[Request], batch: bool, after: ResultEntry | None = None) -> list[Request]:
        """Show the requests as queued results (at the end of the list, or right after ``after``) and run
        them (loading the model first if need be)."""
        if not reqs:
            return []
        row = self.results.entries.index(after) + 1 if after in self.results.entries else len(self.results.entries)
        for n, r in enumerate(reqs):
            entry = ResultEntry(id=r.id, label=r.label, task=r.task, document=r.document, page=r.page,
                                spec_id=r.spec_id)  # fmt: skip
            entry.meta["region"] = r.region
            entry.meta["request"] = r  # what "Run again" runs again
            entry.meta["token_limit"] = r.max_new_tokens or DEFAULT_MAX_NEW_TOKENS[r.task]
            self.results.insert(row + n, entry, select=(r is reqs[0]))
        if self.model_state is ModelState.READY:
            self.worker.submit(reqs, batch)
        else:
            self.pending_runs.append((reqs, batch))
            if self.model_state in (ModelState.IDLE, ModelState.ERROR):
                self.load_model()
            elif self.model_state is ModelState.MISSING:
                self.model_needed.emit(self.tr("The model is needed to recognise text."))
        self.busy_status.emit(self.tr("Queued %n job(s)", "", len(reqs)))
        return reqs

    def cancel(self) -> None:
        """Stop the running job within a token; drop the queued and the waiting ones."""
        running = self.is_busy()
        for reqs, _ in self.pending_runs:
            self._settle(reqs, JobState.CANCELLED)
        self.pending_runs = []
        if running or self.worker.pending:
            self.worker.cancel_all()
            self.busy_status.emit(self.tr("Stopping…"))

    def _settle(self, reqs: list[Request], state: JobState, error: str = "") -> None:
        for r in reqs:
            entry = self.results.entry(r.id)
            if entry is not None:
                self.results.set_state(entry, state, error)

    @Slot(str)
    def _on_job_started(self, job_id: str) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        self.results.set_state(entry, JobState.RUNNING)
        self.busy_status.emit(self.tr("Recognising {0}…").format(entry.label))
        self.persistence.job_started(entry, self.worker.info, self._settings())

    @Slot(str, str, int)
    def _on_chunk(self, job_id: str, delta: str, tokens: int) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        self.results.append(entry, delta, tokens)
        rate = entry.tokens_per_s()
        self.speed.emit(self.tr("{0:.1f} tok/s · {1} tokens").format(rate, entry.tokens) if rate
                        else self.tr("{0} tokens").format(entry.tokens))  # fmt: skip
        self.persistence.job_partial(entry)

    @Slot(str, object)
    def _on_job_finished(self, job_id: str, result: Result) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        self.results.finish(entry, result)
        self.speed.emit(self.tr("{0:.1f} tok/s · {1} tokens").format(result.timings.tokens_per_s,
                                                                      result.timings.generated_tokens))  # fmt: skip
        cut = cut_notice(result)
        if result.cancelled:
            done = self.tr("Done: {0} (stopped)").format(entry.label)
        elif cut:
            done = self.tr("Done: {0} ({1})").format(entry.label, cut[0])
        else:
            done = self.tr("Done: {0}").format(entry.label)
        self.status.emit(done)
        self.persistence.job_finished(entry)

    @Slot(str, object)
    def _on_job_failed(self, job_id: str, exc: BaseException) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        message = user_message(exc)
        self.results.set_state(entry, JobState.ERROR, message)
        self.message.emit(f"{entry.label}: {message}", True, False)
        self.persistence.job_finished(entry)

    @Slot(str)
    def _on_job_cancelled(self, job_id: str) -> None:
        entry = self.results.entry(job_id)
        if entry is None:
            return
        self.results.set_state(entry, JobState.CANCELLED)
        self.persistence.job_finished(entry)

    # --- closing -----------------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel, join the inference thread (bounded), then take in what it finished while stopping."""
        self.worker.cancel_all()
        finished = self.worker.shutdown(timeout_ms=timeout_ms)
        if not finished:
            log.warning("the inference thread did not stop in time")
        # results the worker finished while stopping are queued to us: record them before the store closes
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        return finished
