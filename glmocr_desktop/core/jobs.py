"""Jobs (what to recognise), their lifecycle, and chunks (what streams back).

With :class:`~glmocr_desktop.core.results.Result` (what is kept) these are the only types that cross
between the front ends (GUI, CLI) and the engines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glmocr_desktop.core.compat import StrEnum
from glmocr_desktop.core.regions import new_id
from glmocr_desktop.core.results import Result, Source, Timings
from glmocr_desktop.core.tasks import DEFAULT_MAX_NEW_TOKENS, Task, prompt_for

__all__ = ["Chunk", "Job", "JobState", "Result", "Source", "Timings", "new_id"]

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
class Chunk:
    """A piece of streamed output. The last chunk of a job has ``done=True`` and carries the Result."""

    job_id: str
    text: str = ""  # newly generated text (a delta)
    done: bool = False
    result: Result | None = None
    generated_tokens: int = 0  # running count for this job
