"""``glmocr-desktop serve`` under load: regions/s and tokens/s at 1, 8 and 32 requests in flight.

    python benchmarks/serve_load.py --out auto                 # GPU: results/serve-<device>-<date>.json
    python benchmarks/serve_load.py --tiny --device cpu        # a check of the script on a CPU

The server is the app's own (``glmocr_desktop.server``: Starlette + uvicorn, the request queue and
the batcher) around ``LocalEngine`` on the real-size GLM-OCR architecture with random weights (the
fast path warmed as ``serve`` warms it; continuous batching on a GPU). It listens on 127.0.0.1 in this
process; the client is the app's ``RemoteEngine`` (OpenAI chat completions, SSE, base64 PNG), keeping
N requests in flight over loopback. Each request is a 448x448 region with a forced output length of
``--tokens`` (random weights practically never draw an end-of-text; the repetition guard, which random
output trips at once, is switched off, as in ``engine_e2e.py``); tokens are counted from the server's
usage figures.

The baseline, in the same process on the same regions and budgets: the engine driven directly
(``stream_many`` over the same jobs, as many at once as are in flight), so ``ratio_vs_direct`` is what
HTTP, SSE and the queue cost (or gain, by batching requests the client sends one by one). Client and
server share one interpreter here; a separate client machine would load the server less.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from common import REGION, ensure_checkpoint, log, noise_image, out_path, report_header


def jobs_for(n: int, tokens: int, seed: int):
    from glmocr_desktop.core.jobs import Job

    return [Job(image=noise_image(*REGION, seed=seed + i), max_new_tokens=tokens) for i in range(n)]


def summary(results, wall: float) -> dict:
    tokens = sum(r.timings.generated_tokens for r in results)
    ttft = [r.timings.first_token_s for r in results if r.timings.first_token_s is not None]
    total = [r.timings.total_s for r in results]
    return {
        "requests": len(results),
        "errors": sum(1 for r in results if r.error),
        "wall_s": round(wall, 3),
        "regions_per_s": round(len(results) / wall, 3),
        "tokens_per_s": round(tokens / wall, 1),
        "tokens": tokens,
        "ttft_p50_s": round(statistics.median(ttft), 3) if ttft else None,
        "latency_p50_s": round(statistics.median(total), 3),
        "latency_p95_s": round(sorted(total)[max(0, int(len(total) * 0.95) - 1)], 3),
    }


def through_server(url: str, jobs, in_flight: int) -> dict:
    from glmocr_desktop.engines.remote import RemoteEngine

    remote = RemoteEngine(url, "glm-ocr", concurrency=in_flight, chunk_timeout=600)
    remote.load()
    t = time.perf_counter()
    results = [c.result for c in remote.stream_many(jobs) if c.done]
    wall = time.perf_counter() - t
    remote.close()
    return summary(results, wall)


def direct(engine, jobs, in_flight: int) -> dict:
    t = time.perf_counter()
    results = []
    for start in range(0, len(jobs), in_flight):
        results += [c.result for c in engine.stream_many(jobs[start:start + in_flight]) if c.done]
    return summary(results, time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", help="result JSON; 'auto': benchmarks/results/serve-<device>-<date>.json")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tiny", action="store_true", help="the tiny checkpoint (a check of the script on a CPU)")
    ap.add_argument("--model-dir", type=Path, default=Path("/tmp/glmocr-real-random"))
    ap.add_argument("--levels", default="1,8,32", help="requests in flight, comma separated (default 1,8,32)")
    ap.add_argument("--requests", type=int, default=0,
                    help="requests per level (default: 4 x the level, at least 8; --tiny: 2 x, at least 4)")
    ap.add_argument("--tokens", type=int, default=256, help="forced output length per request (default 256)")
    ap.add_argument("--no-compile", action="store_true", help="fast path on CUDA graphs only (as serve runs)")
    ap.add_argument("--no-direct", action="store_true", help="skip the in-process baseline")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",") if x.strip()]

    import glmocr_desktop.core.loops as loops
    from glmocr_desktop.engines.local import LocalEngine
    from glmocr_desktop.server.run import ServerThread

    loops.RepetitionGuard.feed = lambda self, delta: False  # random weights loop at once (docstring)
    report: dict = {**report_header(args.device), "tokens_forced": args.tokens, "region": list(REGION),
                    "levels": levels}
    t = time.perf_counter()
    model_dir = Path("/tmp/bench-tiny-glm") if args.tiny else args.model_dir
    ensure_checkpoint(model_dir, real_size=not args.tiny)
    report["checkpoint_written_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    engine = LocalEngine(model_dir, device=args.device, dtype="fp32" if args.tiny else "auto")
    engine.load()
    report["load_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    if args.device.startswith("cuda"):
        report["fast_path"] = bool(engine.warm_up_fast_path(compile=not args.no_compile))
    report["fast_path_state"] = str(engine.info.fast_path)
    report["continuous_batching"] = bool(getattr(engine, "continuous_batching", False))
    report["warm_up_s"] = round(time.perf_counter() - t, 2)
    if args.device.startswith("cuda"):
        import torch

        report["gpu"] = torch.cuda.get_device_name(0)

    rows = []
    with ServerThread(engine, max_queue=max(64, 2 * max(levels))) as server:
        report["server_max_batch"] = server.batcher.max_batch
        through_server(server.url, jobs_for(2, 8, seed=999), 2)  # first-call costs out of the figures
        for level in levels:
            n = args.requests or (max(4, 2 * level) if args.tiny else max(8, 4 * level))
            jobs = jobs_for(n, args.tokens, seed=level * 1000)
            row = {"in_flight": level, "serve": through_server(server.url, jobs, level)}
            if not args.no_direct:
                row["direct"] = direct(engine, jobs_for(n, args.tokens, seed=level * 1000), level)
                d = row["direct"]["tokens_per_s"]
                row["ratio_vs_direct"] = round(row["serve"]["tokens_per_s"] / d, 2) if d else None
            log(json.dumps(row))
            rows.append(row)
        report["batches"] = server.batcher.stats()["batches"]
    engine.close()
    report["rows"] = rows
    log("\n| in flight | regions/s | tokens/s | TTFT p50 | latency p50 | vs direct |")
    log("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        s = row["serve"]
        log(f"| {row['in_flight']} | {s['regions_per_s']} | {s['tokens_per_s']} | {s['ttft_p50_s']} s | "
            f"{s['latency_p50_s']} s | {row.get('ratio_vs_direct')} |")
    path = out_path(args.out, "serve", args.device)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")
        log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
