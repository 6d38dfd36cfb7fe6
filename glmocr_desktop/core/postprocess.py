"""Turning what the model wrote into what the user keeps.

Three jobs live here:

* **Repetition loops.** GLM-OCR decodes greedily, and its best-known failure is a loop: the same few
  characters until the token budget runs out. :func:`find_repetition` applies the official SDK rule to a
  finished text and :class:`RepetitionGuard` applies it while tokens stream in, so generation can stop
  early. The rules:

  - *SDK rule*: the text is cut at the first place where a unit of at least ``min_unit`` (10) characters
    is repeated at least ``min_repeats`` (10) times in a row; one occurrence of the unit is kept. Among
    the units that start a loop at that place, the shortest wins. This is exactly what the SDK's regular
    expression ``(.{10,n//10}?)\\1{9,}`` finds, without its quadratic cost.
  - *Short-unit rule*: a unit of 1..9 characters repeated ``max(20, ceil(100 / len(unit)))`` times in a
    row (a run of at least 100 characters, and at least 20 repeats) is a loop too, and only one unit is
    kept. The SDK rule sees such loops only through a multiple of the unit (``"0."`` as the 10-character
    unit ``"0.0.0.0.0."``), so it fires later (up to 180 characters for a 9-character unit) and leaves up
    to 18 characters of junk behind. The repeat counts were chosen so that this rule never fires before
    the SDK rule for units of 6..9 characters: a table row of 12 empty ``<td></td>`` cells is not a loop.

  Both rules cut everything after the loop, as the SDK does: greedy decoding never leaves a loop.

* **Per-task clean-up** (:func:`postprocess`): fences, formula delimiters, JSON pretty-printing.

* **Tables** (:func:`parse_html_tables` and friends): the model writes tables as HTML; these turn it into
  rows, TSV, Markdown or a clean HTML table, tolerating the broken HTML a model writes.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from glmocr_desktop.core.tasks import Task

#: SDK defaults.
MIN_UNIT = 10
MIN_REPEATS = 10
#: Short-unit rule: a run of at least this many characters ...
SHORT_RUN_CHARS = 100
#: ... and at least this many repeats of a 1..9 character unit.
SHORT_MIN_REPEATS = 20


def short_unit_repeats(unit_len: int) -> int:
    """How many times a unit of ``unit_len`` (< 10) characters must repeat to count as a loop."""
    return max(SHORT_MIN_REPEATS, math.ceil(SHORT_RUN_CHARS / unit_len))


# --- repetition: finished text -----------------------------------------------------------------


def _same(s: str, a: int, b: int, length: int) -> bool:
    """``s[a:a+length] == s[b:b+length]`` without copying two slices."""
    return s.startswith(s[b : b + length], a)


def _run_bounds(s: str, j: int, u: int, lo: int) -> tuple[int, int]:
    """The maximal interval [a, b) around position j with s[k] == s[k+u] for all k in it.

    Requires s[j] == s[j+u]. ``lo`` is a known lower bound for a. Binary searches with C-level slice
    comparisons, so the cost is O(log n) Python steps.
    """
    n = len(s)
    # left: smallest a in [lo, j] such that s[a:j] == s[a+u:j+u]
    left_lo, left_hi = lo, j
    while left_lo < left_hi:
        mid = (left_lo + left_hi) // 2
        if _same(s, mid, mid + u, j - mid):
            left_hi = mid
        else:
            left_lo = mid + 1
    # right: largest b in [j, n-u] such that s[j:b] == s[j+u:b+u]
    right_lo, right_hi = j, n - u
    while right_lo < right_hi:
        mid = (right_lo + right_hi + 1) // 2
        if _same(s, j, j + u, mid - j):
            right_lo = mid
        else:
            right_hi = mid - 1
    return left_lo, right_lo


def _first_run(s: str, u: int, need: int, limit: int) -> int | None:
    """Start of the first run of ``need`` positions k with s[k] == s[k+u], starting before ``limit``.

    Any such run fully contains an aligned block of ``block`` positions, so only block starts are
    probed; each hit is extended to its maximal run with :func:`_run_bounds`.
    """
    n = len(s)
    block = max(1, need // 2)
    j = 0
    last_end = 0
    while j + block + u <= n and j < limit + need:
        if s[j : j + 8] == s[j + u : j + u + 8] and _same(s, j, j + u, block):
            a, b = _run_bounds(s, j, u, last_end)
            if b - a >= need and a < limit:
                return a
            last_end = b
            j = max(j + block, ((b // block) + 1) * block)
        else:
            j += block
    return None


def _sdk_cut(s: str, min_unit: int, min_repeats: int) -> tuple[int, int] | None:
    """(loop start, unit length) for the SDK rule, or None."""
    n = len(s)
    best: tuple[int, int] | None = None
    for u in range(min_unit, n // min_repeats + 1):
        limit = best[0] if best else n
        if limit == 0:
            break
        need = (min_repeats - 1) * u
        start = _first_run(s, u, need, limit + 1 if best is None else limit)
        if start is not None and (best is None or start < best[0]):
            best = (start, u)
    return best


def _short_cut(s: str, min_unit: int) -> tuple[int, int] | None:
    """(loop start, unit length) for the short-unit rule, or None."""
    best: tuple[int, int] | None = None
    for p in range(1, min(min_unit, 10)):
        need = (short_unit_repeats(p) - 1) * p
        limit = best[0] if best else len(s)
        start = _first_run(s, p, need, limit)
        if start is not None and (best is None or start < best[0]):
            best = (start, p)
    return best


def find_repetition(text: str, min_unit: int = MIN_UNIT, min_repeats: int = MIN_REPEATS) -> int | None:
    """Index at which ``text`` should be cut because of a repetition loop, or None.

    ``text[:index]`` keeps everything before the loop and one occurrence of its unit. See the module
    docstring for the two rules.
    """
    if len(text) < min(min_unit * min_repeats, SHORT_RUN_CHARS):
        return None
    cuts = []
    sdk = _sdk_cut(text, min_unit, min_repeats)
    if sdk:
        cuts.append(sdk[0] + sdk[1])
    short = _short_cut(text, min_unit)
    if short:
        cuts.append(short[0] + short[1])
    return min(cuts) if cuts else None


def cut_repetition(text: str) -> tuple[str, bool]:
    """``(text without its loop, whether a loop was cut)``."""
    idx = find_repetition(text)
    if idx is None:
        return text, False
    return text[:idx], True


# --- repetition: streaming ---------------------------------------------------------------------


class RepetitionGuard:
    """Watches a streamed output and says when it has fallen into a loop.

    ``feed`` is called once per generated token and looks only at the tail: the last 10 characters are
    searched for (``str.rfind``, in C) within the last ``max_unit`` characters; each earlier occurrence
    gives a candidate unit length, checked with one slice comparison. Ordinary text has few such
    candidates, so a call costs a few microseconds however long the output grows (the tail it keeps is
    bounded by ``10 * max_unit`` characters). A loop under greedy decoding continues to the end of the
    text, which is where the guard looks; the exact cut is then computed once over the whole text with
    :func:`find_repetition`. Units longer than ``max_unit`` are left to that final pass.
    """

    #: the longest unit (in characters) the guard looks for while streaming
    MAX_UNIT = 1000
    #: at most this many candidate unit lengths are checked per call
    MAX_CANDIDATES = 64

    def __init__(self, min_unit: int = MIN_UNIT, min_repeats: int = MIN_REPEATS, max_unit: int = MAX_UNIT):
        self.min_unit = min_unit
        self.min_repeats = min_repeats
        self.max_unit = max(min_unit, max_unit)
        self._parts: list[str] = []
        self._tail = ""
        self._window = max(self.max_unit * min_repeats, SHORT_RUN_CHARS * 2) + 16
        self._cut: int | None = None
        self.checks = 0  # candidate comparisons made (for tests and benchmarks)

    @property
    def text(self) -> str:
        """Everything fed so far."""
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    @property
    def triggered(self) -> bool:
        return self._cut is not None

    @property
    def cut_index(self) -> int | None:
        return self._cut

    def feed(self, delta: str) -> bool:
        """Add newly generated text; True once a loop is present (and from then on)."""
        if not delta:
            return self._cut is not None
        self._parts.append(delta)
        if self._cut is not None:
            return True
        tail = self._tail + delta
        if len(tail) > 2 * self._window:
            tail = tail[-self._window :]
        self._tail = tail
        if self._loop_at_end(tail):
            full = self.text
            cut = find_repetition(full, self.min_unit, self.min_repeats)
            self._cut = cut if cut is not None else len(full)
            return True
        return False

    def cut_text(self) -> str:
        """The text so far, without the loop once one was found."""
        full = self.text
        return full if self._cut is None else full[: self._cut]

    def _loop_at_end(self, s: str) -> bool:
        n = len(s)
        # short units: a run of >= 100 characters with period 1..9 reaching the end
        for p in range(1, min(self.min_unit, 10)):
            need = short_unit_repeats(p) * p
            if n >= need and s[-1] == s[-1 - p]:
                self.checks += 1
                if _same(s, n - need, n - need + p, need - p):
                    return True
        if n < self.min_unit * self.min_repeats:
            return False
        key = s[-10:]
        lo = max(0, n - 10 - self.max_unit)
        end = n - self.min_unit  # an occurrence at pos gives the unit n - 10 - pos >= min_unit
        for _ in range(self.MAX_CANDIDATES):
            pos = s.rfind(key, lo, end)
            if pos < 0:
                break
            u = n - 10 - pos
            span = u * self.min_repeats
            if span > n:
                break
            self.checks += 1
            if _same(s, n - span, n - span + u, span - u):
                return True
            end = pos + 9  # the next occurrence starts before this one
        return False


# --- per-task clean-up -------------------------------------------------------------------------

_FENCE_RE = re.compile(r"^```[ \t]*([\w+-]*)[ \t]*\n(.*?)\n?[ \t]*```$", re.DOTALL)


def strip_fence(text: str, langs: tuple[str, ...] | None = None) -> str:
    """Unwrap ``text`` when the whole of it is one fenced code block (of one of ``langs``, if given)."""
    t = text.strip()
    m = _FENCE_RE.match(t)
    if not m:
        return t
    lang = m.group(1).lower()
    if langs is not None and lang and lang not in langs:
        return t
    inner = m.group(2)
    if "```" in inner:  # several fenced blocks, not one wrapper
        return t
    return inner.strip()


_LABEL_RE = re.compile(r"\\label\s*\{[^{}]*\}")
_DISPLAY_RE = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]", re.DOTALL)


def formula_body(text: str) -> str:
    """The LaTeX of a formula result, without any delimiters.

    Accepts ``$$..$$``, ``\\[..\\]``, ``$..$``, ``\\(..\\)``, fenced ``latex``/``math``/``tex`` blocks
    and bare LaTeX. Several display blocks are joined into one ``gathered`` environment. ``\\label{..}``
    is removed: KaTeX does not support it and the preview has nothing to refer to.
    """
    t = strip_fence(text, ("latex", "math", "tex", "katex", ""))
    blocks = [a or b for a, b in _DISPLAY_RE.findall(t)]
    if blocks:
        rest = _DISPLAY_RE.sub("", t).strip()
        parts = [b.strip() for b in blocks if b.strip()]
        if rest:  # text around the blocks (rare): keep it rather than lose it
            parts.append(rest.strip("$ \n"))
        body = parts[0] if len(parts) == 1 else "\\begin{gathered}\n" + " \\\\\n".join(parts) + "\n\\end{gathered}"
    elif t.startswith("\\(") and t.endswith("\\)"):
        body = t[2:-2]
    elif t.startswith("$") and t.endswith("$") and len(t) >= 2:
        body = t.strip("$")
    else:
        body = t
    body = _LABEL_RE.sub("", body)
    return body.strip()


def normalize_formula(text: str) -> str:
    """Exactly one display block: ``$$\\n<latex>\\n$$`` (empty string for an empty formula)."""
    body = formula_body(text)
    return f"$$\n{body}\n$$" if body else ""


def postprocess(task: Task | str, raw_text: str) -> str:
    """The text a user sees and copies, from what the model wrote.

    Does not cut repetition loops: the engine does that first (see :func:`cut_repetition`) and records
    it in ``Result.cut``.

    - text: Markdown as is, unwrapped if the whole output is one fenced block;
    - formula: one ``$$ .. $$`` display block (:func:`normalize_formula`);
    - table: the model's HTML with code fences removed;
    - extract: pretty-printed JSON when the output parses (tolerantly), else the output unchanged.
    """
    task = Task.parse(task)
    text = (raw_text or "").strip()
    if task is Task.FORMULA:
        return normalize_formula(text)
    if task is Task.TABLE:
        return strip_fence(text, ("html", "htm", "xml", ""))
    if task is Task.EXTRACT:
        from glmocr_desktop.core.extraction import parse_json_tolerant

        data, _repaired = parse_json_tolerant(text)
        if isinstance(data, dict):
            return json.dumps(data, ensure_ascii=False, indent=2)
        return strip_fence(text, ("json", ""))
    return strip_fence(text, ("markdown", "md", ""))


# --- tables ------------------------------------------------------------------------------------

#: Spans larger than this are clamped: a model can write colspan="100000".
MAX_SPAN = 1000


@dataclass
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    header: bool = False


@dataclass
class Table:
    """One table as the HTML gave it: rows of cells with their spans (before grid expansion)."""

    rows: list[list[Cell]] = field(default_factory=list)
    caption: str = ""

    def grid(self, span_fill: str = "blank") -> list[list[str]]:
        """Rows of equal length with spans expanded.

        ``span_fill="blank"``: a merged cell's text goes in its top-left position and the other
        positions it covers are empty (what a spreadsheet shows after "unmerge").
        ``span_fill="repeat"``: every covered position repeats the text (handy for filtering).
        """
        out: list[list[str]] = []
        pending: dict[tuple[int, int], str] = {}  # (row, col) -> value, from rowspans above
        for r, cells in enumerate(self.rows):
            row: dict[int, str] = {}
            col = 0
            for cell in cells:
                while (r, col) in pending:
                    row[col] = pending.pop((r, col))
                    col += 1
                for dc in range(cell.colspan):
                    for dr in range(cell.rowspan):
                        first = dc == 0 and dr == 0
                        val = cell.text if first or span_fill == "repeat" else ""
                        if dr == 0:
                            row[col + dc] = val
                        else:
                            pending[(r + dr, col + dc)] = val
                col += cell.colspan
            for (pr, pc) in [k for k in pending if k[0] == r]:
                row[pc] = pending.pop((pr, pc))
            width = max(row) + 1 if row else 0
            out.append([row.get(c, "") for c in range(width)])
        # rowspans reaching past the last row add rows only when they carry text
        extra_rows = sorted({k[0] for k in pending})
        for r in extra_rows:
            cols = {c: v for (pr, c), v in pending.items() if pr == r}
            if any(cols.values()):
                width = max(cols) + 1
                out.append([cols.get(c, "") for c in range(width)])
        width = max((len(r) for r in out), default=0)
        return [r + [""] * (width - len(r)) for r in out]


class _TableParser(HTMLParser):
    """Collects top-level tables from possibly broken HTML.

    Unclosed ``<td>``/``<tr>`` close at the next cell/row, unclosed ``<table>`` at the end; ``<tr>``
    or cells without a ``<table>`` open one; nested tables contribute their text to the outer cell.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self._table: Table | None = None
        self._row: list[Cell] | None = None
        self._cell: Cell | None = None
        self._buf: list[str] = []
        self._nested = 0
        self._in_caption = False
        self._caption: list[str] = []
        self._skip = 0  # inside <script>/<style>

    # helpers
    def _open_table(self) -> None:
        self._close_table()
        self._table = Table()
        self.tables.append(self._table)

    def _close_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._cell.text = _clean_cell_text("".join(self._buf))
            self._row.append(self._cell)
        self._cell = None
        self._buf = []

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None and self._table is not None and self._row:
            self._table.rows.append(self._row)
        self._row = None

    def _close_table(self) -> None:
        self._close_row()
        if self._table is not None:
            self._table.caption = _clean_cell_text("".join(self._caption))
        self._table = None
        self._caption = []
        self._in_caption = False

    @staticmethod
    def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
        for k, v in attrs:
            if k == name and v is not None:
                m = re.match(r"\s*(\d+)", v)
                if m:
                    n = int(m.group(1))
                    return min(MAX_SPAN, n) if n >= 1 else 1
        return 1

    # HTMLParser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
            return
        if tag == "table":
            if self._cell is not None:
                self._nested += 1
                self._buf.append(" ")
                return
            self._open_table()
            return
        if self._nested:
            if tag in ("td", "th", "tr", "br", "p", "div", "li"):
                self._buf.append(" ")
            return
        if tag == "caption":
            self._in_caption = True
            return
        if tag == "tr":
            if self._table is None:
                self._open_table()
            self._close_row()
            self._row = []
            return
        if tag in ("td", "th"):
            if self._table is None:
                self._open_table()
            if self._row is None:
                self._row = []
            self._close_cell()
            self._cell = Cell("", self._span(attrs, "colspan"), self._span(attrs, "rowspan"), tag == "th")
            return
        if tag == "br" and self._cell is not None:
            self._buf.append("\n")
        elif tag in ("p", "div", "li") and self._cell is not None and "".join(self._buf).strip():
            self._buf.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):  # <td/>: an empty cell
            self.handle_starttag(tag, attrs)
            self._close_cell()
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
            return
        if self._nested:
            if tag == "table":
                self._nested -= 1
                self._buf.append(" ")
            return
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr":
            self._close_row()
        elif tag in ("thead", "tbody", "tfoot"):
            self._close_row()
        elif tag == "table":
            self._close_table()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_caption:
            self._caption.append(data)
        elif self._cell is not None:
            self._buf.append(data)

    def close(self) -> None:
        super().close()
        self._close_table()


def _clean_cell_text(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def parse_html_tables(html_text: str) -> list[Table]:
    """Every top-level table in ``html_text`` (empty list when there is none)."""
    parser = _TableParser()
    parser.feed(html_text or "")
    parser.close()
    return [t for t in parser.tables if t.rows]


def html_tables_to_rows(html_text: str, span_fill: str = "blank") -> list[list[list[str]]]:
    """Rows of every table (see :meth:`Table.grid` for ``span_fill``)."""
    return [t.grid(span_fill) for t in parse_html_tables(html_text)]


def html_table_to_rows(html_text: str, span_fill: str = "blank") -> list[list[str]]:
    """Rows of the table in ``html_text``; several tables are stacked with an empty row between."""
    out: list[list[str]] = []
    for i, rows in enumerate(html_tables_to_rows(html_text, span_fill)):
        if i:
            out.append([])
        out.extend(rows)
    return out


def rows_to_tsv(rows: list[list[str]], quote: bool = False) -> str:
    """Tab-separated values, one line per row.

    ``quote=False`` (default): a tab or line break inside a cell becomes a space, so every row is one
    line, which every spreadsheet and word processor pastes alike. ``quote=True``: cells holding a tab,
    line break or quote are quoted the way Excel writes its own clipboard (``"a""b"``), keeping line
    breaks inside cells.
    """
    if quote:
        buf = io.StringIO()
        writer = csv.writer(buf, dialect="excel-tab", lineterminator="\n")
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    return "\n".join("\t".join(" ".join(c.replace("\t", " ").split()) for c in row) for row in rows)


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def rows_to_markdown(rows: list[list[str]]) -> str:
    """A GFM pipe table; the first row is the header."""
    rows = [r for r in rows if r]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    norm = [[_md_cell(c) for c in r] + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(norm[0]) + " |", "|" + "|".join(["---"] * width) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in norm[1:]]
    return "\n".join(lines)


def html_table_to_markdown(html_text: str) -> str:
    """Every table as a GFM pipe table (merged cells unmerged, blank-filled), separated by a blank line."""
    return "\n\n".join(rows_to_markdown(rows) for rows in html_tables_to_rows(html_text))


def clean_table_html(html_text: str) -> str:
    """A fresh, safe HTML rendering of the tables: only text (escaped), spans, borders.

    Nothing of the model's markup survives except structure, so this is safe to put on the clipboard.
    """
    cell_style = "border:1px solid #000;padding:2px 6px;vertical-align:top"
    out = []
    for table in parse_html_tables(html_text):
        parts = ['<table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse">']
        if table.caption:
            parts.append(f"<caption>{html.escape(table.caption)}</caption>")
        for row in table.rows:
            parts.append("<tr>")
            for cell in row:
                tag = "th" if cell.header else "td"
                attrs = ""
                if cell.colspan > 1:
                    attrs += f' colspan="{cell.colspan}"'
                if cell.rowspan > 1:
                    attrs += f' rowspan="{cell.rowspan}"'
                body = html.escape(cell.text).replace("\n", "<br>")
                parts.append(f'<{tag}{attrs} style="{cell_style}">{body}</{tag}>')
            parts.append("</tr>")
        parts.append("</table>")
        out.append("".join(parts))
    return "\n<br>\n".join(out)
