"""Which shapes the fast path compiles and captures: batch sizes, prompt lengths, image sizes, cache lengths.

Why a module of its own: a captured CUDA graph (and a compiled kernel) is for one fixed shape, so the rule
that maps a request to a shape decides how much padding a run carries, how long warm-up takes and how much
memory the graphs hold. It is plain arithmetic, kept apart from the tensors so it can be read (and tested)
on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Batch buckets (graphs are captured for these batch sizes; a batch is padded up to the next one).
BATCH_BUCKETS = (1, 2, 4, 8)
#: Granularity of the attended-length bucket: a decode step reads the KV cache up to the next multiple.
LEN_STEP = 512
#: Compiled, attended lengths above this use the step's long form (chunked softmax, compiled apart).
LONG_FROM = 1024
#: Prompt lengths (tokens) for which the prefill is captured in a CUDA graph; a prompt is padded on the
#: right up to the next bucket (causal attention: the padding never reaches the real tokens). Longer
#: prompts (whole pages) are compute-bound and run eagerly.
PREFILL_BUCKETS = (64, 128, 192, 256, 320, 384, 448, 512, 640, 768, 896, 1024)
#: Vision patch counts (4 patches make one image token) for which the tower is captured per image; an
#: image is padded with masked-out patches up to the next bucket. Bigger images run eagerly.
VISION_BUCKETS = (256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096)


def round_up(n: int, multiple: int) -> int:
    return ((n + multiple - 1) // multiple) * multiple


def fitting_bucket(n: int, buckets: tuple[int, ...]) -> int | None:
    """The smallest bucket that holds ``n``, or None when ``n`` is larger than every bucket."""
    for size in buckets:
        if n <= size:
            return size
    return None


@dataclass(frozen=True)
class BucketPolicy:
    """The shape buckets one :class:`FastDecoder` uses (the module constants unless told otherwise)."""

    batch: tuple[int, ...] = BATCH_BUCKETS
    prompt: tuple[int, ...] = PREFILL_BUCKETS
    vision: tuple[int, ...] = VISION_BUCKETS
    len_step: int = LEN_STEP

    def batch_sizes(self, max_batch: int, wanted: tuple[int, ...] | list[int] | None = None) -> list[int]:
        """The batch buckets to warm up (``wanted``, default all) that fit ``max_batch``."""
        return [b for b in (wanted or self.batch) if b <= max_batch]

    def largest_batch(self, max_batch: int) -> int:
        return max(b for b in self.batch if b <= max(max_batch, 1))

    def batch_bucket(self, batch: int, max_batch: int) -> int | None:
        """The batch size a batch of ``batch`` rows runs at (padded rows are finished from the start)."""
        for size in self.batch:
            if batch <= size <= max(max_batch, 1):
                return size
        return batch if batch <= max_batch else None

    def prompt_bucket(self, length: int) -> int | None:
        return fitting_bucket(length, self.prompt)

    def vision_bucket(self, patches: int) -> int | None:
        return fitting_bucket(patches, self.vision)

    def attended_length(self, slot: int) -> int:
        """Cache slots a decode step writing ``slot`` reads: the next multiple of ``len_step``."""
        return round_up(slot + 1, self.len_step)

    def cache_length(self, batch_bucket: int, cache_tokens: int, max_cache_len: int) -> int:
        """Slots per row of a batch bucket when ``cache_tokens`` slots are shared by its rows."""
        return min(max_cache_len, round_up(max(cache_tokens // batch_bucket, self.len_step), self.len_step))
