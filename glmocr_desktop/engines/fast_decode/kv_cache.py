"""The static key/value cache: per-layer buffers allocated once, viewed per batch bucket.

Why a module of its own: captured graphs hold the cache's addresses, so the cache must never move while
they live. One flat buffer per layer is sized for the largest need of every batch bucket at once, and
each bucket's cache is a view into it; growing it (a longer job than any before) is the one event that
invalidates the graphs, and :attr:`KVCachePool.generation` says when that happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glmocr_desktop.engines.fast_decode.buckets import BucketPolicy, round_up
from glmocr_desktop.engines.fast_decode.errors import FastDecodeUnavailable


@dataclass
class KVCache:
    """One batch bucket's cache: per layer, keys and values of shape (batch, kv_heads, slots, head_dim)."""

    keys: list[Any]
    values: list[Any]
    #: slots a run may fill; ``len_step`` more are allocated so every attended length stays inside
    capacity: int


class KVCachePool:
    """Per-layer flat key and value buffers shared by every batch bucket's :class:`KVCache`."""

    def __init__(self, *, layers: int, kv_heads: int, head_dim: int, dtype, device, buckets: BucketPolicy,
                 max_batch: int, max_cache_len: int, cache_tokens: int) -> None:
        self.layers, self.kv_heads, self.head_dim = layers, kv_heads, head_dim
        self.dtype, self.device = dtype, device
        self.buckets = buckets
        self.max_batch = max_batch
        self.max_cache_len = max_cache_len
        #: a full cache holds this many token slots in all (batch x length); grows on demand
        self.cache_tokens = cache_tokens
        #: bumped whenever the buffers are reallocated (graphs captured before hold stale addresses)
        self.generation = 0
        self._flat_keys: list[Any] | None = None
        self._flat_values: list[Any] | None = None

    def capacity(self, batch_bucket: int) -> int:
        return self.buckets.cache_length(batch_bucket, self.cache_tokens, self.max_cache_len)

    def cache_for(self, batch_bucket: int, need_len: int) -> KVCache:
        """The cache views of ``batch_bucket`` rows holding at least ``need_len`` slots each.

        The capacity depends on the batch bucket only (until the pool grows), so graphs captured for a
        bucket stay valid.
        """
        import torch

        step = self.buckets.len_step
        capacity = self.capacity(batch_bucket)
        if need_len > capacity:
            if need_len > self.max_cache_len:
                raise FastDecodeUnavailable(
                    f"{need_len} cache slots exceed max_cache_len={self.max_cache_len}")
            capacity = round_up(need_len, step)
            self.cache_tokens = max(self.cache_tokens, capacity * batch_bucket)
        slots = capacity + step
        per_layer = batch_bucket * self.kv_heads * slots * self.head_dim
        if self._flat_keys is None or self._flat_keys[0].numel() < per_layer:
            # one size that fits every batch bucket, so that warm-up never reallocates
            buckets = [b for b in self.buckets.batch if b <= max(self.max_batch, 1)]
            widest = max(b * (self.capacity(b) + step) for b in buckets)
            size = max(per_layer, widest * self.kv_heads * self.head_dim)
            self._flat_keys = self._flat_values = None

            def buffers():
                return [torch.zeros(size, dtype=self.dtype, device=self.device) for _ in range(self.layers)]

            self._flat_keys, self._flat_values = buffers(), buffers()
            self.generation += 1
        shape = (batch_bucket, self.kv_heads, slots, self.head_dim)
        return KVCache(
            keys=[flat[:per_layer].view(shape) for flat in self._flat_keys],
            values=[flat[:per_layer].view(shape) for flat in self._flat_values],
            capacity=capacity,
        )
