"""What the benchmark scripts share: paths, test images, the random-weight model, timing, report header.

Every script in ``benchmarks/`` runs as ``python benchmarks/<script>.py`` from the repository root.
Python then puts ``benchmarks/`` itself first on ``sys.path``, so ``import common`` finds this file; the
path set-up below adds the two other folders the scripts need. Nothing else in ``benchmarks/`` touches
``sys.path``.

Heavy imports (torch, transformers, PIL) happen inside the functions, so importing this module is cheap
(``guard_cost.py`` never loads torch).
"""

from __future__ import annotations

import datetime
import importlib.metadata
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

# --- the one path set-up -----------------------------------------------------------------------------
# ROOT: ``import glmocr_desktop`` works without an installed package.
# ROOT / "tests": the offline checkpoint builders, ``make_tiny_model`` (GLM-OCR, tiny or real size) and
# ``make_tiny_layout_model`` (PP-DocLayoutV3), which the tests use too.
for _folder in (ROOT / "tests", ROOT):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

# --- the model's constants and the shapes timed -------------------------------------------------------
EOS = [59246, 59253]  # GLM-OCR's end-of-text ids
PAD = 59246
REGION = (448, 448)  # one region, 281 prompt tokens
A4 = (1654, 2339)  # a whole A4 page at 200 DPI, ~4,956 image tokens


def log(*a) -> None:
    print(*a, flush=True)


# --- images --------------------------------------------------------------------------------------------


def noise_image(w: int, h: int, seed: int = 0):
    """Random RGB noise of ``w`` x ``h``: the decode benchmarks' input (random weights read nothing anyway)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, size=(h, w, 3), dtype=np.uint8))


def text_page(w: int, h: int):
    """A white page of ``w`` x ``h`` with a line of text every 40 pixels: the engine benchmark's input."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    for i in range(0, h, 40):
        d.text((20, i + 10), "The quick brown fox jumps over the lazy dog 0123456789", fill="black")
    return img


def make_inputs(processor, sizes, device, prompt: str = "Text Recognition:") -> dict:
    """One chat-templated batch of noise images of ``sizes`` ((w, h) each), on ``device``."""
    msgs = [
        [{"role": "user", "content": [{"type": "image", "image": noise_image(w, h, i)},
                                      {"type": "text", "text": prompt}]}]
        for i, (w, h) in enumerate(sizes)
    ]
    batch = processor.apply_chat_template(
        msgs, tokenize=True, add_generation_prompt=True, return_dict=True, return_tensors="pt", padding=True
    )
    batch.pop("token_type_ids", None)
    return {k: v.to(device) for k, v in batch.items()}


# --- the model with random weights ----------------------------------------------------------------------


def build(size: str, device, dtype, torch):
    """The GLM-OCR architecture (``"real"`` size or ``"tiny"``) with random weights, in memory, no grads."""
    from make_tiny_model import build_model, real_config_dict, tiny_config_dict

    cfg = real_config_dict() if size == "real" else tiny_config_dict()
    with torch.device(device):
        model = build_model(cfg, seed=0, dtype=dtype)
    model.generation_config.eos_token_id = EOS
    model.generation_config.pad_token_id = PAD
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def ensure_checkpoint(model_dir: Path, *, real_size: bool = True) -> Path:
    """A GLM-OCR-shaped checkpoint with random weights in ``model_dir``, written by
    ``tests/make_tiny_model.py`` unless one is already there (the real size is ~2.7 GB and takes a while).
    """
    from make_tiny_model import write_checkpoint

    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        t = time.perf_counter()
        write_checkpoint(model_dir, real_size=real_size)
        log(f"wrote {'real-size' if real_size else 'tiny'} checkpoint to {model_dir} in {time.perf_counter() - t:.1f}s")
    return model_dir


# --- timing ---------------------------------------------------------------------------------------------


class Clock:
    """``time.perf_counter`` after a CUDA synchronise (on a GPU), so a reading includes queued work."""

    def __init__(self, torch, device):
        self.torch = torch
        self.cuda = device.type == "cuda"

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize()

    def now(self):
        self.sync()
        return time.perf_counter()


def fast_generate(fd, inputs, n, clock):
    """The fast decoder on ``inputs`` with exactly ``n`` new tokens (forced); tokens, TTFT, decode tok/s
    per row (first token excluded), total seconds."""
    stamps, steps = [], []

    def on_step(tok):
        stamps.append(time.perf_counter())
        steps.append(tok)

    t0 = clock.now()
    fd.generate(inputs, max_new_tokens=n, min_new_tokens=n, eos_token_ids=EOS, pad_token_id=PAD,
                repetition_penalty=1.1, on_step=on_step)
    t1 = clock.now()
    toks = [list(r) for r in zip(*[s.tolist() for s in steps])]
    ttft = stamps[0] - t0
    dec = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return {"tokens": toks, "ttft_s": ttft, "decode_tok_s": dec, "total_s": t1 - t0}


def stream_once(engine, jobs) -> dict:
    """Stream one batch of ``jobs`` through an engine's ``stream_many``, as the app does; time to the first
    token, total time, tokens generated and tokens per second over the whole batch."""
    t0 = time.perf_counter()
    first = None
    results = []
    for chunk in engine.stream_many(jobs):
        if first is None and not chunk.done:
            first = time.perf_counter() - t0
        if chunk.done:
            results.append(chunk.result)
    total = time.perf_counter() - t0
    tokens = sum(r.timings.generated_tokens for r in results)
    return {"first_token_s": round(first or 0, 4), "total_s": round(total, 3), "tokens": tokens,
            "tok_s": round(tokens / total, 1), "texts": [r.raw_text for r in results]}


def profile_decode(fd, torch, steps=200, batches=(1, 8), lbs=(512,)):
    """GPU time of one decode step with no host in the loop (back-to-back graph replays), and the
    kernels inside it (torch.profiler), per batch size and attended-length bucket."""
    with torch.inference_mode():
        return _profile_decode(fd, torch, steps, batches, lbs)


def _profile_decode(fd, torch, steps, batches, lbs):
    from torch.profiler import ProfilerActivity, profile

    from glmocr_desktop.engines.fast_decode import LEN_STEP

    out = {}
    for bb in batches:
        st = fd.decode_state(bb, LEN_STEP, PAD)
        for lb in lbs:
            key = fd.decode_graph_key(st, lb, PAD, 1.1)
            if not fd.decode_graphs.can_run(key):
                continue
            tag = f"b{bb}" if lb == LEN_STEP else f"b{bb}_L{lb}"
            start = max(0, lb - steps - 64)
            st.slot.fill_(start)
            st.finished.fill_(True)
            torch.cuda.synchronize()
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            for _ in range(steps):
                fd.decode_graphs.replay(key)
            b.record()
            torch.cuda.synchronize()
            ms = a.elapsed_time(b) / steps
            out[f"replay_step_{tag}_ms"] = round(ms, 4)
            out[f"replay_tok_s_{tag}"] = round(bb * 1000 / ms, 1)
            st.slot.fill_(start)
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                for _ in range(20):
                    fd.decode_graphs.replay(key)
                torch.cuda.synchronize()
            rows = []
            for ev in prof.key_averages():
                t = getattr(ev, "device_time_total", None) or getattr(ev, "cuda_time_total", 0)
                if t:
                    rows.append((t / 20, ev.count // 20, ev.key[:90]))
            rows.sort(reverse=True)
            out[f"replay_kernels_{tag}"] = [{"us_per_step": round(t, 1), "per_step": c, "name": k}
                                           for t, c, k in rows[:30]]
            out[f"replay_kernel_sum_{tag}_us"] = round(sum(r[0] for r in rows), 1)
            st.slot.fill_(0)
    return out


# --- the report header and the result file's name --------------------------------------------------------


def git_commit() -> str:
    """The checkout's HEAD (short hash); ``$BENCH_COMMIT`` where there is no git (a copied working tree)."""
    import os

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=ROOT, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    return out or os.environ.get("BENCH_COMMIT", "")


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: str = "cpu") -> str:
    """The GPU's name on ``cuda`` (torch is imported then), else the CPU's."""
    if str(device).startswith("cuda"):
        import torch

        return torch.cuda.get_device_name(0)
    if str(device).startswith("mps"):
        return "Apple MPS"
    return cpu_name()


def device_slug(device: str = "cpu") -> str:
    """The device part of a result file's name: ``nvidia-h100``, ``nvidia-h200``, ``mps`` or ``cpu``.

    A GPU is its vendor and the first word of its name holding a digit: "NVIDIA H100 80GB HBM3" ->
    ``nvidia-h100``, "NVIDIA A100-SXM4-80GB" -> ``nvidia-a100``.
    """
    if not str(device).startswith("cuda"):
        return "mps" if str(device).startswith("mps") else "cpu"
    words = device_name(device).lower().split()
    model = next((w.split("-")[0] for w in words[1:] if any(c.isdigit() for c in w)), "-".join(words[1:2]))
    return f"{words[0]}-{model}" if words else "cuda"


def today() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def result_path(bench: str, device: str = "cpu") -> Path:
    """``benchmarks/results/<bench>-<device>-<date>.json``; ``-2``, ``-3`` ... before ``.json`` when a run
    of that benchmark on that device is already there from the same day."""
    stem = f"{bench}-{device_slug(device)}-{today()}"
    path = RESULTS / f"{stem}.json"
    n = 2
    while path.exists():
        path = RESULTS / f"{stem}-{n}.json"
        n += 1
    return path


def out_path(arg: str | Path | None, bench: str, device: str = "cpu") -> Path | None:
    """A script's ``--out``: ``auto`` is :func:`result_path`, anything else a path, nothing no file."""
    if arg is None or str(arg) == "":
        return None
    return result_path(bench, device) if str(arg) == "auto" else Path(arg)


def _version(package: str) -> str | None:
    module = sys.modules.get(package)
    if getattr(module, "__version__", None):
        return str(module.__version__)  # torch's own says its build too (2.11.0+cu130)
    try:
        return importlib.metadata.version(package)  # no import: guard_cost.py never loads torch
    except importlib.metadata.PackageNotFoundError:
        return None


def report_header(device: str = "cpu") -> dict:
    """What every result file starts with: which benchmark (the script's name), the commit and command
    line that made it, the device, the library versions and the date."""
    return {
        "bench": Path(sys.argv[0]).stem,
        "commit": git_commit(),
        "command": " ".join(["python", "benchmarks/" + Path(sys.argv[0]).name, *sys.argv[1:]]),
        "device": device_name(device),
        "torch": _version("torch"),
        "transformers": _version("transformers"),
        "python": platform.python_version(),
        "date": today(),
    }

