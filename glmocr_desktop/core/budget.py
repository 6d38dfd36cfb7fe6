"""What sanitised model output may cost before it reaches the preview page or the clipboard.

Sanitised is not yet harmless: a few hundred bytes of allowed markup (``<td colspan="1000"
rowspan="1000">`` on every row, a formula that defines macros, thousands of nested elements) can cost
the page gigabytes and the GUI thread minutes. Every limit here is far above what a real page holds and
each check is linear in its input. Content over a limit is never dropped: it is shown as its source,
with a notice that says why (:func:`plain_block`).

No Qt here: the renderer (:mod:`glmocr_desktop.core.render`), the table conversions
(:mod:`glmocr_desktop.core.tables`) and the preview page (through :data:`LIMITS`) share these numbers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "LIMITS",
    "MAX_SPAN",
    "BlockCost",
    "Limits",
    "grid_cells",
    "html_cost",
    "html_to_plain",
    "page_limits",
    "plain_block",
    "span_value",
    "tex_depth",
    "tex_refusal",
]

#: Spans larger than this are clamped: a model can write colspan="100000" (Chromium clamps at 1000 too).
MAX_SPAN = 1000


@dataclass(frozen=True)
class Limits:
    """The budget. A real page: tables of a few hundred cells, formulas of a few hundred characters."""

    #: Grid positions of one table (rows x columns, spans expanded).
    table_cells: int = 20_000
    #: Grid positions of all tables of one result together.
    result_cells: int = 60_000
    #: Grid positions of all tables of an assembled document the preview shows.
    document_cells: int = 200_000
    #: Element nesting of one block of the preview.
    depth: int = 48
    #: Top-level blocks of one result; the rest is shown as source in one block.
    blocks: int = 2_000
    #: Characters of TeX in one formula.
    formula_chars: int = 12_000
    #: Groups nested in one formula (``{``, ``\left``): 200 nested superscripts crashed the renderer.
    formula_depth: int = 40
    #: DOM nodes KaTeX may build for one formula (checked in the page before the formula is attached).
    katex_nodes: int = 15_000
    #: Element depth of KaTeX's output for one formula (checked in the page, as the node count is).
    katex_depth: int = 400
    #: DOM nodes KaTeX may build for all formulas the page shows together.
    katex_page_nodes: int = 200_000
    #: DOM nodes the page keeps in its cache of typeset formulas.
    katex_cache_nodes: int = 60_000
    #: Characters of one result that the preview renders (the rest: a notice; the text is untouched).
    preview_chars: int = 100_000
    #: Characters of sanitised HTML of one result sent to the page.
    preview_html: int = 2_000_000


LIMITS = Limits()


def span_value(raw: str | None, limit: int = MAX_SPAN) -> int:
    """A ``colspan``/``rowspan`` attribute as the cell count it stands for, clamped to ``1..limit``."""
    if raw is None:
        return 1
    m = re.match(r"\s*(\d{1,9})", raw)
    if not m:
        return 1
    return max(1, min(limit, int(m.group(1))))


def grid_cells(rows: Sequence[Sequence[tuple[int, int]]], cap: int | None = None) -> int:
    """Grid positions a table of ``(colspan, rowspan)`` rows covers, counted without building the grid.

    The count is the larger of the area the cells cover and rows x widest row: an upper bound of what a
    browser lays out or a spreadsheet receives. Stops counting once past ``cap`` (linear in the cells).
    """
    n = len(rows)
    area = 0
    width = 0
    for cells in rows:
        w = 0
        for colspan, rowspan in cells:
            area += colspan * rowspan
            w += colspan
        width = max(width, w)
        if cap is not None and area > cap:
            return area
    return max(area, n * width)


# --- HTML ----------------------------------------------------------------------------------------

# nh3 writes well-formed HTML with every attribute in double quotes; a quoted value may hold '>'.
_TAG_RE = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:"[^"]*"|[^">])*)>')
_SPAN_ATTR_RE = re.compile(r'\b(colspan|rowspan)="([^"]*)"')
_VOID = frozenset({"br", "hr", "col", "img", "wbr", "input", "meta", "link", "area", "base", "source"})


@dataclass(frozen=True)
class BlockCost:
    """What one sanitised block costs: table grid positions, element depth, formulas refused."""

    cells: int = 0
    largest_table: int = 0
    depth: int = 0

    def over(self, limits: Limits = LIMITS) -> str | None:
        """Why this block is over budget on its own, or None."""
        if self.largest_table > limits.table_cells:
            return (
                f"A table here would be {self.largest_table:,} cells with its merged cells expanded "
                f"(the preview shows at most {limits.table_cells:,})"
            )
        if self.depth > limits.depth:
            return f"The markup here is nested {self.depth:,} levels deep (the preview shows at most {limits.depth})"
        return None


def html_cost(fragment: str) -> BlockCost:
    """The :class:`BlockCost` of sanitised HTML, in one linear pass over its tags."""
    depth = deepest = 0
    tables: list[list[list[tuple[int, int]]]] = []  # open tables (nested ones too): rows of spans
    cells = largest = 0
    for m in _TAG_RE.finditer(fragment):
        closing, tag, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if closing:
            depth = max(0, depth - 1)
            if tag == "table" and tables:
                size = grid_cells(tables.pop())
                cells += size
                largest = max(largest, size)
            continue
        if tag in _VOID or attrs.endswith("/"):
            continue
        depth += 1
        deepest = max(deepest, depth)
        if tag == "table":
            tables.append([])
        elif tag == "tr" and tables:
            tables[-1].append([])
        elif tag in ("td", "th") and tables:
            if not tables[-1]:
                tables[-1].append([])
            spans = dict(_SPAN_ATTR_RE.findall(attrs))
            tables[-1][-1].append((span_value(spans.get("colspan")), span_value(spans.get("rowspan"))))
    for rows in tables:  # unclosed (cannot happen with nh3's output, but count them anyway)
        size = grid_cells(rows)
        cells += size
        largest = max(largest, size)
    return BlockCost(cells=cells, largest_table=largest, depth=deepest)


_CELL_END_RE = re.compile(r"</t[dh]\s*>", re.IGNORECASE)
_LINE_END_RE = re.compile(r"<br\s*/?>|</(?:p|div|tr|li|h[1-6]|pre|blockquote|caption)\s*>", re.IGNORECASE)
_ANY_TAG_RE = re.compile(r'<(?:"[^"]*"|[^">])*>')


def html_to_plain(fragment: str) -> str:
    """The text of sanitised HTML (cells separated by tabs, rows and paragraphs by line breaks)."""
    text = _CELL_END_RE.sub("\t", fragment)
    text = _LINE_END_RE.sub("\n", text)
    text = _ANY_TAG_RE.sub("", text)
    return html.unescape(text).strip()


def plain_block(source: str, reason: str) -> str:
    """A block shown as its source (escaped) under a visible notice saying why."""
    notice = html.escape(f"{reason}; shown as plain text.", quote=False)
    body = html.escape(source.strip("\n"), quote=False)
    return f'<div class="over-budget"><p class="notice">{notice}</p><pre class="source">{body}</pre></div>'


# --- TeX -----------------------------------------------------------------------------------------

#: Commands that define or rebind macros: the way a short formula expands into an enormous one.
_MACRO_DEFINITION_RE = re.compile(
    r"\\(?:g|e|x)?def(?![a-zA-Z])|\\(?:let|futurelet|global|long|outer|expandafter|csname|afterassignment)"
    r"(?![a-zA-Z])|\\(?:re)?newcommand|\\providecommand|\\(?:re)?newenvironment|\\DeclareRobustCommand"
    r"|\\DeclareMathOperator|\\char(?![a-zA-Z])|\\catcode"
)
#: Commands that make a formula overlap or hide other text (the preview would differ from the copy).
_OVERLAP_RE = re.compile(
    r"\\(?:math)?[lrc]lap(?![a-zA-Z])|\\smash(?![a-zA-Z])|\\raisebox|\\(?:raise|lower|moveleft|moveright)"
    r"(?![a-zA-Z])|\\(?:kern|mkern|hskip|mskip|hspace\*?|mspace)\s*\{?\s*-"
    r"|\\(?:color|textcolor|colorbox|fcolorbox)\s*\{\s*transparent"
)


_GROUP_RE = re.compile(r"\\[{}]|\\left(?![a-zA-Z])|\\right(?![a-zA-Z])|[{}]")


def tex_depth(tex: str) -> int:
    """How deeply groups nest in ``tex`` (braces and ``\\left``/``\\right``; ``\\{`` is no group)."""
    depth = deepest = 0
    for m in _GROUP_RE.finditer(tex):
        token = m.group(0)
        if token in ("{", "\\left"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("}", "\\right"):
            depth = max(0, depth - 1)
    return deepest


def tex_refusal(tex: str, limits: Limits = LIMITS) -> str | None:
    """Why a formula is shown as its source instead of being typeset, or None."""
    if len(tex) > limits.formula_chars:
        return f"This formula is {len(tex):,} characters long (the preview typesets at most {limits.formula_chars:,})"
    depth = tex_depth(tex)
    if depth > limits.formula_depth:
        return f"This formula nests {depth:,} levels deep (the preview typesets at most {limits.formula_depth})"
    if _MACRO_DEFINITION_RE.search(tex):
        return "This formula defines macros, which the preview does not typeset"
    if _OVERLAP_RE.search(tex):
        return "This formula hides its parts or moves them over other text, which the preview does not typeset"
    return None


def page_limits(limits: Limits = LIMITS) -> dict[str, int]:
    """The limits the preview page enforces itself (its ``setLimits``)."""
    return {
        "katexNodes": limits.katex_nodes,
        "katexDepth": limits.katex_depth,
        "katexPageNodes": limits.katex_page_nodes,
        "cacheNodes": limits.katex_cache_nodes,
    }
