"""Documents: opening by content, rendering within bounds, regions, page ranges and threads."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pymupdf as fitz
import pytest
from PIL import Image, ImageDraw

from glmocr_desktop.core import documents, imaging
from glmocr_desktop.core.documents import (
    SUPPORTED_SUFFIXES,
    Document,
    is_supported,
    open_document,
    open_image_bytes,
    parse_page_range,
)
from glmocr_desktop.core.errors import (
    CorruptFileError,
    EmptyDocumentError,
    InputError,
    OcrError,
    PageRangeError,
    PasswordRequiredError,
    RegionError,
    UnsupportedFileError,
    WrongPasswordError,
)
from glmocr_desktop.core.regions import Region

# --- fixtures ----------------------------------------------------------------------------------


def make_pdf(path: Path, pages=3, size=(612, 792), rotate=0, **save) -> Path:
    """Pages with a black box in the top-left quarter (as *displayed*) and the page number as text."""
    doc = fitz.open()
    for n in range(pages):
        page = doc.new_page(width=size[0], height=size[1])
        page.set_rotation(rotate)
        # Draw in displayed coordinates: map through the derotation matrix into unrotated space.
        w, h = page.rect.width, page.rect.height
        box = fitz.Rect(0.1 * w, 0.1 * h, 0.3 * w, 0.2 * h) * page.derotation_matrix
        page.draw_rect(box, color=(0, 0, 0), fill=(0, 0, 0))
        page.insert_text((72, size[1] - 72), f"Page {n + 1} of the test document", fontsize=12)
    doc.save(path, **save)
    doc.close()
    return path


@pytest.fixture()
def pdf_path(tmp_path):
    return make_pdf(tmp_path / "three.pdf")


def png_bytes(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **kw)
    return buf.getvalue()


def dark_fraction(img: Image.Image) -> float:
    return float((np.asarray(img.convert("L")) < 128).mean())


# --- opening -----------------------------------------------------------------------------------


def test_supported_suffixes_and_is_supported():
    assert SUPPORTED_SUFFIXES == (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif")
    assert is_supported("a/B.PDF") and is_supported(Path("x.jpeg")) and not is_supported("notes.txt")


def test_pdf_basics(pdf_path):
    with open_document(str(pdf_path)) as doc:
        assert isinstance(doc, Document)
        assert doc.kind == "pdf" and doc.page_count == 3 and doc.path == pdf_path.resolve()
        assert doc.name == "three.pdf" and not doc.encrypted and doc.warnings == []
        assert doc.content_hash == hashlib.sha256(pdf_path.read_bytes()).hexdigest()
        assert doc.page_size(0) == (612.0, 792.0)
        page = doc.render_page(0)
        assert page.mode == "RGB" and page.size == (1700, 2200)
        thumb = doc.render_thumbnail(2, max_side=128)
        assert max(thumb.size) == 128
    assert doc.closed
    with pytest.raises(InputError, match="closed"):
        doc.render_page(0)


def test_page_index_out_of_range(pdf_path):
    with open_document(pdf_path) as doc:
        with pytest.raises(PageRangeError, match="3 pages"):
            doc.render_page(3)
        with pytest.raises(PageRangeError):
            doc.page_size(-1)


def test_missing_file_folder_and_empty_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        open_document(tmp_path / "nope.pdf")
    with pytest.raises(InputError, match="folder"):
        open_document(tmp_path)
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty"):
        open_document(tmp_path / "empty.png")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_file(tmp_path):
    p = make_pdf(tmp_path / "locked.pdf", pages=1)
    p.chmod(0)
    try:
        with pytest.raises(InputError, match="permission"):
            open_document(p)
    finally:
        p.chmod(0o644)


def test_unknown_content_names_supported_types(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    with pytest.raises(UnsupportedFileError) as info:
        open_document(p)
    assert "PDF" in str(info.value) and "PNG" in str(info.value) and ".tiff" in str(info.value)


def test_image_extension_with_other_content_is_corrupt(tmp_path):
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"this is not a photo at all")
    with pytest.raises(CorruptFileError, match="JPEG"):
        open_document(p)


def test_pdf_named_png_opens_as_pdf_with_a_warning(tmp_path, pdf_path):
    p = tmp_path / "really_a_pdf.png"
    p.write_bytes(pdf_path.read_bytes())
    doc = open_document(p)
    assert doc.kind == "pdf" and doc.page_count == 3
    assert any("PDF" in w and "PNG" in w for w in doc.warnings)


def test_png_named_pdf_opens_as_image(tmp_path):
    p = tmp_path / "scan.pdf"
    p.write_bytes(png_bytes(Image.new("RGB", (40, 30), "white")))
    doc = open_document(p)
    assert doc.kind == "image" and doc.format == "png" and doc.warnings


def test_damaged_pdf_is_corrupt(tmp_path, pdf_path):
    p = tmp_path / "bad.pdf"
    p.write_bytes(b"%PDF-1.4\nnot really\n%%EOF")
    with pytest.raises(CorruptFileError, match="damaged"):
        open_document(p)


def test_zero_page_pdf_is_empty(tmp_path):
    p = tmp_path / "zero.pdf"
    p.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF"
    )
    with pytest.raises(EmptyDocumentError, match="has no pages"):
        open_document(p)


def test_encrypted_pdf(tmp_path):
    p = make_pdf(
        tmp_path / "secret.pdf",
        pages=1,
        encryption=fitz.PDF_ENCRYPT_AES_256,
        user_pw="open sesame",
        owner_pw="owner",
    )
    with pytest.raises(PasswordRequiredError) as info:
        open_document(p)
    assert not isinstance(info.value, WrongPasswordError) and "password" in str(info.value)
    with pytest.raises(WrongPasswordError):
        open_document(p, password="wrong")
    with open_document(p, password="open sesame") as doc:
        assert doc.encrypted
        assert dark_fraction(doc.render_page(0, dpi=72)) > 0.01  # not blank


def test_owner_password_only_opens_without_asking(tmp_path):
    p = make_pdf(tmp_path / "owner.pdf", pages=1, encryption=fitz.PDF_ENCRYPT_AES_256, owner_pw="owner")
    with open_document(p) as doc:
        assert doc.encrypted and dark_fraction(doc.render_page(0, dpi=72)) > 0.01


def test_open_image_bytes(pdf_path):
    img = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((10, 10, 50, 30), fill=(0, 0, 0, 255))
    data = png_bytes(img)
    doc = open_image_bytes(data)
    assert doc.name == "Pasted image" and doc.path is None and doc.kind == "image"
    assert doc.content_hash == hashlib.sha256(data).hexdigest()
    page = doc.render_page(0)
    assert page.mode == "RGB" and page.size == (120, 60) and page.getpixel((100, 50)) == (255, 255, 255)
    assert open_image_bytes(pdf_path.read_bytes(), name="clip").kind == "pdf"
    with pytest.raises(UnsupportedFileError):
        open_image_bytes(b"plain text")
    with pytest.raises(InputError):
        open_image_bytes(b"")


# --- rendering ---------------------------------------------------------------------------------


def test_render_caps_long_side_and_honours_dpi(pdf_path):
    with open_document(pdf_path) as doc:
        assert doc.render_page(0, dpi=72).size == (612, 792)
        assert max(doc.render_page(0, dpi=600).size) == 3500
        assert max(doc.render_page(0, dpi=600, max_side=1000).size) == 1000


def test_huge_pdf_page_renders_at_reduced_scale_with_a_warning(tmp_path):
    p = make_pdf(tmp_path / "poster.pdf", pages=1, size=(14_400, 14_400))
    doc = fitz.open(p)
    doc[0].set_mediabox(fitz.Rect(0, 0, 14_400, 14_400))
    doc.close()
    with open_document(p) as doc:
        assert doc.page_size(0) == (14_400, 14_400)
        # No side cap: the pixel cap alone keeps the render bounded.
        img = doc.render_page(0, dpi=200, max_side=0)
        assert img.width * img.height <= documents.PDF_MAX_RENDER_PIXELS
        assert any("reduced resolution" in w for w in doc.warnings)


def test_image_render_never_enlarges_and_dpi_reduces(tmp_path):
    p = tmp_path / "scan.png"
    Image.new("L", (900, 600), 255).save(p, dpi=(300, 300))
    with open_document(p) as doc:
        assert doc.page_size(0) == pytest.approx((216, 144), abs=0.5)
        assert doc.render_page(0, dpi=600).size == (900, 600)
        assert doc.render_page(0, dpi=150).size == (450, 300)
        assert doc.render_page(0, max_side=300).size == (300, 200)
        assert doc.render_thumbnail(0, 90).size == (90, 60)


def test_jpeg_thumbnail_of_large_photo(tmp_path):
    p = tmp_path / "photo.jpg"
    Image.effect_noise((3000, 2000), 50).convert("RGB").save(p, quality=80)
    with open_document(p) as doc:
        assert doc.render_thumbnail(0, 256).size == (256, 171)
        assert doc.render_page(0).size == (3000, 2000)


# --- regions -----------------------------------------------------------------------------------


BOX = Region(0.1, 0.1, 0.3, 0.2)  # where make_pdf draws the black box (displayed coordinates)


def test_region_of_pdf_shows_the_box(pdf_path):
    with open_document(pdf_path) as doc:
        img = doc.render_region(0, BOX)
        assert dark_fraction(img) > 0.98
        assert dark_fraction(doc.render_region(0, Region(0.5, 0.1, 0.7, 0.2))) < 0.01


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_region_respects_page_rotation(tmp_path, rotate):
    p = make_pdf(tmp_path / f"rot{rotate}.pdf", pages=1, rotate=rotate)
    with open_document(p) as doc:
        w, h = doc.page_size(0)
        assert (w, h) == ((792, 612) if rotate in (90, 270) else (612, 792))
        page = doc.render_page(0, dpi=72)
        box = BOX.to_pixels(*page.size)
        assert dark_fraction(page.crop(box)) > 0.95  # drawn where the displayed page shows it
        region = doc.render_region(0, BOX, dpi=72)
        assert dark_fraction(region) > 0.95
        # A region elsewhere on the rotated page does not see the box.
        assert dark_fraction(doc.render_region(0, Region(0.6, 0.6, 0.9, 0.9), dpi=72)) < 0.01


def test_region_rerender_gives_more_pixels_than_cropping_the_page(pdf_path):
    region = Region(0.05, 0.05, 0.55, 0.45)
    with open_document(pdf_path) as doc:
        page = doc.render_page(0, dpi=200, max_side=1000)
        cropped = page.crop(region.to_pixels(*page.size))
        rerendered = doc.render_region(0, region, dpi=200, max_side=1000)
        assert rerendered.width * rerendered.height > 2 * cropped.width * cropped.height
        # Same content, more detail: downscaled to the crop's size they agree.
        small = np.asarray(rerendered.resize(cropped.size, Image.Resampling.BOX).convert("L"), float)
        assert np.abs(small - np.asarray(cropped.convert("L"), float)).mean() < 12


def test_region_coordinates_are_invariant_to_dpi(pdf_path):
    region = Region(0.05, 0.05, 0.6, 0.3)
    with open_document(pdf_path) as doc:
        lo = doc.render_region(0, region, dpi=100)
        hi = doc.render_region(0, region, dpi=300)
        assert abs(lo.width / lo.height - hi.width / hi.height) < 0.02
        assert hi.width > 2.5 * lo.width
        a = np.asarray(hi.resize(lo.size, Image.Resampling.BOX).convert("L"), float)
        assert np.abs(a - np.asarray(lo.convert("L"), float)).mean() < 12


def test_region_respects_model_pixel_limits(pdf_path):
    with open_document(pdf_path) as doc:
        whole = doc.render_region(0, None, dpi=300)
        assert whole.width * whole.height <= imaging.MODEL_MAX_PIXELS
        tiny = doc.render_region(0, Region(0.5, 0.5, 0.502, 0.502), dpi=72)
        assert tiny.width * tiny.height >= imaging.MODEL_MIN_PIXELS
        with pytest.raises(RegionError, match="200"):
            doc.render_region(0, Region(0.0, 0.5, 1.0, 0.5012))


def test_region_renders_within_a_smaller_engine_cap(pdf_path):
    with open_document(pdf_path) as doc:
        full = doc.render_region(0, None, dpi=300)
        capped = doc.render_region(0, None, dpi=300, max_pixels=1_254_400)
        assert 1_200_000 < capped.width * capped.height <= 1_254_400
        assert abs(capped.width / capped.height - full.width / full.height) < 0.01
        # a cap outside the model's range is brought into it
        assert doc.render_region(0, None, max_pixels=10**10).size == doc.render_region(0, None).size


def test_small_pdf_region_is_rendered_finer_not_padded(pdf_path):
    with open_document(pdf_path) as doc:
        img = doc.render_region(0, Region(0.1, 0.1, 0.12, 0.11), dpi=200)  # 12 x 8 pt
        assert img.width * img.height >= imaging.MODEL_MIN_PIXELS
        assert dark_fraction(img) > 0.95  # all box, no padding


def test_region_of_image_is_cropped_from_full_resolution(tmp_path):
    p = tmp_path / "scan.png"
    img = Image.new("L", (2000, 1000), 255)
    ImageDraw.Draw(img).rectangle((200, 100, 599, 299), fill=0)
    img.save(p, dpi=(600, 600))
    with open_document(p) as doc:
        region = doc.render_region(0, Region(0.1, 0.1, 0.3, 0.3), dpi=100)
        assert region.size == (400, 200)  # full resolution regardless of dpi
        assert dark_fraction(region) > 0.99
        assert doc.render_page(0, dpi=100).size == (333, 167)


def test_region_type_is_checked(pdf_path):
    with open_document(pdf_path) as doc, pytest.raises(RegionError):
        doc.render_region(0, (0, 0, 1, 1))  # type: ignore[arg-type]


# --- page ranges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec,expected",
    [
        ("1-3,7", [0, 1, 2, 6]),
        ("", list(range(10))),
        ("all", list(range(10))),
        (" 2 , 4-5 ", [1, 3, 4]),
        ("8-", [7, 8, 9]),
        ("-2", [0, 1]),
        ("3,1,3", [2, 0]),
        ("last", [9]),
        ("9-last", [8, 9]),
        ("2\u20134", [1, 2, 3]),
    ],
)
def test_parse_page_range(spec, expected):
    assert parse_page_range(spec, 10) == expected


@pytest.mark.parametrize("spec", ["0", "11", "3-1", "a-b", "1-2-3", "1.5", ",", "5-20"])
def test_parse_page_range_errors(spec):
    with pytest.raises(PageRangeError) as info:
        parse_page_range(spec, 10)
    assert str(info.value)


def test_parse_page_range_on_empty_document():
    with pytest.raises(PageRangeError):
        parse_page_range("1", 0)


# --- threads -----------------------------------------------------------------------------------


def test_concurrent_rendering_matches_serial_rendering(tmp_path):
    pdf = open_document(make_pdf(tmp_path / "many.pdf", pages=8))
    frames = [Image.new("L", (300, 200), v) for v in range(0, 240, 30)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    tif = open_image_bytes(buf.getvalue(), name="pages.tif")
    jobs = [(doc, i, kind) for doc in (pdf, tif) for i in range(8) for kind in ("page", "thumb", "region")]

    def render(doc, i, kind):
        if kind == "page":
            return doc.render_page(i, dpi=60)
        if kind == "thumb":
            return doc.render_thumbnail(i, 96)
        return doc.render_region(i, Region(0.0, 0.0, 0.5, 0.5), dpi=60)

    expected = {(id(d), i, k): np.asarray(render(d, i, k)) for d, i, k in jobs}
    errors: list[BaseException] = []
    results: dict = {}

    def worker(seed: int) -> None:
        order = jobs[seed:] + jobs[:seed]
        try:
            for d, i, k in order * 2:
                results.setdefault((id(d), i, k), []).append(np.asarray(render(d, i, k)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(s * 5,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    for key, arrays in results.items():
        assert all(np.array_equal(a, expected[key]) for a in arrays)
    pdf.close()
    tif.close()


# --- layering ----------------------------------------------------------------------------------


def test_core_modules_import_neither_qt_nor_torch():
    code = (
        "import sys; import glmocr_desktop.core.documents, glmocr_desktop.core.imaging; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'torch', 'transformers')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_all_public_failures_are_ocr_errors(tmp_path, pdf_path):
    with open_document(pdf_path) as doc:
        for call in (
            lambda: doc.render_page(0, dpi=-1),
            lambda: doc.render_page(0, dpi="x"),  # type: ignore[arg-type]
            lambda: doc.render_page(1.5),  # type: ignore[arg-type]
        ):
            with pytest.raises(OcrError):
                call()


def test_module_exports():
    for name in ("open_document", "open_image_bytes", "parse_page_range", "is_supported", "Document"):
        assert name in documents.__all__


def test_pdf_page_with_gigapixel_images_is_refused_before_rendering(tmp_path):
    doc = fitz.open()
    page = doc.new_page(width=600, height=600)
    page.insert_image(fitz.Rect(0, 0, 600, 600), stream=png_bytes(Image.new("L", (8, 8), 0)))
    xref = page.get_images(full=True)[0][0]
    doc.xref_set_key(xref, "Width", "100000")
    doc.xref_set_key(xref, "Height", "100000")
    p = tmp_path / "bomb.pdf"
    doc.save(p)
    doc.close()
    with open_document(p) as d:
        with pytest.raises(documents.ImageTooLargeError, match="decode to"):
            d.render_page(0)
        with pytest.raises(documents.ImageTooLargeError):
            d.render_thumbnail(0)


def test_returned_pictures_do_not_share_the_page_cache(tmp_path):
    p = tmp_path / "white.png"
    Image.new("RGB", (100, 80), "white").save(p)
    with open_document(p) as doc:
        first = doc.render_page(0)
        first.paste((0, 0, 0), (0, 0, 100, 80))
        assert doc.render_page(0).getpixel((5, 5)) == (255, 255, 255)
        region = doc.render_region(0, None)
        region.paste((0, 0, 0), (0, 0, 100, 80))
        assert doc.render_region(0, None).getpixel((50, 40)) == (255, 255, 255)
