"""Every real-world file of the shared corpus opens and renders, or fails with a typed, clear error.

The corpus lives beside the checkout (``../shared/corpus``) or where ``GLMOCR_CORPUS`` points; without
it this module is skipped.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import corpus_path
from PIL import Image

from glmocr_desktop.core import imaging
from glmocr_desktop.core.documents import open_document
from glmocr_desktop.core.errors import (
    CorruptFileError,
    EmptyDocumentError,
    ImageTooLargeError,
    OcrError,
    PasswordRequiredError,
    WrongPasswordError,
)
from glmocr_desktop.core.regions import Region

ROOT = Path(__file__).resolve().parent.parent


CORPUS = corpus_path()
if CORPUS is None:
    pytest.skip("the shared corpus is not beside this checkout (set GLMOCR_CORPUS)", allow_module_level=True)

ROWS = [
    row
    for row in csv.DictReader((CORPUS / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t")
    if row.get("kind") != "ground_truth" and row.get("file")
]

#: Files that must fail, and how.
EXPECTED_ERRORS = {
    "pdfs/ocrmypdf_invalid.pdf": CorruptFileError,
    "pdfs/qpdf_issue-1503_damaged.pdf": CorruptFileError,
    "pdfs/qpdf_empty_zero_pages.pdf": EmptyDocumentError,
    "edge/pillow_decompression_bomb.gif": ImageTooLargeError,
    "edge/pillow_broken.png": CorruptFileError,
}

PASSWORD = re.compile(r"password\s*=\s*(\S+)", re.I)


def user_password(row: dict) -> str | None:
    """The password of a file that needs one to open (owner-only files open without)."""
    notes = row.get("notes", "")
    match = PASSWORD.search(notes)
    if match and "user password" in notes.lower():
        return match.group(1).rstrip(".;,)")
    return None


def by_file(name: str) -> dict:
    for row in ROWS:
        if row["file"] == name:
            return row
    pytest.skip(f"{name} is not in this corpus")


def path_of(name: str) -> Path:
    by_file(name)
    return CORPUS / name


def gray(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L")).astype(float)


# --- every file --------------------------------------------------------------------------------


@pytest.mark.timeout(20)
@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_every_file_opens_or_fails_clearly(row):
    path = CORPUS / row["file"]
    expected = EXPECTED_ERRORS.get(row["file"])
    password = user_password(row)
    if expected is not None:
        with pytest.raises(expected) as info:
            open_document(path)
        assert str(info.value).strip()
        assert path.name in str(info.value)
        return
    if password is not None:
        with pytest.raises(PasswordRequiredError) as info:
            open_document(path)
        assert not isinstance(info.value, WrongPasswordError) and str(info.value).strip()
        with pytest.raises(WrongPasswordError) as info:
            open_document(path, password=password + "-wrong")
        assert str(info.value).strip()
    try:
        doc = open_document(path, password=password)
    except OcrError as exc:  # a file the corpus gained later: it may fail, but clearly
        assert str(exc).strip(), f"{row['file']}: empty error message"
        pytest.fail(f"{row['file']} did not open: {type(exc).__name__}: {exc}")
    with doc:
        assert doc.page_count >= 1
        assert len(doc.content_hash) == 64
        assert doc.kind == ("pdf" if doc.format == "pdf" else "image")
        w, h = doc.page_size(0)
        assert w > 0 and h > 0
        page = doc.render_page(0)
        assert page.mode == "RGB" and max(page.size) <= 3500
        thumb = doc.render_thumbnail(0)
        assert thumb.mode == "RGB" and max(thumb.size) <= 256
        region = doc.render_region(0, Region(0.25, 0.25, 0.75, 0.75))
        assert region.mode == "RGB"
        assert imaging.MODEL_MIN_PIXELS <= region.width * region.height <= imaging.MODEL_MAX_PIXELS
        if password is not None:
            assert doc.encrypted
            assert (gray(page) < 128).sum() > 500, "the decrypted page renders blank"


# --- specifics ---------------------------------------------------------------------------------


def test_exif_orientation_3_comes_out_upright():
    path = path_of("edge/rapidocr_img_exif_orientation.jpg")
    raw = Image.open(path).convert("RGB")
    with open_document(path) as doc:
        out = doc.render_page(0)
    assert out.size == raw.size
    assert np.abs(gray(out) - gray(raw.rotate(180))).mean() < 2
    assert np.abs(gray(out) - gray(raw)).mean() > 5  # it was really turned


def test_exif_orientation_6_is_turned_clockwise():
    path = path_of("edge/pillow_hopper_orientation_6.jpg")
    raw = Image.open(path).convert("RGB")
    with open_document(path) as doc:
        out = doc.render_page(0)
    assert out.size == (raw.height, raw.width)
    assert np.abs(gray(out) - gray(raw.transpose(Image.Transpose.ROTATE_270))).mean() < 2


def test_cmyk_jpeg_matches_the_palette_version_of_the_same_map():
    with open_document(path_of("edge/ocrmypdf_baiona_cmyk.jpg")) as cmyk, open_document(
        path_of("edge/ocrmypdf_baiona_colormapped.png")
    ) as pal:
        a, b = cmyk.render_page(0, dpi=200), pal.render_page(0)
    assert a.mode == "RGB" and a.size == b.size
    assert gray(a).std() > 30
    assert np.abs(gray(a) - gray(b)).mean() < 15


def test_alpha_map_has_contrast():
    with open_document(path_of("edge/ocrmypdf_baiona_alpha.png")) as doc:
        assert gray(doc.render_page(0)).std() > 30


def test_16bit_tiff_is_stretched_to_8_bits():
    with open_document(path_of("edge/pillow_12in16bit.tif")) as doc:
        g = gray(doc.render_page(0))
    assert g.min() == 0 and g.max() == 255 and g.std() > 20


def test_16bit_png_with_transparency():
    with open_document(path_of("edge/pillow_i_trns_16bit.png")) as doc:
        out = doc.render_page(0)
    assert out.mode == "RGB" and gray(out).std() > 20


def test_1bit_fax_tiff_is_black_on_white():
    with open_document(path_of("edge/pillow_pport_g4_1bit.tif")) as doc:
        g = gray(doc.render_page(0))
    assert set(np.unique(g)) <= {0.0, 255.0}
    assert 0.01 < (g == 0).mean() < 0.5


def test_white_text_on_transparent_background_stays_readable():
    path = path_of("edge/rapidocr_white_font_color_transparent.png")
    alpha = np.asarray(Image.open(path).getchannel("A"))
    with open_document(path) as doc:
        out = doc.render_region(0, None)  # full page, full resolution for this size
    assert out.size == (alpha.shape[1], alpha.shape[0])
    g = gray(out)
    text, background = g[alpha > 128], g[alpha == 0]
    assert abs(text.mean() - background.mean()) > 150


@pytest.mark.parametrize("name", [r["file"] for r in ROWS if r["file"].startswith("formulas/im2markup_")])
def test_transparent_formula_pages_are_dark_on_white(name):
    path = CORPUS / name
    alpha = np.asarray(Image.open(path).convert("RGBA").getchannel("A"))
    with open_document(path) as doc:
        g = gray(doc.render_region(0, None, max_side=10_000))
        assert g.shape == alpha.shape
    assert g[alpha == 0].mean() > 250
    assert g[alpha > 200].mean() < 60


def test_multipage_tiff_has_two_pages():
    with open_document(path_of("edge/docling_2206.01062_multipage.tif")) as doc:
        assert doc.page_count == 2
        first, second = doc.render_page(0), doc.render_page(1)
    assert first.mode == second.mode == "RGB"
    assert np.abs(gray(first) - gray(second)).mean() > 1  # two different pages


def test_animated_gif_is_one_page():
    with open_document(path_of("edge/pillow_chi_animated.gif")) as doc:
        assert doc.page_count == 1
        assert any("animated" in w for w in doc.warnings)


def test_zero_page_pdf():
    with pytest.raises(EmptyDocumentError, match="has no pages"):
        open_document(path_of("pdfs/qpdf_empty_zero_pages.pdf"))


def test_pdf_named_png_opens_as_pdf_with_a_warning():
    with open_document(path_of("edge/not_an_image_pdf_bytes.png")) as doc:
        assert doc.kind == "pdf" and doc.page_count == 1
        assert any("PDF" in w for w in doc.warnings)


def test_jpeg_named_png_opens_as_jpeg_with_a_warning():
    with open_document(path_of("images/glm_handwritten.png")) as doc:
        assert doc.kind == "image" and doc.format == "jpeg"
        assert any("JPEG" in w for w in doc.warnings)


def test_broken_xref_pdf_is_repaired_with_a_warning():
    with open_document(path_of("pdfs/pdfjs_xref_command_missing.pdf")) as doc:
        assert any("repaired" in w for w in doc.warnings)
        assert (gray(doc.render_page(0)) < 128).mean() > 0.001


@pytest.mark.parametrize("name", ["edge/pillow_truncated_jpeg.jpg", "edge/pillow_truncated_image.png"])
def test_truncated_images_open_with_a_warning(name):
    with open_document(path_of(name)) as doc:
        doc.render_page(0)
        assert any("truncated" in w for w in doc.warnings)


def test_owner_password_only_pdf_opens_without_asking():
    with open_document(path_of("pdfs/pypdf_r4-owner-password.pdf")) as doc:
        assert doc.encrypted
        assert (gray(doc.render_page(0)) < 128).sum() > 500


def test_rotate_90_page_is_shown_landscape():
    with open_document(path_of("pdfs/pdfjs_rotation.pdf")) as doc:
        assert doc.page_size(0) == (612, 792)
        assert doc.page_size(1) == (792, 612)
        assert doc.render_page(1, dpi=72).size == (792, 612)


def test_pages_of_different_sizes():
    with open_document(path_of("pdfs/pdfjs_sizes.pdf")) as doc:
        sizes = {tuple(round(v) for v in doc.page_size(i)) for i in range(doc.page_count)}
    assert len(sizes) == 3


def test_long_pdf_renders_its_last_page():
    with open_document(path_of("pdfs/samplefiles_GeoTopo-komprimiert.pdf")) as doc:
        assert doc.page_count == 117
        assert max(doc.render_thumbnail(116).size) == 256


def test_huge_poster_page_renders_reduced_with_a_warning():
    with open_document(path_of("pdfs/ocrmypdf_poster_huge_page.pdf")) as doc:
        assert doc.page_size(0) == (18000, 36000)
        page = doc.render_page(0)
        assert page.size == (1750, 3500)
        assert any("reduced resolution" in w for w in doc.warnings)


BOMB_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    from glmocr_desktop.core.documents import open_document
    from glmocr_desktop.core.errors import ImageTooLargeError
    from glmocr_desktop.core.regions import Region
    for path in sys.argv[1:]:
        try:
            doc = open_document(path)
        except ImageTooLargeError as exc:
            print("refused", path, exc)
            continue
        doc.render_page(0); doc.render_thumbnail(0); doc.render_region(0, Region(0, 0, 1, 0.5))
        doc.render_page(0, dpi=600, max_side=0)
        print("rendered", path, doc.warnings)
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so a child forked from a large test
    # process would report its parent's peak.
    try:
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
    except OSError:
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("maxrss_kb", hwm)
    """
)


@pytest.mark.timeout(60)
def test_bombs_are_refused_or_clamped_with_bounded_memory():
    names = [
        "pdfs/ocrmypdf_hugemono.pdf",
        "pdfs/ocrmypdf_poster_huge_page.pdf",
        "edge/pillow_decompression_bomb.gif",
    ]
    paths = [str(path_of(n)) for n in names]
    out = subprocess.run(
        [sys.executable, "-c", BOMB_SCRIPT, *paths], capture_output=True, text=True, timeout=55, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "refused" in out.stdout and "rendered" in out.stdout
    maxrss_mb = int(out.stdout.split("maxrss_kb")[-1]) / 1024
    assert maxrss_mb < 1500, f"peak memory {maxrss_mb:.0f} MB"
