"""Model output -> safe HTML blocks for the preview (and for HTML export).

Model output is untrusted: a scanned page can say ``<script>``. Markdown is parsed with markdown-it-py
(CommonMark + tables + strikethrough + ``$``/``$$`` and ``\\(``/``\\[`` math), raw HTML in it (the model
writes tables as ``<table>``) goes through an nh3 allowlist, and math is only marked up here, as escaped
TeX inside ``<span class="math inline">`` / ``<div class="math display">``, for KaTeX (``trust: false``)
to typeset on the page.

Images are dropped entirely, whether written as Markdown or as ``<img>``: the model never needs them
to show recognised text, and any ``src`` is either a request (a tracking pixel) or a parsing surface.
A Markdown image leaves its alt text in brackets so nothing the page said disappears silently.

The output is a list of top-level blocks, one HTML string each, so the page can replace only the
blocks that changed while tokens stream in (:class:`IncrementalRenderer`, :class:`BlockDiff`).

No Qt here; this module is imported by the GUI, the CLI and the exporters.
"""

from __future__ import annotations

import html
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from glmocr_desktop.core.budget import LIMITS, html_cost, html_to_plain, plain_block, tex_refusal
from glmocr_desktop.core.tasks import Task

__all__ = [
    "ALLOWED_TAGS",
    "BLOCK_DATA_ATTRIBUTES",
    "PREVIEW_LIMIT",
    "BlockDiff",
    "BlockUpdate",
    "IncrementalRenderer",
    "changed_indices",
    "document_block_html",
    "document_page_html",
    "markdown_tokens",
    "render_document",
    "render_markdown",
    "sanitize_html",
    "sanitize_markdown",
]

# --- sanitiser -----------------------------------------------------------------------------------

ALLOWED_TAGS = frozenset(
    {
        # tables (the model writes them as HTML)
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
        # text structure and formatting
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
        "ul", "ol", "li", "b", "i", "em", "strong", "u", "s", "del", "sub", "sup", "mark",
        "span", "div", "a",
    }
)  # fmt: skip

#: Tags removed together with everything inside them (the rest of the disallowed tags are unwrapped:
#: their text stays, the tag goes).
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
        "template", "noscript", "noembed", "noframes", "textarea", "select", "option", "button",
        "title", "head", "xmp", "plaintext", "audio", "video", "canvas", "picture", "source", "portal",
    }
)  # fmt: skip

_ATTRIBUTES = {
    "a": {"href"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
    "li": {"value"},
}
_CLASSES = {
    "span": {"math", "inline", "display", "img-alt"},
    "div": {"math", "display"},
    "td": {"align-left", "align-center", "align-right"},
    "th": {"align-left", "align-center", "align-right"},
    "code": {"math-source"},
}
#: Chromium clamps these anyway (colspan 1000, rowspan 65534); a smaller cap keeps layout cheap.
_SPAN_LIMITS = {"colspan": 1000, "rowspan": 1000, "span": 1000}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr in _SPAN_LIMITS or (tag == "ol" and attr == "start") or (tag == "li" and attr == "value"):
        v = value.strip()
        if not v.isdigit() or len(v) > 7:
            return None
        return str(min(int(v), _SPAN_LIMITS.get(attr, 10**6)))
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    strip_comments=True,
    link_rel="noopener noreferrer",
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    allowed_classes={k: set(v) for k, v in _CLASSES.items()},
)


def sanitize_html(fragment: str) -> str:
    """Reduce an HTML fragment to the preview's allowlist (see the module docstring)."""
    return _CLEANER.clean(fragment)


# --- Markdown ------------------------------------------------------------------------------------


def _refused_math(tex: str, reason: str, env: dict | None) -> str:
    """A formula over budget: its source, escaped, in place; the block gets a notice (see _render_group)."""
    if env is not None:
        env.setdefault("refused", []).append(reason)
    return f'<code class="math-source">{html.escape(tex, quote=False)}</code>'


def _math_html(content: str, display: bool, env: dict | None = None) -> str:
    tex = content.strip()
    reason = tex_refusal(tex)
    if reason is not None:
        code = _refused_math(tex, reason, env)
        return f"<p>{code}</p>\n" if display else code
    escaped = html.escape(tex, quote=False)
    if display:
        return f'<div class="math display">{escaped}</div>\n'
    return f'<span class="math inline">{escaped}</span>'


def _render_math_inline(self, tokens, idx, options, env) -> str:
    return _math_html(tokens[idx].content, display=False, env=env)


def _render_math_inline_double(self, tokens, idx, options, env) -> str:
    """``$$..$$`` inside a paragraph: display style, kept in the line's flow (a span)."""
    tex = tokens[idx].content.strip()
    reason = tex_refusal(tex)
    if reason is not None:
        return _refused_math(tex, reason, env)
    return f'<span class="math display">{html.escape(tex, quote=False)}</span>'


def _render_math_block(self, tokens, idx, options, env) -> str:
    return _math_html(tokens[idx].content, display=True, env=env)


# --- \\( .. \\) and \\[ .. \\]: linear ---------------------------------------------------------------
#
# mdit-py-plugins' texmath matches a lazy regex from every opening delimiter to the end of the text:
# quadratic when the closing one is missing (100 KB of "\\(" took 9-22 s). These rules find the
# closing delimiter with str.find and remember the answer, so each part of the text is scanned once.


def _next(state: Any, needle: str, start: int) -> int:
    """``state.src.find(needle, start)``, remembered: a later search that starts further on reuses it."""
    memo: dict = state.env.setdefault("_next", {})
    key = (needle, id(state.src))
    hit = memo.get(key)
    if hit is not None and hit[0] is state.src and hit[1] <= start and (hit[2] < 0 or hit[2] >= start):
        return hit[2]
    found = state.src.find(needle, start)
    memo[key] = (state.src, start, found)
    return found


def _bracket_inline(state: Any, silent: bool) -> bool:
    pos = state.pos
    if not state.src.startswith("\\(", pos):
        return False
    close = _next(state, "\\)", pos + 3)  # at least one character of TeX
    if close < 0 or close + 2 > state.posMax:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = state.src[pos + 2 : close]
        token.markup = "\\("
    state.pos = close + 2
    return True


_EQNO_RE = re.compile(r"[ \t]*\(([^)$\r\n]+)\)")


def _bracket_block(state: Any, begLine: int, endLine: int, silent: bool) -> bool:
    begin = state.bMarks[begLine] + state.tShift[begLine]
    src = state.src
    if not src.startswith("\\[", begin):
        return False
    close = _next(state, "\\]", begin + 3)
    if close < 0:
        return False
    line = begLine
    while line < endLine and close + 1 > state.eMarks[line]:
        line += 1
    if line >= endLine or close < state.bMarks[line]:
        return False  # closed outside this block (e.g. opened inside a blockquote)
    if not silent:
        rest = src[close + 2 : state.eMarks[line]]
        eqno = _EQNO_RE.match(rest)
        token = state.push("math_block_eqno" if eqno else "math_block", "math", 0)
        token.block = True
        token.content = src[begin + 2 : close]
        token.info = eqno.group(1) if eqno else ""
        token.markup = "\\["
        token.map = [begLine, line + 1]
    state.line = line + 1
    return True


def _render_image(self, tokens, idx, options, env) -> str:
    alt = self.renderInlineAsText(tokens[idx].children or [], options, env)
    return f'<span class="img-alt">[{html.escape(alt)}]</span>' if alt else ""


_ALIGN = re.compile(r"text-align:\s*(left|center|right)")


def _render_cell_open(self, tokens, idx, options, env) -> str:
    """Table alignment as a class: ``style`` attributes never pass the sanitiser."""
    token = tokens[idx]
    style = token.attrs.pop("style", None)
    if isinstance(style, str) and (m := _ALIGN.search(style)):
        token.attrSet("class", f"align-{m.group(1)}")
    return self.renderToken(tokens, idx, options, env)


def _render_list_item_open(self, tokens, idx, options, env) -> str:
    """An ordered item shows the number written on the page (``3. 5. 9.``), not a recount."""
    token = tokens[idx]
    if token.markup in (".", ")") and token.info.isdigit():
        token.attrSet("value", token.info)
    return self.renderToken(tokens, idx, options, env)


def _make_parser() -> MarkdownIt:
    # breaks: a line break in OCR output is a line break on the page (an address, a poem, a receipt)
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 20, "breaks": True})
    md.enable(["table", "strikethrough"])
    # Link reference definitions make a block's HTML depend on text far below it; OCR output has no
    # use for them, and without them every block renders from its own lines (incremental re-parsing).
    md.disable("reference")
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, allow_blank_lines=True, double_inline=True)
    md.inline.ruler.before("escape", "math_inline_brackets", _bracket_inline)
    md.block.ruler.before("fence", "math_block_brackets", _bracket_block)
    for name in ("math_inline", "math_single", "math_inline_eq"):
        md.add_render_rule(name, _render_math_inline)
    md.add_render_rule("math_inline_double", _render_math_inline_double)
    for name in ("math_block", "math_block_label", "math_block_eqno", "math_block_eq"):
        md.add_render_rule(name, _render_math_block)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("list_item_open", _render_list_item_open)
    md.add_render_rule("th_open", _render_cell_open)
    md.add_render_rule("td_open", _render_cell_open)
    return md


_MD = _make_parser()


def markdown_tokens(text: str) -> list[Token]:
    """The preview parser's block tokens for ``text`` (for code that must agree with the preview)."""
    return _MD.parse(text, {})

_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)


@dataclass
class _Block:
    """One top-level block: its source lines ``[start, end)``, its sanitised HTML and what its tables
    cost (grid positions, see :mod:`glmocr_desktop.core.budget`)."""

    start: int
    end: int
    html: str
    cells: int = 0
    source: str = ""


def _unclosed_tables(tokens: Sequence[Token]) -> int:
    n = 0
    for t in tokens:
        if t.type == "html_block":
            n += len(_TABLE_OPEN.findall(t.content)) - len(_TABLE_CLOSE.findall(t.content))
    return n


def _groups(tokens: list[Token]) -> list[list[Token]]:
    """Split a token stream into top-level blocks; an HTML table cut by blank lines stays one block."""
    groups: list[list[Token]] = []
    i, n = 0, len(tokens)
    open_tables = 0
    while i < n:
        j = i
        if tokens[i].nesting == 1:
            depth = 0
            while j < n:
                depth += tokens[j].nesting
                if depth == 0:
                    break
                j += 1
        group = tokens[i : j + 1]
        if open_tables > 0:
            groups[-1].extend(group)
        else:
            groups.append(group)
        open_tables = max(0, open_tables + _unclosed_tables(group))
        i = j + 1
    return groups


class _Cache:
    """Sanitised HTML (and its table cost) by block source, so unchanged blocks keep the very same
    string object."""

    def __init__(self, size: int = 512) -> None:
        self._d: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._size = size

    def get(self, key: str) -> tuple[str, int] | None:
        v = self._d.get(key)
        if v is not None:
            self._d.move_to_end(key)
        return v

    def put(self, key: str, value: tuple[str, int]) -> None:
        self._d[key] = value
        if len(self._d) > self._size:
            self._d.popitem(last=False)


def _render_group(group: list[Token], env: dict, source: str) -> tuple[str, int]:
    """One block's sanitised HTML within the budget, and the grid positions of its tables."""
    env["refused"] = []
    out = sanitize_html(_MD.renderer.render(group, _MD.options, env)).strip()
    cost = html_cost(out)
    reason = cost.over()
    if reason is not None:
        return plain_block(source, reason), 0
    refused = env.pop("refused", [])
    if refused and out:
        notes = "; ".join(dict.fromkeys(refused))
        out += f'\n<p class="notice">{html.escape(notes, quote=False)}; shown as plain text.</p>'
    return out, cost.cells


def _parse_blocks(lines: list[str], first_line: int, cache: _Cache | None) -> list[_Block]:
    """Parse ``lines[first_line:]`` (a block boundary) into blocks with absolute line numbers."""
    src = "".join(lines[first_line:])
    env: dict = {}
    tokens = _MD.parse(src, env)
    env.pop("_next", None)
    groups = _groups(tokens)
    # Some tokens (math in brackets) may carry no line map: such a block starts where the one
    # above ended and ends where the next one starts, which only ever adds blank lines to it.
    spans: list[list[int | None]] = []
    for group in groups:
        mapped = [t.map for t in group if t.map]
        spans.append([mapped[0][0], max(m[1] for m in mapped)] if mapped else [None, None])
    total_lines = len(lines) - first_line
    for k, span in enumerate(spans):
        if span[0] is None:
            span[0] = spans[k - 1][1] if k else 0
    for k in range(len(spans) - 1, -1, -1):
        if spans[k][1] is None:
            spans[k][1] = spans[k + 1][0] if k + 1 < len(spans) else total_lines
    blocks: list[_Block] = []
    for group, span in zip(groups, spans):
        start, end = int(span[0] or 0), int(span[1] or 0)  # both filled in above
        source = "".join(lines[first_line + start : first_line + end])
        key = source if source.strip() else ""  # a block without source lines: never cached
        cached = cache.get(key) if cache is not None and key else None
        if cached is None:
            cached = _render_group(group, env, source)
            if cache is not None and key:
                cache.put(key, cached)
        if cached[0]:
            blocks.append(_Block(first_line + start, first_line + end, cached[0], cached[1], source))
    return blocks


def _within_budget(blocks: Sequence[_Block]) -> list[str]:
    """The blocks' HTML, held to the per-result budget: tables together at most ``result_cells``
    grid positions, at most ``blocks`` blocks, at most ``preview_html`` characters of HTML. What is
    over it is shown as its source, with a notice."""
    out: list[str] = []
    cells = size = 0
    for i, b in enumerate(blocks):
        if i + 1 >= LIMITS.blocks and i + 1 < len(blocks):
            rest = "".join(x.source for x in blocks[i:])
            out.append(plain_block(rest, f"This result has {len(blocks):,} blocks (the preview shows at most {LIMITS.blocks:,})"))
            break
        cells += b.cells
        size += len(b.html)
        if b.cells and cells > LIMITS.result_cells:
            out.append(plain_block(b.source, f"The tables of this result would have more than {LIMITS.result_cells:,} cells together"))
        elif size > LIMITS.preview_html:
            out.append(plain_block(b.source, "This result makes more HTML than the preview shows"))
            size -= len(b.html)
        else:
            out.append(b.html)
    return out


# --- Markdown for files ----------------------------------------------------------------------------

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Neither a quoted value nor the rest of a tag may hold "<": every match attempt ends at the next "<",
# so cleaning is linear; a "<" that starts no complete tag is escaped (inert text, shown the same).
_TAG_START_RE = re.compile(r"<(?=[A-Za-z/!])")
_TAG_AT_RE = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9-]*)((?:"[^"<]*"|'[^'<]*'|[^'"<>])*)>""")
_DROPPED_RE = re.compile(r"<(" + "|".join(sorted(DROPPED_WITH_CONTENT)) + r")(?![A-Za-z0-9-])", re.IGNORECASE)
_MD_IMAGE_RE = re.compile(r"!\[([^\[\]\n]*)\]\(([^()\n]*)\)")
_MD_LINK_RE = re.compile(r"(?<!!)\[([^\[\]\n]*)\]\(\s*<?([A-Za-z][A-Za-z0-9+.-]*):[^()\n]*\)")
_REMOTE_RE = re.compile(r"^\s*<?\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|//)")


class _Finder:
    """``text.find(needle, start)`` that remembers a miss, so repeated searches stay linear."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._missing_after: dict[str, int] = {}

    def find(self, needle: str, start: int) -> int:
        if self._missing_after.get(needle, len(self.text) + 1) <= start:
            return -1
        found = self.text.find(needle, start)
        if found < 0:
            self._missing_after[needle] = start
        return found


def _drop_with_content(text: str) -> str:
    """``<script>..</script>`` and the like removed with what is inside; an element never closed
    keeps its text (its ``<`` escaped)."""
    lower = _Finder(text.lower())
    out: list[str] = []
    i = 0
    for m in _DROPPED_RE.finditer(text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        end = lower.find(f"</{m.group(1).lower()}", m.end())
        close = lower.find(">", end) if end >= 0 else -1
        if close < 0:
            out.append("&lt;")
            i = m.start() + 1
        else:
            i = close + 1
    out.append(text[i:])
    return "".join(out)


def _clean_html(text: str) -> str:
    finder = _Finder(text)
    out: list[str] = []
    i = 0
    for m in _TAG_START_RE.finditer(text):
        k = m.start()
        if k < i:
            continue
        out.append(text[i:k])
        if text.startswith("<!--", k):
            end = finder.find("-->", k + 4)
            if end >= 0:
                i = end + 3  # comments go
                continue
        tag = _TAG_AT_RE.match(text, k)
        if tag is not None:
            out.append(_clean_tag(tag))
            i = tag.end()
        else:
            out.append("&lt;")
            i = k + 1
    out.append(text[i:])
    return "".join(out)


def _clean_tag(m: re.Match[str]) -> str:
    closing, tag = m.group(1), (m.group(2) or "").lower()
    if m.group(0).startswith("<!--") or tag not in ALLOWED_TAGS:
        return ""
    if closing:
        return f"</{tag}>"
    before, after = _TAG_CONTEXT.get(tag, ("", ""))
    cleaned = sanitize_html(before + m.group(0) + after)  # a cell is only a cell inside a table
    found = re.search(rf"<{tag}\b(?:\"[^\"]*\"|[^\">])*>", cleaned)
    return found.group(0) if found else ""


_TAG_CONTEXT = {
    "td": ("<table><tr>", "</tr></table>"),
    "th": ("<table><tr>", "</tr></table>"),
    "tr": ("<table>", "</table>"),
    "thead": ("<table>", "</table>"),
    "tbody": ("<table>", "</table>"),
    "tfoot": ("<table>", "</table>"),
    "caption": ("<table>", "</table>"),
    "colgroup": ("<table>", "</table>"),
    "col": ("<table><colgroup>", "</colgroup></table>"),
    "li": ("<ul>", "</ul>"),
}


def _clean_markdown(chunk: str) -> str:
    chunk = _MD_IMAGE_RE.sub(
        lambda m: f"\\[{m.group(1)}\\]" if _REMOTE_RE.match(m.group(2)) else m.group(0), chunk
    )
    chunk = _MD_LINK_RE.sub(
        lambda m: m.group(0) if m.group(2).lower() in ("http", "https", "mailto") else f"\\[{m.group(1)}\\]",
        chunk,
    )
    if "<" in chunk:
        chunk = _clean_html(_drop_with_content(chunk))
    return chunk


def sanitize_markdown(text: str) -> str:
    """Model Markdown made as safe to write to a file as the preview is to show: raw HTML reduced to the
    preview's allowlist (no ``<img>`` tracking pixel, no ``<script>``, no event handlers, links only
    http(s)/mailto), remote Markdown images replaced by their alt text in brackets, links of other
    schemes by their text. Local images (an export's crops: ``![](report_imgs/p1_0.jpg)``) and fenced
    code stay as they are. Linear in the text."""
    if "<" not in text and "](" not in text:
        return text
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        m = _FENCE_RE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            out.append(line)
        elif m:
            out.append(_clean_markdown("".join(prose)))
            prose = []
            fence = m.group(1)
            out.append(line)
        else:
            prose.append(line)
    out.append(_clean_markdown("".join(prose)))
    return "".join(out)


# --- tasks ---------------------------------------------------------------------------------------

_FORMULA_FENCES = (("$$", "$$"), ("\\[", "\\]"), ("$", "$"))


def _formula_block(text: str) -> str:
    """The Formula task's output is one display formula; while streaming its closing ``$$`` is missing."""
    tex = text.strip()
    for opening, closing in _FORMULA_FENCES:
        if tex.startswith(opening):
            tex = tex[len(opening) :]
            if tex.endswith(closing):
                tex = tex[: -len(closing)]
            break
    tex = tex.strip()
    if not tex:
        return ""
    reason = tex_refusal(tex)
    if reason is not None:
        return plain_block(tex, reason)
    return _math_html(tex, display=True).strip()


def _extract_block(text: str) -> str:
    """Information extraction answers with JSON: shown verbatim as code."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rstrip()
        if body.endswith("```"):
            body = body[:-3].rstrip()
    return f"<pre><code>{html.escape(body, quote=False)}</code></pre>" if body else ""


#: Beyond this many characters the preview shows the start and a note (the text itself is untouched).
#: Real output is at most ~8k tokens (~40 KB); the cap only bounds what a hostile or runaway text
#: costs the GUI thread (1 MB of Markdown takes seconds to parse).
PREVIEW_LIMIT = LIMITS.preview_chars


def _limit_notice(shown: int, total: int) -> str:
    return (
        f'<p class="notice">The preview shows the first {shown:,} of {total:,} characters; '
        "copy or export the result for all of it.</p>"
    )


def _cut(text: str, limit: int) -> str:
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


def render_markdown(text: str, task: Task | str = Task.TEXT, *, limit: int = PREVIEW_LIMIT) -> list[str]:
    """Render model output to a list of sanitised top-level HTML blocks."""
    if len(text) > limit:
        shown = _cut(text, limit)
        return render_markdown(shown, task, limit=limit) + [_limit_notice(len(shown), len(text))]
    task = Task.parse(task)
    if task is Task.FORMULA:
        block = _formula_block(text)
        return [block] if block else []
    if task is Task.EXTRACT:
        block = _extract_block(text)
        return [block] if block else []
    return _within_budget(_parse_blocks(text.splitlines(keepends=True), 0, None))


#: The only data attributes the preview's blocks carry: which page and which block of the assembled
#: document a block shows, so a click maps to its region. They are written here around sanitised
#: content, from integers; the sanitiser never lets model output carry any attribute of this kind.
BLOCK_DATA_ATTRIBUTES = ("data-page", "data-block")


def document_block_html(page: int, block: int, markdown: str, *, limit: int = PREVIEW_LIMIT) -> str:
    """One block of an assembled document as the preview shows it: its Markdown rendered and sanitised
    like any result, inside a ``doc-block`` element that names its page and block (0-based)."""
    inner = "\n".join(render_markdown(markdown, Task.TEXT, limit=limit))
    return f'<div class="doc-block" data-page="{int(page)}" data-block="{int(block)}">{inner}</div>'


_DOC_BLOCK_RE = re.compile(r'<div class="doc-block" data-page="\d+" data-block="\d+">')


def document_page_html(page: int) -> str:
    """The heading that starts a page of an assembled document in the preview (1-based, as shown)."""
    return f'<div class="doc-page" data-page="{int(page)}">Page {int(page) + 1}</div>'


_PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src {style_src} 'unsafe-inline'; \
font-src {font_src}; img-src data:; base-uri 'none'; form-action 'none'">
<title>{title}</title>
{links}</head>
<body class="glmocr-doc">
<main id="content">
{body}
</main>
</body>
</html>
"""


def render_document(
    text: str,
    task: Task | str = Task.TEXT,
    *,
    standalone: bool = False,
    title: str = "GLM-OCR result",
    resources: Path | None = None,
) -> str:
    """The whole result as HTML.

    By default the blocks joined (a fragment, for export and clipboard). With ``standalone=True``, a
    complete page that links the preview stylesheet and KaTeX's from ``resources`` (the shipped folder
    unless given); the math stays as marked-up TeX, since KaTeX runs only inside the preview.
    """
    body = "\n".join(render_markdown(text, task))
    if not standalone:
        return body
    if resources is None:
        from glmocr_desktop.resources import RESOURCES

        resources = RESOURCES
    css = [resources / "katex" / "katex.min.css", resources / "preview" / "preview.css"]
    links = "".join(
        f'<link rel="stylesheet" href="{html.escape(p.resolve().as_uri())}">\n' for p in css if p.exists()
    )
    return _PAGE_TEMPLATE.format(
        style_src="file:",
        font_src="file:",
        title=html.escape(title),
        links=links,
        body=body,
    )


# --- streaming -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockUpdate:
    """What the page must change: blocks ``start..`` become ``blocks``; the page keeps ``total`` blocks."""

    start: int
    blocks: list[str]
    total: int

    @property
    def empty(self) -> bool:
        return not self.blocks and self.start >= self.total


def changed_indices(old: Sequence[str], new: Sequence[str], *, unchanged_prefix: int = 0) -> range:
    """Indices of ``new`` from the first block that differs from ``old`` to the end.

    ``unchanged_prefix`` says how many leading blocks are known to be the same (while streaming, the
    renderer knows: all but the last one or two), so the scan costs O(changed), not O(blocks). Cached
    blocks are the very same string objects, so most comparisons are identity checks.
    """
    m = min(len(old), len(new))
    i = min(max(unchanged_prefix, 0), m)
    while i < m and (old[i] is new[i] or old[i] == new[i]):
        i += 1
    return range(i, len(new))


class BlockDiff:
    """Remembers the blocks the page shows and answers what to send for the next list."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def reset(self) -> None:
        self.blocks = []

    def update(self, new: Sequence[str], *, unchanged_prefix: int = 0) -> BlockUpdate:
        changed = changed_indices(self.blocks, new, unchanged_prefix=unchanged_prefix)
        self.blocks = list(new)
        return BlockUpdate(changed.start, list(new[changed.start :]), len(new))


@dataclass
class IncrementalRenderer:
    """Renders a growing text, re-parsing only from the last block the new text can have changed.

    ``update(text)`` returns the :class:`BlockUpdate` for the page. When the text merely grew (the
    streaming case) the parse restarts at the last block that begins on or before the first changed
    line, which is where Markdown can still change its mind (a paragraph turned into a setext heading
    or a table by the next line, a list item continued); everything above is kept as it was. Any
    other change (post-processing, a new job) re-renders the whole text. Markdown that reaches back
    further than two blocks (display math with several blank lines inside) can look different while
    streaming; the finished result, rendered with ``full=True``, is always exact.
    """

    task: Task = Task.TEXT
    text: str = ""
    _lines: list[str] = field(default_factory=list)
    _blocks: list[_Block] = field(default_factory=list)
    _diff: BlockDiff = field(default_factory=BlockDiff)
    _cache: _Cache = field(default_factory=_Cache)
    _costs: dict[str, int] = field(default_factory=dict)

    @property
    def blocks(self) -> list[str]:
        return list(self._diff.blocks)

    def reset(self, task: Task | str | None = None) -> None:
        if task is not None:
            self.task = Task.parse(task)
        self.text = ""
        self._lines = []
        self._blocks = []
        self._diff.reset()

    def set_blocks(self, blocks: Sequence[str]) -> BlockUpdate:
        """Show blocks rendered elsewhere in this module (an assembled document's); only the ones that
        differ from what the page shows are sent. The next ``update`` starts over from its text."""
        self.text = ""
        self._lines = []
        self._blocks = []
        return self._diff.update(self._document_budget(blocks))

    def _document_budget(self, blocks: Sequence[str]) -> list[str]:
        """An assembled document's blocks held to one budget together (each block was held to a
        result's budget when it was made): past ``document_cells`` grid cells of tables, a block is
        shown as its text under a notice, still in its ``doc-block`` wrapper (clicks keep working)."""
        costs = self._costs
        out: list[str] = []
        cells = 0
        for block in blocks:
            cost = costs.get(block)
            if cost is None:
                cost = costs[block] = html_cost(block).cells
                if len(costs) > 4096:
                    costs.pop(next(iter(costs)))
            cells += cost
            if cost and cells > LIMITS.document_cells:
                m = _DOC_BLOCK_RE.match(block)
                head, inner = (m.group(0), block[m.end() : -len("</div>")]) if m else ("", block)
                plain = plain_block(
                    html_to_plain(inner),
                    f"The tables of this document would have more than {LIMITS.document_cells:,} cells together",
                )
                block = f"{head}{plain}</div>" if head else plain
            out.append(block)
        return out

    def update(self, text: str, task: Task | str | None = None, *, full: bool = False) -> BlockUpdate:
        """Render ``text``; ``full`` parses all of it (for a finished result), still sending only
        the blocks that differ from what the page shows."""
        task = self.task if task is None else Task.parse(task)
        appended = not full and task is self.task and text.startswith(self.text)
        self.task = task
        self.text = text
        if task is not Task.TEXT and task is not Task.TABLE:
            return self._diff.update(render_markdown(text, task))
        shown = _cut(text, PREVIEW_LIMIT) if len(text) > PREVIEW_LIMIT else text
        lines = shown.splitlines(keepends=True)
        keep = 0
        if appended and self._blocks and len(lines) >= len(self._lines):
            # First line that differs: the old text's last line (it may have grown), or a new one.
            first_changed = max(len(self._lines) - 1, 0)
            keep = len(self._blocks)
            while keep > 0 and self._blocks[keep - 1].start > first_changed:
                keep -= 1
            # The block holding the change and the one above it are parsed again: the next line can
            # still turn a paragraph into a setext heading or a table, or continue a list item.
            keep = max(keep - 2, 0)
            restart = self._blocks[keep].start if keep else 0
            blocks = self._blocks[:keep] + _parse_blocks(lines, restart, self._cache)
        else:
            blocks = _parse_blocks(lines, 0, self._cache)
        self._lines = lines
        self._blocks = blocks
        out = _within_budget(blocks)
        if shown is not text:
            out.append(_limit_notice(len(shown), len(text)))
        return self._diff.update(out, unchanged_prefix=keep)
