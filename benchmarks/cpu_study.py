"""CPU study: stock greedy ``generate`` on a small CPU, against thread count, dtype and int8 decoder.

    python benchmarks/cpu_study.py --out auto   # -> results/cpu-study-cpu-<date>.json

In one run, on the real-size GLM-OCR architecture with random weights, batch 1, one 448x448 region:

- decode tok/s of stock ``model.generate`` (greedy, repetition_penalty 1.1, ``min_new_tokens`` forcing N
  new tokens). Decode is timed apart from prefill: a logits processor stamps every step, and the rate is
  (N - 1) / (last stamp - first stamp); the first stamp comes right after the prefill;
- variants: fp32 at 1 and 2 threads, bf16 at 1 and 2 threads, dynamic int8 (``quantize_dynamic``,
  qint8 weights, fp32 activations) of the text decoder's ``nn.Linear`` layers, without and with the lm_head;
- fidelity: each variant's greedy output on the tiny checkpoint (``tests/make_tiny_model.py``, fp32
  reference at 2 threads), 3 images x N tokens, must be token-identical to fp32 stock.

Ratios are against fp32 stock at 2 threads measured in the same run (measured twice, first and last, as
a drift check on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from common import EOS, PAD, REGION, make_inputs, out_path, report_header


def log(*a):
    print(*a, flush=True)


def cpu_flags() -> dict:
    flags: set[str] = set()
    model_name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags.update(line.split(":", 1)[1].split())
            elif line.startswith("model name"):
                model_name = line.split(":", 1)[1].strip()
    except OSError:
        pass
    keep = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8", "avx_vnni")
    return dict(model_name=model_name, **{k: k in flags for k in keep})


def build(size: str, dtype=None):
    import torch
    from make_tiny_model import build_model, real_config_dict, tiny_config_dict

    cfg = real_config_dict() if size == "real" else tiny_config_dict()
    model = build_model(cfg, seed=0, dtype=dtype)
    model.generation_config.eos_token_id = EOS
    model.generation_config.pad_token_id = PAD
    for p in model.parameters():
        p.requires_grad_(False)
    return model.to(torch.float32) if dtype is None else model


def quantize_decoder(model, lm_head: bool):
    """Dynamic int8 of the text decoder's nn.Linear layers (and optionally lm_head), in place."""
    import torch
    from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

    names = {
        name: default_dynamic_qconfig
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Linear)
        and (name.startswith("model.language_model.") or (lm_head and name == "lm_head"))
    }
    quantize_dynamic(model, qconfig_spec=names, dtype=torch.qint8, inplace=True)
    return len(names)


def generate(model, inputs, n, scores=False):
    """Stock greedy generate, exactly n new tokens; returns tokens, ttft s, decode tok/s, total s."""
    import torch
    from transformers import LogitsProcessor, LogitsProcessorList

    stamps: list[float] = []

    class Stamp(LogitsProcessor):
        def __call__(self, input_ids, scores):
            stamps.append(time.perf_counter())
            return scores

    t0 = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(
            **inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False, repetition_penalty=1.1,
            eos_token_id=EOS, pad_token_id=PAD, logits_processor=LogitsProcessorList([Stamp()]),
            return_dict_in_generate=True, output_scores=scores,
        )
    t1 = time.perf_counter()
    toks = out.sequences[:, inputs["input_ids"].shape[1]:].tolist()
    dec = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    sc = [x[0].float() for x in out.scores] if scores else None
    return dict(tokens=toks, ttft_s=stamps[0] - t0, decode_tok_s=dec, total_s=t1 - t0, scores=sc)


def cast_inputs(inputs, dtype):
    import torch

    return {k: (v.to(dtype) if torch.is_floating_point(v) else v) for k, v in inputs.items()}


# --------------------------------------------------------------------------- variants

#: name -> (threads, dtype name, int8 scope)
VARIANTS = {
    "fp32_t2": (2, "float32", None),
    "fp32_t1": (1, "float32", None),
    "bf16_t2": (2, "bfloat16", None),
    "bf16_t1": (1, "bfloat16", None),
    "int8_decoder_t2": (2, "float32", "decoder"),
    "int8_decoder_t1": (1, "float32", "decoder"),
    "int8_decoder_lm_head_t2": (2, "float32", "decoder+lm_head"),
    "int8_decoder_lm_head_t1": (1, "float32", "decoder+lm_head"),
}


def fidelity(args, proc) -> dict:
    """Greedy output of every variant on the tiny checkpoint against fp32 stock at 2 threads."""
    import torch

    sizes = [(448, 448), (640, 224), (320, 512)]
    inputs = [make_inputs(proc, [s], "cpu", prompt=p) for s, p in
              zip(sizes, ["Text Recognition:", "Table Recognition:", "Formula Recognition:"])]
    ref_model = build("tiny")
    torch.set_num_threads(2)
    ref_runs = [generate(ref_model, x, args.check_tokens, scores=True) for x in inputs]
    ref = [r["tokens"][0] for r in ref_runs]
    out = {}
    for name, (threads, dtype_name, q) in VARIANTS.items():
        torch.set_num_threads(threads)
        dtype = getattr(torch, dtype_name)
        m = build("tiny")
        if dtype != torch.float32:
            m = m.to(dtype)
        if q:
            quantize_decoder(m, lm_head=q.endswith("lm_head"))
        rows = []
        for x, r, rr in zip(inputs, ref, ref_runs):
            got = generate(m, cast_inputs(x, dtype), args.check_tokens)["tokens"][0]
            d = next((i for i in range(len(r)) if got[i] != r[i]), None)
            row = dict(identical=d is None, first_divergence=d)
            if d is not None:  # how close the fp32 reference's (processed) scores were at that step
                s = rr["scores"][d]
                top2 = s.topk(2).values.tolist()
                row.update(ref_top1_score=round(top2[0], 5), ref_top2_gap=round(top2[0] - top2[1], 5),
                           ref_gap_to_variant_token=round(float(s[r[d]] - s[got[d]]), 5))
            rows.append(row)
        out[name] = dict(identical=all(r["identical"] for r in rows), rows=rows)
        log(f"tiny fidelity {name}: {out[name]}")
    torch.set_num_threads(2)
    return out


def measure(model, inputs, n, reps):
    """Warm-up (4 tokens), then reps runs of n tokens; median decode tok/s, median TTFT."""
    generate(model, inputs, 4)
    runs = [generate(model, inputs, n) for _ in range(reps)]
    return dict(
        decode_tok_s=round(statistics.median(r["decode_tok_s"] for r in runs), 2),
        decode_tok_s_runs=[round(r["decode_tok_s"], 2) for r in runs],
        ttft_s=round(statistics.median(r["ttft_s"] for r in runs), 2),
        tokens=runs[0]["tokens"][0],
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=None, help="result JSON; 'auto': results/cpu-study-cpu-<date>.json")
    ap.add_argument("--size", default="real", choices=["real", "tiny"], help="model timed (fidelity is tiny)")
    ap.add_argument("--tokens", type=int, default=24, help="forced new tokens per timed run")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--check-tokens", type=int, default=64)
    ap.add_argument("--skip-fidelity", action="store_true")
    args = ap.parse_args(argv)

    import torch
    import transformers
    from make_tiny_model import build_processor

    t_start = time.perf_counter()
    default_threads = torch.get_num_threads()
    torch.set_num_threads(2)
    R: dict = report_header("cpu")
    R.update(
        cpu=cpu_flags(), cores=__import__("os").cpu_count(), torch=torch.__version__,
        transformers=transformers.__version__, cpu_capability=torch.backends.cpu.get_cpu_capability(),
        size=args.size, tokens=args.tokens, reps=args.reps, check_tokens=args.check_tokens,
        region=list(REGION), batch=1, torch_default_threads=default_threads,
    )
    out = out_path(args.out, "cpu-study")

    def save():
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(R, indent=2, default=str) + "\n")

    log(f"CPU: {R['cpu']}")
    proc = build_processor()
    if not args.skip_fidelity:
        R["tiny_fidelity"] = fidelity(args, proc)
        save()

    t = time.perf_counter()
    model = build(args.size)
    R["model_build_s"] = round(time.perf_counter() - t, 2)
    R["attn_implementation"] = model.config._attn_implementation
    region = make_inputs(proc, [REGION], "cpu")
    R["region_prompt_tokens"] = int(region["input_ids"].shape[1])
    log(f"built {args.size} model in {R['model_build_s']} s; prompt {R['region_prompt_tokens']} tokens")
    T: dict = {}
    R["timings"] = T

    def run(name, threads, dtype=torch.float32):
        torch.set_num_threads(threads)
        t0 = time.perf_counter()
        T[name] = measure(model, cast_inputs(region, dtype), args.tokens, args.reps)
        T[name]["threads"] = threads
        T[name]["wall_s"] = round(time.perf_counter() - t0, 1)
        log(f"{name}: {T[name]['decode_tok_s']} tok/s (runs {T[name]['decode_tok_s_runs']}), "
            f"TTFT {T[name]['ttft_s']} s, {T[name]['wall_s']} s")
        save()

    run("fp32_t2", 2)
    run("fp32_t1", 1)
    model.to(torch.bfloat16)
    run("bf16_t2", 2, torch.bfloat16)
    run("bf16_t1", 1, torch.bfloat16)
    model.to(torch.float32)  # bf16-rounded weights again in fp32: same speed as fp32, a drift check
    run("fp32_t2_again", 2)
    R["int8_linears_decoder"] = quantize_decoder(model, lm_head=False)
    run("int8_decoder_t2", 2)
    run("int8_decoder_t1", 1)
    R["int8_linears_added_lm_head"] = quantize_decoder(model, lm_head=True)  # only lm_head is left
    run("int8_decoder_lm_head_t2", 2)
    run("int8_decoder_lm_head_t1", 1)
    torch.set_num_threads(2)

    base = T["fp32_t2"]["decode_tok_s"]
    fid = R.get("tiny_fidelity", {})
    rows = []
    log("")
    log(f"{'variant':26} {'tok/s':>7} {'ratio':>6} {'TTFT s':>7}  tiny token-identical")
    for name, v in T.items():
        ratio = v["decode_tok_s"] / base if base else 0.0
        ident = fid.get(name.replace("_again", ""), {}).get("identical")
        v["ratio_vs_fp32_t2"] = round(ratio, 3)
        v["tiny_token_identical"] = ident
        rows.append(name)
        log(f"{name:26} {v['decode_tok_s']:7.2f} {ratio:6.2f} {v['ttft_s']:7.2f}  {ident}")
    for name in T:
        T[name].pop("tokens", None)
    R["total_s"] = round(time.perf_counter() - t_start, 1)
    log(f"total {R['total_s']} s")
    save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
