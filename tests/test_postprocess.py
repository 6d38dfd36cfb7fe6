"""Repetition loops, per-task clean-up and HTML tables."""

from __future__ import annotations

import random
import re

import pytest

from glmocr_desktop.core.postprocess import (
    RepetitionGuard,
    clean_table_html,
    cut_repetition,
    find_repetition,
    html_table_to_markdown,
    html_table_to_rows,
    html_tables_to_rows,
    normalize_formula,
    postprocess,
    rows_to_tsv,
    short_unit_repeats,
)
from glmocr_desktop.core.tasks import Task


def sdk_cut(s: str, min_unit: int = 10, min_repeats: int = 10) -> int | None:
    """The official SDK's rule, as its regular expression (slow, the reference)."""
    n = len(s)
    if n < min_unit * min_repeats:
        return None
    pattern = re.compile(r"(.{%d,%d}?)\1{%d,}" % (min_unit, n // min_repeats, min_repeats - 1), re.DOTALL)
    m = pattern.search(s)
    return m.start() + len(m.group(1)) if m else None


def test_sdk_rule_cuts_and_keeps_one_unit():
    unit = "| 12 | apples |\n"
    text = "Header\n\n" + unit * 12 + "tail"
    cut = find_repetition(text)
    assert cut is not None
    kept = text[:cut]
    assert kept.startswith("Header\n\n")
    assert kept.count("apples") == 1
    assert cut == sdk_cut(text)


def test_nine_repeats_is_not_a_loop():
    unit = "0123456789abcdef"
    assert find_repetition("intro " + unit * 9 + " end") is None


def test_matches_sdk_regex_on_random_text():
    rng = random.Random(7)
    for _ in range(400):
        alpha = rng.choice(["ab", "abc", "abcdefgh", "abcdefghijklmnopqrstu"])
        parts = []
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.5:
                parts.append("".join(rng.choice(alpha) for _ in range(rng.randint(0, 50))))
            else:
                unit = "".join(rng.choice(alpha) for _ in range(rng.randint(10, 22)))
                parts.append(unit * rng.randint(6, 12) + unit[: rng.randint(0, len(unit))])
        text = "".join(parts)
        from glmocr_desktop.core import postprocess as pp

        sdk = pp._sdk_cut(text, 10, 10)
        assert (sdk[0] + sdk[1] if sdk else None) == sdk_cut(text), text


@pytest.mark.parametrize("unit", ["\n", "0.", "ab ", "<td></td>"])
def test_short_unit_loops(unit):
    need = short_unit_repeats(len(unit))
    assert need >= 20 and need * len(unit) >= 100
    text = "Start of page:" + unit * (need + 5)
    cut = find_repetition(text)
    assert cut is not None
    assert text[:cut] == "Start of page:" + unit
    # one repeat fewer than the rule asks for (and short of the SDK rule) is left alone
    assert find_repetition("Start of page:" + unit * (need - 1)) is None


def test_twelve_empty_cells_are_not_a_loop():
    row = "<tr>" + "<td></td>" * 12 + "</tr>"
    assert find_repetition("<table>" + row + "</table>") is None


def test_cut_repetition_flag():
    assert cut_repetition("plain text") == ("plain text", False)
    text, cut = cut_repetition("x" * 300)
    assert cut and text == "x"


def test_guard_stops_streaming_loop_early():
    guard = RepetitionGuard()
    prefix = "Intro paragraph with some words.\n\n"
    unit = "The same sentence again and again. "
    stream = prefix + unit * 200
    fed = 0
    for i in range(0, len(stream), 3):
        fed = i + 3
        if guard.feed(stream[i : i + 3]):
            break
    assert guard.triggered
    assert fed <= len(prefix) + 11 * len(unit)  # stopped within about one unit of the 10th repeat
    assert guard.cut_text() == prefix + unit
    assert guard.feed("more") is True


def test_guard_short_loop():
    guard = RepetitionGuard()
    for i, ch in enumerate("Total: " + "0." * 500):
        if guard.feed(ch):
            break
    assert i < 7 + 110
    assert guard.cut_text() == "Total: 0."


def test_guard_quiet_on_long_ordinary_text_and_cheap():
    rng = random.Random(3)
    words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "<td>", "</td>", "12.5", "\n"]
    text = " ".join(rng.choice(words) for _ in range(8000))
    guard = RepetitionGuard()
    tokens = [text[i : i + 4] for i in range(0, len(text), 4)]
    for tok in tokens:
        assert guard.feed(tok) is False
    assert guard.text == text
    assert guard.cut_text() == text
    # bounded work per token: a few candidate checks each, not a scan of the whole text
    assert guard.checks < 4 * len(tokens)
    assert find_repetition(text) is None


def test_guard_agrees_with_final_rule():
    guard = RepetitionGuard()
    text = "abc " * 3 + "0123456789X" * 15
    for ch in text:
        guard.feed(ch)
    assert guard.cut_text() == text[: find_repetition(text)]


@pytest.mark.parametrize(
    "raw",
    [
        "$$E=mc^2$$",
        "\\[ E=mc^2 \\]",
        "$E=mc^2$",
        "E=mc^2",
        "```latex\nE=mc^2\n```",
        "$$\nE=mc^2 \\label{eq:energy}\n$$",
        "  $$ E=mc^2 $$  \n",
    ],
)
def test_formula_normalised_to_one_display_block(raw):
    assert postprocess(Task.FORMULA, raw) == "$$\nE=mc^2\n$$"


def test_formula_several_blocks_become_one():
    out = normalize_formula("$$a=1$$\n$$b=2$$")
    assert out.count("$$") == 2
    assert "\\begin{gathered}" in out and "a=1" in out and "b=2" in out
    assert normalize_formula("   ") == ""


def test_text_and_table_fences():
    assert postprocess("text", "```markdown\n# T\n\nbody\n```") == "# T\n\nbody"
    assert postprocess("text", "Intro\n```py\nx=1\n```\nafter") == "Intro\n```py\nx=1\n```\nafter"
    assert postprocess("table", "```html\n<table><tr><td>1</td></tr></table>\n```") == (
        "<table><tr><td>1</td></tr></table>"
    )
    assert postprocess("text", "  # Title  \n") == "# Title"


def test_extract_pretty_json():
    out = postprocess("extract", '```json\n{"a": "1",}\n```')
    assert out == '{\n  "a": "1"\n}'


SPAN_HTML = (
    "<table><tr><th colspan='2'>Name</th><th>Qty</th></tr>"
    "<tr><td rowspan=2>Fruit</td><td>Apple</td><td>3</td></tr>"
    "<tr><td>Pear</td><td>5</td></tr></table>"
)


def test_spans_blank_fill_and_repeat():
    assert html_table_to_rows(SPAN_HTML) == [
        ["Name", "", "Qty"],
        ["Fruit", "Apple", "3"],
        ["", "Pear", "5"],
    ]
    assert html_table_to_rows(SPAN_HTML, span_fill="repeat") == [
        ["Name", "Name", "Qty"],
        ["Fruit", "Apple", "3"],
        ["Fruit", "Pear", "5"],
    ]


def test_broken_html_and_several_tables():
    broken = "<table><tr><td>1<td>2<tr><td>3</table> text <tr><td>a</td><td colspan=999999>b"
    tables = html_tables_to_rows(broken)
    assert len(tables) == 2
    assert tables[0] == [["1", "2"], ["3", ""]]
    assert tables[1][0][:2] == ["a", "b"] and len(tables[1][0]) <= 1001
    assert html_table_to_rows("no table here") == []


def test_cell_text_br_entities_and_nested():
    h = "<table><tr><td>a<br/>b &amp; c</td><td><table><tr><td>in</td></tr></table>x</td></tr></table>"
    rows = html_table_to_rows(h)
    assert rows == [["a\nb & c", "in x"]]


def test_tsv_escaping():
    rows = [["a\tb", "line1\nline2", 'say "hi"']]
    assert rows_to_tsv(rows) == 'a b\tline1 line2\tsay "hi"'
    assert rows_to_tsv(rows, quote=True) == '"a\tb"\t"line1\nline2"\t"say ""hi"""'


def test_markdown_table():
    md = html_table_to_markdown("<table><tr><td>A|B</td><td>x<br>y</td></tr><tr><td>1</td></tr></table>")
    assert md.splitlines() == ["| A\\|B | x<br>y |", "|---|---|", "| 1 |  |"]


def test_clean_table_html_is_sanitised():
    dirty = '<table onclick="evil()"><tr><td style="x"><script>alert(1)</script><img src=x onerror=y>ok &lt;b&gt;</td></tr></table>'
    clean = clean_table_html(dirty)
    assert "script" not in clean and "onerror" not in clean and "onclick" not in clean and "<img" not in clean
    assert "ok &lt;b&gt;" in clean and 'border="1"' in clean
    assert 'colspan="2"' in clean_table_html(SPAN_HTML)
