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


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and abs(value) < 2**62 else 0


def _time(value: Any) -> float:
    """A timestamp a listing can format (0 for anything else)."""
    if isinstance(value, (int, float)) and 0 <= value < 32503680000:  # before the year 3000
        return float(value)
    return 0.0


def _json(value: Any, default: Any, kind: type) -> Any:
    got = loads_json(_text(value) if isinstance(value, bytes) else value, default) if isinstance(
        value, (str, bytes)) else default
    return got if isinstance(got, kind) else default


def result_from_row(row: Sequence[Any]) -> StoredResult:
    """Lenient: a row of a damaged or foreign file gets defaults for what does not fit its column."""
    paths = _json(row[26], [], list)
    return StoredResult(
        id=_text(row[0]),
        job_id=_text(row[1]),
        document_hash=_text(row[2]),
        page=max(0, _int(row[3])),
        region=region_from(*row[4:8]),
        task=task_from(_text(row[8])),
        template=_json(row[9], None, dict),
        text=_text(row[10]),
        raw_text=_text(row[11]),
        model=_text(row[12]),
        device=_text(row[13]),
        settings=_json(row[14], {}, dict),
        timings=_json(row[15], {}, dict),
        extraction=_json(row[16], None, dict),
        warnings=[_text(w) for w in _json(row[17], [], list)],
        cut=bool(_int(row[18])),
        cancelled=bool(_int(row[19])),
        truncated=bool(_int(row[20])),
        error=None if row[21] is None else _text(row[21]),
        status=_text(row[22]) if row[22] in STATUSES else ("error" if row[21] else "done"),
        created=_time(row[23]),
        updated=_time(row[24]),
        document_name=_text(row[25]),
        document_paths=[_text(p) for p in paths],
    )


def region_coords(region: Region | None) -> tuple[float | None, ...]:
    return region.as_tuple() if region is not None else (None, None, None, None)


def dump_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
