"""The result: what a job gave, the one type the engines produce, the store keeps, the window shows and
the CLI prints (:meth:`Result.to_json`; the store reads its rows back with :meth:`Result.from_row`).

Every engine (local, remote, any other) ends a job with :func:`finish_result`, so the clean-up, the cut
and limit flags and their messages, and the extraction check are the same whatever ran the model.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from glmocr_desktop.core.postprocess import clean_up
from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.tasks import Task

if TYPE_CHECKING:  # pragma: no cover
    from glmocr_desktop.core.jobs import Job, JobState


@dataclass
class Source:
    """Where a job's image came from (for results, history and JSON output)."""

    file: str = ""
    page: int = 0  # 0-based page index
    region: Region | None = None
    document_hash: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "page": self.page + 1,
            "region": list(self.region.as_tuple()) if self.region else None,
        }




@dataclass
class Timings:
    started: float = field(default_factory=time.time)
    first_token_s: float | None = None  # seconds from start to first generated token
    total_s: float = 0.0
    prompt_tokens: int = 0
    image_tokens: int = 0
    generated_tokens: int = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Timings:
        """Timings as :meth:`Result.to_json` wrote them; unknown keys and values of the wrong kind are
        left out."""
        known = {f.name for f in fields(cls)}
        kept: dict[str, Any] = {
            k: v for k, v in data.items()
            if k in known and (isinstance(v, (int, float)) or (v is None and k == "first_token_s"))
        }  # fmt: skip
        return cls(**kept)

    @property
    def tokens_per_s(self) -> float:
        decode = self.total_s - (self.first_token_s or 0.0)
        if self.generated_tokens <= 1 or decode <= 0:
            return 0.0
        return (self.generated_tokens - 1) / decode


@dataclass
class Result:
    job_id: str
    task: Task
    text: str  # post-processed, what the user sees and copies
    raw_text: str  # exactly what the model produced (after a repetition cut, if any)
    model: str = ""
    device: str = ""
    source: Source = field(default_factory=Source)
    timings: Timings = field(default_factory=Timings)
    cut: bool = False  # a repetition loop was detected and removed
    cancelled: bool = False  # the user stopped it; text is partial
    truncated: bool = False  # hit max_new_tokens
    cut_reason: str = ""  # what was cut and why, for the user (also in ``warnings``)
    truncated_reason: str = ""  # which limit ended the output (also in ``warnings``)
    error: str | None = None
    extraction: dict[str, Any] | None = None  # parsed JSON for Task.EXTRACT
    warnings: list[str] = field(default_factory=list)
    # what the results store adds
    id: str = ""  # the store's id ("" until stored)
    template: dict[str, Any] | None = None  # the extraction template it was read with
    settings: dict[str, Any] = field(default_factory=dict)  # render DPI, token limit... as run
    status: JobState | None = None  # as stored (None: not stored; :attr:`state` words it either way)
    created: float = 0.0
    updated: float = 0.0
    document_name: str = ""
    document_paths: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def page(self) -> int:
        return self.source.page

    @property
    def region(self) -> Region | None:
        return self.source.region

    @property
    def document_hash(self) -> str:
        return self.source.document_hash

    @property
    def state(self) -> JobState:
        """The stored state, else the one this result stands for (an error outranks a cancel)."""
        from glmocr_desktop.core.jobs import JobState

        return self.status if self.status is not None else JobState.of_result(self)

    def to_json(self) -> dict[str, Any]:
        """What the CLI prints and File > Save Results writes as JSON."""
        d = {
            **self.source.to_json(),
            "task": self.task.value,
            "text": self.text,
            "model": self.model,
            "device": self.device,
            "cut": self.cut,
            "cancelled": self.cancelled,
            "truncated": self.truncated,
            "cut_reason": self.cut_reason or None,
            "truncated_reason": self.truncated_reason or None,
            "timings": {**asdict(self.timings), "tokens_per_s": round(self.timings.tokens_per_s, 2)},
        }
        if self.extraction is not None:
            d["extraction"] = self.extraction
        if self.warnings:
            d["warnings"] = list(self.warnings)
        if self.error:
            d["error"] = self.error
        return d


    #: The former name of :meth:`to_json`, for callers not yet moved.
    to_dict = to_json

    @classmethod
    def from_row(cls, row: Mapping[str, Any] | Sequence[Any]) -> Result:
        """A stored row (:data:`ROW_FIELDS`, by name or in that order). Lenient: a row of a damaged or
        foreign file gets defaults for what does not fit its column; a row stopped by a dead process
        (``interrupted``) reads as cancelled."""
        from glmocr_desktop.core.jobs import JobState

        r = row if isinstance(row, Mapping) else dict(zip(ROW_FIELDS, row))
        paths = [text_of(p) for p in json_of(r["document_paths"], [], list)]
        name = text_of(r["document_name"])
        error = None if r["error"] is None else text_of(r["error"])
        status = r["status"]
        stored = status in JobState.__members__.values() and status != JobState.QUEUED
        state = JobState(status) if stored else (JobState.ERROR if error else JobState.DONE)
        return cls(
            id=text_of(r["id"]),
            job_id=text_of(r["job_id"]),
            task=task_from(text_of(r["task"])),
            text=text_of(r["text"]),
            raw_text=text_of(r["raw_text"]),
            model=text_of(r["model"]),
            device=text_of(r["device"]),
            source=Source(file=paths[0] if paths else name, page=max(0, int_of(r["page"])),
                          region=region_from(r["x0"], r["y0"], r["x1"], r["y1"]),
                          document_hash=text_of(r["document_hash"])),
            timings=Timings.from_json(json_of(r["timings"], {}, dict)),
            cut=bool(int_of(r["cut"])),
            cancelled=bool(int_of(r["cancelled"])) or state is JobState.INTERRUPTED,
            truncated=bool(int_of(r["truncated"])),
            error=error,
            extraction=json_of(r["extraction"], None, dict),
            warnings=[text_of(w) for w in json_of(r["warnings"], [], list)],
            template=json_of(r["template"], None, dict),
            settings=json_of(r["settings"], {}, dict),
            status=state,
            created=time_of(r["created"]),
            updated=time_of(r["updated"]),
            document_name=name,
            document_paths=paths,
        )  # fmt: skip


#: A stored result's columns, in the order the store selects them (``core.store.records.RESULT_COLUMNS``).
ROW_FIELDS = (
    "id", "job_id", "document_hash", "page", "x0", "y0", "x1", "y1", "task", "template", "text", "raw_text",
    "model", "device", "settings", "timings", "extraction", "warnings", "cut", "cancelled", "truncated", "error",
    "status", "created", "updated", "document_name", "document_paths",
)  # fmt: skip


# --- lenient decoding of stored values (one bad row must never break a listing) -------------------------


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


def task_from(value: str) -> Task:
    try:
        return Task.parse(value)
    except ValueError:
        return Task.TEXT


def text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def int_of(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and abs(value) < 2**62 else 0


def time_of(value: Any) -> float:
    """A timestamp a listing can format (0 for anything else)."""
    if isinstance(value, (int, float)) and 0 <= value < 32503680000:  # before the year 3000
        return float(value)
    return 0.0


def json_of(value: Any, default: Any, kind: type) -> Any:
    got = loads_json(text_of(value), default) if isinstance(value, (str, bytes)) else default
    return got if isinstance(got, kind) else default


@dataclass(frozen=True)
class Generation:
    """What an engine knows when a job's generation has ended."""

    raw_text: str  # everything the model wrote (up to where it was stopped)
    budget_hit: bool = False  # the token limit ended it
    cancelled: bool = False  # the user stopped it
    reduced_image: bool = False  # the image was read at a reduced size (GPU memory)


def finish_result(job: Job, generation: Generation, *, model: str, device: str, timings: Timings) -> Result:
    """The result of ``job``: cleaned text, flags with their reasons, extraction fields."""
    raw = generation.raw_text
    cleaned = clean_up(job.task, raw)
    result = Result(
        job_id=job.id,
        task=job.task,
        text=cleaned.text,
        raw_text=raw,
        model=model,
        device=device,
        source=job.source,
        timings=timings,
        cut=cleaned.cut,
        cancelled=generation.cancelled,
        truncated=generation.budget_hit and not cleaned.cut,
    )
    if cleaned.loop is not None:
        result.cut_reason = cleaned.loop.reason
        result.warnings.append(result.cut_reason)
    if result.truncated:
        result.truncated_reason = (
            f"The output reached the limit of {job.token_budget:,} tokens and may be incomplete."
        )
        result.warnings.append(result.truncated_reason)
    if generation.reduced_image:
        result.warnings.append("GPU memory was short; the image was read at a reduced size.")
    if job.task is Task.EXTRACT and job.template is not None:
        from glmocr_desktop.core.extraction import parse_extraction

        parsed = parse_extraction(cleaned.text, job.template)
        result.extraction = parsed.data
        if parsed.error:
            result.warnings.append(f"The answer is not valid JSON: {parsed.error}")
        if parsed.missing:
            result.warnings.append("Missing fields: " + ", ".join(parsed.missing))
        if parsed.extra:
            result.warnings.append("Extra fields: " + ", ".join(parsed.extra))
    return result
