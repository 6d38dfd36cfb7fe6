"""Assembled-document exports, each read back with an independent reader (python-docx, PyMuPDF, json)."""

from __future__ import annotations

import json
import re
import zipfile

import pymupdf
import pytest
from PIL import Image, ImageDraw

from glmocr_desktop.core import document_export
from glmocr_desktop.core.assembly import PageBlock, PageInput, assemble
from glmocr_desktop.core.document_export import (
    write_document,
    write_docx,
    write_json,
    write_markdown,
    write_searchable_pdf,
)
from glmocr_desktop.core.errors import ExportError
from glmocr_desktop.core.regions import Region

docx = pytest.importorskip("docx")
from docx.oxml.ns import qn

TITLE = "Quarterly Report"
TABLE = (
    '<table><tr><td colspan="2">Region totals</td></tr>'
    '<tr><td rowspan="2">North</td><td>12</td></tr><tr><td>13</td></tr></table>'
)
CJK = "这是中文文本用于测试搜索"
BOXES = {
    "title": Region(0.1, 0.04, 0.9, 0.09),
    "text": Region(0.1, 0.11, 0.9, 0.2),
    "table": Region(0.1, 0.22, 0.9, 0.36),
    "formula": Region(0.2, 0.40, 0.7, 0.46),
    "number": Region(0.8, 0.41, 0.9, 0.45),
    "cjk": Region(0.1, 0.50, 0.9, 0.55),
    "figure": Region(0.1, 0.60, 0.5, 0.80),
    "hostile": Region(0.1, 0.85, 0.9, 0.95),
}


def _page_image(width=827, height=1170):
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    r = BOXES["figure"].to_pixels(width, height)
    draw.rectangle(r, fill=(30, 90, 200))
    return image


@pytest.fixture
def document():
    blocks = [
        PageBlock(0, "text", "doc_title", TITLE, BOXES["title"]),
        PageBlock(
            1, "text", "text", "Revenue grew in all regions.\nThe ratio $x^2 + y$ held.", BOXES["text"]
        ),
        PageBlock(2, "table", "table", TABLE, BOXES["table"]),
        PageBlock(3, "formula", "display_formula", "$$\nE = mc^2\n$$", BOXES["formula"]),
        PageBlock(4, "text", "formula_number", "(1)", BOXES["number"]),
        PageBlock(5, "text", "text", CJK, BOXES["cjk"]),
        PageBlock(6, "image", "image", "", BOXES["figure"]),
        PageBlock(
            7,
            "text",
            "text",
            'Safe words <script>alert("x")</script><img src="http://example.com/pixel.png"> end.',
            BOXES["hostile"],
        ),
    ]
    second = [PageBlock(0, "text", "paragraph_title", "Appendix", Region(0.1, 0.1, 0.9, 0.15))]
    return assemble(
        [PageInput(0, 827, 1170, blocks, _page_image()), PageInput(1, 827, 1170, second, _page_image())]
    )


def _leftovers(folder):
    return [p.name for p in folder.rglob("*") if p.name.startswith(".") or p.name.endswith(".tmp")]


def test_markdown_references_image_files_that_exist(tmp_path, document):
    path = write_markdown(document, tmp_path / "report.md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {TITLE}\n\n")
    assert "\\tag{1}" in text and "## Appendix" in text
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links == ["report_imgs/cropped_page0_idx0.jpg"]
    with Image.open(tmp_path / links[0]) as crop:
        left, top, right, bottom = BOXES["figure"].to_pixels(827, 1170)
        assert crop.size == (right - left, bottom - top) and crop.getpixel((5, 5))[2] > 150
    assert _leftovers(tmp_path) == []


def test_json_matches_the_sdk_schema(tmp_path, document):
    path = write_json(document, tmp_path / "report.json", image_dir="imgs")
    pages = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(pages, list) and len(pages) == 2
    for page in pages:
        assert [b["index"] for b in page] == list(range(len(page)))
        for block in page:
            keys = {"index", "label", "native_label", "content", "bbox_2d"}
            assert set(block) == keys | ({"image_path"} if block["label"] == "image" else set())
            assert block["label"] in {"text", "table", "formula", "image"}
            bbox = block["bbox_2d"]
            assert len(bbox) == 4 and all(isinstance(v, int) and 0 <= v <= 1000 for v in bbox)
    first = pages[0]
    assert first[0] == {
        "index": 0,
        "label": "text",
        "native_label": "doc_title",
        "content": f"# {TITLE}",
        "bbox_2d": [100, 40, 900, 90],
    }
    assert first[3]["content"] == "$$\nE = mc^2 \\tag{1}\n$$"
    image = next(b for b in first if b["label"] == "image")
    assert image["content"] is None and (tmp_path / image["image_path"]).is_file()


def test_docx_has_heading_real_table_with_merged_cells_equations_and_image(tmp_path, document):
    path = write_docx(document, tmp_path / "report.docx")
    word = docx.Document(str(path))
    headings = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", TITLE) in headings and ("Heading 2", "Appendix") in headings
    assert len(word.tables) == 1
    table = word.tables[0]._tbl
    cells = table.findall(f".//{qn('w:tc')}")
    assert any(tc.grid_span == 2 and "Region totals" in "".join(tc.itertext()) for tc in cells)
    assert any(tc.vMerge == "restart" and "North" in "".join(tc.itertext()) for tc in cells)
    body = word.element.body
    maths = body.findall(f".//{qn('m:oMath')}")
    assert len(maths) >= 2  # the inline x^2 + y and the display formula
    display = ["".join(m.itertext()) for m in body.findall(f".//{qn('m:oMathPara')}")]
    assert any(t.replace(" ", "").startswith("E=mc2") and "(1)" in t for t in display)
    assert len(word.inline_shapes) == 1
    all_text = "\n".join(p.text for p in word.paragraphs)
    assert CJK in all_text and "Safe words" in all_text and "end." in all_text
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        parts = ("word/document.xml", "word/_rels/document.xml.rels")
        xml = "".join(z.read(n).decode("utf-8") for n in parts)
    assert "alert" not in xml and "example.com" not in xml and 'TargetMode="External"' not in xml
    assert sum(n.startswith("word/media/") for n in names) == 1
    assert _leftovers(tmp_path) == []


def test_docx_failures_are_export_errors(tmp_path, document, monkeypatch):
    with pytest.raises(ExportError, match="did not finish"):
        write_docx(document, tmp_path / "slow.docx", timeout_s=0.001)
    monkeypatch.setattr(document_export, "_pandoc_binary", lambda: str(tmp_path / "no-pandoc-here"))
    with pytest.raises(ExportError, match="could not start pandoc"):
        write_docx(document, tmp_path / "missing.docx")
    assert not list(tmp_path.glob("*.docx")) and _leftovers(tmp_path) == []


def _clip(page, region):
    r = page.rect
    return pymupdf.Rect(region.x0 * r.width, region.y0 * r.height, region.x1 * r.width, region.y1 * r.height)


def test_searchable_pdf_text_lies_inside_each_block_box(tmp_path, document):
    path = write_searchable_pdf(document, tmp_path / "report.pdf")
    with pymupdf.open(path) as pdf:
        assert pdf.page_count == 2
        page = pdf[0]
        assert (page.rect.width, page.rect.height) == pytest.approx((827 * 72 / 200, 1170 * 72 / 200))
        assert len(page.get_images()) == 1
        found = {name: page.get_text(clip=_clip(page, box)) for name, box in BOXES.items()}
        assert TITLE in found["title"]
        assert "Revenue grew in all regions." in found["text"] and "x^2 + y" in found["text"]
        assert "Region totals" in found["table"] and "North" in found["table"] and "13" in found["table"]
        assert "E = mc^2" in found["formula"] and "(1)" in found["number"]
        assert CJK in found["cjk"].replace("\n", "")
        assert "Safe words" in found["hostile"] and "<script>" not in found["hostile"]
        assert found["figure"].strip() == ""
        # The text layer is invisible (render mode 3) over the page image.
        traces = page.get_texttrace()
        assert traces and all(t["type"] == 3 for t in traces)
        assert "Appendix" in pdf[1].get_text()
    assert path.stat().st_size < 300_000  # the CJK font is embedded as a subset, not whole (3.5 MB)
    assert _leftovers(tmp_path) == []


def test_searchable_pdf_keeps_text_that_overflows_a_tiny_box(tmp_path):
    words = " ".join(f"word{i}" for i in range(400))
    box = Region(0.1, 0.1, 0.3, 0.12)
    doc = assemble([PageInput(0, 400, 400, [PageBlock(0, "text", "text", words, box)])])
    with pymupdf.open(write_searchable_pdf(doc, tmp_path / "tiny.pdf")) as pdf:
        page = pdf[0]
        assert page.get_text(clip=_clip(page, box)).split() == words.split()
        # No page image: the text is drawn visibly instead of as an invisible layer.
        assert all(t["type"] == 0 for t in page.get_texttrace())


def test_write_document_picks_the_writer_by_suffix(tmp_path, document):
    assert write_document(document, tmp_path / "a.json").read_text(encoding="utf-8").startswith("[")
    with pytest.raises(ExportError, match="Unknown document format"):
        write_document(document, tmp_path / "a.xyz")


def test_single_region_results_saved_as_word_and_searchable_pdf(tmp_path):
    from glmocr_desktop.core.exports import save_result
    from glmocr_desktop.core.results import Result, Source
    from glmocr_desktop.core.tasks import Task

    def result(task, text, page, region):
        return Result(job_id=f"{task.value}{page}", task=task, text=text, raw_text=text,
                      source=Source(file="scan.pdf", page=page, region=region))  # fmt: skip

    formula_box, table_box = Region(0.1, 0.6, 0.9, 0.7), Region(0.1, 0.1, 0.9, 0.4)
    text_box = Region(0.1, 0.1, 0.9, 0.3)
    results = [
        result(Task.FORMULA, "$$\na^2+b^2=c^2\n$$", 0, formula_box),
        result(Task.TABLE, TABLE, 0, table_box),
        result(Task.TEXT, "Second page words", 1, text_box),
    ]
    word = docx.Document(str(save_result(tmp_path / "r.docx", results)))
    assert len(word.tables) == 1 and word.element.body.findall(f".//{qn('m:oMath')}")
    # The table (higher on the page) comes before the formula.
    body = [child.tag for child in word.element.body if child.tag in (qn("w:tbl"), qn("w:p"))]
    assert body.index(qn("w:tbl")) == 0
    images = {0: _page_image(), 1: _page_image()}
    with pymupdf.open(save_result(tmp_path / "r.pdf", results, page_images=images)) as pdf:
        assert pdf.page_count == 2
        assert "a^2+b^2=c^2" in pdf[0].get_text(clip=_clip(pdf[0], formula_box))
        assert "Region totals" in pdf[0].get_text(clip=_clip(pdf[0], table_box))
        assert "Second page words" in pdf[1].get_text(clip=_clip(pdf[1], text_box))


def test_real_scan_and_real_table(tmp_path, corpus_dir):
    """A real 1-bit scan as the page image with its ground-truth text, and a real PubTabNet table with
    row and column spans: every word is found in the PDF, every span is a merged cell in Word."""
    from glmocr_desktop.core.documents import open_document

    scan = corpus_dir / "images/tesseract_eurotext.tif"
    truth = corpus_dir / "images/tesseract_eurotext.gt.txt"
    table_file = corpus_dir / "tables/pubtabnet_PMC5332562_005_00.gt.html"
    if not (scan.is_file() and truth.is_file() and table_file.is_file()):
        pytest.skip("the corpus lacks the eurotext scan or the PubTabNet table")
    page_image = open_document(scan).render_page(0)
    text = truth.read_text(encoding="utf-8").strip().replace("<lazy>", "lazy")  # not an HTML tag here
    table = re.search(r"(?s)<table.*</table>", table_file.read_text(encoding="utf-8")).group(0)
    box = Region(0.05, 0.05, 0.95, 0.95)
    doc = assemble(
        [
            PageInput(0, *page_image.size, [PageBlock(0, "text", "text", text, box)], page_image),
            PageInput(1, *page_image.size, [PageBlock(0, "table", "table", table, box)], page_image),
        ]
    )
    with pymupdf.open(write_searchable_pdf(doc, tmp_path / "scan.pdf")) as pdf:
        found = pdf[0].get_text(clip=_clip(pdf[0], box))
    assert found.split() == text.split()

    word = docx.Document(str(write_docx(doc, tmp_path / "scan.docx")))
    cells = word.tables[0]._tbl.findall(f".//{qn('w:tc')}")
    spans = re.findall(r'(colspan|rowspan)="(\d+)"', table)
    assert sum(tc.grid_span > 1 for tc in cells) == sum(k == "colspan" and int(n) > 1 for k, n in spans)
    assert sum(tc.vMerge == "restart" for tc in cells) == sum(k == "rowspan" and int(n) > 1 for k, n in spans)
