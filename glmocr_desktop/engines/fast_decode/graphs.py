"""CUDA graphs of the fast path: capture a fixed-shape function once, replay it with one launch.

Why a module of its own: a decode step is ~200 small kernels whose launches cost more than their work;
replaying them as one graph removes that cost. A graph reads and writes fixed addresses, so the functions
captured here take all their inputs from static buffers that the caller fills before each replay. The
whole interface is :class:`GraphRunner`'s ``capture`` / ``can_run`` / ``replay``, one runner per kind of
function (decode step, prefill, vision tower), keyed by shape bucket.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any


@dataclass
class CapturedGraph:
    """A captured graph and the output tensors it writes on every replay."""

    graph: Any
    output: Any

    def replay(self) -> Any:
        self.graph.replay()
        return self.output


class GraphPool:
    """One CUDA graph memory pool, created at the first capture; graphs of one runner share it."""

    def __init__(self) -> None:
        self.handle = None

    def get(self):
        if self.handle is None:
            import torch

            self.handle = torch.cuda.graph_pool_handle()
        return self.handle

    def reset(self) -> None:
        self.handle = None


def record_cuda_graph(fn: Callable[[], Any], pool: GraphPool, gate: Callable[[], Any],
                      restore: Callable[[], None] | None = None) -> CapturedGraph:
    """Capture ``fn()`` in a CUDA graph, after two warm-up runs on a side stream (for compiling and
    library handles). ``restore`` puts back any state a run changed, after each warm-up run and after
    the capture; ``gate()`` is held around the capture itself."""
    import torch

    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(2):
            fn()
            if restore is not None:
                restore()
    torch.cuda.current_stream().wait_stream(side)
    # The capture itself needs the GPU to itself: while warming up beside a running engine, the gate
    # (the engine's lock) keeps generation out for these few milliseconds only.
    with gate():
        torch.cuda.synchronize()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=pool.get()):
            output = fn()
        torch.cuda.synchronize()
    if restore is not None:
        restore()
    return CapturedGraph(graph, output)


class GraphRunner:
    """Captured graphs of one kind of function, one per shape key."""

    def __init__(self, pool: GraphPool | None = None,
                 gate: Callable[[], Any] = contextlib.nullcontext) -> None:
        self.pool = pool or GraphPool()
        self._gate = gate
        self._graphs: dict[Hashable, CapturedGraph] = {}

    def capture(self, key: Hashable, fn: Callable[[], Any],
                restore: Callable[[], None] | None = None) -> None:
        """Capture ``fn`` for ``key`` (its inputs must be static buffers the caller fills later)."""
        self._graphs[key] = record_cuda_graph(fn, self.pool, self._gate, restore)

    def can_run(self, key: Hashable) -> bool:
        return key in self._graphs

    def replay(self, key: Hashable) -> Any:
        """Replay the graph of ``key``; returns its output tensors (overwritten by the next replay)."""
        return self._graphs[key].replay()

    def clear(self) -> None:
        self._graphs.clear()

    def __len__(self) -> int:
        return len(self._graphs)
