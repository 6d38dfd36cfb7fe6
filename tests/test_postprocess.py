"""Per-task clean-up and HTML tables (loops: tests/test_loops.py; fidelity cases: tests/test_fidelity.py)."""

from __future__ import annotations

import pytest

from glmocr_desktop.core.postprocess import (
    clean_table_html,
    html_table_to_markdown,
    html_table_to_rows,
    html_tables_to_rows,
    normalize_formula,
    postprocess,
    rows_to_tsv,
)
from glmocr_desktop.core.tasks import Task


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
