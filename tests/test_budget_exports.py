"""Exports hold model HTML to the preview's allowlist, and long legal file names can be saved."""

from __future__ import annotations

import shutil

import pytest

from glmocr_desktop.core.exports import payload_for, result_markdown, save_result
from glmocr_desktop.core.render import render_document, sanitize_markdown
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.tasks import Task

PIXEL = '<img src="http://tracker.example/p.gif?id=1" width="1" height="1">'
HOSTILE = (
    f"Dear reader {PIXEL} welcome.\n\n"
    '<p onclick="steal()" style="background:url(http://tracker.example/bg)">styled</p>\n\n'
    "<script>fetch('http://tracker.example/x')</script>\n\n"
    "![logo](http://tracker.example/logo.png) and [home](javascript:steal)\n\n"
    '<table><tr><td colspan="2" onmouseover="x()">cell</td></tr></table>\n\n'
    "```\n<img src=http://example.com/in-code>\n```\n"
)


def _no_remote(text: str) -> None:
    assert "tracker.example" not in text
    assert "<script" not in text and "onclick" not in text and "onmouseover" not in text
    assert 'href="javascript' not in text


def test_markdown_export_drops_tracking_pixels_and_scripts(tmp_path):
    result = Result(job_id="j", task=Task.TEXT, text=HOSTILE, raw_text=HOSTILE)
    md = save_result(tmp_path / "out.md", [result]).read_text(encoding="utf-8")
    _no_remote(md)
    assert "javascript:" not in md
    assert "welcome." in md and "styled" in md and "\\[logo\\]" in md  # the text stays
    assert '<td colspan="2">cell</td>' in md
    assert "<img src=http://example.com/in-code>" in md  # code is shown, not rendered: kept as written


def test_table_result_markdown_is_sanitised_too():
    text = f'<table><tr><td>{PIXEL}a</td><td style="color:red">b</td></tr></table>'
    md = result_markdown(Result(job_id="j", task=Task.TABLE, text=text, raw_text=text))
    assert md == "<table><tr><td>a</td><td>b</td></tr></table>"


def test_html_export_and_rich_copy_carry_no_remote_content():
    _no_remote(render_document(HOSTILE, standalone=True))
    _no_remote(payload_for("rich", Task.TEXT, HOSTILE)["text/html"])


def test_docx_source_html_is_sanitised():
    from glmocr_desktop.core.document_export import docx_html
    from glmocr_desktop.core.exports import results_document

    doc = results_document([Result(job_id="j", task=Task.TEXT, text=HOSTILE, raw_text=HOSTILE)])
    _no_remote(docx_html(doc))


def test_document_markdown_keeps_local_crops_and_drops_remote_images():
    text = "![crop](report_imgs/page1_0.jpg)\n\n![remote](https://tracker.example/a.png)\n\n<b>ok</b>"
    out = sanitize_markdown(text)
    assert "![crop](report_imgs/page1_0.jpg)" in out and "tracker.example" not in out and "<b>ok</b>" in out


def test_sanitising_markdown_is_linear_on_hostile_input():
    import time

    for text in ("<script" * 20_000, "<" * 100_000, "![" * 50_000 + "](", "<a " * 30_000, "<!--" * 20_000):
        started = time.perf_counter()
        sanitize_markdown(text)
        assert time.perf_counter() - started < 10, text[:10]


@pytest.mark.parametrize("suffix", [".md", ".json", ".txt"])
def test_a_legal_253_character_file_name_saves(tmp_path, suffix):
    name = "r" * (253 - len(suffix)) + suffix
    result = Result(job_id="j", task=Task.TEXT, text="hello", raw_text="hello")
    out = save_result(tmp_path / name, [result])
    assert out.name == name and "hello" in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no scratch file left behind


def test_a_253_character_document_export_with_its_image_folder(tmp_path):
    from PIL import Image

    from glmocr_desktop.core.assembly import PageBlock, PageInput, assemble
    from glmocr_desktop.core.document_export import default_image_dir, write_markdown
    from glmocr_desktop.core.regions import Region

    name = "d" * 250 + ".md"
    assert len(default_image_dir(name).encode()) <= 255
    page = Image.new("RGB", (200, 200), "white")
    blocks = [PageBlock(0, "text", "text", "Hello", Region(0, 0, 1, 0.5)),
              PageBlock(1, "image", "image", "", Region(0, 0.5, 1, 1))]
    doc = assemble([PageInput(0, 200, 200, blocks, page)])
    out = write_markdown(doc, tmp_path / name)
    assert out.exists() and "Hello" in out.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc not installed")
def test_a_253_character_docx_saves(tmp_path):
    name = "w" * 248 + ".docx"
    result = Result(job_id="j", task=Task.TEXT, text="hello", raw_text="hello")
    assert save_result(tmp_path / name, [result]).stat().st_size > 0
