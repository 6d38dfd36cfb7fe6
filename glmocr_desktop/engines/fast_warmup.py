"""The fast path's warm-up as the engine runs it: CUDA graphs first, then the compiled step.

Why a module of its own: it is a small state machine (off, warming, graphs, compiling, ready,
unavailable) that shares the engine with jobs: it yields the engine to a waiting job between its steps
and reports every state change through ``LocalEngine.on_fast_path``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from glmocr_desktop.engines.base import FastPathState, ProgressCallback

log = logging.getLogger(__name__)


def warm_up_fast_path(engine: Any, progress: ProgressCallback | None = None, *, compile: bool = True) -> bool:
    """Prepare ``engine``'s (a :class:`~glmocr_desktop.engines.local.LocalEngine`) fast decoder; call on a
    background thread after ``load()``. See ``LocalEngine.warm_up_fast_path``."""

    if not engine.use_fast or engine.model is None:
        return False
    if not engine.device.startswith("cuda"):
        # Measured on 2 cores: ~10% faster at best and bounded by a static cache; stock is kept.
        engine._set_fast_path(FastPathState.OFF, "stock generate on this device")
        return False
    try:
        from glmocr_desktop.engines.fast_decode import BATCH_BUCKETS, FastDecoder
    except ImportError as exc:
        engine._set_fast_path(FastPathState.UNAVAILABLE, str(exc))
        return False
    order = sorted(BATCH_BUCKETS, key=lambda b: (b != 1, -b))  # single regions first, then pages

    def gate():
        if engine._closed.is_set():
            raise RuntimeError("the engine is closing")
        engine._let_jobs_first()
        return engine._lock

    def warm(decoder, bb: int, lo: float, hi: float, gate=gate, prefill=True) -> bool:
        step = None if progress is None else (lambda f, m: progress(lo + (hi - lo) * f, m))
        decoder.warmup(step, batch_sizes=[bb], pad_token_id=engine.pad_id,
                       repetition_penalty=engine.repetition_penalty, gate=gate, prefill=prefill)
        return decoder.available()[0] and not engine._closed.is_set()

    try:
        eager = FastDecoder(engine.model, device=engine.device, dtype=engine.dtype, compile=False)
        ok, reason = eager.available()
        if not ok:
            engine._set_fast_path(FastPathState.UNAVAILABLE, str(reason))
            log.info("Fast decode path unavailable: %s", reason)
            return False
        engine._set_fast_path(FastPathState.WARMING)
        # Stage 1 holds the engine for each batch size (about a second each), letting a waiting job go
        # between them: measured on an H100, a stock job running beside the captures blocked every
        # capture for the whole job, so both waited far longer.
        for n, bb in enumerate(order):
            engine._let_jobs_first()
            with engine._lock:
                if not warm(eager, bb, 0.1 * n / len(order), 0.1 * (n + 1) / len(order), gate=None,
                            prefill=False):
                    engine._set_fast_path(FastPathState.UNAVAILABLE, eager.available()[1] or "closing")
                    engine.fast, engine._fast_buckets = None, set()
                    return False
                engine.fast = eager
                engine._fast_buckets.add(bb)
        # then the image tower and single-region prompts in graphs (~2-3 s; until then the prompt runs
        # eagerly on the same buckets); batches' prompts are captured in stage 2
        engine._let_jobs_first()
        with engine._lock:
            eager.warm_prefill([1], pad_token_id=engine.pad_id)
        if engine.continuous and engine.max_batch > 1:
            # the prompts of regions joining a continuous batch run in groups of up to eight
            from glmocr_desktop.engines.fast_decode.continuous import join_group_size

            group = join_group_size(engine.max_batch, eager.buckets.largest_batch(eager.max_batch))
            bucket = eager.buckets.batch_bucket(group, eager.max_batch)
            if bucket and bucket > 1:
                engine._let_jobs_first()
                with engine._lock:
                    eager.warm_prefill([bucket], pad_token_id=engine.pad_id)
        if not compile:
            engine._set_fast_path(FastPathState.GRAPHS)
            return True
        engine._set_fast_path(FastPathState.COMPILING)
        log.info("Fast decode ready with CUDA graphs; compiling in the background")
    except Exception as exc:  # any failure leaves the stock path in charge
        log.warning("Fast decode path failed to warm up; using stock generate", exc_info=True)
        engine._set_fast_path(FastPathState.UNAVAILABLE, str(exc))
        with engine._lock:
            engine.fast, engine._fast_buckets = None, set()
        return False

    # Compiling is Python-heavy and shares the interpreter with the decode loop: with the default
    # 5 ms switch interval a job on the graphs ran at ~50 tok/s while compiling (H100); a short
    # interval hands the interpreter over quickly.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, 0.0005))
    try:
        compiled = FastDecoder(engine.model, device=engine.device, dtype=engine.dtype, compile=True)
        if not compiled.available()[0]:
            engine._set_fast_path(FastPathState.GRAPHS)
            return True
        for n, bb in enumerate(order):
            if not warm(compiled, bb, 0.1 + 0.9 * n / len(order), 0.1 + 0.9 * (n + 1) / len(order)):
                engine._set_fast_path(FastPathState.GRAPHS)
                return True
        with engine._lock:
            engine.fast = compiled
            engine._fast_buckets = set(order)
        del eager
        engine._free_memory()
        engine._set_fast_path(FastPathState.READY)
        log.info("Fast decode ready with compiled kernels")
    except Exception:
        log.warning("Compiling the fast decode step failed; keeping CUDA graphs", exc_info=True)
        engine._set_fast_path(FastPathState.GRAPHS)
    finally:
        sys.setswitchinterval(switch)
    return True
