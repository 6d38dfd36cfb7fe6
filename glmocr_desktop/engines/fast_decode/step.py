"""One greedy decode step as a fixed-shape function of a :class:`DecodeState`'s tensors.

Why a module of its own: this is the function torch.compile traces (whole, ``fullgraph``) and a CUDA
graph captures per (batch bucket, attended length). Every tensor it changes is updated in place, so a
replayed graph feeds itself: the token it picks is the next step's input.
"""

from __future__ import annotations

from glmocr_desktop.engines.fast_decode.attention import decode_attention
from glmocr_desktop.engines.fast_decode.decoder import TextDecoder
from glmocr_desktop.engines.fast_decode.sampling import pick_next
from glmocr_desktop.engines.fast_decode.state import DecodeState


class DecodeStep:
    """A decode step, eager or compiled; ``long`` selects the chunked-softmax form for long caches."""

    def __init__(self, decoder: TextDecoder, *, len_step: int, split_argmax: bool, long: bool = False,
                 compile: bool = False) -> None:
        self.decoder = decoder
        self.len_step = len_step
        self.split_argmax = split_argmax
        self.long = long
        self._run = self.step
        if compile:
            import torch

            self._run = torch.compile(self.step, dynamic=True, fullgraph=True)

    def __call__(self, state: DecodeState, attended_len: int, pad: int, penalty: float):
        """Run one step on ``state`` attending ``attended_len`` cache slots; returns the picked tokens."""
        return self._run(*state.step_tensors(attended_len), pad, penalty)

    def step(self, tokens, positions, slot, keys, values, kv_valid, attended_marker, seen, finished,
             n_generated, max_new, min_new, eos_mask, pad: int, penalty: float):
        """The traced function; argument order as :meth:`DecodeState.step_tensors`."""
        import torch

        decoder = self.decoder
        attended = attended_marker.shape[0]
        kv_valid.index_fill_(1, slot, True)
        valid = kv_valid[:, :attended]
        key_bias = torch.zeros(valid.shape, dtype=torch.float32, device=valid.device).masked_fill(
            ~valid, float("-inf")
        )[:, None, None, :]
        x = torch.nn.functional.embedding(tokens[:, None], decoder.embed)  # (B, 1, hidden)
        cos, sin = decoder.text_rope(positions, decoder.embed.dtype)
        attend = decode_attention(decoder, keys, values, slot, key_bias, self.long, self.len_step)
        hidden = decoder.forward(x, cos, sin, attend)[:, 0]
        nxt = pick_next(decoder.logits(hidden), seen, finished, n_generated, min_new, eos_mask, pad, penalty,
                        self.split_argmax)
        # bookkeeping, in place, so that a replayed graph feeds itself
        seen.scatter_(1, nxt[:, None], True)
        n_generated.add_(1)
        is_eos = eos_mask.gather(1, nxt[:, None])[:, 0]
        finished.copy_(finished | is_eos | (n_generated >= max_new))
        tokens.copy_(nxt)
        positions.add_(1)
        slot.add_(1)
        return nxt
