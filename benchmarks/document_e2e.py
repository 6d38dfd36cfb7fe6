"""Whole documents per second, end to end: render, layout, region OCR, assembly.

    python benchmarks/document_e2e.py --out auto   # results/document-continuous-b32-<device>-<date>.json
    python benchmarks/document_e2e.py --tiny --device cpu --pages 2 --baseline-pages 1   # a quick check
    python benchmarks/document_e2e.py --no-compile --scheduler static      # static batches of eight

``--scheduler continuous`` (the default, what the engine does on the fast path) keeps a batch of up to
``--max-batch`` rows full, refilling rows as regions end; ``static`` runs batches of eight that end with
their longest row. Row utilisation is reported for both (busy rows / batch rows over the decode steps).
On a CPU the fast path's code runs eagerly for ``continuous`` (the engine itself keeps stock ``generate``
there), so the script can be checked with the tiny checkpoints.

A synthetic 10-page PDF is drawn with the layout of ten pages of the GLM-OCR SDK's published
layout-mode example (``benchmarks/data/sdk_example_pages.json``: every block's label, box and length
of text). It is read through the app's own :class:`~glmocr_desktop.core.pipeline.DocumentPipeline`:
each page rendered at 200 DPI, the real-size PP-DocLayoutV3 architecture run on it, every text /
table / formula block cropped and read by ``LocalEngine`` (the real-size GLM-OCR architecture; the
fast path on CUDA), the pages assembled into Markdown.

Random weights cannot find a real layout or read real text, so two things are forced, and only those:

- the layout model runs for real on every page (its cost is paid), but the blocks handed on are the
  example page's known blocks (random detections would be meaningless boxes);
- every block's output length is forced to the example's length of text for that block, at
  ``CHARS_PER_TOKEN`` characters per token (random weights practically never draw an end-of-text, and
  the repetition guard, which random output trips at once, is switched off here as in
  ``engine_e2e.py``).

The baseline, in the same process on the same pages and budgets: the same pipeline, one region at a
time on stock transformers ``generate``. Where OpenCV is missing (the GPU machine has none), the layout
model's own post-processing is skipped and only its image processor and forward pass are timed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import ensure_checkpoint, out_path, report_header

DATA = Path(__file__).resolve().parent / "data" / "sdk_example_pages.json"
#: Characters of output per generated token assumed for the example's text (English prose and HTML).
CHARS_PER_TOKEN = 3.5
FILLER = ["layout", "region", "text", "table", "formula", "model", "page", "reading", "order", "block", "decoder", "vision", "token", "batch", "benchmark", "document", "assembly", "markdown", "result", "recognition"]


def example_pages(count: int) -> list[list[tuple[str, str, tuple[int, int, int, int], int]]]:
    pages = json.loads(DATA.read_text())["pages"]
    out = []
    while len(out) < count:
        out.extend(pages)
    return [[(label, native, tuple(box), chars) for label, native, box, chars in page] for page in out[:count]]


def make_pdf(path: Path, pages) -> None:
    """A4 pages with filler text drawn in each block's box (pictures as grey boxes)."""
    import pymupdf

    doc = pymupdf.open()
    for blocks in pages:
        page = doc.new_page(width=595, height=842)
        for i, (label, _native, (x0, y0, x1, y1), chars) in enumerate(blocks):
            rect = pymupdf.Rect(x0 * 0.595, y0 * 0.842, x1 * 0.595, y1 * 0.842)
            if label == "image":
                page.draw_rect(rect, color=(0.4, 0.4, 0.4), fill=(0.85, 0.85, 0.85))
                continue
            words = " ".join(FILLER[(i + k) % len(FILLER)] for k in range(max(3, chars // 6)))
            page.insert_textbox(rect, words, fontsize=7)
    doc.save(path)


def known_blocks(blocks):
    from glmocr_desktop.core.layout import LayoutBlock
    from glmocr_desktop.core.regions import Region

    out = []
    for order, (label, native, (x0, y0, x1, y1), _chars) in enumerate(blocks):
        region = Region.from_corners(x0 / 1000, y0 / 1000, max(x1, x0 + 2) / 1000, max(y1, y0 + 2) / 1000)
        out.append(LayoutBlock(region, native, label, 1.0, order))
    return out


class KnownLayout:
    """Runs the layout model on each page for its cost, then hands on the page's known blocks."""

    def __init__(self, detector, pages) -> None:
        self.detector = detector
        self.pages = [known_blocks(b) for b in pages]
        self.calls = 0
        self.seconds = 0.0
        try:
            import cv2  # noqa: F401

            self.postprocess = True
        except ImportError:
            self.postprocess = False

    def detect(self, images):
        import torch

        t0 = time.perf_counter()
        if self.postprocess:
            self.detector.detect(images)
        else:
            det = self.detector
            if det.model is None:
                det.load()
            inputs = det.processor(images=[im.convert("RGB") for im in images], return_tensors="pt").to(det.device)
            with torch.inference_mode():
                det.model(**inputs)
        if str(self.detector.device).startswith("cuda"):
            torch.cuda.synchronize()
        self.seconds += time.perf_counter() - t0
        out = []
        for _ in images:
            out.append(self.pages[self.calls % len(self.pages)])
            self.calls += 1
        return out


class BudgetedEngine:
    """The engine with each block's output length forced to the example's (see the module docstring)."""

    def __init__(self, engine, pages) -> None:
        self.engine = engine
        self.budgets = {}
        for page, blocks in enumerate(pages):
            for block, (_l, _n, _b, chars) in zip(known_blocks(blocks), blocks):
                self.budgets[(page, block.region)] = max(4, round(chars / CHARS_PER_TOKEN))
        self.seconds = 0.0
        self.runs: list[dict] = []  # what each continuous run measured (engine.continuous_stats)

    def stream_many(self, jobs):
        jobs = list(jobs)
        for job in jobs:
            job.max_new_tokens = self.budgets.get((job.source.page, job.source.region), 256)
        t0 = time.perf_counter()
        self.engine.continuous_stats = {}
        yield from self.engine.stream_many(jobs)
        self.seconds += time.perf_counter() - t0
        if self.engine.continuous_stats:
            self.runs.append(dict(self.engine.continuous_stats))

    def __getattr__(self, name):
        return getattr(self.engine, name)


class StageClock:
    """Adds up the time the engine spends preparing inputs (image processor, on the CPU) per batch."""

    def __init__(self, engine) -> None:
        self.seconds = 0.0
        self.batches = 0
        real = engine.prepare_inputs

        def timed(jobs, *a, **k):
            t0 = time.perf_counter()
            try:
                return real(jobs, *a, **k)
            finally:
                self.seconds += time.perf_counter() - t0
                self.batches += 1

        engine.prepare_inputs = timed


def read_document(engine, layout, document, pages, clock=None, **options) -> dict:
    from glmocr_desktop.core.assembly import assemble
    from glmocr_desktop.core.pipeline import DocumentPipeline, PageDone, RegionDone

    layout.seconds = 0.0
    engine.seconds = 0.0
    engine.runs = []
    if clock is not None:
        clock.seconds, clock.batches = 0.0, 0
    t0 = time.perf_counter()
    done, regions, tokens = [], 0, 0
    batches: dict[float, tuple[float, float]] = {}  # an engine batch -> (first token at, ended at)
    sizes: dict[float, tuple[int, int]] = {}  # an engine batch -> (rows, longest row in tokens)
    for event in DocumentPipeline(engine, layout, **options).run(document, pages):
        if isinstance(event, PageDone):
            done.append(event.page)
        elif isinstance(event, RegionDone):
            regions += 1
            tokens += event.tokens
            t = event.result.timings
            key = round(t.total_s, 6)  # one total for every row of an engine batch
            first, last = batches.get(key, (float("inf"), 0.0))
            batches[key] = (min(first, t.first_token_s or 0.0), max(last, t.total_s))
            rows, longest = sizes.get(key, (0, 0))
            sizes[key] = (rows + 1, max(longest, t.generated_tokens))
    markdown, _images = assemble(done).to_markdown()
    total = time.perf_counter() - t0
    if engine.runs:  # continuous batching: rows refilled as regions end, one engine run per window
        runs = engine.runs
        steps = sum(r["steps"] for r in runs)
        busy = sum(r["row_utilisation"] * r["steps"] * r["batch"] for r in runs)
        scheduling = {
            "scheduler": "continuous",
            "row_utilisation": round(busy / max(1, sum(r["steps"] * r["batch"] for r in runs)), 3),
            "engine_runs": len(runs),
            "batch": max(r["batch"] for r in runs),
            "decode_steps": steps,
            "joins": sum(r["joins"] for r in runs),
            "prompt_s": round(sum(r["prompt_s"] for r in runs), 3),  # joining rows' prompt passes
            "decoder_wall_s": round(sum(r["wall_s"] for r in runs), 3),
            "prepare_inputs_overlapped_s": round(sum(r.get("prepare_s", 0.0) for r in runs), 3),
        }
    else:  # static batches: a batch runs until its longest row ends
        scheduling = {
            "scheduler": "static",
            "row_utilisation": round(tokens / max(1, sum(rows * longest for rows, longest in sizes.values())), 3),
            "engine_batches": len(batches),
            "to_first_token_s": round(sum(f for f, _ in batches.values()), 3),  # inputs + vision + prefill
            "decoding_s": round(sum(e - f for f, e in batches.values()), 3),
        }
    return {
        "pages": len(done),
        "regions": regions,
        "tokens": tokens,
        "seconds": round(total, 3),
        "pages_per_s": round(len(done) / total, 3),
        "tokens_per_s": round(tokens / total, 1),
        "layout_s": round(layout.seconds, 3),
        "ocr_s": round(engine.seconds, 3),
        "render_and_rest_s": round(total - layout.seconds - engine.seconds, 3),
        "markdown_chars": len(markdown),
        **scheduling,
        **({"prepare_inputs_s": round(clock.seconds, 3), "batches": clock.batches} if clock else {}),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", help="result JSON; 'auto': benchmarks/results/document-<device>-<date>.json")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--baseline-pages", type=int, default=1)
    ap.add_argument("--model-dir", type=Path, default=Path("/tmp/glmocr-real-random"))
    ap.add_argument("--layout-dir", type=Path, default=Path("/tmp/pp-doclayoutv3-real-random"))
    ap.add_argument("--tiny", action="store_true", help="tiny checkpoints (a check of the script on a CPU)")
    ap.add_argument("--no-compile", action="store_true", help="fast path on CUDA graphs only (no torch.compile)")
    ap.add_argument("--scheduler", choices=("static", "continuous"), default="continuous",
                    help="continuous batching (rows refilled as regions end) or static batches of eight")
    ap.add_argument("--max-batch", type=int, default=32, help="rows of the continuous batch (default 32)")
    args = ap.parse_args()

    import torch
    import transformers

    import glmocr_desktop.core.loops as loops
    from glmocr_desktop.core.documents import open_document
    from glmocr_desktop.engines.layout import LayoutDetector
    from glmocr_desktop.engines.local import LocalEngine

    loops.RepetitionGuard.feed = lambda self, delta: False  # random weights loop at once (docstring)
    report: dict = {
        **report_header(args.device),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "chars_per_token": CHARS_PER_TOKEN,
        "source_of_layout": json.loads(DATA.read_text())["source"],
    }
    if args.device.startswith("cuda"):
        report["gpu"] = torch.cuda.get_device_name(0)
    pages = example_pages(args.pages)
    t = time.perf_counter()
    if args.tiny:
        from make_tiny_layout_model import write_checkpoint as write_layout

        model_dir, layout_dir = Path("/tmp/bench-tiny-glm"), Path("/tmp/bench-tiny-layout")
        ensure_checkpoint(model_dir, real_size=False)
        if not (layout_dir / "config.json").is_file():
            write_layout(layout_dir)
    else:
        model_dir, layout_dir = args.model_dir, args.layout_dir
        ensure_checkpoint(model_dir, real_size=True)
        if not (layout_dir / "config.json").is_file():
            write_real_layout(layout_dir)
    report["checkpoints_written_s"] = round(time.perf_counter() - t, 1)
    pdf = Path(tempfile.mkdtemp(prefix="bench-document-")) / "document.pdf"  # overlapping runs: one each
    make_pdf(pdf, pages)

    t = time.perf_counter()
    engine = LocalEngine(model_dir, device=args.device, dtype="fp32" if args.tiny else "auto")
    engine.load()
    report["load_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    engine.continuous = args.scheduler == "continuous"
    engine.max_batch = args.max_batch
    report["fast_path"] = bool(engine.warm_up_fast_path(compile=not args.no_compile))
    if not args.device.startswith("cuda") and args.scheduler == "continuous":
        # a check of the script on a CPU: the fast path's code, eagerly (the engine keeps stock here)
        from glmocr_desktop.engines.fast_decode import FastDecoder

        engine.fast = FastDecoder(engine.model, device=engine.device, dtype=engine.dtype, use_graphs=False,
                                  compile=False)
        report["fast_path"] = True
    report["scheduler"] = args.scheduler
    report["max_batch"] = args.max_batch if engine.continuous else engine.MAX_BATCH
    report["fast_path_state"] = str(engine.info.fast_path)
    report["warm_up_s"] = round(time.perf_counter() - t, 2)
    detector = LayoutDetector(layout_dir, device=args.device)
    detector.load()
    report["layout_parameters_m"] = round(sum(p.numel() for p in detector.model.parameters()) / 1e6, 1)
    layout = KnownLayout(detector, pages)
    budgeted = BudgetedEngine(engine, pages)
    report["tokens_per_page_forced"] = round(sum(budgeted.budgets.values()) / len(pages), 1)
    report["blocks_per_page"] = round(sum(len(p) for p in pages) / len(pages), 1)

    clock = StageClock(engine)
    with open_document(pdf) as document:
        everything = list(range(len(pages)))
        report["fast_first_pass"] = read_document(budgeted, layout, document, everything, clock)
        report["fast"] = read_document(budgeted, layout, document, everything, clock)
        print(json.dumps(report["fast"]), flush=True)
        fast = engine.fast
        engine.fast = None  # stock transformers generate, one region at a time
        try:
            base = list(range(min(args.baseline_pages, len(pages))))
            if base:
                report["stock_region_by_region"] = read_document(budgeted, layout, document, base, clock,
                                                                 jobs_per_batch=1, pages_in_flight=1)
        finally:
            engine.fast = fast
    f, s = report["fast"], report.get("stock_region_by_region", {"pages_per_s": 0, "tokens_per_s": 0})
    report["ratio_pages_per_s"] = round(f["pages_per_s"] / s["pages_per_s"], 1) if s["pages_per_s"] else None
    # the baseline read fewer pages, with their own lengths: also compare at the document's tokens per page
    per_page = f["tokens"] / max(1, f["pages"])
    report["stock_pages_per_s_at_document_tokens"] = round(s["tokens_per_s"] / per_page, 4)
    report["ratio_tokens_per_s"] = round(f["tokens_per_s"] / s["tokens_per_s"], 1) if s["tokens_per_s"] else None
    engine.close()
    detector.close()
    print(json.dumps(report, indent=2))
    name = "document" if args.scheduler == "static" else f"document-continuous-b{args.max_batch}"
    out = out_path(args.out, name, args.device)  # auto: results/document[-continuous-bN]-<device>-<date>.json
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def write_real_layout(out_dir: Path) -> None:
    """PP-DocLayoutV3 at its published size (the transformers default config), random weights."""
    import torch
    from transformers import PPDocLayoutV3Config, PPDocLayoutV3ForObjectDetection, PPDocLayoutV3ImageProcessor

    from glmocr_desktop.core.layout import LABELS

    id2label = dict(enumerate(LABELS))
    torch.manual_seed(0)
    config = PPDocLayoutV3Config(id2label=id2label, label2id={v: k for k, v in id2label.items()})
    out_dir.mkdir(parents=True, exist_ok=True)
    PPDocLayoutV3ForObjectDetection(config).eval().save_pretrained(out_dir, safe_serialization=True)
    PPDocLayoutV3ImageProcessor(size={"height": 800, "width": 800}).save_pretrained(out_dir)


if __name__ == "__main__":
    raise SystemExit(main())
