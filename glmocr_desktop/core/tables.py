"""Tables as the model writes them (HTML) turned into rows, TSV, Markdown or a clean HTML table.

The model's HTML can be broken (unclosed cells, rows without a table); the parser tolerates it.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

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
        if (tag == "br" and self._cell is not None) or (tag in ("p", "div", "li") and self._cell is not None and "".join(self._buf).strip()):
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
        elif tag == "tr" or tag in ("thead", "tbody", "tfoot"):
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
