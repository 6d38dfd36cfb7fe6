"""GLM-OCR speed benchmark: stock ``generate`` against the fast decode path, in one run.

    python benchmarks/run.py --device cuda --size real --out auto   # results/decode-<device>-<date>.json
    python benchmarks/run.py --device cpu --size tiny --tokens 8 --skip a4   # a quick check of the script

The real-size architecture is built with random weights (no download); output lengths are forced the
same way on both paths (EOS banned for the first N steps, as transformers' ``min_new_tokens``), so
both generate exactly N tokens. Prints a table of stock vs fast with ratios; writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from common import (
    A4,
    EOS,
    PAD,
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


def stock_generate(model, inputs, n, clock, scores=False):
    """Stock greedy generate with forced length; returns tokens, ttft, decode tok/s (per row), total s."""
    import torch
    from transformers import LogitsProcessor, LogitsProcessorList

    stamps = []

    class Stamp(LogitsProcessor):
        def __call__(self, input_ids, s):
            stamps.append(clock.now())
            return s

    t0 = clock.now()
    with torch.inference_mode():
        out = model.generate(
            **inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False, repetition_penalty=1.1,
            eos_token_id=EOS, pad_token_id=PAD, logits_processor=LogitsProcessorList([Stamp()]),
            return_dict_in_generate=True, output_scores=scores,
        )
    t1 = clock.now()
    toks = out.sequences[:, inputs["input_ids"].shape[1]:].tolist()
    ttft = stamps[0] - t0
    dec = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    sc = [s.float().cpu() for s in out.scores] if scores else None
    return dict(tokens=toks, ttft_s=ttft, decode_tok_s=dec, total_s=t1 - t0, scores=sc)


def compare(stock_rows, fast_rows, scores=None):
    """Common-prefix match per row, and the stock top-2 gap at the first divergent step."""
    out = []
    for r, (a, b) in enumerate(zip(stock_rows, fast_rows)):
        n = min(len(a), len(b))
        d = next((i for i in range(n) if a[i] != b[i]), None)
        item = dict(row=r, n=n, identical=d is None, prefix=n if d is None else d)
        if d is not None and scores is not None:
            s = scores[d][r]
            top2 = s.topk(2).values.tolist()
            item.update(stock_token=a[d], fast_token=b[d], stock_score=float(s[a[d]]),
                        fast_score_in_stock=float(s[b[d]]), gap=float(s[a[d]] - s[b[d]]),
                        top2_gap=float(top2[0] - top2[1]), top1=float(top2[0]))
        out.append(item)
    return out


def median_time(fn, clock, reps=5):
    ts = []
    for _ in range(reps):
        t0 = clock.now()
        fn()
        ts.append(clock.now() - t0)
    return statistics.median(ts)


def warm_start_probe(args):
    """A fresh process: build the model, then time FastDecoder construction to its first token."""
    import torch

    device = torch.device(args.device)
    dtype = torch.bfloat16
    from make_tiny_model import build_processor

    from glmocr_desktop.engines.fast_decode import FastDecoder

    model = build(args.size, device, dtype, torch)
    proc = build_processor()
    inputs = make_inputs(proc, [REGION], device)
    clock = Clock(torch, device)
    t0 = clock.now()
    fd = FastDecoder(model, device=device, dtype=dtype)
    first = []

    def on_step(tok):
        if not first:
            first.append(time.perf_counter())
        return None

    fd.generate(inputs, max_new_tokens=16, min_new_tokens=16, eos_token_ids=EOS, pad_token_id=PAD, on_step=on_step)
    t_end = clock.now()
    # first token of a graph-replayed decode step: time to the 2nd token marks the compiled step
    print(json.dumps(dict(first_token_s=first[0] - t0, first_16_tokens_s=t_end - t0)), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--size", default="real", choices=["real", "tiny"])
    ap.add_argument("--out", default=None,
                    help="result JSON; 'auto': benchmarks/results/decode-<device>-<date>.json")
    ap.add_argument("--dtype", default=None, help="bfloat16 (GPU default) or float32 (CPU default)")
    ap.add_argument("--tokens", type=int, default=256, help="forced output length for decode rates")
    ap.add_argument("--a4-tokens", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--skip", default="", help="comma list: stock,fp32,a4,warm,vision,variants,profile")
    ap.add_argument("--probe-warm-start", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.probe_warm_start:
        return warm_start_probe(args)

    import torch
    import transformers

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    dtype = getattr(torch, args.dtype) if args.dtype else (torch.bfloat16 if cuda else torch.float32)
    skip = set(filter(None, args.skip.split(",")))
    out = out_path(args.out, "decode", args.device)
    from make_tiny_model import build_processor

    from glmocr_desktop.engines.fast_decode import FastDecoder, configure_compile_cache

    cache_dir = configure_compile_cache(os.environ.get("GLMOCR_COMPILE_CACHE") or None)
    R: dict = report_header(args.device)
    R.update(
        gpu=torch.cuda.get_device_name(0) if cuda else None,
        cpu=platform.processor() or platform.machine(),
        threads=torch.get_num_threads(),
        torch=torch.__version__, transformers=transformers.__version__,
        size=args.size, dtype=str(dtype).replace("torch.", ""), tokens=args.tokens,
        a4_tokens=args.a4_tokens, compile_cache_dir=str(cache_dir),
    )

    def save():
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(R, indent=2, default=str))

    clock = Clock(torch, device)
    t = time.perf_counter()
    model = build(args.size, device, dtype, torch)
    R["attn_implementation"] = model.config._attn_implementation
    proc = build_processor()
    R["model_build_s"] = round(time.perf_counter() - t, 2)
    region = make_inputs(proc, [REGION], device)
    batch8 = make_inputs(proc, [REGION] * 8, device)
    a4 = make_inputs(proc, [A4], device) if "a4" not in skip else None
    R["region_prompt_tokens"] = int(region["input_ids"].shape[1])
    if a4 is not None:
        R["a4_prompt_tokens"] = int(a4["input_ids"].shape[1])
        R["a4_image_tokens"] = int((a4["input_ids"] == model.config.image_token_id).sum())
    log(f"built {args.size} model on {device} ({dtype}) in {R['model_build_s']} s; attn={R['attn_implementation']}")
    N = args.tokens

    # ------------------------------------------------------------ fast path
    t = time.perf_counter()
    fd = FastDecoder(model, device=device, dtype=dtype)
    ok, why = fd.available()
    R["fast_available"], R["fast_reason"] = ok, why
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    # batch 1 over every cache length (its long form serves the A4 page); batches only up to 1,024
    # attended slots, all that 8 regions need here (the app also compiles their long form)
    fd.warmup(batch_sizes=[1])
    fd.warmup(batch_sizes=[2, 4, 8], max_len=1024)
    R["fast_warmup_s"] = round(time.perf_counter() - t, 2)
    R["fast_stats"] = dict(fd.stats)
    log(f"fast warm-up {R['fast_warmup_s']} s; ready={fd.ready}; {fd.available()}")
    save()
    res: dict = {}
    if fd.ready or not cuda:
        fast_generate(fd, region, 8, clock)  # first-use allocations
        res["f_region"] = fast_generate(fd, region, N, clock)
        ttfts = [fast_generate(fd, region, 1, clock)["ttft_s"] for _ in range(5)]
        R["fast_ttft_region_ms"] = round(1000 * statistics.median(ttfts), 2)
        R["fast_decode_b1_tok_s"] = round(res["f_region"]["decode_tok_s"], 1)
        res["f_b8"] = fast_generate(fd, batch8, N, clock)
        R["fast_batch8_tok_s"] = round(8 * res["f_b8"]["decode_tok_s"], 1)
        R["fast_batch8_e2e_tok_s"] = round(8 * N / res["f_b8"]["total_s"], 1)
        if a4 is not None:
            fast_generate(fd, a4, 4, clock)
            res["f_a4"] = fast_generate(fd, a4, args.a4_tokens, clock)
            R["fast_a4_1024_s"] = round(res["f_a4"]["total_s"], 3)
            R["fast_a4_ttft_s"] = round(res["f_a4"]["ttft_s"], 3)
            R["fast_a4_decode_tok_s"] = round(res["f_a4"]["decode_tok_s"], 1)
        if cuda:
            R["fast_peak_mem_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        log({k: v for k, v in R.items() if k.startswith("fast_")})
        save()

    # ------------------------------------------------------------ inside the decode step
    if cuda and "profile" not in skip and fd.ready:
        try:
            R.update(profile_decode(fd, torch))
        except Exception as exc:  # keep the rest of the run
            R["profile_error"] = repr(exc)[:2000]
        log({k: v for k, v in R.items() if k.startswith("replay_")})
        save()

    # ------------------------------------------------------------ vision
    if "vision" not in skip:
        def vis_stock(inp):
            with torch.inference_mode():
                model.model.get_image_features(inp["pixel_values"], inp["image_grid_thw"])

        def vis_fast(inp):
            fd.encode_images(inp["pixel_values"], inp["image_grid_thw"])

        for name, inp in (("region", region), ("a4", a4)):
            if inp is None:
                continue
            reps = 5 if (cuda or name == "region") else 1
            vis_stock(inp)
            vis_fast(inp)
            R[f"stock_vision_{name}_ms"] = round(1000 * median_time(lambda inp=inp: vis_stock(inp), clock, reps), 2)
            R[f"fast_vision_{name}_ms"] = round(1000 * median_time(lambda inp=inp: vis_fast(inp), clock, reps), 2)
        log({k: v for k, v in R.items() if "vision" in k})
        save()

    # ------------------------------------------------------------ stock baseline
    if "stock" not in skip:
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        stock_generate(model, region, 4, clock)
        res["s_region"] = stock_generate(model, region, N, clock, scores=True)
        ttfts = [stock_generate(model, region, 1, clock)["ttft_s"] for _ in range(3)]
        R["stock_ttft_region_ms"] = round(1000 * statistics.median(ttfts), 2)
        R["stock_decode_b1_tok_s"] = round(res["s_region"]["decode_tok_s"], 1)
        res["s_b8"] = stock_generate(model, batch8, N, clock, scores=True)
        R["stock_batch8_tok_s"] = round(8 * res["s_b8"]["decode_tok_s"], 1)
        R["stock_batch8_e2e_tok_s"] = round(8 * N / res["s_b8"]["total_s"], 1)
        if a4 is not None:
            res["s_a4"] = stock_generate(model, a4, args.a4_tokens, clock, scores=True)
            R["stock_a4_1024_s"] = round(res["s_a4"]["total_s"], 3)
            R["stock_a4_ttft_s"] = round(res["s_a4"]["ttft_s"], 3)
        if cuda:
            R["stock_peak_mem_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        log({k: v for k, v in R.items() if k.startswith("stock_")})
        # fidelity in the working dtype
        cmp_rows = []
        for s_key, f_key in (("s_region", "f_region"), ("s_b8", "f_b8"), ("s_a4", "f_a4")):
            if s_key in res and f_key in res:
                c = compare(res[s_key]["tokens"], res[f_key]["tokens"], res[s_key]["scores"])
                for item in c:
                    item["case"] = s_key[2:]
                cmp_rows += c
        if cmp_rows:
            tot = sum(c["n"] for c in cmp_rows)
            key = "bf16" if dtype == torch.bfloat16 else str(dtype).replace("torch.", "")
            R[f"{key}_match_rate"] = round(sum(c["prefix"] for c in cmp_rows) / tot, 4)
            R[f"{key}_rows_identical"] = f"{sum(c['identical'] for c in cmp_rows)}/{len(cmp_rows)}"
            R[f"{key}_divergences"] = [c for c in cmp_rows if not c["identical"]]
            if dtype == torch.float32:
                R["cpu_fp32_token_identical" if not cuda else "fp32_token_identical"] = all(
                    c["identical"] for c in cmp_rows)
        for k in ("s_region", "s_b8", "s_a4"):
            if k in res:
                res[k]["scores"] = None
        save()

    # ------------------------------------------------------------ fast variants (what compile buys)
    if cuda and "variants" not in skip and fd.ready:
        try:
            fg = FastDecoder(model, device=device, dtype=dtype, compile=False, use_graphs=True)
            fg.warmup(batch_sizes=[1, 8], max_len=1024, prefill=False)
            r1 = fast_generate(fg, region, N, clock)
            r8 = fast_generate(fg, batch8, N, clock)
            R["graphs_only_decode_b1_tok_s"] = round(r1["decode_tok_s"], 1)
            R["graphs_only_batch8_tok_s"] = round(8 * r8["decode_tok_s"], 1)
            R["graphs_only_matches_compiled"] = (r1["tokens"] == res["f_region"]["tokens"])
            fe = FastDecoder(model, device=device, dtype=dtype, compile=False, use_graphs=False)
            fe._ok, fe._ready = True, True
            re1 = fast_generate(fe, region, 64, clock)
            R["eager_static_decode_b1_tok_s"] = round(re1["decode_tok_s"], 1)
            del fg, fe
        except Exception as exc:  # keep the rest of the run
            R["variants_error"] = repr(exc)
        log({k: v for k, v in R.items() if k.startswith(("graphs_only", "eager_static", "variants"))})
        save()

    # ------------------------------------------------------------ fp32 token identity (GPU)
    if cuda and "fp32" not in skip:
        try:
            del res
            m32 = build(args.size, device, torch.float32, torch)
            f32 = FastDecoder(m32, device=device, dtype=torch.float32, compile=False, use_graphs=True)
            f32.warmup(batch_sizes=[1, 4], max_len=1024)
            r32 = make_inputs(proc, [REGION], device)
            p3 = make_inputs(proc, [(448, 448), (280, 616), (812, 224)], device)
            rows = []
            for inp, n in ((r32, 128), (p3, 64)):
                s = stock_generate(m32, inp, n, clock, scores=True)
                f = fast_generate(f32, inp, n, clock)
                rows += compare(s["tokens"], f["tokens"], s["scores"])
            R["fp32_token_identical"] = all(c["identical"] for c in rows)
            R["fp32_rows"] = rows
            R["fp32_note"] = "fast path in fp32 with CUDA graphs, eager kernels (no compile)"
            del m32, f32
            torch.cuda.empty_cache()
        except Exception as exc:
            R["fp32_error"] = repr(exc)
        log({k: v for k, v in R.items() if k.startswith("fp32")})
        save()

    # ------------------------------------------------------------ second launch (compile caches warm)
    if cuda and "warm" not in skip and fd.ready:
        try:
            cmd = [sys.executable, __file__, "--probe-warm-start", "--device", args.device, "--size", args.size]
            env = dict(os.environ, GLMOCR_COMPILE_CACHE=str(cache_dir))
            p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=240)
            line = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
            if line:
                w = json.loads(line[-1])
                R["warm_start_first_token_s"] = round(w["first_token_s"], 3)
                R["warm_start_first_16_tokens_s"] = round(w["first_16_tokens_s"], 3)
            else:
                R["warm_start_error"] = (p.stdout + p.stderr)[-2000:]
        except Exception as exc:
            R["warm_start_error"] = repr(exc)
        save()

    table(R)
    save()
    return 0


def table(R):
    rows = [
        ("TTFT 448x448 region (ms)", "stock_ttft_region_ms", "fast_ttft_region_ms", False),
        ("decode batch 1 (tok/s)", "stock_decode_b1_tok_s", "fast_decode_b1_tok_s", True),
        ("decode 8 regions (tok/s total)", "stock_batch8_tok_s", "fast_batch8_tok_s", True),
        ("8 regions end-to-end (tok/s)", "stock_batch8_e2e_tok_s", "fast_batch8_e2e_tok_s", True),
        ("vision 448x448 (ms)", "stock_vision_region_ms", "fast_vision_region_ms", False),
        ("vision A4 200 DPI (ms)", "stock_vision_a4_ms", "fast_vision_a4_ms", False),
        ("A4 TTFT (s)", "stock_a4_ttft_s", "fast_a4_ttft_s", False),
        ("A4 + 1024 tokens (s)", "stock_a4_1024_s", "fast_a4_1024_s", False),
        ("peak GPU memory (GiB)", "stock_peak_mem_gib", "fast_peak_mem_gib", False),
    ]
    print(f"\n{'':34s} {'stock':>10s} {'fast':>10s} {'speed-up':>9s}")
    for name, s, f, higher in rows:
        a, b = R.get(s), R.get(f)
        if a is None and b is None:
            continue
        ratio = ""
        if a and b:
            ratio = f"{(b / a if higher else a / b):.1f}x"
        print(f"{name:34s} {a if a is not None else '-':>10} {b if b is not None else '-':>10} {ratio:>9s}")
    for k in ("fast_warmup_s", "warm_start_first_token_s", "bf16_match_rate", "bf16_rows_identical",
              "fp32_token_identical", "cpu_fp32_token_identical", "graphs_only_decode_b1_tok_s",
              "eager_static_decode_b1_tok_s"):
        if k in R:
            print(f"{k:34s} {R[k]}")


if __name__ == "__main__":
    raise SystemExit(main())
