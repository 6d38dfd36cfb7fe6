"""FastDecoder: the fast greedy path's public object, tying cache, state, steps and graphs together.

Why a module of its own: the engine needs a handful of calls (``available``, ``warmup``, ``ready``,
``generate``); everything else is a part with one job (see the package docstring). This module owns
the lifecycle: what is warm, what failed and why, and which lock guards the GPU.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glmocr_desktop.core import paths
from glmocr_desktop.engines.fast_decode.buckets import LONG_FROM, BucketPolicy
from glmocr_desktop.engines.fast_decode.compile_cache import configure_compile_cache
from glmocr_desktop.engines.fast_decode.decoder import TextDecoder
from glmocr_desktop.engines.fast_decode.delivery import GroupedDecodeLoop, HostRows
from glmocr_desktop.engines.fast_decode.errors import FastDecodeUnavailable
from glmocr_desktop.engines.fast_decode.graphs import GraphPool, GraphRunner
from glmocr_desktop.engines.fast_decode.kv_cache import KVCachePool
from glmocr_desktop.engines.fast_decode.mtp import DraftModel, load_mtp
from glmocr_desktop.engines.fast_decode.prefill import Prefill
from glmocr_desktop.engines.fast_decode.sampling import pick_next
from glmocr_desktop.engines.fast_decode.speculative import SpeculativeDecoder
from glmocr_desktop.engines.fast_decode.state import DecodeState
from glmocr_desktop.engines.fast_decode.step import DecodeStep
from glmocr_desktop.engines.fast_decode.vision import VisionEncoder

log = logging.getLogger(__name__)


class FastDecoder:
    """Static-cache greedy decoder over a loaded ``GlmOcrForConditionalGeneration``."""

    def __init__(
        self,
        model,
        *,
        device,
        dtype,
        max_batch: int = 8,
        max_cache_len: int = 16384,
        use_graphs: bool | None = None,
        compile: bool | None = None,
        cache_tokens: int | None = None,
        compile_cache_dir: str | Path | None = None,
        bucket_prefill: bool | None = None,
        split_argmax: bool = True,
        long_from: int | None = None,
        buckets: BucketPolicy | None = None,
        draft_tokens: int | None = None,
    ):
        import torch

        self.model = model
        self.device = torch.device(device)
        self.dtype = dtype
        self.max_batch = int(max_batch)
        self.buckets = buckets or BucketPolicy()
        is_cuda = self.device.type == "cuda"
        self.use_graphs = is_cuda if use_graphs is None else bool(use_graphs)
        self.compile = is_cuda if compile is None else bool(compile)
        # vision tower per image and prefill padded to shape buckets (captured in graphs on CUDA)
        bucketed = self.use_graphs if bucket_prefill is None else bool(bucket_prefill)
        # argmax over the vocabulary in two stages (chunks, then the chunk maxima): see sampling.py
        self.split_argmax = bool(split_argmax)
        # Attended lengths above this use the step's long form (compiled apart, traced first at the
        # longest bucket), whose softmax over the cache is reduced in chunks.
        self.long_from = (LONG_FROM if self.compile else 0) if long_from is None else int(long_from)
        #: decode steps enqueued per host wake-up (CUDA graphs): tokens reach the caller in groups
        self.group = 4 if self.use_graphs else 1
        self.stats: dict[str, Any] = {}
        self._ok, self._reason = True, ""
        if (self.use_graphs or self.compile) and not (is_cuda and torch.cuda.is_available()):
            self._ok = False
            self._reason = (
                "the fast decode path needs CUDA for graphs/compile "
                f"(device={self.device.type}, cuda available={torch.cuda.is_available()})"
            )
        self._ready = False
        self._gate: Callable[[], Any] = contextlib.nullcontext
        self._lock = threading.RLock()
        self._states: dict[tuple[int, int], DecodeState] = {}
        self._steps: dict[bool, DecodeStep] = {}  # long form or not
        self._prompt_graphs_failed = False
        prompt_pool = GraphPool()  # the vision tower's and the prefill's graphs share one memory pool
        self.decode_graphs = GraphRunner(GraphPool(), self._capture_gate)
        self.vision_graphs = GraphRunner(prompt_pool, self._capture_gate)
        self.prefill_graphs = GraphRunner(prompt_pool, self._capture_gate)
        if self.compile:
            configure_compile_cache(compile_cache_dir)
        try:
            self.decoder = TextDecoder.from_model(model, self.device)
        except Exception as exc:  # an unexpected model layout: say so, let stock generate run
            self._ok = False
            self._reason = f"unsupported model layout for the fast path: {exc!r}"
            return
        self.kv_pool = KVCachePool(
            layers=len(self.decoder.layers), kv_heads=self.decoder.n_kv_heads, head_dim=self.decoder.head_dim,
            dtype=dtype, device=self.device, buckets=self.buckets, max_batch=self.max_batch,
            max_cache_len=int(max_cache_len), cache_tokens=int(cache_tokens or (16384 if is_cuda else 4096)),
        )
        self._pool_generation = self.kv_pool.generation
        self.vision = VisionEncoder(model, self.device, self.buckets, self.vision_graphs, bucketed)
        self.prefill = Prefill(model, self.decoder, self.vision, self.buckets, self.prefill_graphs,
                               device=self.device, max_batch=self.max_batch, bucketed=bucketed)
        #: one region at a time decodes speculatively with the checkpoint's MTP layer (same output)
        self.speculative: SpeculativeDecoder | None = None
        self.mtp_reason = "off"
        k = (paths.draft_tokens() if is_cuda else 0) if draft_tokens is None else int(draft_tokens)
        if k > 0:
            weights, self.mtp_reason = load_mtp(model, self.decoder, self.device)
            if weights is not None:
                self.speculative = SpeculativeDecoder(self, DraftModel(self.decoder, weights), k)
            else:
                log.info("speculative decoding off: %s", self.mtp_reason)

    # --- status ---------------------------------------------------------------------------------

    def available(self) -> tuple[bool, str]:
        return self._ok, self._reason

    @property
    def ready(self) -> bool:
        return self._ok and self._ready

    def _capture_gate(self):
        """Held around each graph capture: the warm-up's gate while one runs (see :meth:`warmup`)."""
        return self._gate()

    # --- state and steps ------------------------------------------------------------------------

    def decode_state(self, batch_bucket: int, need_len: int, pad: int) -> DecodeState:
        """The (reused) state of a batch bucket whose cache holds ``need_len`` slots per row."""
        cache = self.kv_pool.cache_for(batch_bucket, need_len)
        if self.kv_pool.generation != self._pool_generation:  # the cache moved: graphs hold old addresses
            self._pool_generation = self.kv_pool.generation
            self._states.clear()
            self.decode_graphs.clear()
            self.decode_graphs.pool.reset()
            self.prefill_graphs.clear()
        key = (batch_bucket, cache.capacity)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = DecodeState.allocate(batch_bucket, cache, self.decoder.vocab, pad,
                                                             self.buckets.len_step, self.device)
        return state

    def _step_function(self, attended_len: int) -> DecodeStep:
        long = bool(self.long_from) and attended_len > self.long_from
        step = self._steps.get(long)
        if step is None:
            step = self._steps[long] = DecodeStep(
                self.decoder, len_step=self.buckets.len_step, split_argmax=self.split_argmax, long=long,
                compile=self.compile)
        return step

    @staticmethod
    def decode_graph_key(state: DecodeState, attended_len: int, pad: int, penalty: float) -> tuple:
        return (state.batch, state.cache.capacity, attended_len, pad, penalty)

    def _run_step(self, state: DecodeState, attended_len: int, pad: int, penalty: float):
        """Replay (or run) one decode step attending ``attended_len`` cache slots; returns the new tokens."""
        step = self._step_function(attended_len)
        if not self.use_graphs:
            return step(state, attended_len, pad, penalty)
        key = self.decode_graph_key(state, attended_len, pad, penalty)
        if not self.decode_graphs.can_run(key):
            saved = state.snapshot()  # the capture's runs must not disturb the state they run on
            t0 = time.perf_counter()
            self.decode_graphs.capture(key, lambda: step(state, attended_len, pad, penalty),
                                       restore=lambda: state.restore(saved))
            self.stats.setdefault("captures", []).append(round(time.perf_counter() - t0, 3))
        return self.decode_graphs.replay(key)

    # --- warm-up --------------------------------------------------------------------------------

    def warmup(self, progress=None, batch_sizes=None, max_len: int | None = None, *,
               pad_token_id: int = 59246, repetition_penalty: float = 1.1, gate=None,
               prefill: bool = True) -> None:
        """Compile and capture the common buckets (call from a background thread after loading).

        ``gate`` is a context-manager factory held around each graph capture only, so a caller can keep
        generating on the same GPU while the (long) compilation runs; it may raise to abort the warm-up.
        ``prefill`` also captures the vision tower and prompt buckets (:meth:`warm_prefill`) afterwards.
        """
        if not self._ok:
            return
        if gate is not None:
            self._gate = gate
            try:
                return self.warmup(progress, batch_sizes, max_len, pad_token_id=pad_token_id,
                                   repetition_penalty=repetition_penalty, prefill=prefill)
            finally:
                self._gate = contextlib.nullcontext
        import torch

        with self._lock:
            t0 = time.perf_counter()
            try:
                sizes = self.buckets.batch_sizes(self.max_batch, batch_sizes)
                with torch.inference_mode():
                    for i, bb in enumerate(sizes):
                        if progress:
                            progress(i / max(len(sizes), 1), f"preparing fast decode (batch {bb})")
                        self._warm_decode(bb, max_len, pad_token_id, float(repetition_penalty))
                if self.device.type == "cuda":
                    torch.cuda.synchronize()
                self._ready = True
                if prefill:
                    self.warm_prefill(sizes, pad_token_id=pad_token_id)
                self.check_speculative(pad_token_id, float(repetition_penalty))
                self.stats["warmup_s"] = round(time.perf_counter() - t0, 3)
                if progress:
                    progress(1.0, "fast decode ready")
            except Exception as exc:
                if self.compile:  # compiled step failed: keep CUDA graphs over eager kernels
                    log.warning("compiled decode step failed (%r); using graphs without compile", exc)
                    self.stats["compile_error"] = repr(exc)[:2000]
                    self.compile = False
                    self._steps.clear()
                    self._states.clear()
                    self.decode_graphs.clear()
                    self.prefill_graphs.clear()
                    return self.warmup(progress, batch_sizes, max_len, pad_token_id=pad_token_id,
                                       repetition_penalty=repetition_penalty, prefill=prefill)
                self._ok = False
                self._reason = f"fast decode warm-up failed: {exc!r}"
                log.warning("fast decode unavailable: %s", self._reason)

    def _warm_decode(self, bb: int, max_len: int | None, pad: int, penalty: float) -> None:
        """Capture (compiling first) the decode step of batch bucket ``bb`` at every attended length."""
        step = self.buckets.len_step
        top = max_len or min(self.kv_pool.max_cache_len, max(step, self.kv_pool.cache_tokens // bb))
        state = self.decode_state(bb, step, pad)
        state.finished.fill_(True)
        # the first attended-length bucket triggers the compile; others only capture
        lengths = list(range(step, min(top, state.cache.capacity) + 1, step))
        if self.compile and self.long_from:  # the long compilation starts at the top
            lengths = [n for n in lengths if n <= self.long_from] + sorted(
                (n for n in lengths if n > self.long_from), reverse=True)
        for length in lengths:
            state.slot.fill_(length - 1)
            self._run_step(state, length, pad, penalty)

    def check_speculative(self, pad: int, penalty: float, eos_ids: tuple[int, ...] = (59246, 59253)) -> None:
        """Speculative decoding runs once on this device before any region uses it; a failure turns it
        off (the reason is kept in ``mtp_reason``), and regions decode without drafts."""
        if self.speculative is None:
            return
        import torch

        with self._lock, torch.inference_mode():
            why = self.speculative.self_check(pad=pad, eos_ids=list(eos_ids), penalty=penalty)
        if why:
            log.warning("%s; decoding without drafts", why)
            self.speculative, self.mtp_reason = None, why

    def warm_prefill(self, batch_sizes=None, progress=None, *, pad_token_id: int = 59246) -> None:
        """Capture the vision tower per patch bucket and the prefill per prompt bucket (CUDA only; the
        decode graphs come first in :meth:`warmup`). A failure keeps the eager prefill, with the reason."""
        if not (self._ok and self.prefill.bucketed and self.use_graphs) or self._prompt_graphs_failed:
            return
        import torch

        sizes = self.buckets.batch_sizes(self.max_batch, batch_sizes)
        with self._lock, torch.inference_mode():
            try:
                t0 = time.perf_counter()
                self.vision.capture_all(None if progress is None else (lambda f, m: progress(0.5 * f, m)))
                for j, bb in enumerate(sizes):
                    self.prefill.capture_all(self.decode_state(bb, self.buckets.len_step, pad_token_id))
                    if progress:
                        progress(0.5 + 0.5 * (j + 1) / len(sizes), "preparing fast prefill")
                self.stats["prefill_warmup_s"] = round(time.perf_counter() - t0, 3)
            except Exception as exc:  # keep decoding fast; the prompt runs eagerly (same math)
                log.warning("prefill graphs unavailable (%r); the prompt runs eagerly", exc)
                self.stats["prefill_graph_error"] = repr(exc)[:2000]
                self.vision_graphs.clear()
                self.prefill_graphs.clear()
                self._prompt_graphs_failed = True

    def encode_images(self, pixel_values, grid_thw):
        """Image embeddings for the placeholder tokens (public for benchmarks)."""
        import torch

        with torch.inference_mode():
            return self.vision.encode(pixel_values, grid_thw)

    # --- generate -------------------------------------------------------------------------------

    def generate(
        self,
        inputs: dict,
        *,
        max_new_tokens: int | list[int],
        eos_token_ids: list[int],
        pad_token_id: int,
        repetition_penalty: float = 1.1,
        on_step: Callable,
        min_new_tokens: int | list[int] = 0,
    ) -> None:
        """Greedy decode with the official rule; ``on_step(tokens (B,) on the host)`` once per step.

        ``on_step`` may return one bool per row: True stops that row. ``min_new_tokens`` bans EOS for that
        many steps (as transformers' MinNewTokensLengthLogitsProcessor), for benchmarks that force a length.
        """
        if not self._ok:
            raise FastDecodeUnavailable(self._reason)
        import torch

        with self._lock, torch.inference_mode():
            self._generate(inputs, max_new_tokens, eos_token_ids, pad_token_id, float(repetition_penalty),
                           on_step, min_new_tokens)

    def _generate(self, inputs, max_new_tokens, eos_ids, pad, penalty, on_step, min_new_tokens) -> None:
        import torch

        ids = inputs["input_ids"]
        rows, length = ids.shape
        budgets = _per_row(max_new_tokens, rows)
        min_new = _per_row(min_new_tokens, rows)
        if rows == 1 and self.speculative is not None and length >= self.speculative.k + 2:
            self.speculative.generate(inputs, max_new_tokens=budgets[0], eos_ids=eos_ids, pad=pad,
                                      penalty=penalty, on_step=on_step, min_new_tokens=min_new[0])
            return
        if len(budgets) != rows or len(min_new) != rows:
            raise ValueError("max_new_tokens/min_new_tokens lists must have one entry per row")
        bb = self.buckets.batch_bucket(rows, self.max_batch)
        if bb is None:
            raise FastDecodeUnavailable(f"batch of {rows} is larger than max_batch={self.max_batch}")
        need = length + max(budgets) + 2
        state = self.decode_state(bb, need, pad)
        if need > state.cache.capacity:
            raise FastDecodeUnavailable(
                f"prompt {length} + {max(budgets)} new tokens exceed the cache ({state.cache.capacity})")
        mask = inputs.get("attention_mask")
        state.start(ids, torch.ones_like(ids) if mask is None else mask, eos_ids, budgets, min_new, pad)
        t0 = time.perf_counter()
        logits, last_positions = self.prefill(state, inputs)
        first = pick_next(logits, state.seen, state.finished, state.n_generated, state.min_new,
                          state.eos_mask if eos_ids else None, pad, penalty, self.split_argmax)
        state.accept_first(first, last_positions, length, rows, check_eos=bool(eos_ids))

        def stop_rows(newly: list[int]) -> None:
            state.finished[torch.as_tensor(newly, device=self.device)] = True

        host = HostRows(budgets, eos_ids, pad, on_step, stop_rows)
        slot = length

        def next_step():
            nonlocal slot
            attended = self.buckets.attended_length(slot)
            if attended > state.cache.capacity:
                raise FastDecodeUnavailable("cache exhausted")  # cannot happen: need was checked
            slot += 1
            return self._run_step(state, attended, pad, penalty)

        loop = GroupedDecodeLoop(state.tokens, batch_bucket=bb, group=self.group, device=self.device,
                                 steps_left=max(budgets) - 1, run_step=next_step)
        self.stats["ttft_s"] = time.perf_counter() - t0
        if host.deliver(loop.first()):
            return
        loop.run(host.deliver)


def _per_row(value: int | list[int], rows: int) -> list[int]:
    return [int(value)] * rows if isinstance(value, int) else [int(v) for v in value]
