"""The engine contract shared by the local transformers engine and a remote OpenAI-compatible one.

Synchronous streaming keeps both front ends simple: the GUI's inference thread and the CLI both
iterate ``stream``/``stream_many`` and react to chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from glmocr_desktop.core.compat import StrEnum
from glmocr_desktop.core.jobs import Chunk, Job

#: progress(fraction 0..1 or None if unknown, message)
ProgressCallback = Callable[[float | None, str], None]


class ModelState(StrEnum):
    """Where loading the model stands, as a front end tracks it."""

    IDLE = "idle"  # not asked for yet
    LOADING = "loading"
    READY = "ready"
    MISSING = "missing"  # not on this computer (ModelNotFoundError): the user chooses or downloads it
    ERROR = "error"  # loading failed otherwise


class FastPathState(StrEnum):
    """The fast decode path's warm-up, reported by the engine next to a free-text detail.

    Stock generate serves every job until the state is one of the ``ready`` ones.
    """

    OFF = "off"  # not tried (not warmed yet, or not worth it on this device)
    WARMING = "warming"  # capturing CUDA graphs
    COMPILING = "compiling"  # serving on CUDA graphs while the compiled step is built
    GRAPHS = "graphs"  # serving on CUDA graphs (compiling was skipped or failed)
    READY = "ready"  # serving on the compiled step
    UNAVAILABLE = "unavailable"  # failed or unsupported; the detail says why

    @property
    def ready(self) -> bool:
        return self in (FastPathState.COMPILING, FastPathState.GRAPHS, FastPathState.READY)


_FAST_PATH_TEXT = {
    FastPathState.COMPILING: "ready (graphs; compiling)",
    FastPathState.GRAPHS: "ready (graphs)",
}


@dataclass
class EngineInfo:
    model: str = ""
    device: str = ""
    dtype: str = ""
    attention: str = ""
    fast_path: FastPathState = FastPathState.OFF
    fast_path_detail: str = ""  # why it is off or unavailable, for logs and tooltips

    def fast_path_text(self) -> str:
        """One line for people: ``ready (graphs)``, ``unavailable (no CUDA)``, ``off``."""
        state = FastPathState(self.fast_path)
        text = _FAST_PATH_TEXT.get(state, state.value)
        return f"{text} ({self.fast_path_detail})" if self.fast_path_detail else text


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
