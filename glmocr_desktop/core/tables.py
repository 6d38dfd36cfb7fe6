"""Tables as the model writes them (HTML) turned into rows, TSV, Markdown or a clean HTML table.

The model's HTML can be broken (unclosed cells, rows without a table); the parser tolerates it.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser

from glmocr_desktop.core import budget

#: Spans larger than this are clamped: a model can write colspan="100000".
MAX_SPAN = budget.MAX_SPAN


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

    def grid_cells(self, cap: int | None = None) -> int:
        """Grid positions of this table with its spans expanded (an upper bound, counted linearly)."""
        return budget.grid_cells([[(c.colspan, c.rowspan) for c in row] for row in self.rows], cap)

    def over_budget(self, max_cells: int = budget.LIMITS.table_cells) -> bool:
        return self.grid_cells(max_cells) > max_cells

    def grid(self, span_fill: str = "blank", max_cells: int = budget.LIMITS.table_cells) -> list[list[str]]:
        """Rows of equal length with spans expanded.

        ``span_fill="blank"``: a merged cell's text goes in its top-left position and the other
        positions it covers are empty (what a spreadsheet shows after "unmerge").
        ``span_fill="repeat"``: every covered position repeats the text (handy for filtering).

        A table whose grid would exceed ``max_cells`` positions (``<td colspan="1000"
        rowspan="1000">`` on every row) is not expanded: each cell appears once, in its row, so no text
        is lost. Linear in the size of the grid returned.
        """
        expand = not self.over_budget(max_cells)
        repeat = span_fill == "repeat"
        out: list[list[str]] = []
        below: list[int] = []  # per column: rows a rowspan from above still covers
        carried: list[str] = []  # per column: what those rows show there
        for cells in self.rows:
            row: list[str] = []
            col = 0
            for cell in cells:
                while col < len(below) and below[col] > 0:  # positions a rowspan from above holds
                    row.append(carried[col])
                    below[col] -= 1
                    col += 1
                colspan, rowspan = (cell.colspan, cell.rowspan) if expand else (1, 1)
                for dc in range(colspan):
                    c = col + dc
                    value = cell.text if dc == 0 or repeat else ""
                    if c < len(below) and below[c] > 0:  # overlaps a rowspan from above: that one wins
                        value = carried[c]
                        below[c] -= 1
                    row.append(value)
                    if rowspan > 1:
                        while len(below) <= c:
                            below.append(0)
                            carried.append("")
                        if rowspan - 1 >= below[c]:
                            below[c] = rowspan - 1
                            carried[c] = cell.text if repeat else ""
                col += colspan
            end = len(row)
            while col < len(below):  # rowspans from above right of the last cell
                if below[col] > 0:
                    row.append(carried[col])
                    below[col] -= 1
                    end = len(row)
                else:
                    row.append("")
                col += 1
            del row[end:]  # gaps after the last position are no columns
            out.append(row)
        # rowspans reaching past the last row add rows only when they carry text
        while any(below):
            extra = []
            for c in range(len(below)):
                extra.append(carried[c] if below[c] > 0 else "")
                below[c] = max(0, below[c] - 1)
            if any(extra):
                out.append(extra)
            else:
                break
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
                return budget.span_value(v, MAX_SPAN)
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
    """Rows of every table (see :meth:`Table.grid` for ``span_fill``). The tables together expand to at
    most ``result_cells`` positions (:mod:`glmocr_desktop.core.budget`); past that, a table's cells
    appear once each."""
    out = []
    left = budget.LIMITS.result_cells
    for t in parse_html_tables(html_text):
        rows = t.grid(span_fill, max_cells=max(0, min(budget.LIMITS.table_cells, left)))
        left -= sum(len(r) for r in rows)
        out.append(rows)
    return out


def tables_over_budget(html_text: str) -> bool:
    """Whether some table of ``html_text`` is copied without its merged cells expanded (too large)."""
    left = budget.LIMITS.result_cells
    for t in parse_html_tables(html_text):
        cells = t.grid_cells(budget.LIMITS.table_cells)
        if cells > min(budget.LIMITS.table_cells, left):
            return True
        left -= cells
    return False


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
        spans = not table.over_budget()  # else each cell once: an office program would expand them
        for row in table.rows:
            parts.append("<tr>")
            for cell in row:
                tag = "th" if cell.header else "td"
                attrs = ""
                if spans and cell.colspan > 1:
                    attrs += f' colspan="{cell.colspan}"'
                if spans and cell.rowspan > 1:
                    attrs += f' rowspan="{cell.rowspan}"'
                body = html.escape(cell.text).replace("\n", "<br>")
                parts.append(f'<{tag}{attrs} style="{cell_style}">{body}</{tag}>')
            parts.append("</tr>")
        parts.append("</table>")
        out.append("".join(parts))
    return "\n<br>\n".join(out)
