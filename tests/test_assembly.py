"""Page assembly against known answers from the official SDK's formatting rules."""

from __future__ import annotations

import pytest
from PIL import Image

from glmocr_desktop.core import postprocess
from glmocr_desktop.core.assembly import PageBlock, PageInput, assemble, bbox_1000
from glmocr_desktop.core.regions import Region


def _block(index, label, native, content, box=(0.1, 0.1, 0.9, 0.2), image=None):
    return PageBlock(index, label, native, content, Region(*box), image)


def _page(blocks, index=0, image=None):
    return PageInput(index=index, width=1000, height=1400, blocks=blocks, image=image)


def _contents(doc, page=0):
    return [b.content for b in doc.pages[page].blocks]


def test_titles_become_headings():
    doc = assemble(
        [
            _page(
                [
                    _block(0, "text", "doc_title", "## A Study of Things"),
                    _block(1, "text", "paragraph_title", "- 1 Introduction"),
                    _block(2, "text", "paragraph_title", "# Methods\nand Data"),
                    _block(3, "text", "text", "Body."),
                ]
            )
        ]
    )
    assert _contents(doc) == ["# A Study of Things", "## 1 Introduction", "## Methods and Data", "Body."]
    natives = [b.native_label for b in doc.pages[0].blocks]
    assert natives == ["doc_title", "paragraph_title", "paragraph_title", "text"]


@pytest.mark.parametrize("number_first", [True, False])
def test_formula_number_becomes_tag_in_either_order(number_first):
    formula = _block(0, "formula", "display_formula", "$$\nE = mc^2\n$$", (0.2, 0.3, 0.8, 0.35))
    number = _block(1, "text", "formula_number", "(2.1)", (0.85, 0.31, 0.9, 0.34))
    if number_first:
        number.index, formula.index = 0, 1
    before, after = _block(-1, "text", "text", "Before."), _block(5, "text", "text", "After.")
    doc = assemble([_page([before, formula, number, after])])
    blocks = doc.pages[0].blocks
    assert [b.content for b in blocks] == ["Before.", "$$\nE = mc^2 \\tag{2.1}\n$$", "After."]
    assert [b.index for b in blocks] == [0, 1, 2]
    merged = blocks[1]
    assert merged.label == "formula" and merged.bbox_2d == [200, 300, 800, 350]
    # Both source regions stay reachable from the merged block.
    assert set(merged.regions) == {formula.region, number.region}


def test_formula_delimiters_normalised_and_lonely_number_dropped():
    doc = assemble(
        [
            _page(
                [
                    _block(0, "formula", "display_formula", "\\[ x^2 \\]"),
                    _block(1, "text", "text", "Text."),
                    _block(2, "text", "formula_number", "(3)"),
                ]
            )
        ]
    )
    assert _contents(doc) == ["$$\nx^2\n$$", "Text."]


def test_bullets_and_item_marks():
    page = _page(
        [
            _block(0, "text", "text", "• first", (0.100, 0.1, 0.9, 0.12)),
            _block(1, "text", "text", "second", (0.105, 0.13, 0.9, 0.15)),
            _block(2, "text", "text", "* third", (0.095, 0.16, 0.9, 0.18)),
            _block(3, "text", "text", "·fourth", (0.3, 0.19, 0.9, 0.21)),
            _block(4, "text", "text", "not aligned", (0.3, 0.22, 0.9, 0.24)),
            _block(5, "text", "text", "- fifth", (0.1, 0.25, 0.9, 0.27)),
            _block(6, "text", "text", "（2）Chinese parens", (0.1, 0.28, 0.9, 0.3)),
            _block(7, "text", "text", "3.Third item", (0.1, 0.31, 0.9, 0.33)),
            _block(8, "text", "text", "b）letter item", (0.1, 0.34, 0.9, 0.36)),
            _block(9, "text", "text", "1.5 million people", (0.1, 0.37, 0.9, 0.39)),
            _block(10, "text", "text", "e.g. an example", (0.1, 0.40, 0.9, 0.42)),
        ]
    )
    assert _contents(assemble([page])) == [
        "- first",
        "- second",  # between two bullets and left-aligned with them
        "- third",
        "- fourth",
        "not aligned",  # between bullets but 200/1000 to the right
        "- fifth",
        "(2) Chinese parens",
        "3. Third item",
        "b) letter item",
        "1.5 million people",
        "e.g. an example",
    ]


def test_hyphenated_word_joined_across_blocks():
    doc = assemble(
        [
            _page(
                [
                    _block(0, "text", "text", "The experi-"),
                    _block(1, "image", "image", ""),
                    _block(2, "text", "text", "ment worked."),
                    _block(3, "text", "text", "Ends with -"),
                    _block(4, "text", "text", "Capital next."),
                ]
            )
        ]
    )
    blocks = doc.pages[0].blocks
    assert [b.content for b in blocks] == ["The experiment worked.", "", "Ends with -", "Capital next."]
    assert len(blocks[0].sources) == 2


def test_empty_blocks_dropped_and_reading_order_kept():
    doc = assemble(
        [
            _page(
                [
                    _block(3, "text", "text", "third"),
                    _block(0, "text", "text", "first"),
                    _block(1, "table", "table", "   "),
                    _block(2, "text", "doc_title", ""),
                    _block(4, "formula", "display_formula", "$$\n\n$$"),
                    _block(5, "text", "text", "fourth"),
                ]
            )
        ]
    )
    blocks = doc.pages[0].blocks
    assert [b.content for b in blocks] == ["first", "third", "fourth"]
    assert [b.index for b in blocks] == [0, 1, 2]
    assert all(b.content.strip() not in ("#", "$$\n\n$$") for b in blocks)


def test_bbox_on_the_sdk_scale():
    assert bbox_1000(Region(0.0, 0.29, 0.5789, 1.0)) == [0, 290, 578, 1000]
    doc = assemble([_page([_block(0, "text", "text", "x", (0.123456, 0.5, 0.9999, 0.75))])])
    assert doc.pages[0].blocks[0].bbox_2d == [123, 500, 999, 750]


def test_image_blocks_named_across_pages_and_cropped_from_the_page():
    page_image = Image.new("RGB", (200, 100), "white")
    page_image.paste((255, 0, 0), (0, 0, 100, 50))
    crop = Image.new("RGB", (30, 20), "blue")
    doc = assemble(
        [
            _page([_block(0, "image", "image", "", (0, 0, 0.5, 0.5))], index=0, image=page_image),
            _page(
                [
                    _block(0, "text", "figure_title", "Figure 1."),
                    _block(1, "image", "chart", "", image=crop),
                    _block(2, "image", "image", ""),  # no crop and no page image: JSON only
                ],
                index=1,
            ),
        ]
    )
    markdown, images = doc.to_markdown()
    assert list(images) == ["imgs/cropped_page0_idx0.jpg", "imgs/cropped_page1_idx1.jpg"]
    assert images["imgs/cropped_page0_idx0.jpg"].size == (100, 50)
    assert images["imgs/cropped_page0_idx0.jpg"].getpixel((50, 25)) == (255, 0, 0)
    assert images["imgs/cropped_page1_idx1.jpg"] is crop
    assert markdown == (
        "![Image 0-0](imgs/cropped_page0_idx0.jpg)\n\nFigure 1.\n\n![Image 1-1](imgs/cropped_page1_idx1.jpg)"
    )
    pages = doc.to_json(image_dir="out_imgs")
    assert pages[1][1] == {
        "index": 1,
        "label": "image",
        "native_label": "chart",
        "content": None,
        "bbox_2d": [100, 100, 900, 200],
        "image_path": "out_imgs/cropped_page1_idx1.jpg",
    }
    assert "image_path" not in pages[1][2]


def test_markdown_joins_blocks_and_pages_with_blank_lines_and_keeps_line_breaks():
    doc = assemble(
        [
            _page(
                [
                    _block(0, "text", "text", "line one\nline two"),
                    _block(1, "table", "table", "<table><tr><td>a</td></tr></table>"),
                ]
            ),
            _page([], index=1),
            _page([_block(0, "formula", "display_formula", "$$\na\n$$")], index=2),
        ]
    )
    markdown, images = doc.to_markdown()
    hard = getattr(postprocess, "hard_line_breaks", None)
    text = hard("line one\nline two") if hard else "line one\nline two"
    assert markdown == text + "\n\n<table><tr><td>a</td></tr></table>\n\n$$\na\n$$"
    assert "line one\n\nline two" not in markdown
    assert images == {}
    # JSON keeps the block's own text; pages stay pages, even empty ones.
    assert doc.to_json()[0][0]["content"] == "line one\nline two"
    assert [len(p) for p in doc.to_json()] == [2, 0, 1]
