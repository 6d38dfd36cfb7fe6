"""The engine contract shared by the local transformers engine and a remote OpenAI-compatible one.

Synchronous streaming keeps both front ends simple: the GUI's inference thread and the CLI both
iterate ``stream``/``stream_many`` and react to chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from glmocr_desktop.core.jobs import Chunk, Job

#: progress(fraction 0..1 or None if unknown, message)
ProgressCallback = Callable[[float | None, str], None]


@dataclass
class EngineInfo:
    model: str = ""
    device: str = ""
    dtype: str = ""
    attention: str = ""
    fast_path: str = "off"  # "off", "warming", "ready", or a reason it is unavailable


@runtime_checkable
class Engine(Protocol):
    info: EngineInfo

    def load(self, progress: ProgressCallback | None = None) -> None:
        """Load weights (blocking; call from a worker thread)."""

    def stream(self, job: Job) -> Iterator[Chunk]:
        """Generate for one job; yields delta chunks, the last with ``done=True`` and a Result."""

    def stream_many(self, jobs: Iterable[Job]) -> Iterator[Chunk]:
        """Generate several jobs in one batch; chunks carry their job's id; results come in order."""

    def cancel(self) -> None:
        """Stop the running generation within one token (thread-safe)."""

    def close(self) -> None:
        """Free the model."""
