"""How far a document run has come, in the words the progress panel shows (no Qt).

Time left is estimated from the pages done (the time per page so far, times the pages left), not from
tokens: page costs vary, but a long run's average settles fast. Time spent paused counts for neither.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


def duration_text(seconds: float) -> str:
    """``45 s``, ``12 min``, ``2 h 05 min``."""
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{int(minutes // 60)} h {int(minutes % 60):02d} min"


@dataclass
class RunProgress:
    pages_total: int = 0
    pages_done: int = 0  # read, including pages finished before a resume
    pages_failed: int = 0
    pages_resumed: int = 0  # done before this session (not counted in the time per page)
    regions_done: int = 0
    regions_total: int = 0  # of the pages laid out so far
    tokens: int = 0
    current: str = ""  # the page under way, as shown
    paused: bool = False
    finished: bool = False
    cancelled: bool = False
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _started: float | None = field(default=None, repr=False)
    _paused_at: float | None = field(default=None, repr=False)
    _paused_s: float = field(default=0.0, repr=False)

    def start(self) -> None:
        self._started = self.clock()

    def set_paused(self, paused: bool) -> None:
        if paused and self._paused_at is None:
            self._paused_at = self.clock()
        elif not paused and self._paused_at is not None:
            self._paused_s += self.clock() - self._paused_at
            self._paused_at = None
        self.paused = paused

    @property
    def active_s(self) -> float:
        """Seconds spent running (pauses left out)."""
        if self._started is None:
            return 0.0
        now = self._paused_at if self._paused_at is not None else self.clock()
        return max(0.0, now - self._started - self._paused_s)

    @property
    def pages_left(self) -> int:
        return max(0, self.pages_total - self.pages_done - self.pages_failed)

    @property
    def tokens_per_s(self) -> float:
        t = self.active_s
        return self.tokens / t if t > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """Estimated from the pages done in this session; None until one is."""
        done_here = self.pages_done + self.pages_failed - self.pages_resumed
        if done_here <= 0 or self.active_s <= 0:
            return None
        return self.active_s / done_here * self.pages_left

    @property
    def fraction(self) -> float:
        return (self.pages_done + self.pages_failed) / self.pages_total if self.pages_total else 0.0

    # --- words ------------------------------------------------------------------------------------

    def pages_text(self) -> str:
        failed = f" ({self.pages_failed} failed)" if self.pages_failed else ""
        return f"{self.pages_done} / {self.pages_total}{failed}"

    def regions_text(self) -> str:
        more = "+" if not self.finished and self.pages_left else ""
        return f"{self.regions_done} / {self.regions_total}{more}"

    def speed_text(self) -> str:
        return f"{self.tokens_per_s:.1f} tok/s" if self.tokens else "—"

    def time_left_text(self) -> str:
        if self.finished:
            return "stopped" if self.cancelled else "done"
        if self.paused:
            return "paused"
        left = self.seconds_left
        return "estimating…" if left is None else duration_text(left)
