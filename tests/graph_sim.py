"""CUDA-graph semantics on the CPU, so the fast path's capture/replay code runs in CI without a GPU.

``simulate_cuda_graphs(monkeypatch)`` replaces the few ``torch.cuda`` calls a capture makes (streams,
synchronise, the graph pool, ``CUDAGraph`` and the ``graph`` context); a function wrapped with
``GraphSim.recording`` records itself when it runs inside a capture, and a replay runs it again on the
same static buffers, writing the result into the captured output tensors, as a real graph does.
"""

from __future__ import annotations

import contextlib


class GraphSim:
    """A simulated ``torch.cuda.CUDAGraph``."""

    capturing = None

    def __init__(self):
        self.fn = self.out = None

    def replay(self):
        res = self.fn()
        for dst, src in zip(*(r if isinstance(r, tuple) else (r,) for r in (self.out, res))):
            dst.copy_(src)

    @classmethod
    def recording(cls, fn):
        def wrapped(*a, **k):
            res = fn(*a, **k)
            g = cls.capturing
            if g is not None:
                g.fn, g.out = (lambda: fn(*a, **k)), res
            return res

        return wrapped


class _Stream:
    def wait_stream(self, other):
        pass

    def synchronize(self):
        pass


@contextlib.contextmanager
def _capture(g, pool=None):
    GraphSim.capturing = g
    try:
        yield
    finally:
        GraphSim.capturing = None


def simulate_cuda_graphs(monkeypatch) -> None:
    import torch

    patches = {"Stream": _Stream, "stream": lambda s: contextlib.nullcontext(), "current_stream": _Stream,
               "synchronize": lambda: None, "graph_pool_handle": object, "CUDAGraph": GraphSim,
               "graph": _capture}
    for name, value in patches.items():
        monkeypatch.setattr(torch.cuda, name, value)
