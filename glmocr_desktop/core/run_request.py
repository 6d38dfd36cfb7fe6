"""What to run: a page of a document (or a region of it) with its task, template, rendering and token limit.

The window and the CLI both build their requests with :func:`build_run_requests`, so a region is read
the same way whichever front end asked: pictures are kept as crops and never read, a region's own task
and template win, extraction takes the template given when the region has none. The crop is rendered
by :meth:`RunRequest.make_job` on the thread that runs the engine, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glmocr_desktop.core import model_limits
from glmocr_desktop.core.jobs import Job
from glmocr_desktop.core.regions import Region, TaskRegion, new_id
from glmocr_desktop.core.results import Source
from glmocr_desktop.core.tasks import Task

if TYPE_CHECKING:  # pragma: no cover
    from glmocr_desktop.core.documents import Document

DEFAULT_DPI = 200


@dataclass
class RunRequest:
    """One job to run: where on which page, read how."""

    document: Document
    page: int  # 0-based
    region: Region | None  # None: the whole page
    task: Task
    template: dict[str, Any] | None = None  # extraction only
    rotation: int = 0  # degrees clockwise, as shown on screen
    dpi: float = DEFAULT_DPI
    max_new_tokens: int | None = None  # None: the task's default
    label: str = ""  # how the result list names it
    spec_id: str = ""  # the TaskRegion it came from ("" for the whole page)
    file: str = ""  # the document's name in results ("" = its path, else its name)
    id: str = field(default_factory=new_id)

    def make_job(self, max_pixels: int = model_limits.MAX_PIXELS) -> Job:
        """The job, its crop rendered no larger than the engine takes (``max_pixels``); raises
        ``InputError`` when the page cannot be rendered."""
        image = self.document.render_region(self.page, self.region, dpi=self.dpi, max_pixels=max_pixels)
        if self.rotation % 360:
            image = image.rotate(-(self.rotation % 360), expand=True)
        doc: Any = self.document
        source = Source(
            file=self.file or str(getattr(doc, "path", "") or getattr(doc, "name", "")),
            page=self.page,
            region=self.region,
            document_hash=str(getattr(doc, "content_hash", "") or ""),
        )
        return Job(image=image, task=self.task, template=self.template, max_new_tokens=self.max_new_tokens,
                   source=source, id=self.id)  # fmt: skip


def build_run_requests(
    document: Document,
    page: int,
    regions: Sequence[TaskRegion | None],
    *,
    task: Task,
    template: dict[str, Any] | None = None,
    dpi: float = DEFAULT_DPI,
    max_new_tokens: int | None = None,
    rotation: int = 0,
    name: str = "",
    file: str = "",
    page_regions: Sequence[TaskRegion] = (),
) -> list[RunRequest]:
    """One request per region of ``page`` (None: the whole page, read with ``task``), each read with its
    own task; picture regions are left out. ``page_regions`` is the page's whole list of regions, whose
    order numbers the labels ("#2 table"); ``template`` is the extraction template for regions without
    one of their own."""
    requests = []
    for spec in regions:
        if spec is not None and spec.is_picture:
            continue
        spec_task = spec.task if spec is not None else task
        if spec is None:
            where = "page"
        else:
            number = page_regions.index(spec) + 1 if spec in page_regions else 0
            where = f"#{number} {spec.label}" if spec.label else f"#{number}"
        own = spec.template if spec is not None else None
        requests.append(
            RunRequest(
                document=document,
                page=page,
                region=spec.region if spec is not None else None,
                task=spec_task,
                template=(own or template) if spec_task is Task.EXTRACT else None,
                rotation=rotation,
                dpi=dpi,
                max_new_tokens=max_new_tokens or None,
                label=f"{name} · p.{page + 1} · {where} {spec_task.label}",
                spec_id=spec.id if spec is not None else "",
                file=file,
            )
        )
    return requests
