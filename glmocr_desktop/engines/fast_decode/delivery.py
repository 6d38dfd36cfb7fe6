"""Getting tokens from the GPU to the caller without making the GPU wait for the host.

Why a module of its own: decode steps are enqueued in groups (graph replays plus one small device-to-host
copy each) before the previous group's tokens are handed over, so the GPU never idles while Python runs
the caller's per-token work, and the host wakes once per group (it may share the interpreter with a
compiling thread). The host keeps its own record of finished rows so that EOS, budgets and the caller's
stop requests end rows exactly as stock ``generate`` would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class HostRows:
    """The host's view of a batch: tokens per row, finished rows, and the caller's ``on_step`` hook."""

    def __init__(self, budgets: Sequence[int], eos_ids: Sequence[int], pad: int, on_step: Callable,
                 stop_rows: Callable[[list[int]], None]) -> None:
        self.budgets = list(budgets)
        self.eos = {int(e) for e in eos_ids}
        self.pad = pad
        self.on_step = on_step
        self.stop_rows = stop_rows  # tells the device that the caller stopped these rows
        self.done = [False] * len(self.budgets)
        self.counts = [0] * len(self.budgets)

    def deliver(self, values: Sequence[int]) -> bool:
        """Hand one step's tokens (one per batch-bucket row) to the caller; True when every row is done."""
        import torch

        out = []
        for row, token in enumerate(values[: len(self.done)]):
            if self.done[row]:
                out.append(self.pad)
                continue
            out.append(token)
            self.counts[row] += 1
            if token in self.eos or self.counts[row] >= self.budgets[row]:
                self.done[row] = True
        answer = self.on_step(torch.tensor(out, dtype=torch.long))
        if answer is not None:
            stop = [bool(x) for x in (answer.tolist() if hasattr(answer, "tolist") else answer)]
            newly = [row for row in range(len(self.done)) if stop[row] and not self.done[row]]
            for row in newly:
                self.done[row] = True
            if newly:
                self.stop_rows(newly)
        return all(self.done)


class GroupedDecodeLoop:
    """Runs decode steps in groups of ``group``, double-buffered through pinned host memory on CUDA."""

    def __init__(self, first_tokens, *, batch_bucket: int, group: int, device, steps_left: int,
                 run_step: Callable[[], object]) -> None:
        import torch

        self.pinned = device.type == "cuda"
        self.group = max(1, int(group))
        self.steps_left = steps_left  # steps that can still produce a token for some row
        self.run_step = run_step
        self.host = [torch.empty(self.group, batch_bucket, dtype=torch.long, pin_memory=self.pinned)
                     for _ in range(2)]
        self.events = [torch.cuda.Event() if self.pinned else None for _ in range(2)]
        self.host[0][0].copy_(first_tokens, non_blocking=self.pinned)
        self._wait(0, record=True)

    def first(self) -> list[int]:
        """The first tokens (picked from the prompt's logits), already on the host."""
        return self.host[0][0].tolist()

    def _wait(self, buf: int, record: bool = False) -> None:
        if self.pinned:
            if record:
                self.events[buf].record()
            self.events[buf].synchronize()

    def _enqueue(self, buf: int) -> int:
        n = min(self.group, self.steps_left)
        for j in range(n):
            self.host[buf][j].copy_(self.run_step(), non_blocking=self.pinned)
        if self.pinned and n:
            self.events[buf].record()
        self.steps_left -= n
        return n

    def run(self, deliver: Callable[[Sequence[int]], bool]) -> None:
        """Decode until every row is done or the budget is spent; ``deliver`` gets each step's tokens."""
        import torch

        buf = 0
        n = self._enqueue(buf)
        while n:
            n_next = self._enqueue(1 - buf)
            self._wait(buf)
            if any(deliver(values) for values in self.host[buf][:n].tolist()):
                break
            buf, n = 1 - buf, n_next
        if self.pinned:
            torch.cuda.current_stream().synchronize()
