"""The cost budget on sanitised output: table grids, nesting, formulas, block count, quadratic parsing.

Every payload here is one that froze or crashed the app before the budget (a few hundred bytes). Each
test bounds the time it may take generously (a hang shows as minutes, not as a slow machine) and checks
that what is over budget is shown as its source with a notice, never dropped.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from glmocr_desktop.core.budget import LIMITS, grid_cells, html_cost, html_to_plain, tex_refusal
from glmocr_desktop.core.exports import copy_as_options, natural_copy, payload_for
from glmocr_desktop.core.render import IncrementalRenderer, render_markdown
from glmocr_desktop.core.tables import Cell, Table, html_table_to_rows, tables_over_budget

SPAN_CELL = '<td colspan="1000" rowspan="1000">x</td>'
#: The 64-character payload that locked the GUI thread for 26 s on Ctrl+C.
SMALL_BOMB = f"<table><tr>{SPAN_CELL}</tr></table>"
#: 9.8 KB that froze the preview for 24-47 s at 1.7 GB.
ROW_BOMB = "<table>" + f"<tr>{SPAN_CELL}</tr>" * 200 + "</table>"


class Bound:
    """Wall time and Python memory a call may take: generous bounds for freezes, not speed."""

    def __init__(self, seconds: float, megabytes: float) -> None:
        self.seconds, self.megabytes = seconds, megabytes

    def __enter__(self) -> Bound:
        tracemalloc.start()
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        elapsed = time.perf_counter() - self._t
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        if exc[0] is None:
            assert elapsed < self.seconds, f"took {elapsed:.1f} s"
            assert peak < self.megabytes * 2**20, f"peak {peak / 2**20:.0f} MB"


def test_grid_cells_counts_spans_without_building_the_grid():
    assert grid_cells([[(1, 1), (1, 1)], [(1, 1), (1, 1)]]) == 4
    assert grid_cells([[(1000, 1000)]]) == 1_000_000
    assert grid_cells([[(3, 1)], [(1, 1)], [(1, 1)]]) == 9  # rows x widest row
    assert grid_cells([[(1000, 1000)]] * 10_000, cap=50_000) <= 1_001_000  # stops early


def test_html_cost_of_nested_tables_and_depth():
    cost = html_cost("<table><tr><td><table><tr><td>a</td><td>b</td></tr></table></td></tr></table>")
    assert cost.cells == 3 and cost.largest_table == 2
    assert cost.depth == 6
    assert html_cost(SMALL_BOMB).over() is not None
    assert html_cost("<div>" * 100 + "x" + "</div>" * 100).over() is not None
    assert html_cost("<p>ordinary <b>text</b></p>").over() is None


@pytest.mark.parametrize("payload", [SMALL_BOMB, ROW_BOMB], ids=["64-chars", "9.8-KB"])
def test_span_bomb_in_the_preview_is_shown_as_source_with_a_notice(payload):
    with Bound(20, 64):
        blocks = render_markdown(f"Before.\n\n{payload}\n\nAfter.")
    assert len(blocks) == 3
    assert "over-budget" in blocks[1] and "cells" in blocks[1] and "shown as plain text" in blocks[1]
    assert "<td" not in blocks[1] and "&lt;td colspan=" in blocks[1]  # the source, escaped
    assert blocks[0] == "<p>Before.</p>" and blocks[2] == "<p>After.</p>"


def test_tables_of_one_result_share_a_budget():
    table = "<table>" + '<tr><td colspan="100">c</td></tr>' * 100 + "</table>"  # 10,000 cells: within one table's budget
    text = "\n\n".join([table] * 8)
    with Bound(30, 256):
        blocks = render_markdown(text)
    shown = [b for b in blocks if b.startswith("<table")]
    plain = [b for b in blocks if "over-budget" in b]
    assert len(shown) == LIMITS.result_cells // 10_000
    assert plain and all("together" in b for b in plain)
    assert len(shown) + len(plain) == 8


def test_too_many_blocks_end_in_one_plain_block():
    text = "\n\n".join(f"para {i}" for i in range(LIMITS.blocks + 500))
    blocks = render_markdown(text)
    assert len(blocks) == LIMITS.blocks
    assert "over-budget" in blocks[-1] and f"para {LIMITS.blocks + 499}" in blocks[-1]


@pytest.mark.parametrize(
    "tex",
    [
        r"\def\a{\b\b\b\b\b\b\b\b\b\b}\def\b{xxxxxxxxxx}\a\a\a\a",
        r"\gdef\x{yy}\x\x",
        r"\edef\x{y}\x",
        r"\let\x\frac \x12",
        r"\newcommand{\x}[1]{#1#1#1}\x{\x{\x{a}}}",
        r"\renewcommand\x{y}",
        r"a \llap{secret} b",
        r"a \kern-30em b",
        r"x \mathrlap{\rule{5em}{1em}}",
        r"\color{transparent}{hidden}",
        "x^{" * 60 + "1" + "}" * 60,  # 200 of these crashed the renderer
        "x+" * 7000,
    ],
)
def test_formulas_that_define_macros_or_overlap_are_shown_as_source(tex):
    assert tex_refusal(tex) is not None
    blocks = render_markdown(f"Text ${tex}$ more.")
    assert len(blocks) == 1
    assert 'class="math-source"' in blocks[0] and 'class="math inline"' not in blocks[0]
    assert 'class="notice"' in blocks[0]
    formula = render_markdown(f"$$\n{tex}\n$$", "formula")
    assert len(formula) == 1 and "over-budget" in formula[0] and "math" not in formula[0].split("<pre")[0][:30]


def test_group_depth_counts_braces_and_left_right_but_not_escaped_braces():
    from glmocr_desktop.core.budget import tex_depth

    assert tex_depth(r"\left( \frac{a}{b^{2}} \right) \{x\}") == 3
    assert tex_depth("}}}{") == 1


def test_ordinary_formulas_are_typeset():
    for tex in (r"\frac{a}{b}", r"\int_0^1 x^2\,dx", r"\kern3pt x", r"\color{red}{x}", r"\phantom{x}y"):
        assert tex_refusal(tex) is None, tex
        assert 'class="math inline"' in render_markdown(f"${tex}$")[0]


@pytest.mark.parametrize(
    "text",
    ["\\(" * 50_000, "a \\( b " * 14_000, "\\[\n" * 30_000, "\\[ x " * 20_000, "$" * 99_000],
    ids=["parens", "parens-words", "brackets-lines", "brackets-words", "dollars"],
)
def test_math_delimiters_without_their_closing_one_parse_in_linear_time(text):
    started = time.perf_counter()
    blocks = render_markdown(text)
    # quadratic, 100 KB of "\(" took 9-22 s (minutes on a loaded machine); linear, well under a second
    assert time.perf_counter() - started < 60
    assert blocks


def test_bracket_math_still_renders():
    blocks = render_markdown("Inline \\(x^2\\) here.\n\n\\[\na+b\n\\]\n\n\\[ c \\] (3)\n\nend")
    assert '<span class="math inline">x^2</span>' in blocks[0]
    assert '<div class="math display">a+b</div>' in blocks[1]
    assert '<div class="math display">c</div>' in blocks[2]
    assert blocks[3] == "<p>end</p>"


def test_streaming_a_span_bomb_stays_bounded():
    renderer = IncrementalRenderer()
    text = "Intro.\n\n<table>" + f"<tr>{SPAN_CELL}</tr>" * 60 + "</table>\n\nEnd."
    with Bound(30, 256):
        for i in range(1, len(text) + 1, 97):
            renderer.update(text[:i])
        update = renderer.update(text, full=True)
    assert update.total == 3
    assert "over-budget" in renderer.blocks[1]


# --- clipboard: table conversions ----------------------------------------------------------------


@pytest.mark.parametrize("task", ["table", "text"])
@pytest.mark.parametrize("payload", [SMALL_BOMB, SMALL_BOMB.replace("x", "x" * 50), ROW_BOMB])
def test_copy_of_a_span_bomb_is_quick_and_keeps_the_text(task, payload):
    with Bound(20, 128):  # was 26-203 s on the GUI thread
        natural = natural_copy(task, payload)
        for key, _label in copy_as_options(task, payload):
            data = payload_for(key, task, payload)
            assert sum(map(len, data.values())) < 2_000_000
    assert "x" in natural["text/plain"]
    assert "colspan" not in natural.get("text/html", "")  # office programs would expand them
    assert tables_over_budget(payload)


def test_the_grid_is_linear_and_unchanged_for_real_tables():
    t = Table([[Cell("a", 2, 1), Cell("b", 1, 2)], [Cell("c"), Cell("d")], [Cell("e", 1, 3)]])
    assert t.grid() == [["a", "", "b"], ["c", "d", ""], ["e", "", ""]]
    assert t.grid("repeat") == [["a", "a", "b"], ["c", "d", "b"], ["e", "", ""], ["e", "", ""], ["e", "", ""]]
    rows = html_table_to_rows("<table>" + "<tr><td>1</td><td>2</td></tr>" * 3000 + "</table>")
    assert len(rows) == 3000 and rows[-1] == ["1", "2"]
    assert not tables_over_budget("<table><tr><td colspan=3>x</td></tr></table>")


def test_an_over_budget_table_is_copied_with_each_cell_once():
    rows = html_table_to_rows("<table>" + f"<tr>{SPAN_CELL}<td>y</td></tr>" * 50 + "</table>")
    assert rows == [["x", "y"]] * 50


def test_html_to_plain_keeps_cells_and_lines():
    assert html_to_plain("<table><tr><td>a</td><td>b &amp; c</td></tr><tr><td>d</td></tr></table>") == "a\tb & c\t\nd"


def test_an_assembled_document_shares_one_budget_and_keeps_its_block_wrappers():
    from glmocr_desktop.core.render import document_block_html

    table = "<table>" + '<tr><td colspan="200">c</td></tr>' * 90 + "</table>"  # 18,000 cells a block
    blocks = [document_block_html(0, i, f"Block {i}\n\n{table}") for i in range(15)]
    renderer = IncrementalRenderer()
    with Bound(30, 256):
        renderer.set_blocks(blocks)
    shown = renderer.blocks
    plain = [b for b in shown if "over-budget" in b]
    assert len(plain) == 15 - LIMITS.document_cells // 18_000
    assert all(b.startswith('<div class="doc-block" data-page="0" data-block=') for b in shown)
    assert "Block 14" in shown[-1] and "document" in shown[-1]
