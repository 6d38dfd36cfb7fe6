"""Model output -> sanitised HTML blocks: Markdown, math, tables, the allowlist, streaming diffs."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser

import pytest

from glmocr_desktop.core.render import (
    ALLOWED_TAGS,
    PREVIEW_LIMIT,
    BlockDiff,
    IncrementalRenderer,
    changed_indices,
    render_document,
    render_markdown,
    sanitize_html,
)
from glmocr_desktop.core.tasks import Task

SAMPLE = r"""# Results

Energy is $E = mc^2$ and, in brackets, \(a+b\).

$$
\frac{a}{b} = \sum_{i=1}^{n} x_i
$$

\[ \int_0^1 f(x)\,dx \]

| Name | Value |
|:-----|------:|
| a    | 1     |
| b    | 2     |

<table><tr><th>H1</th><th>H2</th></tr><tr><td colspan="2">merged</td></tr></table>

- one
- two with **bold** and ~~gone~~

> quoted

```python
print("<b>")
```
"""


def joined(text: str, task: Task | str = Task.TEXT) -> str:
    return "\n".join(render_markdown(text, task))


# --- Markdown, math, tables -----------------------------------------------------------------------


def test_blocks_are_top_level():
    blocks = render_markdown(SAMPLE)
    assert [re.match(r"<(\w+)", b).group(1) for b in blocks] == [
        "h1", "p", "div", "div", "table", "table", "ul", "blockquote", "pre",
    ]  # fmt: skip
    assert all(b == b.strip() for b in blocks)


def test_inline_and_display_math_are_marked_up_for_katex():
    html = joined(SAMPLE)
    assert '<span class="math inline">E = mc^2</span>' in html
    assert '<span class="math inline">a+b</span>' in html
    assert '<div class="math display">\\frac{a}{b} = \\sum_{i=1}^{n} x_i</div>' in html
    assert '<div class="math display">\\int_0^1 f(x)\\,dx</div>' in html


def test_inline_double_dollar_is_display_style():
    assert joined("see $$x^2$$ here") == '<p>see <span class="math display">x^2</span> here</p>'


def test_tex_is_escaped():
    html = joined(r"$a<b \text{</span><script>x</script>}$")
    assert "<script>" not in html
    assert "&lt;/span&gt;&lt;script&gt;" in html


def test_dollar_amounts_stay_text():
    assert joined("It costs $5 and $6.") in (
        "<p>It costs $5 and $6.</p>",
        '<p>It costs <span class="math inline">5 and</span>6.</p>',
    )


def test_markdown_table_with_alignment_as_classes():
    html = joined("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")
    assert '<th class="align-left">a</th>' in html
    assert '<th class="align-center">b</th>' in html
    assert '<td class="align-right">3</td>' in html
    assert "style" not in html


def test_html_table_keeps_structure_and_spans():
    html = joined(
        '<table><tr><td rowspan="2" colspan="3" style="color:red" onclick="x()">c</td></tr></table>'
    )
    assert html == '<table><tbody><tr><td rowspan="2" colspan="3">c</td></tr></tbody></table>'


def test_html_table_split_by_blank_lines_stays_one_block():
    text = "<table>\n<tr><td>a</td></tr>\n\n<tr><td>b</td></tr>\n\n</table>\n\nafter"
    blocks = render_markdown(text)
    assert len(blocks) == 2
    assert blocks[0].startswith("<table>") and blocks[0].endswith("</table>")
    assert "<td>a</td>" in blocks[0] and "<td>b</td>" in blocks[0]
    assert blocks[1] == "<p>after</p>"


def test_unfinished_table_while_streaming_is_well_formed():
    html = joined("<table><tr><td>1</td><td>2")
    assert html == "<table><tbody><tr><td>1</td><td>2</td></tr></tbody></table>"


def test_strikethrough_and_code():
    html = joined("~~x~~ `a<b>`")
    assert html == "<p><s>x</s> <code>a&lt;b&gt;</code></p>"


def test_formula_task_is_one_display_block():
    assert render_markdown("$$\\frac{a}{b}$$", Task.FORMULA) == [
        '<div class="math display">\\frac{a}{b}</div>'
    ]
    # while streaming, the closing $$ has not arrived yet
    assert render_markdown("$$\\frac{a", "formula") == ['<div class="math display">\\frac{a</div>']
    assert render_markdown("\\[x\\]", "formula") == ['<div class="math display">x</div>']
    assert render_markdown("  ", "formula") == []


def test_extract_task_shows_json_verbatim():
    blocks = render_markdown('```json\n{"name": "<b>Ann</b>"}\n```', Task.EXTRACT)
    assert blocks == ['<pre><code>{"name": "&lt;b&gt;Ann&lt;/b&gt;"}</code></pre>']


def test_table_task_renders_html_table():
    blocks = render_markdown("<table><tr><td>x</td></tr></table>", Task.TABLE)
    assert blocks == ["<table><tbody><tr><td>x</td></tr></tbody></table>"]


def test_empty_text():
    assert render_markdown("") == []
    assert render_markdown("\n\n  \n") == []


def test_render_document():
    assert render_document(SAMPLE) == "\n".join(render_markdown(SAMPLE))
    page = render_document("# T <script>", standalone=True, title="<x>")
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "script-src" not in page  # no script at all
    assert "<title>&lt;x&gt;</title>" in page
    assert "katex.min.css" in page and "<script" not in page


# --- the allowlist --------------------------------------------------------------------------------

HOSTILE = {
    "script": "<script>window.__pwned=1</script>",
    "script_upper": "<SCRIPT SRC=http://127.0.0.1:9/x.js></SCRIPT>",
    "img_onerror": '<img src=x onerror="window.__pwned=1">',
    "img_remote": '<img src="http://127.0.0.1:9/x.png">',
    "img_data": '<img src="data:image/png;base64,iVBORw0KGgo=">',
    "js_link": '<a href="javascript:window.__pwned=1">x</a>',
    "js_link_entities": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "data_link": '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "relative_link": '<a href="../../etc/passwd">x</a>',
    "iframe": '<iframe src="http://127.0.0.1:9/"></iframe>',
    "object": '<object data="http://127.0.0.1:9/x.swf"></object><embed src="http://127.0.0.1:9/e">',
    "svg": '<svg onload="window.__pwned=1"><script>window.__pwned=1</script></svg>',
    "math_tag": '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    "style": "<style>@import url(http://127.0.0.1:9/x.css)</style>",
    "style_attr": '<p style="background:url(http://127.0.0.1:9/bg.png)">t</p>',
    "meta": '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/">',
    "link": '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
    "base": '<base href="http://127.0.0.1:9/">',
    "form": '<form action="http://127.0.0.1:9/"><input name=a><button>go</button></form>',
    "event_attrs": '<div onmouseover="window.__pwned=1" onclick="x()">d</div>',
    "srcdoc": '<iframe srcdoc="<script>window.__pwned=1</script>"></iframe>',
    "template": "<template><script>window.__pwned=1</script></template>",
    "comment": "<!--><script>window.__pwned=1</script>-->",
    "nested_parse": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "video": '<video src="http://127.0.0.1:9/v.mp4" poster="http://127.0.0.1:9/p.png"></video>',
    "md_image": "![alt](http://127.0.0.1:9/x.png)",
    "md_js_link": "[x](javascript:window.__pwned=1)",
    "md_autolink_js": "<javascript:window.__pwned=1>",
    "id_clobber": '<div id="content" name="setBlocks">x</div><form id="previewState"></form>',
    "class_spoof": '<div class="katex block notice">x</div>',
}

SAFE_ATTRIBUTES = {"href", "rel", "class", "colspan", "rowspan", "span", "start"}


class _Audit(HTMLParser):
    """Every tag and attribute in the output, as a browser would parse it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name not in SAFE_ATTRIBUTES:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and not re.match(r"(https?|mailto):", value):
                self.problems.append(f"href {value!r}")
            if name == "rel" and value != "noopener noreferrer":
                self.problems.append(f"rel {value!r}")
        if tag == "a" and dict(attrs).get("href") and dict(attrs).get("rel") != "noopener noreferrer":
            self.problems.append("link without rel")

    def handle_comment(self, data):
        self.problems.append("comment")

    def handle_decl(self, decl):
        self.problems.append(f"declaration {decl}")

    def handle_pi(self, data):
        self.problems.append("processing instruction")


def problems(html: str) -> list[str]:
    audit = _Audit()
    audit.feed(html)
    audit.close()
    if "127.0.0.1:9" in html and "&lt;" not in html:  # a URL may survive only as escaped text
        audit.problems.append("remote URL outside text")
    return audit.problems


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_payload_is_neutralised(name):
    html = joined(HOSTILE[name])
    assert not problems(html), html
    # also when the payload sits inside a Markdown paragraph or table cell
    html = joined(f"text {HOSTILE[name]} more\n\n| a |\n|---|\n| {HOSTILE[name]} |\n")
    assert not problems(html), html


def test_links_keep_only_safe_schemes_and_get_rel():
    html = joined("[web](https://example.com/a?b=1) [mail](mailto:a@b.c) [ftp](ftp://x/)")
    assert '<a href="https://example.com/a?b=1" rel="noopener noreferrer">web</a>' in html
    assert '<a href="mailto:a@b.c" rel="noopener noreferrer">mail</a>' in html
    assert "ftp://" not in html


def test_classes_are_limited_to_the_renderers_own():
    html = sanitize_html('<span class="math inline evil">x</span><div class="math display katex">y</div>')
    assert html == '<span class="math inline">x</span><div class="math display">y</div>'


def test_spans_are_clamped():
    html = sanitize_html(
        '<table><tr><td colspan="99999999" rowspan="-1">x</td><td colspan="5">y</td></tr></table>'
    )
    assert "rowspan" not in html
    assert 'colspan="5"' in html
    assert 'colspan="99999999"' not in html


def test_markdown_image_leaves_its_alt_text():
    assert joined("![a chart](x.png)") == '<p><span class="img-alt">[a chart]</span></p>'


# --- bad sizes and nesting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<div>" * 10_000,
        "[" * 10_000,
        ">" * 10_000,
        "> " * 10_000 + "x",
        "$" + "{" * 10_000 + "$",
        "- " * 5_000 + "x",
        "*" * 10_000 + "x" + "*" * 10_000,
        "`" * 10_000,
        "|" * 10_000 + "\n" + "|-" * 5_000,
    ],
    ids=[
        "divs",
        "brackets",
        "quotes",
        "spaced-quotes",
        "tex-braces",
        "lists",
        "emphasis",
        "backticks",
        "table",
    ],
)
def test_deep_nesting_renders(text):
    html = joined(text)
    assert isinstance(html, str)
    assert not problems(html)


def test_huge_input_is_cut_for_the_preview():
    text = "A paragraph with $x$ math.\n\n" * 40_000  # ~1 MB
    blocks = render_markdown(text)
    assert blocks[-1].startswith('<p class="notice">')
    assert sum(len(b) for b in blocks[:-1]) < 4 * PREVIEW_LIMIT


def test_five_kb_document_renders():
    doc = (SAMPLE * 10)[:5000]
    for _ in range(20):
        blocks = render_markdown(doc)
    assert len(blocks) > 20


# --- streaming -------------------------------------------------------------------------------------


def test_changed_indices():
    a = ["<p>1</p>", "<p>2</p>", "<p>3</p>"]
    assert changed_indices(a, a) == range(3, 3)
    assert changed_indices(a, a[:2] + ["<p>3!</p>"]) == range(2, 3)
    assert changed_indices(a, a[:2] + ["<p>3!</p>"], unchanged_prefix=2) == range(2, 3)
    assert changed_indices(a, a + ["<p>4</p>"], unchanged_prefix=2) == range(3, 4)
    assert changed_indices(a, a[:1]) == range(1, 1)
    assert changed_indices(a, ["<p>0</p>"] + a[1:]) == range(3)
    assert changed_indices([], a, unchanged_prefix=5) == range(3)


def test_block_diff_tracks_the_page():
    diff = BlockDiff()
    u = diff.update(["a", "b"])
    assert (u.start, u.blocks, u.total) == (0, ["a", "b"], 2)
    u = diff.update(["a", "b", "c"], unchanged_prefix=2)
    assert (u.start, u.blocks, u.total) == (2, ["c"], 3)
    u = diff.update(["a"])
    assert (u.start, u.blocks, u.total) == (1, [], 1)


def apply(page: list[str], update) -> list[str]:
    page[update.start :] = update.blocks
    del page[update.total :]
    return page


STREAM_DOC = (
    SAMPLE
    + "\n- item 1\n- item 2\n\n  continued\n\nPara\n---\n\nh | k\n--|--\n1|2\n\n> quote\nlazy\n\n"
    + "```py\ncode\n\n```\n\n$$\na\n$$\n\n<table>\n<tr><td>x</td></tr>\n\n<tr><td>y</td></tr>\n</table>\n"
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_incremental_renderer_matches_a_full_render_at_every_step(seed):
    rng = random.Random(seed)
    renderer = IncrementalRenderer()
    page: list[str] = []
    i = 0
    while i < len(STREAM_DOC):
        i = min(len(STREAM_DOC), i + rng.randint(1, 9))
        apply(page, renderer.update(STREAM_DOC[:i]))
        assert page == render_markdown(STREAM_DOC[:i]), repr(STREAM_DOC[:i][-60:])


def test_streaming_sends_only_the_tail():
    renderer = IncrementalRenderer()
    renderer.update(SAMPLE)
    n = len(renderer.blocks)
    u = renderer.update(SAMPLE + "\nmore text")
    assert u.start == n and u.total == n + 1
    u = renderer.update(SAMPLE + "\nmore text, longer")
    assert u.start == n and u.blocks == ["<p>more text, longer</p>"]


def test_non_appending_change_rerenders_and_diffs_forward():
    renderer = IncrementalRenderer()
    renderer.update("# a\n\nb\n\nc")
    u = renderer.update("# a\n\nB\n\nc")
    assert (u.start, u.total) == (1, 3)
    assert u.blocks == ["<p>B</p>", "<p>c</p>"]
    u = renderer.update("$$x$$", Task.FORMULA)
    assert (u.start, u.total) == (0, 1)


def test_incremental_renderer_cuts_huge_text():
    renderer = IncrementalRenderer()
    chunk = "Some words here.\n\n" * 2000
    text = ""
    for _ in range(5):
        text += chunk
        u = renderer.update(text)
    assert renderer.blocks[-1].startswith('<p class="notice">')
    assert u.start >= len(renderer.blocks) - 2


def test_full_update_fixes_what_streaming_could_not_see():
    text = "$$\na\n\n\nb\n\n\nc\n$$\n"
    renderer = IncrementalRenderer()
    page: list[str] = []
    for i in range(1, len(text) + 1):
        apply(page, renderer.update(text[:i]))
    apply(page, renderer.update(text, full=True))
    assert page == render_markdown(text)
