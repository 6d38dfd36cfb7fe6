"""The inference thread: one long-lived QThread that owns the engine.

Loading, rendering crops at recognition DPI and generation all happen here; the GUI thread only sends
requests (a thread-safe queue) and receives signals. Stream deltas are coalesced so at most ~30 chunk
signals a second reach the GUI, whatever the token rate. Cancellation goes through ``engine.cancel()``
(a ``threading.Event`` the engine checks every token); the thread is never terminated.

Outcomes cross to the GUI typed: a job ends in ``job_finished`` (a Result), ``job_cancelled`` or
``job_failed`` with the exception object itself; the fast path reports a ``FastPathState`` and a detail.

The layout model (PP-DocLayoutV3) lives here too: ``request_layout`` renders each page as the document
pipeline does and answers ``layout_found`` with its blocks, or ``layout_failed`` / ``layout_cancelled``.
It runs on the OCR model's device once that is loaded, else on the CPU.
"""

from __future__ import annotations

import ctypes
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QCoreApplication, QThread, Signal

from glmocr_desktop.core import model_limits
from glmocr_desktop.core.errors import ModelError, OcrError, RenderError
from glmocr_desktop.core.jobs import Job, new_id
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.run_request import RunRequest
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.base import FastPathState

log = logging.getLogger(__name__)

#: Minimum seconds between two chunk signals of one job (~30 per second).
EMIT_INTERVAL = 1 / 30


#: The inference thread's requests are core's (one builder for the window and the CLI).
Request = RunRequest


@dataclass
class LayoutRequest:
    """A page whose layout to find, rendered on the inference thread at the document pipeline's size."""

    document: Any  # core.documents.Document
    page: int
    rotation: int = 0  # degrees clockwise, as shown: the model sees the page upright, as the user does
    model: str = ""  # the layout model, a hub id or folder ("" = PP-DocLayoutV3 from the hub cache)
    dpi: float | None = None  # None: core.documents.DEFAULT_DPI (200, as the SDK)
    max_side: int | None = None  # None: core.documents.DEFAULT_MAX_SIDE (3500, as the SDK)
    id: str = field(default_factory=new_id)

    def render(self):
        from glmocr_desktop.core.documents import DEFAULT_DPI, DEFAULT_MAX_SIDE  # PyMuPDF: not at start-up

        image = self.document.render_page(
            self.page, dpi=self.dpi or DEFAULT_DPI, max_side=self.max_side or DEFAULT_MAX_SIDE
        )
        return image.rotate(-(self.rotation % 360), expand=True) if self.rotation % 360 else image

    def page_blocks(self, blocks: list) -> list:
        """The blocks found on the upright picture, in the page's own (unrotated) coordinates."""
        if not self.rotation % 360:
            return list(blocks)
        return [replace(b, region=b.region.unrotated(self.rotation)) for b in blocks]


class LoadInterrupted(ModelError):
    """The model load was stopped because the app is closing."""

    def __init__(self) -> None:
        super().__init__(
            QCoreApplication.translate("LoadInterrupted", "Loading the model was stopped: the app is closing.")
        )


def default_layout_factory(model: str, device: str):
    """Runs on the inference thread. Headers and footers are kept: the window decides what to place."""
    from glmocr_desktop.core.layout import LayoutOptions
    from glmocr_desktop.engines.layout import LayoutDetector

    return LayoutDetector(model or None, device=device, options=LayoutOptions(keep_abandoned=True))


def default_engine_factory(settings: Settings):
    """Runs on the inference thread: importing the engine there keeps torch off the GUI thread."""
    if settings.engine != "local":  # a server (Settings › Engine); its API key is read here, off the GUI thread
        from glmocr_desktop.gui.engine_settings import make_remote_engine

        return make_remote_engine(settings)
    from glmocr_desktop.engines.local import LocalEngine

    return LocalEngine(model=settings.model, device=settings.device, dtype=settings.dtype)


class InferenceThread(QThread):
    load_started = Signal()
    load_progress = Signal(float, str)  # fraction (-1: unknown), message
    loaded = Signal(object)  # EngineInfo
    load_failed = Signal(object)  # the exception (OcrError subclasses carry user messages)
    job_started = Signal(str)  # request id
    chunk = Signal(str, str, int)  # request id, new text since the last signal, generated tokens
    job_finished = Signal(str, object)  # request id, Result
    job_failed = Signal(str, object)  # request id, the exception (core.errors.user_message words it)
    job_cancelled = Signal(str)  # request id: stopped by the user before or while it ran
    busy_changed = Signal(bool)
    fast_path_changed = Signal(object, str)  # FastPathState, detail
    document_events = Signal(str, object)  # run id, a list of gui.document_runner events (batched)
    layout_found = Signal(str, object)  # LayoutRequest id, list of core.layout.LayoutBlock (page coordinates)
    layout_failed = Signal(str, object)  # LayoutRequest id, the exception (LayoutModelNotFoundError: missing)
    layout_cancelled = Signal(str)  # LayoutRequest id

    def __init__(self, engine_factory: Callable[[Settings], Any] | None = None, parent=None,
                 layout_factory: Callable[[str, str], Any] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("inference")
        self._factory = engine_factory or default_engine_factory
        self._layout_factory = layout_factory or default_layout_factory
        self._layout = None  # the layout detector, made on first use
        self._layout_key: tuple[str, str] | None = None  # (model, device) it was made for
        self._queue: queue.Queue = queue.Queue()
        self._engine = None
        self._engine_lock = threading.Lock()
        self._cancel = threading.Event()
        self._generation = 0  # bumped by cancel_all(): queued requests of older generations are dropped
        self._pending = 0
        self._pending_lock = threading.Lock()
        self.info = None
        self._warmup: threading.Thread | None = None
        self._loading_lock = threading.Lock()
        self._loading_thread: int | None = None  # thread id while engine.load() runs

    # --- called from the GUI thread -------------------------------------------------------------

    def request_load(self, settings: Settings) -> None:
        self._queue.put(("load", settings.normalised(), self._generation))
        if not self.isRunning():
            self.start()

    def submit(self, requests: list[Request], batch: bool = False) -> None:
        """Queue requests; ``batch`` runs them together through ``engine.stream_many``."""
        if not requests:
            return
        with self._pending_lock:
            self._pending += len(requests)
        self._queue.put(("run", list(requests), batch, self._generation))
        if not self.isRunning():
            self.start()

    def request_layout(self, requests: list[LayoutRequest]) -> None:
        """Queue pages for the layout model (behind any recognition already queued)."""
        if not requests:
            return
        self._queue.put(("layout", list(requests), self._generation))
        if not self.isRunning():
            self.start()

    def submit_document(self, request) -> None:
        """Queue a whole-document run (a ``document_runner.DocumentRunRequest``); its events come back
        through ``document_events``; ``request.control`` pauses, resumes and cancels it."""
        self._queue.put(("document", request, self._generation))
        if not self.isRunning():
            self.start()

    def cancel_all(self) -> None:
        """Stop the running job within one token and drop the queued ones."""
        self._generation += 1
        self._cancel.set()
        with self._engine_lock:
            engine = self._engine
        if engine is not None:
            try:
                engine.cancel()
            except Exception:
                log.exception("engine.cancel failed")

    @property
    def pending(self) -> int:
        with self._pending_lock:
            return self._pending

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel, stop the loop and join (bounded). Returns True when the thread has finished.

        A generation stops within a layer (the prompt pass included). A model load cannot be cancelled
        cooperatively (``from_pretrained`` has no stop), so after a short wait the load is interrupted
        where it is: :class:`LoadInterrupted` is raised in the thread at its next Python instruction and
        the half-loaded model is dropped. Only at shutdown; the thread is never terminated.
        """
        self.cancel_all()
        self._queue.put(("quit",))
        if not self.isRunning():
            return True
        first = min(timeout_ms, 500)
        if self.wait(first):
            return True
        with self._loading_lock:
            if self._loading_thread is not None:
                log.warning("interrupting the model load to close")
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._loading_thread),
                                                           ctypes.py_object(LoadInterrupted))
        return self.wait(max(0, timeout_ms - first))

    # --- the thread -----------------------------------------------------------------------------

    def run(self) -> None:
        while True:
            item = self._queue.get()
            kind = item[0]
            if kind == "quit":
                break
            try:
                if kind == "load":
                    self._do_load(item[1])
                elif kind == "run":
                    _, requests, batch, gen = item
                    if gen != self._generation:
                        self._cancelled(requests)
                        continue
                    self._do_run(requests, batch)
                elif kind == "document":
                    self._do_document(item[1], item[2])
                elif kind == "layout":
                    self._do_layout(item[1], item[2])
            except Exception:
                log.exception("inference loop error")
        self._close_engine()
        self._close_layout()

    def _cancelled(self, requests: Sequence[Request | Job]) -> None:
        for r in requests:
            self._done_one()
            self.job_cancelled.emit(r.id)

    def _failed(self, requests: Sequence[Request | Job], exc: BaseException) -> None:
        for r in requests:
            self._done_one()
            self.job_failed.emit(r.id, exc)

    def _done_one(self) -> None:
        with self._pending_lock:
            self._pending = max(0, self._pending - 1)

    def _close_engine(self) -> None:
        with self._engine_lock:
            engine, self._engine = self._engine, None
        warm, self._warmup = self._warmup, None
        if warm is not None:
            self._warmup_stop.set()  # a late "ready" must not describe the next engine
            warm.join(timeout=5.0)  # warm-up holds the engine's lock; close() would wait for it anyway
        if engine is not None:
            try:
                engine.close()
            except Exception:
                log.exception("engine.close failed")

    def _do_load(self, settings: Settings) -> None:
        self._close_engine()
        self.info = None
        self.load_started.emit()
        try:
            engine = self._factory(settings)

            def progress(frac: float | None, msg: str) -> None:
                self.load_progress.emit(-1.0 if frac is None else float(frac), str(msg))

            with self._loading_lock:
                self._loading_thread = threading.get_ident()
            try:
                engine.load(progress)
            finally:
                with self._loading_lock:
                    self._loading_thread = None
        except LoadInterrupted as exc:
            self.load_failed.emit(exc)
            return
        except Exception as exc:
            if not isinstance(exc, OcrError):
                log.error("model load failed:\n%s", traceback.format_exc())
            self.load_failed.emit(exc)
            return
        with self._engine_lock:
            self._engine = engine
        self.info = engine.info
        self.loaded.emit(engine.info)
        self._start_warm_up(engine)

    def _start_warm_up(self, engine) -> None:
        """Warm the fast decode path on a plain thread; jobs use stock generate until it is ready."""
        warm = getattr(engine, "warm_up_fast_path", None)
        if warm is None:
            return

        def report(state, detail: str = "") -> None:
            if not stop.is_set():
                self.fast_path_changed.emit(FastPathState(state), str(detail))

        def run() -> None:
            try:
                warm()
            except Exception:
                log.warning("fast path warm-up failed", exc_info=True)
            finally:
                info = engine.info
                report(getattr(info, "fast_path", FastPathState.OFF), getattr(info, "fast_path_detail", ""))

        stop = threading.Event()
        self._warmup_stop = stop
        if hasattr(engine, "on_fast_path"):
            engine.on_fast_path = report  # every change as it happens, not only the last
        report(FastPathState.WARMING)
        self._warmup = threading.Thread(target=run, name="fast-path-warm-up", daemon=True)
        self._warmup.start()

    # --- layout ----------------------------------------------------------------------------------

    def _layout_device(self) -> str:
        """The OCR model's device when it is loaded on a local accelerator, else the CPU."""
        device = str(getattr(self.info, "device", "") or "")
        return device if device.startswith(("cuda", "mps")) else "cpu"

    def _layout_detector(self, model: str):
        key = (model, self._layout_device())
        if self._layout is None or self._layout_key != key:
            self._close_layout()
            self._layout = self._layout_factory(*key)
            self._layout_key = key
        return self._layout

    def _close_layout(self) -> None:
        detector, self._layout, self._layout_key = self._layout, None, None
        if detector is not None:
            try:
                detector.close()
            except Exception:
                log.exception("closing the layout model failed")

    def _do_layout(self, requests: list[LayoutRequest], gen: int) -> None:
        """Page by page, so a long document shows its pages as they are found and a stop ends it."""
        for req in requests:
            if gen != self._generation:
                self.layout_cancelled.emit(req.id)
                continue
            try:
                detector = self._layout_detector(req.model)
                image = req.render()
                blocks = detector.detect([image])[0]
            except Exception as exc:
                if not isinstance(exc, OcrError):
                    log.error("layout detection failed:\n%s", traceback.format_exc())
                    wrapped = ModelError(self.tr("The layout of the page could not be found: {0}").format(exc))
                    wrapped.__cause__ = exc
                    exc = wrapped
                self.layout_failed.emit(req.id, exc)
                continue
            self.layout_found.emit(req.id, req.page_blocks(blocks))

    def _do_run(self, requests: list[Request], batch: bool) -> None:
        with self._engine_lock:
            engine = self._engine
        if engine is None:
            self._failed(requests, ModelError(self.tr("The model is not loaded.")))
            return
        self._cancel.clear()
        gen = self._generation
        self.busy_changed.emit(True)
        try:
            groups = [requests] if batch and len(requests) > 1 else [[r] for r in requests]
            for group in groups:
                if gen != self._generation:
                    self._cancelled(group)
                    continue
                self._run_group(engine, group)
        finally:
            self.busy_changed.emit(self.pending > 0)

    def _do_document(self, request, gen: int) -> None:
        from glmocr_desktop.gui.document_runner import RunEnded, run_documents

        with self._engine_lock:
            engine = self._engine
        if gen != self._generation:
            request.control.cancel()
        if engine is None or request.control.cancelled:
            error = "" if request.control.cancelled else self.tr("The model is not loaded.")
            self.document_events.emit(request.id, [RunEnded(request.control.cancelled, error)])
            return
        self.busy_changed.emit(True)
        try:
            run_documents(request, engine, self._layout_detector, self.document_events.emit)
        finally:
            self.busy_changed.emit(self.pending > 0)

    def _run_group(self, engine, group: list[Request]) -> None:
        jobs: list[Job] = []
        for r in group:
            try:
                jobs.append(r.make_job(getattr(engine, "image_pixel_cap", model_limits.MAX_PIXELS)))
            except Exception as exc:
                if not isinstance(exc, OcrError):
                    wrapped = RenderError(self.tr("Could not render: {0}").format(exc))
                    wrapped.__cause__ = exc
                    exc = wrapped
                self._failed([r], exc)
        if not jobs:
            return
        for j in jobs:
            self.job_started.emit(j.id)
        buffers: dict[str, list[str]] = {j.id: [] for j in jobs}
        tokens: dict[str, int] = {j.id: 0 for j in jobs}
        last_emit: dict[str, float] = {j.id: 0.0 for j in jobs}
        finished: set[str] = set()

        def flush(job_id: str) -> None:
            if buffers[job_id]:
                self.chunk.emit(job_id, "".join(buffers[job_id]), tokens[job_id])
                buffers[job_id].clear()
            last_emit[job_id] = time.monotonic()

        try:
            stream = engine.stream(jobs[0]) if len(jobs) == 1 else engine.stream_many(jobs)
            for ch in stream:
                if self._cancel.is_set():
                    engine.cancel()  # again: a cancel that raced with the start of generation
                jid = ch.job_id
                if jid not in buffers:
                    continue
                if ch.text:
                    buffers[jid].append(ch.text)
                tokens[jid] = max(tokens[jid], ch.generated_tokens)
                if ch.done:
                    flush(jid)
                    finished.add(jid)
                    self._done_one()
                    result = ch.result or Result(job_id=jid, task=Task.TEXT, text="", raw_text="")
                    self.job_finished.emit(jid, result)
                elif time.monotonic() - last_emit[jid] >= EMIT_INTERVAL:
                    flush(jid)
        except Exception as exc:
            if not isinstance(exc, OcrError):
                log.error("generation failed:\n%s", traceback.format_exc())
            for j in jobs:
                if j.id not in finished:
                    flush(j.id)
                    finished.add(j.id)
                    self._failed([j], exc)
            return
        for j in jobs:  # an engine that ended without a done chunk
            if j.id not in finished:
                flush(j.id)
                if self._cancel.is_set():
                    self._cancelled([j])
                else:
                    self._failed([j], ModelError(self.tr("The engine stopped early.")))
