"""End-to-end check of the engine as the app uses it, on a GPU: stock first, fast path after warm-up.

    python benchmarks/engine_e2e.py --out auto [--second-launch]   # results/engine-<device>-<date>.json
    python benchmarks/engine_e2e.py --out auto --quick-only  # results/engine-quick-start-<device>-<date>.json

It writes a real-size GLM-OCR-shaped checkpoint (random weights) to disk, loads it through
``LocalEngine`` (the same code as the app and the CLI), starts the fast-path warm-up on a background
thread and submits a region as soon as the batch-1 fast path is ready (``--stock-during-warmup``
instead streams a job on stock generate *while* the warm-up runs: the app must stay usable), then
streams again once the compiled kernels are swapped in. ``--second-launch`` repeats the load + warm-up in a fresh process to
show what a user sees on the next start (compiled kernels come from the disk cache): there a region is
submitted as soon as the batch-1 fast path is ready, timing model loaded -> first fast token.

Random weights make the repetition guard fire at once, so the guard is switched off here; EOS is
practically never drawn from a 59,392-token vocabulary, so outputs run to their token budget.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import ensure_checkpoint, out_path, report_header, stream_once, text_page


def run(model_dir: Path, tokens: int, quick_start: bool = False, quick_only: bool = False) -> dict:
    """One launch. ``quick_start``: a region is submitted as soon as the batch-1 fast path is ready (no
    stock job first), measuring model loaded -> first fast token, as a user sees it on a later launch."""
    import torch

    import glmocr_desktop.core.postprocess as pp
    from glmocr_desktop.core.jobs import Job
    from glmocr_desktop.engines.local import LocalEngine

    pp.RepetitionGuard.feed = lambda self, delta: False  # random weights loop; see the module docstring

    out: dict = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}
    import transformers

    out["transformers"] = transformers.__version__
    t0 = time.perf_counter()
    engine = LocalEngine(model_dir, device="cuda")
    engine.load()
    out["load_s"] = round(time.perf_counter() - t0, 2)
    region = text_page(448, 448)
    if not quick_start:
        stream_once(engine, [Job(image=region, max_new_tokens=8)])  # CUDA context, cuBLAS handles

    warm = {}

    def warm_up():
        t = time.perf_counter()
        warm["ok"] = engine.warm_up_fast_path()
        warm["s"] = round(time.perf_counter() - t, 2)

    t_warm = time.perf_counter()
    th = threading.Thread(target=warm_up, daemon=True)
    th.start()
    ready_at: dict = {}

    def watch():
        seen: set = set()
        state = None
        while True:
            alive = th.is_alive()
            for b in sorted(engine._fast_buckets - seen):
                ready_at[f"batch_{b}"] = round(time.perf_counter() - t_warm, 2)
                seen.add(b)
            if engine.info.fast_path != state:
                state = engine.info.fast_path
                ready_at[state] = round(time.perf_counter() - t_warm, 2)
            if not alive:
                break
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    if quick_start:
        marks: dict = {}

        def mark(name, fn):
            def wrapped(*a, **k):
                marks.setdefault(f"{name}_start", round(time.perf_counter() - t_warm, 3))
                try:
                    return fn(*a, **k)
                finally:
                    marks.setdefault(f"{name}_end", round(time.perf_counter() - t_warm, 3))
            return wrapped

        from glmocr_desktop.engines import fast_decode

        engine.prepare_inputs = mark("prepare", engine.prepare_inputs)
        real_gen = fast_decode.FastDecoder.generate
        fast_decode.FastDecoder.generate = mark("fast_generate", real_gen)
        while th.is_alive() and 1 not in engine._fast_buckets:
            time.sleep(0.005)
        ready = time.perf_counter() - t_warm
        job = stream_once(engine, [Job(image=region, max_new_tokens=64)])
        out["quick_start"] = {
            "b1_fast_ready_after_load_s": round(ready, 3),
            "first_fast_token_after_load_s": round(ready + job["first_token_s"], 3),
            "job": {k: v for k, v in job.items() if k != "texts"},
            "fast_path_then": engine.info.fast_path,
            "first_job_marks_after_load_s": marks,
        }
        fast_decode.FastDecoder.generate = real_gen
        during = {"texts": [None]}
        if quick_only:
            again = stream_once(engine, [Job(image=region, max_new_tokens=64)])
            out["quick_start"]["second_job"] = {k: v for k, v in again.items() if k != "texts"}
            out["fast_bucket_ready_after_load_s"] = dict(ready_at)
            return out
    else:
        during = stream_once(engine, [Job(image=region, max_new_tokens=tokens)])
        out["stock_during_warmup"] = {k: v for k, v in during.items() if k != "texts"}
        out["stock_job_done_while_warming"] = th.is_alive()
    while th.is_alive() and 1 not in engine._fast_buckets:
        time.sleep(0.05)
    if th.is_alive():
        graphs = stream_once(engine, [Job(image=region, max_new_tokens=tokens)])
        out["graphs_b1_while_compiling"] = {k: v for k, v in graphs.items() if k != "texts"}
        out["graphs_b1_at_s"] = round(time.perf_counter() - t_warm, 2)
    th.join()
    watcher.join(timeout=5)
    out["fast_bucket_ready_after_load_s"] = ready_at
    out["warmup_s"] = warm["s"]
    out["fast_path"] = engine.info.fast_path
    out["fast_ready_after_load_s"] = round(time.perf_counter() - t_warm, 2)
    if engine.fast is not None:
        first_fast = stream_once(engine, [Job(image=region, max_new_tokens=tokens)])
        out["fast_b1"] = {k: v for k, v in first_fast.items() if k != "texts"}
        batch = [Job(image=text_page(448 + 32 * i, 448), max_new_tokens=tokens) for i in range(8)]
        fb = stream_once(engine, batch)
        out["fast_b8"] = {k: v for k, v in fb.items() if k != "texts"}
        a4 = stream_once(engine, [Job(image=text_page(1654, 2339), max_new_tokens=1024)])
        out["fast_a4_1024"] = {k: v for k, v in a4.items() if k != "texts"}
        if during["texts"][0] is not None:
            out["bf16_same_text_as_stock_b1"] = first_fast["texts"][0] == during["texts"][0]
    engine.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True,
                    help="result JSON; 'auto': benchmarks/results/engine-[quick-start-]<device>-<date>.json")
    ap.add_argument("--model-dir", default="/tmp/glmocr-real-random")
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--second-launch", action="store_true")
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--child-timeout", type=float, default=None, help="seconds for the second launch")
    ap.add_argument("--quick-only", action="store_true",
                    help="stop after the quick start (stage 1: CUDA graphs, no compiling needed)")
    ap.add_argument("--stock-during-warmup", action="store_true",
                    help="first launch: run a stock job while the fast path warms up (else a quick start)")
    args = ap.parse_args()
    model_dir = Path(args.model_dir)
    ensure_checkpoint(model_dir, real_size=True)
    if args.child:
        print(json.dumps(run(model_dir, args.tokens, quick_start=True)))
        return 0
    first = run(model_dir, args.tokens, quick_start=not args.stock_during_warmup, quick_only=args.quick_only)
    report = {**report_header("cuda"), "first_launch": first}
    print(json.dumps(first, indent=2), flush=True)
    out = out_path(args.out, "engine-quick-start" if args.quick_only else "engine", "cuda")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    if args.quick_only:  # the compile thread is still running: leave without waiting for it
        os._exit(0)
    if args.second_launch:
        try:
            proc = subprocess.run([sys.executable, __file__, "--out", str(out), "--model-dir", str(model_dir),
                                   "--tokens", str(args.tokens), "--child"], capture_output=True, text=True,
                                  env=dict(os.environ), timeout=args.child_timeout)
            report["second_launch"] = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError, subprocess.TimeoutExpired) as exc:
            report["second_launch_error"] = repr(exc)[-3000:]
        print(json.dumps(report.get("second_launch", report.get("second_launch_error")), indent=2))
        out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
