"""The document pipeline: pages -> layout -> one OCR job per block -> pages ready for assembly.

As in the official GLM-OCR SDK: each page is rendered at 200 DPI (long side <= 3500 px), the layout
model finds its blocks in reading order, every text / table / formula block is cropped from the page
and read with the prompt of its kind, pictures are kept as crops, and the page goes to
:func:`glmocr_desktop.core.assembly.assemble`. Without a layout model (or when it finds nothing on a
page) the page is read whole as one text region, the model-only path, and the events say so.

Engines are passed in (no torch here). ``run`` is a generator of typed events that the CLI prints and
the GUI's worker turns into signals; ``cancel`` (from any thread) stops the run within one token and
no further region starts.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from glmocr_desktop.core.assembly import PageBlock, PageInput
from glmocr_desktop.core.documents import DEFAULT_DPI, DEFAULT_MAX_SIDE, Document
from glmocr_desktop.core.errors import InputError, OcrError, RegionError
from glmocr_desktop.core.imaging import MODEL_MAX_PIXELS, fit_pixels
from glmocr_desktop.core.jobs import Chunk, Job
from glmocr_desktop.core.layout import IMAGE, TEXT, LayoutBlock
from glmocr_desktop.core.regions import WHOLE_PAGE, Region, TaskRegion
from glmocr_desktop.core.results import Result, Source
from glmocr_desktop.core.tasks import Task

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

NO_LAYOUT_MODEL = "no layout model"
NO_LAYOUT_BLOCKS = "the layout model found no regions"


class OcrEngine(Protocol):
    def stream_many(self, jobs: Iterable[Job]) -> Iterator[Chunk]: ...

    def cancel(self) -> None: ...


class LayoutEngine(Protocol):
    def detect(self, images: list[Image]) -> list[list[LayoutBlock]]: ...


# --- events ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageStarted:
    page: int  # 0-based page of the document
    position: int  # 1-based position of this page in the run
    total: int  # pages in the run


@dataclass(frozen=True)
class LayoutFound:
    page: int
    blocks: tuple[LayoutBlock, ...]  # what the layout model found (empty on the model-only path)
    fallback: str | None = None  # why the page is read whole with one prompt, if it is
    drawn: bool = False  # the blocks are regions the user drew, not the layout model's

    @property
    def regions_to_read(self) -> int:
        return 1 if self.fallback else sum(1 for b in self.blocks if b.task is not None)


@dataclass(frozen=True)
class RegionDone:
    page: int
    block: PageBlock  # its content is the result's final text
    task: Task
    result: Result
    done: int  # regions of this page read so far
    total: int  # regions of this page to read

    @property
    def tokens(self) -> int:
        return self.result.timings.generated_tokens


@dataclass(frozen=True)
class PageDone:
    page: PageInput  # ready for assembly
    regions: int  # blocks read by the model
    pictures: int  # blocks kept as crops
    tokens: int  # generated on this page
    fallback: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageFailed:
    page: int
    error: OcrError


@dataclass(frozen=True)
class RunFinished:
    pages: tuple[PageInput, ...]  # the pages done, in document order
    cancelled: bool


PipelineEvent = PageStarted | LayoutFound | RegionDone | PageDone | PageFailed | RunFinished


def drawn_blocks(page: int, regions: Sequence[TaskRegion]) -> LayoutFound:
    """The page's own regions (drawn, or detected and edited) as its blocks, in the order given; a
    picture is kept as a crop. The layout label (``doc_title``, ``paragraph_title``...) is what assembly
    formats by; a region drawn without one is plain text.

    Extraction has no place in a document (its result is a form's JSON), so it is refused here."""
    blocks = []
    for order, spec in enumerate(regions):
        task = spec.read_task
        if task is Task.EXTRACT:
            raise ValueError("Information extraction reads a form, not a document's blocks.")
        native = spec.label or (IMAGE if task is None else TEXT)
        blocks.append(LayoutBlock(spec.region, native, IMAGE if task is None else task.value, 1.0, order))
    return LayoutFound(page, tuple(blocks), None, drawn=True)


# --- the pipeline ----------------------------------------------------------------------------------


@dataclass
class _Planned:
    """A block of the page on its way to a PageBlock: its job (None for a picture) and its crop."""

    block: LayoutBlock
    job: Job | None = None
    crop: Image | None = None
    content: str = ""
    warnings: list[str] = field(default_factory=list)
    sent: bool = False  # handed to the engine
    read: bool = False  # its result came back


@dataclass(eq=False)
class _PageWork:
    """A page being read: its image, layout and planned blocks, and how far it has come."""

    page: int
    image: Image
    layout: LayoutFound
    items: list[_Planned]
    done: int = 0
    tokens: int = 0
    error: OcrError | None = None

    @property
    def to_read(self) -> int:
        return sum(1 for p in self.items if p.job is not None)

    @property
    def complete(self) -> bool:
        return all(p.job is None or p.read for p in self.items)


#: Pages read together on a GPU: enough blocks (about nine a page) for several full batches to sort.
GPU_PAGES_IN_FLIGHT = 4
#: Pages read together by an engine with continuous batching: all their ready blocks go to it at once
#: (about nine a page: enough to keep a batch of 32 full until the last few), and it refills its rows.
CONTINUOUS_PAGES_IN_FLIGHT = 12


class DocumentPipeline:
    """Reads the pages of a document block by block; one instance per run (cancel ends it)."""

    def __init__(
        self,
        engine: OcrEngine,
        layout: LayoutEngine | None = None,
        *,
        dpi: float = DEFAULT_DPI,
        max_side: int = DEFAULT_MAX_SIDE,
        max_new_tokens: int | None = None,
        jobs_per_batch: int | None = None,
        pages_in_flight: int | None = None,
        keep_page_images: bool = False,
        no_layout_reason: str = NO_LAYOUT_MODEL,
    ) -> None:
        self.engine = engine
        self.layout = layout
        self.dpi = dpi
        self.max_side = max_side
        self.max_new_tokens = max_new_tokens
        #: Jobs handed to the engine at once (``None``: all of a page's blocks with one page in flight,
        #: the engine's widest batch with several).
        self.jobs_per_batch = jobs_per_batch
        #: Pages whose blocks are read together (``None``: one on the CPU, several on a GPU). With several,
        #: batches are drawn from all their blocks, largest crops first, so a batch holds blocks of
        #: similar size (and so similar length) and no row waits long for the longest one.
        self.pages_in_flight = pages_in_flight
        #: The rendered page travels with the page (the searchable PDF needs it; it costs memory).
        self.keep_page_images = keep_page_images
        self.no_layout_reason = no_layout_reason
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop the run: the generation under way ends within one token; no further region starts."""
        self._cancel.set()
        self.engine.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(
        self,
        document: Document,
        pages: Sequence[int] | None = None,
        regions: Mapping[int, Sequence[TaskRegion]] | None = None,
    ) -> Iterator[PipelineEvent]:
        """Read ``pages`` (default: all). A page in ``regions`` is read in the regions given there, in
        that order (drawn by the user), instead of the layout model's blocks."""
        pages = list(range(document.page_count)) if pages is None else list(pages)
        regions = regions or {}
        in_flight = self._in_flight()
        waiting = list(enumerate(pages, start=1))
        window: list[_PageWork] = []  # pages being read, in document order
        done: list[PageInput] = []
        while (waiting or window) and not self.cancelled:
            while waiting and len(window) < in_flight and not self.cancelled:
                position, page = waiting.pop(0)
                yield PageStarted(page, position, len(pages))
                try:
                    image = document.render_page(page, dpi=self.dpi, max_side=self.max_side)
                except InputError as exc:
                    yield PageFailed(page, exc)
                    continue
                layout = drawn_blocks(page, regions[page]) if page in regions else self._find_layout(page, image)
                yield layout
                window.append(_PageWork(page, image, layout, self._plan(document, page, image, layout)))
            batch = self._next_batch(window, in_flight)
            if batch:
                reading = self._read_batch(batch)
                while True:  # a page is done as soon as its last block is (a batch may span many pages)
                    try:
                        event = next(reading)
                    except StopIteration as stop:
                        failed = stop.value or []
                        break
                    yield event
                    while not self.cancelled and window and window[0].complete and window[0].error is None:
                        finished = self._page_done(window.pop(0))
                        done.append(finished.page)
                        yield finished
                if self.cancelled:
                    break
                for work in failed:
                    if work in window:
                        window.remove(work)
                        yield PageFailed(work.page, work.error or OcrError("The page could not be read."))
            while window and window[0].complete:
                finished = self._page_done(window.pop(0))
                done.append(finished.page)
                yield finished
        yield RunFinished(tuple(done), self.cancelled)

    def _in_flight(self) -> int:
        if self.pages_in_flight:
            return max(1, int(self.pages_in_flight))
        if getattr(self.engine, "continuous_batching", False):
            return CONTINUOUS_PAGES_IN_FLIGHT
        device = str(getattr(getattr(self.engine, "info", None), "device", "") or "")
        return GPU_PAGES_IN_FLIGHT if device.startswith("cuda") else 1

    def _next_batch(self, window: list[_PageWork], in_flight: int) -> list[tuple[_PageWork, _Planned, Job]]:
        pending = [(work, item, item.job) for work in window for item in work.items
                   if item.job is not None and not item.sent]  # fmt: skip
        if not pending:
            return []
        if getattr(self.engine, "continuous_batching", False):
            # all at once, largest crops (the only length hint) first: the engine refills its rows as
            # regions end, and long regions started early leave only short ones for the batch's tail
            step = self.jobs_per_batch or len(pending)
            pending.sort(key=lambda one: -(one[2].image.width * one[2].image.height))
        elif in_flight == 1:
            step = self.jobs_per_batch or len(pending)
        else:
            step = self.jobs_per_batch or int(getattr(self.engine, "MAX_BATCH", 8))
            pending.sort(key=lambda one: -(one[2].image.width * one[2].image.height))
        return pending[:step]

    def _read_batch(
        self, batch: list[tuple[_PageWork, _Planned, Job]]
    ) -> Generator[PipelineEvent, None, list[_PageWork]]:
        """Read one batch; yields a RegionDone per block; returns the pages that failed."""
        by_id = {job.id: (work, item, job) for work, item, job in batch}
        for _, item, _ in batch:
            item.sent = True
        try:
            for chunk in self.engine.stream_many([job for _, _, job in batch]):
                if not chunk.done or chunk.result is None or self.cancelled:
                    continue  # after a cancel the engine still hands back its partial results
                work, item, job = by_id[chunk.job_id]
                res = chunk.result
                item.content = res.text if res.ok else ""
                item.read = True
                item.warnings.extend(res.warnings)
                if res.error:
                    item.warnings.append(f"{item.block.native_label} block {item.block.order + 1}: {res.error}")
                work.tokens += res.timings.generated_tokens
                work.done += 1
                yield RegionDone(work.page, self._page_block(item), job.task, res, work.done, work.to_read)
        except OcrError as exc:
            if self.cancelled:
                return []
            failed: list[_PageWork] = []
            for work, _, _ in batch:
                if work not in failed:
                    work.error = exc
                    failed.append(work)
            return failed
        return []

    def _page_done(self, work: _PageWork) -> PageDone:
        blocks = [self._page_block(p) for p in work.items]
        page_input = PageInput(
            index=work.page,
            width=work.image.width,
            height=work.image.height,
            blocks=blocks,
            image=work.image if self.keep_page_images else None,
        )
        pictures = sum(1 for p in work.items if p.job is None and p.crop is not None)
        warnings = tuple(w for p in work.items for w in p.warnings)
        return PageDone(page_input, work.done, pictures, work.tokens, work.layout.fallback, warnings)

    # --- steps -----------------------------------------------------------------------------------

    def _find_layout(self, page: int, image: Image) -> LayoutFound:
        if self.layout is None:
            return LayoutFound(page, (), self.no_layout_reason)
        try:
            blocks = self.layout.detect([image])[0]
        except OcrError as exc:
            return LayoutFound(page, (), f"layout detection failed ({exc.message})")
        return LayoutFound(page, tuple(blocks), None if blocks else NO_LAYOUT_BLOCKS)

    def _plan(self, document: Document, page: int, image: Image, layout: LayoutFound) -> list[_Planned]:
        file = str(document.path or document.name)

        def source(region: Region | None) -> Source:
            return Source(file=file, page=page, region=region, document_hash=document.content_hash)

        # The engine may read fewer pixels than the model takes (the CPU does): fit crops to its cap.
        max_pixels = getattr(self.engine, "image_pixel_cap", None) or MODEL_MAX_PIXELS
        if layout.fallback:
            whole = LayoutBlock(WHOLE_PAGE, TEXT, TEXT, 1.0, 0)
            picture = fit_pixels(image, max_pixels=max_pixels)
            return [_Planned(whole, self._job(picture, Task.TEXT, source(None)))]
        planned = []
        for block in layout.blocks:
            crop = image.crop(block.region.to_pixels(image.width, image.height))
            item = _Planned(block)
            if block.task is None:
                item.crop = crop
            else:
                try:
                    picture = fit_pixels(crop, max_pixels=max_pixels)
                    item.job = self._job(picture, block.task, source(block.region))
                except RegionError as exc:  # a sliver the model cannot read: kept empty, said so
                    item.warnings.append(f"{block.native_label} block {block.order + 1}: {exc.message}")
            planned.append(item)
        return planned

    def _job(self, picture: Image, task: Task, source: Source) -> Job:
        return Job(image=picture, task=task, max_new_tokens=self.max_new_tokens, source=source)

    @staticmethod
    def _page_block(item: _Planned) -> PageBlock:
        block = item.block
        # Kept page furniture ("abandoned") is read as text or kept as a picture, like any block.
        label = IMAGE if block.task is None else block.task.value
        return PageBlock(
            index=block.order,
            label=label,
            native_label=block.native_label,
            content=item.content,
            region=block.region,
            image=item.crop,
        )
