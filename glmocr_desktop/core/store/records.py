"""The store's columns and records besides results, and the lenient decoding of stored values.

Why a module of its own: callers see typed objects, never SQLite rows or JSON strings. A stored result
is a :class:`~glmocr_desktop.core.results.Result` (``Result.from_row`` reads the columns of
:data:`RESULT_COLUMNS`); the value decoders it uses are shared from there, and are lenient, so that one
bad row never breaks a listing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.core.regions import DRAWN, KINDS, READ, SOURCES, Region
from glmocr_desktop.core.results import loads_json, region_from, task_from

__all__ = ["RESULT_COLUMNS", "RESULT_FROM", "STATUSES", "StoredDocument", "dump_json", "kind_from",
           "loads_json", "region_coords", "region_from", "source_from", "task_from"]  # fmt: skip

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


#: In the order of ``core.results.ROW_FIELDS``.
RESULT_COLUMNS = (
    "r.id, r.job_id, r.document_hash, r.page, r.x0, r.y0, r.x1, r.y1, r.task, r.template, r.text, "
    "r.raw_text, r.model, r.device, r.settings, r.timings, r.extraction, r.warnings, r.cut, r.cancelled, "
    "r.truncated, r.error, r.status, r.created, r.updated, d.name, d.paths"
)
RESULT_FROM = "results r LEFT JOIN documents d ON d.hash = r.document_hash"


def kind_from(value: Any) -> str:
    return value if value in KINDS else READ


def source_from(value: Any) -> str:
    return value if value in SOURCES else DRAWN


def region_coords(region: Region | None) -> tuple[float | None, ...]:
    return region.as_tuple() if region is not None else (None, None, None, None)


def dump_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
