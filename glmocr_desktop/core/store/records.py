"""Typed records the store hands out and takes in, and their mapping to and from table rows.

Why a module of its own: callers see dataclasses, never SQLite rows or JSON strings; every column's
decoding (JSON fields, coordinates to a :class:`Region`, task names) lives here once, and is lenient, so
that one bad row never breaks a listing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from glmocr_desktop.core.jobs import JobState, Result, Source, Timings
from glmocr_desktop.core.regions import DRAWN, KINDS, READ, SOURCES, Region
from glmocr_desktop.core.tasks import Task

#: Every status a stored result can have (JobState values; a job is stored from when it starts running);
#: ``running`` results of a dead process become ``interrupted``.
STATUSES = tuple(s.value for s in JobState if s is not JobState.QUEUED)


@dataclass
class SavedRegion:
    """A region of a page (drawn, or found by the layout model), with the task chosen for it."""

    region: Region | None  # None = the whole page
    task: Task = Task.TEXT
    template: dict[str, Any] | None = None
    page: int = 0
    order: int = 0  # reading order on the page (0 first)
    label: str = ""  # the layout label ("paragraph_title", "table"...); "" for a region without one
    kind: str = READ  # core.regions.READ or PICTURE (kept as a crop, not read)
    source: str = DRAWN  # core.regions.DRAWN or LAYOUT
    edited: bool = False  # a layout region the user changed since it was found


@dataclass
class StoredDocument:
    hash: str
    name: str
    paths: list[str]
    page_count: int
    first_seen: float
    last_opened: float


@dataclass
class StoredResult:
    id: str
    job_id: str
    document_hash: str
    page: int
    region: Region | None
    task: Task
    template: dict[str, Any] | None
    text: str
    raw_text: str
    model: str
    device: str
    settings: dict[str, Any]
    timings: dict[str, Any]
    extraction: dict[str, Any] | None
    warnings: list[str]
    cut: bool
    cancelled: bool
    truncated: bool
    error: str | None
    status: str
    created: float
    updated: float
    document_name: str = ""
    document_paths: list[str] = field(default_factory=list)

    def to_result(self) -> Result:
        """As a :class:`Result` (for exports and the clipboard)."""
        known = set(Timings.__dataclass_fields__)
        timings = Timings(**{k: v for k, v in self.timings.items() if k in known})
        return Result(
            job_id=self.job_id,
            task=self.task,
            text=self.text,
            raw_text=self.raw_text,
            model=self.model,
            device=self.device,
            source=Source(
                file=self.document_paths[0] if self.document_paths else self.document_name,
                page=self.page,
                region=self.region,
                document_hash=self.document_hash,
            ),
            timings=timings,
            cut=self.cut,
            cancelled=self.cancelled or self.status == "interrupted",
            truncated=self.truncated,
            error=self.error,
            extraction=self.extraction,
            warnings=list(self.warnings),
        )


RESULT_COLUMNS = (
    "r.id, r.job_id, r.document_hash, r.page, r.x0, r.y0, r.x1, r.y1, r.task, r.template, r.text, "
    "r.raw_text, r.model, r.device, r.settings, r.timings, r.extraction, r.warnings, r.cut, r.cancelled, "
    "r.truncated, r.error, r.status, r.created, r.updated, d.name, d.paths"
)
RESULT_FROM = "results r LEFT JOIN documents d ON d.hash = r.document_hash"


def loads_json(text: str | None, default: Any) -> Any:
    if text is None or text == "":
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def region_from(x0: Any, y0: Any, x1: Any, y1: Any) -> Region | None:
    if x0 is None:
        return None
    try:
        return Region(x0, y0, x1, y1)
    except Exception:  # a bad row must not break a listing
        return None


def kind_from(value: Any) -> str:
    return value if value in KINDS else READ


def source_from(value: Any) -> str:
    return value if value in SOURCES else DRAWN


def task_from(value: str) -> Task:
    try:
        return Task.parse(value)
    except ValueError:
        return Task.TEXT


def result_from_row(row: Sequence[Any]) -> StoredResult:
    return StoredResult(
        id=row[0],
        job_id=row[1],
        document_hash=row[2],
        page=row[3],
        region=region_from(*row[4:8]),
        task=task_from(row[8]),
        template=loads_json(row[9], None),
        text=row[10],
        raw_text=row[11],
        model=row[12],
        device=row[13],
        settings=loads_json(row[14], {}),
        timings=loads_json(row[15], {}),
        extraction=loads_json(row[16], None),
        warnings=loads_json(row[17], []),
        cut=bool(row[18]),
        cancelled=bool(row[19]),
        truncated=bool(row[20]),
        error=row[21],
        status=row[22],
        created=row[23],
        updated=row[24],
        document_name=row[25] or "",
        document_paths=loads_json(row[26], []),
    )


def region_coords(region: Region | None) -> tuple[float | None, ...]:
    return region.as_tuple() if region is not None else (None, None, None, None)


def dump_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
