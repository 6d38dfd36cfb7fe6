"""The one table of file types: every listed type opens, nothing else is offered, and every place that
names the types (dialog, CLI, desktop entry) agrees with it."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import numpy as np
import pymupdf as fitz
import pytest
from PIL import Image, ImageDraw

from glmocr_desktop.core import formats
from glmocr_desktop.core.documents import open_document
from glmocr_desktop.core.errors import UnsupportedFileError

ROOT = Path(__file__).resolve().parent.parent
IMAGE_FORMATS = [f for f in formats.FORMATS if f.kind == "image"]


def tiny_image() -> Image.Image:
    img = Image.new("RGB", (40, 30), "white")
    ImageDraw.Draw(img).rectangle((5, 5, 20, 15), fill="black")
    return img


def write(fmt: formats.FileFormat, path: Path) -> Path:
    if fmt.kind == "pdf":
        doc = fitz.open()
        page = doc.new_page(width=200, height=100)
        page.draw_rect(fitz.Rect(10, 10, 60, 40), color=(0, 0, 0), fill=(0, 0, 0))
        doc.save(path)
        doc.close()
    else:
        tiny_image().save(path, fmt.pillow_format)
    return path


@pytest.mark.parametrize(
    ("fmt", "ext"), [(f, ext) for f in formats.FORMATS for ext in f.extensions], ids=lambda v: getattr(v, "name", v)
)
def test_every_listed_type_opens(tmp_path, fmt, ext):
    path = write(fmt, tmp_path / f"sample{ext.upper() if ext == '.gif' else ext}")
    assert formats.is_supported(path)
    with open_document(path) as doc:
        assert doc.format == fmt.name and doc.kind == fmt.kind
        assert doc.page_count == 1 and not doc.warnings
        page = np.asarray(doc.render_page(0).convert("L"))
        assert (page < 128).any() and (page > 128).any()  # the black box on white came through


@pytest.mark.parametrize(("pillow_format", "ext"), [("PPM", ".ppm"), ("JPEG2000", ".jp2"), ("ICO", ".ico")])
def test_an_unlisted_type_gets_the_clear_message(tmp_path, pillow_format, ext):
    path = tmp_path / f"scan{ext}"
    tiny_image().save(path, pillow_format)
    assert not formats.is_supported(path)
    with pytest.raises(UnsupportedFileError) as info:
        open_document(path)
    assert str(info.value).startswith(f"scan{ext} is not a file this app can open")
    assert "PDF, PNG, JPEG, TIFF, WebP, BMP and GIF" in info.value.hint
    assert ".tiff" in info.value.hint


def test_table_lookups():
    assert formats.for_path("a/B.JPEG") is formats.by_name("jpeg")
    assert formats.for_path("notes.txt") is None and formats.for_path("README") is None
    assert formats.SUPPORTED_SUFFIXES == (
        ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif",
    )  # fmt: skip
    assert formats.types_text() == "PDF, PNG, JPEG, TIFF, WebP, BMP and GIF"
    assert formats.image_types_text() == "PNG, JPEG, TIFF, WebP, BMP and GIF"
    # every image type names a Pillow plugin that exists; PDFs go to PyMuPDF
    assert all(f.pillow_format in Image.registered_extensions().values() for f in IMAGE_FORMATS)
    assert [f.pillow_format for f in formats.FORMATS if f.kind == "pdf"] == [None]


def test_open_dialog_offers_exactly_the_table():
    documents, everything = formats.open_dialog_filter().split(";;")
    assert everything == "All files (*)"
    offered = documents[documents.index("(") + 1 : documents.index(")")].split()
    assert offered == [f"*{ext}" for ext in formats.SUPPORTED_SUFFIXES]
    assert not {"*.jp2", "*.pnm", "*.ppm", "*.pgm"} & set(offered)


def test_desktop_entry_mime_types_agree_with_the_table():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # desktop entry keys are case-sensitive
    entry.read(ROOT / "glmocr_desktop" / "assets" / "desktop" / "glmocr-desktop.desktop", encoding="utf-8")
    listed = entry["Desktop Entry"]["MimeType"]
    assert listed == formats.desktop_mime_types()
    assert {m for m in listed.split(";") if m} == {f.mime_type for f in formats.FORMATS}


def test_cli_help_names_the_image_types():
    from glmocr_desktop.cli import build_parser

    help_text = " ".join(build_parser().format_help().split())
    assert f"images ({formats.image_types_text()}) or PDFs" in help_text


def test_table_is_light_to_import():
    import subprocess

    code = "import sys, glmocr_desktop.core.formats; print(sorted(m for m in ('PIL', 'pymupdf', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
