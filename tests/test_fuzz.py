"""Seeded, time-boxed fuzzing of opening, rendering and cropping.

Damaged copies of real PDFs and images (bit flips, truncation, duplicated and deleted chunks, wrong
names) go through the public API. Nothing may crash or hang, and every failure must be an
:class:`OcrError` (never a bare PIL, MuPDF, struct or ValueError exception). The loop runs in a child
process so that a crash inside a C library fails this test instead of killing the whole run.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest
from conftest import corpus_path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240611
CASES = 420
BUDGET_S = 45.0

#: Small real files (fast to render) covering every container and most codecs.
CORPUS_SEEDS = [
    "pdfs/pdfjs_rotation.pdf",
    "pdfs/pdfjs_sizes.pdf",
    "pdfs/pdfjs_xref_command_missing.pdf",
    "pdfs/pypdf_r4-owner-password.pdf",
    "pdfs/pypdf_r2-user-password.pdf",
    "pdfs/docling_ocr_test.pdf",
    "pdfs/ocrmypdf_ccitt.pdf",
    "pdfs/ocrmypdf_hugemono.pdf",
    "edge/not_an_image_pdf_bytes.png",
    "edge/pillow_12in16bit.tif",
    "edge/pillow_i_trns_16bit.png",
    "edge/pillow_chi_animated.gif",
    "edge/pillow_hopper_orientation_6.jpg",
    "edge/rapidocr_img_exif_orientation.jpg",
    "edge/docling_2206.01062_multipage.tif",
    "edge/ocrmypdf_baiona_cmyk.jpg",
    "images/tesseract_phototest.tif",
    "formulas/rapidlatexocr_1.png",
    "tables/pubtabnet_PMC5332562_005_00.png",
]


def synthetic_seeds() -> dict[str, bytes]:
    """Files made here, so the fuzzer has BMP/WebP/LA/palette inputs and runs even without the corpus."""
    import pymupdf as fitz
    from PIL import Image, ImageDraw

    out: dict[str, bytes] = {}
    img = Image.new("RGB", (160, 90), "white")
    ImageDraw.Draw(img).text((10, 30), "Fuzz 123", fill="black")
    for fmt, suffix, mode in [
        ("BMP", ".bmp", "RGB"),
        ("WEBP", ".webp", "RGB"),
        ("PNG", ".png", "LA"),
        ("PNG", ".png", "P"),
        ("GIF", ".gif", "P"),
        ("TIFF", ".tif", "CMYK"),
        ("JPEG", ".jpg", "L"),
    ]:
        buf = io.BytesIO()
        img.convert(mode).save(buf, fmt)
        out[f"synthetic_{mode}{suffix}"] = buf.getvalue()
    doc = fitz.open()
    for rot in (0, 90):
        page = doc.new_page(width=300, height=200)
        page.set_rotation(rot)
        page.insert_text((20, 50), "Fuzzing text layer", fontsize=14)
        page.draw_rect(fitz.Rect(20, 80, 200, 120), fill=(0, 0, 0))
    out["synthetic.pdf"] = doc.tobytes(garbage=0, deflate=True)
    doc.close()
    return out


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    buf = bytearray(data)
    simple = ["flip", "flip_head", "truncate", "duplicate", "delete", "overwrite"]
    kind = rng.choice(simple + ["combo"])
    steps = [rng.choice(simple) for _ in range(3)] if kind == "combo" else [kind]
    for step in steps:
        n = len(buf)
        if n == 0:
            break
        if step in ("flip", "flip_head"):
            limit = min(n, 2048) if step == "flip_head" else n
            for _ in range(rng.randint(1, 24)):
                i = rng.randrange(limit)
                buf[i] ^= 1 << rng.randrange(8)
        elif step == "truncate":
            del buf[rng.randrange(1, n) if n > 1 else 1 :]
        elif step == "duplicate":
            a = rng.randrange(n)
            b = min(n, a + rng.randint(1, 4096))
            at = rng.randrange(n)
            buf[at:at] = buf[a:b] * rng.randint(1, 3)
        elif step == "delete":
            a = rng.randrange(n)
            del buf[a : a + rng.randint(1, 2048)]
        elif step == "overwrite":
            for _ in range(rng.randint(1, 6)):
                i = rng.randrange(n)
                value = rng.choice(
                    [b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff", b"\x80\x00", b"9999999"]
                )
                buf[i : i + len(value)] = value
    return bytes(buf), "+".join(steps)


def run(out_path: str) -> None:
    """The fuzz loop (runs in a child process); writes a JSON report to ``out_path``."""
    from glmocr_desktop.core.documents import open_document
    from glmocr_desktop.core.errors import OcrError
    from glmocr_desktop.core.regions import Region

    rng = random.Random(SEED)
    seeds: dict[str, bytes] = synthetic_seeds()
    corpus = corpus_path()
    if corpus is not None:
        for name in CORPUS_SEEDS:
            if (corpus / name).is_file():
                seeds[name.replace("/", "_")] = (corpus / name).read_bytes()
    names = sorted(seeds)
    report: dict = {"cases": 0, "opened": 0, "typed_errors": {}, "crashes": [], "seeds": len(names)}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for case in range(CASES):
            if time.monotonic() - started > BUDGET_S:
                break
            name = rng.choice(names)
            data, how = mutate(seeds[name], rng)
            suffix = Path(name).suffix
            if rng.random() < 0.15:  # a lying or unknown name
                suffix = rng.choice([".png", ".pdf", ".jpg", ".tif", ".xyz"])
            path = Path(tmp) / f"case{case}{suffix}"
            path.write_bytes(data)
            stage = "open"
            try:
                doc = open_document(path, password=rng.choice([None, None, "asdfzxcv"]))
                report["opened"] += 1
                with doc:
                    for index in range(min(doc.page_count, 2)):
                        stage = f"page_size {index}"
                        doc.page_size(index)
                        stage = f"render_page {index}"
                        doc.render_page(index, dpi=rng.choice([36, 72, 100]), max_side=600)
                        stage = f"render_thumbnail {index}"
                        doc.render_thumbnail(index, 96)
                        x0, y0 = rng.random() * 0.8, rng.random() * 0.8
                        x1 = x0 + 0.05 + rng.random() * (0.95 - x0)
                        y1 = y0 + 0.05 + rng.random() * (0.95 - y0)
                        region = Region(x0, y0, x1, y1)
                        stage = f"render_region {index}"
                        doc.render_region(index, region, dpi=72, max_side=800)
            except OcrError as exc:
                kind = type(exc).__name__
                report["typed_errors"][kind] = report["typed_errors"].get(kind, 0) + 1
                if not str(exc).strip():
                    report["crashes"].append(
                        {"case": case, "seed": name, "how": how, "stage": stage,
                         "error": f"{kind}: empty message"}
                    )
            except Exception as exc:
                report["crashes"].append(
                    {
                        "case": case,
                        "seed": name,
                        "how": how,
                        "stage": stage,
                        "error": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc()[-1500:],
                    }
                )
            report["cases"] = case + 1
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    Path(out_path).write_text(json.dumps(report, indent=1))


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_fuzzed_files_fail_only_with_typed_errors(tmp_path):
    report_path = tmp_path / "fuzz.json"
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"import test_fuzz; test_fuzz.run({str(report_path)!r})"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, f"the fuzz process died (code {proc.returncode}):\n{proc.stderr[-3000:]}"
    report = json.loads(report_path.read_text())
    assert not report["crashes"], json.dumps(report["crashes"][:5], indent=1)
    assert report["cases"] >= 100, report  # the time box still leaves a meaningful number of cases
    assert report["opened"] > 0 and report["typed_errors"], report


def test_mutations_are_deterministic_and_varied():
    rng_a, rng_b = random.Random(1), random.Random(1)
    data = bytes(range(256)) * 20
    a = [mutate(data, rng_a) for _ in range(30)]
    b = [mutate(data, rng_b) for _ in range(30)]
    assert a == b
    assert len({m for m, _ in a}) > 25 and all(m != data for m, _ in a)
