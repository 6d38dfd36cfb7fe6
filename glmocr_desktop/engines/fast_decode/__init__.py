"""A fast greedy decode path for GLM-OCR: static KV cache, explicit M-RoPE positions, CUDA graphs.

Stock ``model.generate`` spends most of a decode step in Python and kernel launches: the decoder reads
~1.16 GB of weights per token, which an H100 does in ~0.4 ms, but eager transformers takes ~16 ms.
This package re-expresses the GLM-OCR text decoder over the model's own weights (no copies except one
fused q/k/v matrix, which the model's q/k/v projections then view) so that one decode step is a
fixed-shape function: it can be compiled (torch.compile) and captured in a CUDA graph per
(batch bucket, attended-length bucket), and replayed with one tiny device->host copy per token.

Its parts, one job each: :mod:`.buckets` (which shapes get graphs), :mod:`.decoder` (weights and the one
decoder-layer function), :mod:`.attention` (prompt vs. one-token attention, the only KV-cache access),
:mod:`.kv_cache`, :mod:`.state` (a batch's decode state as named tensors), :mod:`.sampling` (the
official greedy rule), :mod:`.step` (the compiled decode step), :mod:`.vision` and :mod:`.prefill` (the
prompt pass, bucketed), :mod:`.graphs` (capture / can_run / replay), :mod:`.delivery` (tokens to the
caller in groups) and :mod:`.fast_decoder` (the object the engine holds).

The decoding rule is the official one: greedy with transformers' repetition penalty over every id seen in
the real prompt (attention-mask positions; left padding never counts) and in the output, EOS ends a row,
finished rows emit ``pad``. In float32 a row's tokens are identical to stock ``generate`` on that row alone,
whatever batch it runs in (tests/test_fast_decode.py).

On a CPU the same code runs eagerly (no graphs, no compile) so its fidelity can be tested in CI.

Usage (engine side)::

    fd = FastDecoder(model, device="cuda", dtype=torch.bfloat16)
    ok, why = fd.available()
    threading.Thread(target=fd.warmup, daemon=True).start()   # compile + capture in the background
    ...
    if fd.ready:
        fd.generate(batch, max_new_tokens=..., eos_token_ids=[59246, 59253], pad_token_id=59246,
                    on_step=lambda toks: ...)
"""

from glmocr_desktop.engines.fast_decode.buckets import (
    BATCH_BUCKETS,
    LEN_STEP,
    LONG_FROM,
    PREFILL_BUCKETS,
    VISION_BUCKETS,
    BucketPolicy,
    fitting_bucket,
)
from glmocr_desktop.engines.fast_decode.compile_cache import configure_compile_cache, default_cache_dir
from glmocr_desktop.engines.fast_decode.errors import FastDecodeUnavailable
from glmocr_desktop.engines.fast_decode.fast_decoder import FastDecoder

__all__ = [
    "BATCH_BUCKETS",
    "LEN_STEP",
    "LONG_FROM",
    "PREFILL_BUCKETS",
    "VISION_BUCKETS",
    "BucketPolicy",
    "FastDecodeUnavailable",
    "FastDecoder",
    "configure_compile_cache",
    "default_cache_dir",
    "fitting_bucket",
]
