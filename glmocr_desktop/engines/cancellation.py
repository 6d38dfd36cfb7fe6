"""Cancellation points inside a forward pass, so a stop reaches the prompt pass (prefill) too.

Why: ``StoppingCriteria`` run once per generated token, after the forward that made it; the first
forward of a generation runs the vision tower and the whole prompt, which on a CPU can take tens of
seconds for a large page. A forward pre-hook on every layer of the model (each entry of every
``nn.ModuleList``: the decoder layers and the vision blocks) checks the stop event and raises
:class:`GenerationCancelled`, so a stop takes effect within one layer. The hooks cost one
``Event.is_set()`` per layer and exist only while a generation runs.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any


class GenerationCancelled(Exception):
    """Raised inside the model's forward when the stop event is set; the caller ends the run quietly."""


@contextlib.contextmanager
def cancellation_points(model: Any, stop: threading.Event) -> Iterator[None]:
    """While active, any layer of ``model`` raises :class:`GenerationCancelled` once ``stop`` is set."""
    import torch

    def check(_module: Any, _args: Any) -> None:
        if stop.is_set():
            raise GenerationCancelled

    handles: list[Any] = []
    try:
        for module in model.modules():
            if isinstance(module, torch.nn.ModuleList):
                handles.extend(layer.register_forward_pre_hook(check) for layer in module)
        yield
    finally:
        for handle in handles:
            handle.remove()
