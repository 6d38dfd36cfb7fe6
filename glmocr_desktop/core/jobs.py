"""Jobs (what to recognise), chunks (what streams back) and results (what is kept).

These are the only types that cross between the front ends (GUI, CLI) and the engines.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from glmocr_desktop.core.compat import StrEnum
from glmocr_desktop.core.regions import Region, new_id
from glmocr_desktop.core.tasks import DEFAULT_MAX_NEW_TOKENS, Task, prompt_for

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image


class JobState(StrEnum):
    """A job's lifecycle, the one vocabulary of the inference thread, the window and the results store.

    Values are what the store persists. ``INTERRUPTED`` is a job that was running when the process died.
    """

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    ERROR = "error"

    @property
    def active(self) -> bool:
        """Still owned by the inference thread (not yet settled)."""
        return self in (JobState.QUEUED, JobState.RUNNING)

    @classmethod
    def of_result(cls, result: Result) -> JobState:
        """The settled state a finished result stands for: an error outranks a cancel, which outranks done
        (a job stopped by a failure is a failure, whatever else happened)."""
        if result.error:
            return cls.ERROR
        if result.cancelled:
            return cls.CANCELLED
        return cls.DONE


@dataclass
class Source:
    """Where a job's image came from (for results, history and JSON output)."""

    file: str = ""
    page: int = 0  # 0-based page index
    region: Region | None = None
    document_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "page": self.page + 1,
            "region": list(self.region.as_tuple()) if self.region else None,
        }


@dataclass
class Job:
    image: Image
    task: Task = Task.TEXT
    template: dict[str, Any] | None = None
    max_new_tokens: int | None = None
    source: Source = field(default_factory=Source)
    id: str = field(default_factory=new_id)

    @property
    def prompt(self) -> str:
        return prompt_for(self.task, self.template)

    @property
    def token_budget(self) -> int:
        return int(self.max_new_tokens or DEFAULT_MAX_NEW_TOKENS[self.task])


@dataclass
class Timings:
    started: float = field(default_factory=time.time)
    first_token_s: float | None = None  # seconds from start to first generated token
    total_s: float = 0.0
    prompt_tokens: int = 0
    image_tokens: int = 0
    generated_tokens: int = 0

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

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        d = {
            **self.source.to_dict(),
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


@dataclass
class Chunk:
    """A piece of streamed output. The last chunk of a job has ``done=True`` and carries the Result."""

    job_id: str
    text: str = ""  # newly generated text (a delta)
    done: bool = False
    result: Result | None = None
    generated_tokens: int = 0  # running count for this job
