"""The two ways a decoder layer attends: a whole prompt at once, or one new token against the cache.

Why a module of its own: this is the only place the KV cache is written and read, and the only code
that differs between prefill and decode; the layer around it (:meth:`TextDecoder.layer`) is shared.
Both return an :data:`~.decoder.Attention` callable for the layer to call.
"""

from __future__ import annotations

from typing import Any

from glmocr_desktop.engines.fast_decode.decoder import Attention, TextDecoder
from glmocr_desktop.engines.fast_decode.kv_cache import KVCache


def prefill_attention(decoder: TextDecoder, cache: KVCache, valid, unpadded: bool) -> Attention:
    """Causal attention over the prompt's own keys; fills cache slots ``[:T]`` of rows ``[:B]``.

    ``valid`` (B, T) bool marks real tokens; with ``unpadded`` every token is real and the plain causal
    kernel runs.
    """
    import torch

    sdpa = torch.nn.functional.scaled_dot_product_attention
    mask = None
    if not unpadded:
        length = valid.shape[1]
        causal = torch.ones(length, length, dtype=torch.bool, device=valid.device).tril()
        mask = causal[None] & valid[:, None, :]
        mask = mask | torch.eye(length, dtype=torch.bool, device=valid.device)[None]  # no all-masked pad rows
        mask = mask[:, None]
    group = decoder.n_heads // decoder.n_kv_heads

    def attend(index: int, q, k, v):
        batch, _, length, head_dim = q.shape
        cache.keys[index][:batch, :, :length] = k
        cache.values[index][:batch, :, :length] = v
        shape = (batch, decoder.n_kv_heads, group, length, head_dim)
        keys = k[:, :, None].expand(shape).reshape(batch, decoder.n_heads, length, head_dim)
        values = v[:, :, None].expand(shape).reshape(batch, decoder.n_heads, length, head_dim)
        if mask is None:
            out = sdpa(q, keys, values, is_causal=True, scale=decoder.scaling)
        else:
            out = sdpa(q, keys, values, attn_mask=mask, scale=decoder.scaling)
        return out.transpose(1, 2).reshape(batch, length, decoder.q_dim)

    return attend


def decode_attention(decoder: TextDecoder, keys: list, values: list, slot, key_bias, long: bool,
                     len_step: int, per_row: bool = False) -> Attention:
    """One new token per row against the cache (per-layer ``keys``/``values``): writes ``slot``, attends
    the first ``key_bias.shape[-1]`` slots. ``key_bias`` (B, 1, 1, L) float is 0 for valid slots and -inf
    elsewhere. With ``per_row`` the slot is one per row ((B,) long: continuous batching, where rows joined
    at different times); otherwise ``slot`` is one (1,) slot shared by every row.

    The ``long`` form reduces the softmax in ``len_step``-slot chunks: one block per row over thousands of
    slots idles most of the GPU (16 us per layer at 6k slots on an H100).
    """
    import torch

    attended = key_bias.shape[-1]
    group = decoder.n_heads // decoder.n_kv_heads

    def attend(index: int, q, k, v) -> Any:
        batch = q.shape[0]
        if per_row:
            where = slot.view(batch, 1, 1, 1).expand(batch, decoder.n_kv_heads, 1, decoder.head_dim)
            keys[index].scatter_(2, where, k)
            values[index].scatter_(2, where, v)
        else:
            keys[index].index_copy_(2, slot, k)
            values[index].index_copy_(2, slot, v)
        layer_keys = keys[index][:, :, :attended]
        layer_values = values[index][:, :, :attended]
        grouped = q.view(batch, decoder.n_kv_heads, group, decoder.head_dim)
        scores = torch.matmul(grouped, layer_keys.transpose(-1, -2)).to(torch.float32) * decoder.scaling
        scores = scores + key_bias
        if long:
            chunks = scores.view(batch, decoder.n_kv_heads, group, attended // len_step, len_step)
            top = chunks.amax(-1, keepdim=True).amax(-2, keepdim=True)
            exp = torch.exp(chunks - top)
            probs = (exp / exp.sum(-1, keepdim=True).sum(-2, keepdim=True)).view(scores.shape)
        else:
            probs = torch.softmax(scores, dim=-1)
        out = torch.matmul(probs.to(decoder.embed.dtype), layer_values)
        return out.reshape(batch, 1, decoder.q_dim)

    return attend
