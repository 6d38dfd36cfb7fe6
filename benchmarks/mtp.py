"""Speculative decoding with the MTP layer against plain fast decoding and stock generate, one region.

    python benchmarks/mtp.py --out auto                 # GPU: real size, bf16 (~2 min on an H200)
    python benchmarks/mtp.py --tiny --tokens 48         # CPU: the tiny checkpoint, a plumbing check

The checkpoint (random weights, with an MTP layer as the hub file has it) is written by
``tests/make_tiny_model.py`` and loaded through ``from_pretrained``, so the MTP tensors come through the
fast path's own loader. Random draft weights are almost never right, so the speed is measured with an
oracle draft: the known output (from a run of the same decoder), right where a coin with probability
``alpha`` says so and wrong elsewhere. The acceptance actually reached is reported beside it: in bf16 a
verify pass can pick differently from the run that made the known output, which lowers it. Every figure
comes with plain fast decoding (MTP off) and stock ``generate`` measured in the same process; the
repetition penalty is on (the official rule) and EOS is banned, so every run makes exactly ``--tokens``.
``--identity`` also checks in float32 that the drafts change nothing: speculative output == plain output.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import (
    EOS,
    PAD,
    REGION,
    Clock,
    ensure_checkpoint,
    fast_generate,
    log,
    make_inputs,
    out_path,
    report_header,
)


def _load(folder: Path, device, dtype, torch):
    from transformers import AutoProcessor, GlmOcrForConditionalGeneration

    model = GlmOcrForConditionalGeneration.from_pretrained(str(folder), dtype=dtype).to(device).eval()
    model.generation_config.eos_token_id = EOS
    model.generation_config.pad_token_id = PAD
    return model, AutoProcessor.from_pretrained(str(folder))


def _decoder(model, device, dtype, graphs: bool):
    from glmocr_desktop.engines.fast_decode import FastDecoder

    fd = FastDecoder(model, device=device, dtype=dtype, use_graphs=graphs, compile=False, draft_tokens=1,
                     max_batch=1)
    if fd.speculative is None:
        raise SystemExit(f"no MTP layer: {fd.mtp_reason}")
    if graphs:
        fd.warmup(batch_sizes=[1])
    return fd


def _speculative(fd, draft, k: int):
    from glmocr_desktop.engines.fast_decode.speculative import SpeculativeDecoder

    return SpeculativeDecoder(fd, draft, k)


def _oracle(torch, tokens, alpha: float, seed: int):
    n = 1 << 14
    known = torch.zeros(n, dtype=torch.long)
    known[: len(tokens)] = torch.tensor(tokens)
    hits = torch.rand(n, generator=torch.Generator().manual_seed(seed)) < alpha
    return known, hits


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="the tiny checkpoint on the CPU (plumbing check)")
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--draft", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--alpha", type=float, nargs="+", default=[0.6, 0.75, 0.9])
    ap.add_argument("--stock-tokens", type=int, default=48, help="tokens of the stock baseline (it is slow)")
    ap.add_argument("--identity", action=argparse.BooleanOptionalAction, default=True,
                    help="float32: speculative output == plain output (real drafts and oracle drafts)")
    ap.add_argument("--model-dir", default=None, help="where the random-weight checkpoint is (written once)")
    ap.add_argument("--out", default=None, help="result JSON path, or 'auto'")
    args = ap.parse_args(argv)

    import torch

    device = torch.device("cpu" if args.tiny or not torch.cuda.is_available() else "cuda")
    cuda = device.type == "cuda"
    dtype = torch.bfloat16 if cuda else torch.float32
    folder = Path(args.model_dir or Path(tempfile.gettempdir()) / ("glmocr-mtp-" + ("tiny" if args.tiny else "real")))
    ensure_checkpoint(folder, real_size=not args.tiny)
    clock = Clock(torch, device)
    report = report_header(str(device))
    report.update(size="tiny" if args.tiny else "real", dtype=str(dtype).replace("torch.", ""),
                  tokens=args.tokens, region=list(REGION))
    model, proc = _load(folder, device, dtype, torch)
    inputs = make_inputs(proc, [REGION], device)
    n = args.tokens
    with torch.inference_mode():
        # stock generate (host-bound): the baseline every ratio is against
        m = args.stock_tokens
        model.generate(**inputs, max_new_tokens=4, min_new_tokens=4, do_sample=False, repetition_penalty=1.1)
        t0 = clock.now()
        model.generate(**inputs, max_new_tokens=m, min_new_tokens=m, do_sample=False, repetition_penalty=1.1)
        stock = m / (clock.now() - t0)
        log(f"stock generate: {stock:.1f} tok/s")
    fd = _decoder(model, device, dtype, graphs=cuda)
    real_draft = fd.speculative
    draft = real_draft.draft
    fd.speculative = None
    fast_generate(fd, inputs, 32, clock)
    plain = fast_generate(fd, inputs, n, clock)
    known = plain["tokens"][0]
    log(f"plain fast path: {plain['decode_tok_s']:.1f} tok/s")
    report.update(stock_decode_b1_tok_s=round(stock, 1), plain_b1_tok_s=round(plain["decode_tok_s"], 1),
                  plain_ratio_vs_stock=round(plain["decode_tok_s"] / stock, 1))
    runs = []
    for k in args.draft:
        spec = _speculative(fd, draft, k)
        fd.speculative = spec
        spec.oracle = None
        real = fast_generate(fd, inputs, n, clock)  # the real (random) draft layer: almost nothing accepted
        runs.append({"k": k, "alpha": "real draft (random weights)", "tok_s": round(real["decode_tok_s"], 1),
                     "accepted_rate": round(spec.stats["accepted"] / max(spec.stats["drafted"], 1), 3),
                     "same_as_plain": real["tokens"][0] == known})
        for alpha in args.alpha:
            spec = _speculative(fd, draft, k)
            spec.oracle = _oracle(torch, known, alpha, seed=int(alpha * 1000) + k)
            fd.speculative = spec
            fast_generate(fd, inputs, 32, clock)  # captures this k's round graphs
            spec.stats.update(rounds=0, drafted=0, accepted=0)
            got = fast_generate(fd, inputs, n, clock)
            rate = spec.stats["accepted"] / max(spec.stats["drafted"], 1)
            tokens_per_round = n / max(spec.stats["rounds"], 1)
            row = {"k": k, "alpha": alpha, "tok_s": round(got["decode_tok_s"], 1), "accepted_rate": round(rate, 3),
                   "tokens_per_round": round(tokens_per_round, 2),
                   "ratio_vs_plain": round(got["decode_tok_s"] / plain["decode_tok_s"], 2),
                   "ratio_vs_stock": round(got["decode_tok_s"] / stock, 1),
                   "same_as_plain": got["tokens"][0] == known}
            runs.append(row)
            log(json.dumps(row))
    fd.speculative = real_draft
    report["mtp"] = runs
    best = [r for r in runs if r["alpha"] == 0.75 and r["k"] == 3]
    if best:
        report["mtp_b1_tok_s_alpha075"] = best[0]["tok_s"]
    if cuda:
        report["peak_memory_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    if args.identity:
        report["mtp_greedy_identical"] = _identity(folder, device, torch, clock, min(n, 128))
    log(json.dumps({k: v for k, v in report.items() if k != "mtp"}, indent=1))
    path = out_path(args.out, "mtp" + ("-tiny" if args.tiny else ""), str(device))
    if path:
        path.write_text(json.dumps(report, indent=1) + "\n")
        log(f"wrote {path}")
    return 0


def _identity(folder, device, torch, clock, n: int) -> dict:
    """float32: plain output, speculative with the real draft layer, and with mixed oracle drafts."""
    model, proc = _load(folder, device, torch.float32, torch)
    try:
        inputs = make_inputs(proc, [REGION], device)
        fd = _decoder(model, device, torch.float32, graphs=device.type == "cuda")
        spec = fd.speculative
        draft = spec.draft
        fd.speculative = None
        plain = fast_generate(fd, inputs, n, clock)["tokens"][0]
        with torch.inference_mode():
            out = model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                                 repetition_penalty=1.1)
        stock = out[0, inputs["input_ids"].shape[1]:].tolist()
        result = {"tokens": n, "plain_vs_stock": plain == stock}
        for k in (1, 3):
            fd.speculative = _speculative(fd, draft, k)
            result[f"real_draft_k{k}"] = fast_generate(fd, inputs, n, clock)["tokens"][0] == plain
            fd.speculative = _speculative(fd, draft, k)
            fd.speculative.oracle = _oracle(torch, plain, 0.75, seed=k)
            result[f"oracle075_k{k}"] = fast_generate(fd, inputs, n, clock)["tokens"][0] == plain
        fd.speculative = spec
        result["all"] = all(v for key, v in result.items() if key != "tokens")
        return result
    finally:
        del model
        if device.type == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    t = time.perf_counter()
    rc = main()
    log(f"done in {time.perf_counter() - t:.0f}s")
    raise SystemExit(rc)
