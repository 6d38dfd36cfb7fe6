"""What the streaming repetition guard costs per token, on 8,192-token outputs.

    python benchmarks/guard_cost.py [--out auto]   # results/guard-cost-cpu-<date>.json

Each output is fed to a fresh :class:`RepetitionGuard` in pieces of the length of a token (4
characters, the GLM tokenizer's average on Latin text; 1 for Chinese), as the engine feeds it. The
baseline, measured in the same run on the same pieces, is the engine's own per-token work without the
guard: appending the piece to the result (a list append) and the running character count. Outputs:

- ``prose``: ordinary text with no loop (the guard must stay quiet; the common case);
- ``ledger``: prose with many complete tables of identical empty rows (candidates that the final rules
  keep, so the guard confirms and backs off);
- ``cjk``: Chinese prose, one character per token;
- ``loop``: prose that falls into a loop halfway (the guard stops it; cost up to the stop).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time

from common import out_path, report_header

from glmocr_desktop.core.loops import RepetitionGuard

TOKENS = 8192
WORDS = ["the", "of", "and", "to", "in", "is", "was", "for", "on", "that", "with", "as", "by", "at", "from", "this", "be", "are", "which", "page", "table", "chapter", "section", "total", "name", "date", "amount", "12", "3.5", "2024", "invoice", "balance"]


def prose(chars: int, rng: random.Random) -> str:
    out, size = [], 0
    while size < chars:
        w = rng.choice(WORDS) + (".\n" if rng.random() < 0.05 else " ")
        out.append(w)
        size += len(w)
    return "".join(out)


def outputs(rng: random.Random) -> dict[str, tuple[str, int]]:
    row = "<tr><td></td><td></td><td></td><td></td></tr>"
    ledger_parts = []
    while sum(map(len, ledger_parts)) < TOKENS * 4:
        ledger_parts.append(prose(600, rng))
        ledger_parts.append("<table>" + row * 20 + "</table>\n")
    cjk_chars = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
    cjk = "".join(rng.choice(cjk_chars) for _ in range(TOKENS))
    half = prose(TOKENS * 2, rng)
    return {
        "prose": (prose(TOKENS * 4, rng)[: TOKENS * 4], 4),
        "ledger": ("".join(ledger_parts)[: TOKENS * 4], 4),
        "cjk": (cjk, 1),
        "loop": (half + "The same line, again and again.\n" * 400, 4),
    }


def time_guard(text: str, piece: int) -> tuple[float, int, bool, int]:
    pieces = [text[i : i + piece] for i in range(0, len(text), piece)][:TOKENS]
    guard = RepetitionGuard()
    t0 = time.perf_counter()
    fed = 0
    stopped = False
    for p in pieces:
        fed += 1
        if guard.feed(p):
            stopped = True
            break
    return time.perf_counter() - t0, fed, stopped, guard.confirmations


def time_baseline(text: str, piece: int, count: int) -> float:
    pieces = [text[i : i + piece] for i in range(0, len(text), piece)][:count]
    kept: list[str] = []
    t0 = time.perf_counter()
    n = 0
    for p in pieces:
        kept.append(p)
        n += len(p)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", help="result JSON; 'auto': benchmarks/results/guard-cost-cpu-<date>.json")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(5)
    report: dict = {
        **report_header("cpu"),
        "machine": platform.processor() or platform.machine(),
        "tokens": TOKENS,
        "cases": {},
    }
    for name, (text, piece) in outputs(rng).items():
        runs = [time_guard(text, piece) for _ in range(args.repeats)]
        best = min(runs, key=lambda r: r[0])
        seconds, fed, stopped, confirmations = best
        base = min(time_baseline(text, piece, fed) for _ in range(args.repeats))
        report["cases"][name] = {
            "tokens_fed": fed,
            "stopped": stopped,
            "confirmations": confirmations,
            "guard_us_per_token": round(seconds / fed * 1e6, 3),
            "baseline_us_per_token": round(base / fed * 1e6, 3),
            "guard_total_ms": round(seconds * 1e3, 2),
            "ratio_to_baseline": round(seconds / base, 1) if base else None,
        }
        print(f"{name:7s} {fed:5d} tokens  guard {seconds / fed * 1e6:7.2f} us/token "
              f"(baseline {base / fed * 1e6:.3f})  total {seconds * 1e3:7.1f} ms  stopped={stopped} "
              f"confirmations={confirmations}")
    out = out_path(args.out, "guard-cost")
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
