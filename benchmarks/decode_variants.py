"""Formulations of the compiled decode step, side by side on one GPU (batch 1, bf16, real size).

    python benchmarks/decode_variants.py --out auto   # -> results/decode-variants-nvidia-h100-<date>.json

For each variant a FastDecoder is compiled and captured for batch 1 up to an A4 page's cache length,
then measured on a 448x448 region (256 forced tokens) and an A4 page (1,024 forced tokens), with the
GPU time of one replayed step and its kernels, at 512 and 6,144 attended slots. ``base`` is the step
with a one-stage vocabulary argmax and one compiled form; ``argmax`` splits the argmax in two stages;
``argmax+long`` (the default) adds the long form (chunked softmax) above 1,024 slots.

Forms that lost on an H100 and were taken out (numbers in docs/performance-notes.md): batch-1
matrix-vector products and the cache attention as multiply + sum reductions, flex_attention over the
cache, p @ V in chunks, one rope kernel for q and k, inductor's max-autotune and coordinate-descent
tuning.
"""

from __future__ import annotations

import argparse
import json
import time

from common import (
    A4,
    REGION,
    Clock,
    build,
    fast_generate,
    log,
    make_inputs,
    out_path,
    profile_decode,
    report_header,
)

VARIANTS = {
    "base": {"split_argmax": False, "long_from": 0},
    "argmax": {"long_from": 0},
    "argmax+long": {},
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True,
                    help="result JSON; 'auto': benchmarks/results/decode-variants-<device>-<date>.json")
    ap.add_argument("--only", default="", help="comma list of variant names")
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--size", default="real", choices=["real", "tiny"])
    args = ap.parse_args()
    import torch
    from make_tiny_model import build_processor

    from glmocr_desktop.engines.fast_decode import FastDecoder, configure_compile_cache

    configure_compile_cache()
    dev = torch.device(args.device)
    model = build(args.size, dev, torch.bfloat16, torch)
    proc = build_processor()
    region = make_inputs(proc, [REGION], dev)
    a4 = make_inputs(proc, [A4], dev)
    clock = Clock(torch, dev)
    out = out_path(args.out, "decode-variants", args.device)
    R = {**report_header(args.device), "gpu": torch.cuda.get_device_name(0) if dev.type == "cuda" else None,
         "torch": torch.__version__, "variants": {}}
    names = args.only.split(",") if args.only else list(VARIANTS)
    base_tokens = None
    for name in names:
        opts = dict(VARIANTS[name])
        r: dict = {}
        try:
            t = time.perf_counter()
            fd = FastDecoder(model, device=dev, dtype=torch.bfloat16, **opts)
            fd.warmup(batch_sizes=[1], max_len=6144, prefill=False)
            r["warmup_s"] = round(time.perf_counter() - t, 1)
            r["ready"] = fd.ready
            r["compile_error"] = fd.stats.get("compile_error")
            fast_generate(fd, region, 8, clock)
            g = fast_generate(fd, region, args.tokens, clock)
            r["decode_b1_tok_s"] = round(g["decode_tok_s"], 1)
            fast_generate(fd, a4, 4, clock)
            a = fast_generate(fd, a4, 1024, clock)
            r["a4_1024_s"] = round(a["total_s"], 3)
            r["a4_decode_tok_s"] = round(a["decode_tok_s"], 1)
            r["a4_ttft_s"] = round(a["ttft_s"], 3)
            if base_tokens is None:
                base_tokens = g["tokens"][0]
            same = next((i for i, (x, y) in enumerate(zip(base_tokens, g["tokens"][0])) if x != y), None)
            r["first_token_differing_from_base"] = same
            if dev.type == "cuda":
                r.update(profile_decode(fd, torch, batches=(1,), lbs=(512, 6144)))
            del fd
            torch.cuda.empty_cache()
        except Exception as exc:  # keep the other variants
            r["error"] = repr(exc)[:2000]
        R["variants"][name] = r
        log(name, {k: v for k, v in r.items() if not k.startswith("replay_kernels")})
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(R, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
