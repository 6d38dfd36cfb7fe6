"""Slowing hooks for a real loaded model: a close or a stop must work while the model is busy.

Nothing is replaced: the real tiny checkpoint runs through the real engine; the hooks only add time
where a big model on a slow machine spends it (each layer of the prompt pass, the weights' loading).
"""

from __future__ import annotations

import threading
import time


def slow_prefill(engine, per_layer_s: float = 0.6) -> threading.Event:
    """Every layer of the prompt pass (the vision blocks and the decoder layers over more than one
    token) sleeps ``per_layer_s``; the returned event is set when the prompt pass starts."""
    import torch

    started = threading.Event()

    def sleep(module, args):
        hidden = args[0] if args else None
        prompt = getattr(module, "_glmocr_vision", False) or (
            hasattr(hidden, "shape") and hidden.dim() == 3 and hidden.shape[1] > 1)
        if prompt:
            started.set()
            time.sleep(per_layer_s)

    for name, module in engine.model.named_modules():
        if isinstance(module, torch.nn.ModuleList):
            for layer in module:
                layer._glmocr_vision = "visual" in name
                layer.register_forward_pre_hook(sleep)
    return started


def slow_weights(monkeypatch, seconds: float = 30.0) -> threading.Event:
    """Loading the weights takes ``seconds`` longer (in short steps, as a real loader's loop does);
    the returned event is set when it starts."""
    from transformers import GlmOcrForConditionalGeneration

    real = GlmOcrForConditionalGeneration.from_pretrained.__func__
    started = threading.Event()

    def from_pretrained(cls, *args, **kwargs):
        started.set()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.02)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(GlmOcrForConditionalGeneration, "from_pretrained", classmethod(from_pretrained))
    return started
