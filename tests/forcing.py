"""Forcing the random-weight test model into a long run of distinct tokens.

Random weights fall into a repetition loop at once, which the repetition guard then cuts; tests of
streaming, cancelling and crash recovery need a run that lasts until it is stopped.
"""

from __future__ import annotations


def force_distinct_tokens(engine) -> dict:
    """Patch the loaded engine's lm_head so step n emits token 300 + n; returns the step counter."""
    import torch

    head = engine.model.lm_head
    forward = head.forward
    state = {"n": 0}

    def forced(hidden):
        logits = forward(hidden)
        out = torch.full_like(logits, -1e4)
        out[..., 300 + (state["n"] % 50000)] = 1e4
        state["n"] += 1
        return out

    head.forward = forced
    engine.repetition_penalty = 1.0
    return state
