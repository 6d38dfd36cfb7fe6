"""A whole-document run on the inference thread: the pipeline over each document, paused, resumed or
cancelled from the GUI, its events handed over in batches.

The inference thread owns the engines, so :func:`run_documents` runs there (``InferenceThread`` calls it
for a ``"document"`` request) with the loaded OCR engine and the thread's layout detector. Events cross to the GUI thread as lists through the
thread's ``document_events`` signal, at most ~20 a second whatever the page rate, so a 500-page run
never floods the event loop.

Pausing lets the batch under way finish and starts no new one (no new batch, no new layout): the
engine and the layout detector are wrapped so that each new call waits while paused.
:class:`RunControl` is what the GUI holds; every method is safe from any thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication

from glmocr_desktop.core.errors import OcrError, user_message
from glmocr_desktop.core.regions import TaskRegion
from glmocr_desktop.core.tasks import Task

log = logging.getLogger(__name__)

#: Seconds between two event batches sent to the GUI.
EVENT_INTERVAL = 0.05


class RunControl:
    """Pause, resume and cancel one document run (thread-safe)."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._pipeline = None

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancelled.set()
        self._running.set()  # a paused run wakes up to end
        with self._lock:
            pipeline = self._pipeline
        if pipeline is not None:
            pipeline.cancel()

    def attach(self, pipeline) -> None:
        with self._lock:
            self._pipeline = pipeline
        if self.cancelled:
            pipeline.cancel()

    def wait_while_paused(self) -> bool:
        """Block while paused; False when the run was cancelled meanwhile."""
        while not self._running.wait(0.1):
            pass
        return not self.cancelled


class _PausingEngine:
    """The OCR engine as the pipeline sees it: a new batch waits while the run is paused, and events
    waiting to be sent go out while a long batch streams (``tick`` on every chunk) or before a wait."""

    def __init__(self, engine, control: RunControl, tick: Callable[[bool], None]) -> None:
        self._engine = engine
        self._control = control
        self._tick = tick

    def stream_many(self, jobs: Iterable) -> Iterator:
        jobs = list(jobs)
        self._tick(self._control.paused)  # what is done reaches the GUI before a pause waits
        if not self._control.wait_while_paused():
            return iter(())
        return self._follow(self._engine.stream_many(jobs))

    def _follow(self, chunks: Iterator) -> Iterator:
        for chunk in chunks:
            self._tick(False)
            yield chunk

    def cancel(self) -> None:
        self._engine.cancel()

    def __getattr__(self, name: str) -> Any:  # info, image_pixel_cap, MAX_BATCH...
        return getattr(self._engine, name)


class _PausingLayout:
    """The layout detector as the pipeline sees it: a new page's layout waits while paused."""

    def __init__(self, detector, control: RunControl, keep_abandoned: bool, tick: Callable[[bool], None]) -> None:
        self._detector = detector
        self._control = control
        self._keep_abandoned = keep_abandoned
        self._tick = tick

    def detect(self, images: list) -> list:
        from glmocr_desktop.core.layout import ABANDONED  # numpy: not at start-up

        self._tick(self._control.paused)
        if not self._control.wait_while_paused():
            return [[] for _ in images]
        found = self._detector.detect(images)
        if self._keep_abandoned:
            return found
        # the thread's detector keeps page furniture (the page view shows it); a document leaves it out
        return [[b for b in blocks if b.label != ABANDONED] for blocks in found]


@dataclass
class DocumentItem:
    """One document of a run: the pages to read, and the regions of pages that have them."""

    key: str  # content hash: how events and the store name the document
    document: Any  # core.documents.Document
    pages: list[int]
    regions: dict[int, list[TaskRegion]] = field(default_factory=dict)


@dataclass
class DocumentRunRequest:
    id: str
    items: list[DocumentItem]
    control: RunControl = field(default_factory=RunControl)
    use_layout: bool = True  # pages without regions go through the layout model when it is here
    layout_model: str = ""
    keep_abandoned: bool = False
    dpi: int = 200
    max_new_tokens: int | None = None
    #: Pages begun before a restart: ``(key, page) -> core.store.runs.RunPage``; what they had read is
    #: merged with what is read now (only their blocks left are asked for, as ``regions``).
    begun: dict = field(default_factory=dict)
    #: Pages done before a restart, ``(key, RunPage)``: handed back as PageReady first, not read again.
    restored: list = field(default_factory=list)


# --- what crosses to the GUI (besides the pipeline's own events) ------------------------------------


@dataclass(frozen=True)
class DocEvent:
    key: str  # the document
    event: Any  # a core.pipeline event


@dataclass(frozen=True)
class PageReady:
    """A page done, made ready here for the GUI (which then only stores and shows it): the page for
    assembly (merged with what was read before a restart; no images: crops are cut again on export),
    its assembled blocks, their HTML for the document view and their Markdown."""

    key: str
    page: Any  # core.assembly.PageInput
    assembled: Any  # core.assembly.AssembledPage
    html: list[str]
    markdown: str
    fallback: str | None = None
    restored: bool = False  # read before a restart (already stored and counted)


@dataclass(frozen=True)
class RunNotice:
    text: str  # said once to the user (the layout model is missing, ...)


@dataclass(frozen=True)
class RunEnded:
    cancelled: bool
    error: str = ""  # the run could not go on (no model)


def layout_spec(setting: str) -> str:
    from glmocr_desktop.core import paths
    from glmocr_desktop.engines.layout import DEFAULT_LAYOUT_MODEL_ID

    return setting or paths.layout_model(DEFAULT_LAYOUT_MODEL_ID)


def _detector_for(request: DocumentRunRequest, detector_for: Callable[[str], Any], say: Callable[[str], None]):
    """The loaded layout detector, or None (said once, with how to get it) when it is missing or fails."""
    if not request.use_layout or not any(set(i.pages) - set(i.regions) for i in request.items):
        return None
    from glmocr_desktop.core.errors import LayoutModelNotFoundError
    from glmocr_desktop.engines.layout import how_to_get_layout_model

    spec = layout_spec(request.layout_model)
    try:
        detector = detector_for(spec)
        if not getattr(detector, "loaded", True):
            detector.load()  # here, so that a missing model is said once, not on every page
        return detector
    except LayoutModelNotFoundError:
        first = how_to_get_layout_model(spec).splitlines()[0].strip()
        say(QCoreApplication.translate("DocumentRunner", "The layout model is not on this computer, so pages "
                                       "without regions are read whole with one prompt. {0}").format(first))  # fmt: skip
    except OcrError as exc:
        say(QCoreApplication.translate("DocumentRunner", "The layout model could not be loaded ({0}); pages "
                                       "without regions are read whole.").format(user_message(exc)))  # fmt: skip
    return None


def run_documents(request: DocumentRunRequest, engine, detector_for: Callable[[str], Any],
                  emit: Callable[[str, list], None]) -> None:  # fmt: skip
    """Run every document of ``request`` (on the inference thread). ``detector_for(model)`` is the
    thread's layout detector; ``emit(run id, events)`` hands batches of DocEvent / RunNotice / RunEnded
    to the GUI."""
    from glmocr_desktop.core.pipeline import DocumentPipeline, PageDone, RunFinished

    control = request.control
    buffer: list = []
    last = 0.0

    def send(force: bool = False) -> None:
        nonlocal last
        if buffer and (force or time.monotonic() - last >= EVENT_INTERVAL):
            batch = list(buffer)
            buffer.clear()
            last = time.monotonic()
            emit(request.id, batch)

    for key, stored in request.restored:
        buffer.append(page_ready(key, None, stored))
        send()
    detector = _detector_for(request, detector_for, lambda text: buffer.append(RunNotice(text)))
    try:
        for item in request.items:
            if control.cancelled:
                break
            pipeline = DocumentPipeline(
                _PausingEngine(engine, control, send),
                _PausingLayout(detector, control, request.keep_abandoned, send) if detector is not None else None,
                dpi=request.dpi,
                max_new_tokens=request.max_new_tokens,
            )
            control.attach(pipeline)
            for event in pipeline.run(item.document, item.pages, item.regions):
                buffer.append(DocEvent(item.key, event))
                if isinstance(event, PageDone):
                    buffer.append(page_ready(item.key, event, request.begun.get((item.key, event.page.index))))
                send(force=isinstance(event, RunFinished))
    except Exception as exc:
        if not isinstance(exc, OcrError):
            log.exception("document run failed")
        buffer.append(RunEnded(control.cancelled, user_message(exc)))
        send(force=True)
        return
    buffer.append(RunEnded(control.cancelled))
    send(force=True)


def page_ready(key: str, done, begun=None) -> PageReady:
    """Assemble and render a finished page (on the inference thread: none of it on the GUI thread).
    ``done`` is the pipeline's PageDone (None: a page read before a restart, ``begun`` as stored)."""
    from glmocr_desktop.core.assembly import assemble
    from glmocr_desktop.core.render import document_block_html, document_page_html

    if done is None:  # read before a restart: as stored
        page, fallback = begun.page_input(), begun.fallback
    else:
        page, fallback = (begun.completed_by(done.page) if begun is not None else done.page), done.fallback
    for b in page.blocks:
        b.image = None
    page.image = None
    assembled = assemble([page]).pages[0]
    html = [document_page_html(page.index)]
    html += [document_block_html(page.index, b.index, b.markdown()) for b in assembled.blocks]
    markdown = "\n\n".join(md for b in assembled.blocks if (md := b.markdown()))
    return PageReady(key, page, assembled, html, markdown, fallback, restored=done is None)


def regions_of(specs: Sequence[TaskRegion]) -> list[TaskRegion]:
    """A page's regions as a document run reads them (each with its own task and layout label, so a
    detected title stays a heading; pictures as crops); extraction regions (a form's fields, not a
    document's blocks) are left out."""
    return [spec for spec in specs if spec.read_task is not Task.EXTRACT]
