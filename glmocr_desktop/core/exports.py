"""Getting results out: clipboard payloads (Copy, Copy As) and files (Markdown, JSON).

Clipboard payloads are plain dicts ``{mime type: text}``; the GUI puts each entry into one
``QMimeData`` so the program that receives the paste picks the flavour it understands: a spreadsheet
takes the TSV of a table, a word processor its HTML.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from glmocr_desktop.core.extraction import flatten_fields, json_safe, parse_json_tolerant
from glmocr_desktop.core.postprocess import (
    clean_table_html,
    formula_body,
    hard_line_breaks,
    html_table_to_markdown,
    html_table_to_rows,
    html_tables_to_rows,
    rows_to_tsv,
)
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.tasks import Task

PLAIN = "text/plain"
HTML = "text/html"
JSON = "application/json"

_LABELS = {
    "text": "Plain text",
    "markdown": "Markdown",
    "rich": "Formatted text (HTML)",
    "latex": "LaTeX",
    "latex_display": "LaTeX with $$ delimiters",
    "mathml": "MathML",
    "table": "Table (HTML + TSV)",
    "tsv": "Tab-separated values",
    "markdown_table": "Markdown table",
    "html": "HTML source",
    "json": "JSON",
    "fields": "Fields (TSV)",
}


def copy_as_options(task: Task | str, text: str = "") -> list[tuple[str, str]]:
    """``(key, label)`` entries of the Copy As menu; the first is the task's natural format.

    For the text task, "Table (HTML + TSV)" is offered too when the Markdown holds an HTML table.
    """
    task = Task.parse(task)
    if task is Task.TEXT:
        keys = ["markdown", "rich", "text"]
        if "<table" in (text or "").lower():
            keys += ["table"]
    elif task is Task.FORMULA:
        keys = ["latex", "latex_display", "mathml"]
    elif task is Task.TABLE:
        keys = ["table", "tsv", "markdown_table", "html", "text"]
    else:
        keys = ["json", "fields", "text"]
    return [(k, _LABELS[k]) for k in keys]


_TOO_DEEP = "(nested too deeply to write out)"


def _json_text(text: str, extraction: Mapping[str, Any] | None) -> str:
    data: Any = extraction
    if data is None:
        data, _ = parse_json_tolerant(text or "")
    if data is None:
        return (text or "").strip()
    return json.dumps(json_safe(data, too_deep=_TOO_DEEP), ensure_ascii=False, indent=2, allow_nan=False)


def payload_for(
    key: str, task: Task | str, text: str, extraction: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The clipboard payload for one Copy As entry (always with a ``text/plain`` flavour)."""
    task = Task.parse(task)
    text = text or ""
    if key == "markdown":
        # line breaks on the page stay line breaks wherever the Markdown is pasted
        return {PLAIN: hard_line_breaks(text) if task is Task.TEXT else text}
    if key == "rich":  # formatted, math as MathML (pastes as equations into Word, LibreOffice, Docs)
        from glmocr_desktop.core.mathml import html_with_mathml
        from glmocr_desktop.core.render import render_document

        return {HTML: _html_document(html_with_mathml(render_document(text, task))), PLAIN: markdown_to_plain(text)}
    if key == "text":
        if task is Task.EXTRACT:
            rows = flatten_fields(extraction if extraction is not None else (parse_json_tolerant(text)[0] or {}))
            return {PLAIN: "\n".join(f"{p}: {v}" for p, v in rows) if rows else text}
        if task is Task.FORMULA:
            return {PLAIN: formula_body(text)}
        return {PLAIN: markdown_to_plain(text)}
    if key == "latex":
        return {PLAIN: formula_body(text)}
    if key == "latex_display":
        body = formula_body(text)
        return {PLAIN: f"$$\n{body}\n$$" if body else ""}
    if key == "mathml":
        from glmocr_desktop.core.mathml import tex_to_mathml

        mathml = tex_to_mathml(formula_body(text), display=True)
        if mathml is None:  # too long or unreadable for the converter: the TeX, as Copy gives it
            return {PLAIN: formula_body(text)}
        return {HTML: _html_document(mathml), PLAIN: mathml}
    if key == "table":
        clean = clean_table_html(text)
        if not clean:  # no table after all: fall back to the text
            return {PLAIN: text}
        tsv = "\n\n".join(rows_to_tsv(rows) for rows in html_tables_to_rows(text))
        return {HTML: _html_document(clean), PLAIN: tsv}
    if key == "tsv":
        return {PLAIN: rows_to_tsv(html_table_to_rows(text))}
    if key == "markdown_table":
        return {PLAIN: html_table_to_markdown(text) or text}
    if key == "html":
        return {PLAIN: clean_table_html(text) or text}
    if key == "json":
        js = _json_text(text, extraction)
        if extraction is None and parse_json_tolerant(text)[0] is None:
            return {PLAIN: js}  # no JSON in the answer: never labelled as JSON
        return {JSON: js, PLAIN: js}
    if key == "fields":
        data = extraction if extraction is not None else parse_json_tolerant(text)[0]
        rows = flatten_fields(data) if data is not None else []
        return {PLAIN: rows_to_tsv([[p, v] for p, v in rows]) if rows else text}
    raise KeyError(f"Unknown copy format {key!r}.")


def clipboard_formats(
    task: Task | str, text: str, extraction: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """What Copy puts on the clipboard for a result: its natural format.

    - text: the Markdown;
    - formula: the LaTeX without ``$$`` delimiters;
    - table: ``text/html`` (a clean bordered table) and ``text/plain`` as TSV;
    - extract: ``application/json`` and pretty JSON as plain text.
    """
    task = Task.parse(task)
    key = copy_as_options(task, "")[0][0]
    payload = payload_for(key, task, text, extraction)
    payload.setdefault(PLAIN, text or "")
    return payload


def natural_copy(task: Task | str, text: str, extraction: Mapping[str, Any] | None = None) -> dict[str, str]:
    """What Ctrl+C copies: same as :func:`clipboard_formats`."""
    return clipboard_formats(task, text, extraction)


def _html_document(fragment: str) -> str:
    """Wrap an HTML fragment the way browsers put HTML on the clipboard (Word and LibreOffice like it)."""
    return f'<html><head><meta charset="utf-8"></head><body>{fragment}</body></html>'


# --- Markdown to plain text --------------------------------------------------------------------

_md_parser = None


def _markdown_parser():  # type: ignore[no-untyped-def]
    global _md_parser
    if _md_parser is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
        try:
            from mdit_py_plugins.dollarmath import dollarmath_plugin

            md.use(dollarmath_plugin, allow_space=True, double_inline=True)
        except ImportError:  # pragma: no cover
            pass
        _md_parser = md
    return _md_parser


def _html_to_text(fragment: str) -> str:
    if "<table" in fragment.lower():
        tables = html_tables_to_rows(fragment)
        if tables:
            return "\n\n".join(rows_to_tsv(rows) for rows in tables)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</h\d>", "\n", fragment)
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", "", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def markdown_to_plain(markdown: str) -> str:
    """Markdown as the text a reader sees: no ``#``, ``**``, links reduced to their text, tables as TSV,
    math kept as its LaTeX."""
    tokens = _markdown_parser().parse(markdown or "")
    out: list[str] = []
    list_stack: list[list[int]] = []  # [ordered?, counter]
    row: list[str] = []
    cell: list[str] | None = None

    def inline_text(tok: Any) -> str:
        parts: list[str] = []
        for child in tok.children or []:
            if child.type in ("text", "code_inline", "math_inline", "math_inline_double"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append("\n")
            elif child.type == "html_inline":
                if re.match(r"(?i)<br\s*/?>", child.content):
                    parts.append("\n")
            elif child.type == "image":
                parts.append(child.content or "")
        return "".join(parts)

    for tok in tokens:
        t = tok.type
        if t == "inline":
            s = inline_text(tok)
            if cell is not None:
                cell.append(s)
            else:
                out.append(s)
        elif t in ("paragraph_close", "heading_close"):
            if cell is None:
                out.append("\n" if list_stack and tok.hidden else "\n\n")
        elif t == "bullet_list_open":
            list_stack.append([0, 0])
        elif t == "ordered_list_open":
            list_stack.append([1, int(tok.attrs.get("start", 1) or 1) - 1])
        elif t in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
            if not list_stack:
                out.append("\n")
        elif t == "list_item_open":
            indent = "  " * (len(list_stack) - 1)
            top = list_stack[-1]
            if top[0]:
                top[1] += 1
                out.append(f"{indent}{top[1]}. ")
            else:
                out.append(f"{indent}• ")
        elif t in ("fence", "code_block"):
            out.append(tok.content.rstrip("\n") + "\n\n")
        elif t in ("math_block", "math_block_label"):
            out.append(tok.content.strip() + "\n\n")
        elif t == "html_block":
            out.append(_html_to_text(tok.content) + "\n\n")
        elif t == "hr":
            out.append("\n")
        elif t == "tr_open":
            row = []
        elif t in ("th_open", "td_open"):
            cell = []
        elif t in ("th_close", "td_close"):
            row.append("".join(cell or []))
            cell = None
        elif t == "tr_close":
            out.append("\t".join(c.replace("\t", " ").replace("\n", " ") for c in row) + "\n")
        elif t == "table_close":
            out.append("\n")
    text = "".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# --- files -------------------------------------------------------------------------------------


def _as_dict(result: Result | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(result, Result):
        return result.to_json()
    return dict(result)


def result_markdown(result: Result | Mapping[str, Any]) -> str:
    """One result as Markdown: text with its line breaks kept (hard breaks), formulas as a ``$$`` block,
    tables as HTML (valid in Markdown), extraction as a fenced JSON block."""
    d = _as_dict(result)
    task = Task.parse(d.get("task", "text"))
    text = d.get("text") or ""
    if task is Task.FORMULA:
        body = formula_body(text)
        return f"$$\n{body}\n$$" if body else ""
    if task is Task.EXTRACT:
        return "```json\n" + _json_text(text, d.get("extraction")) + "\n```"
    from glmocr_desktop.core.render import sanitize_markdown

    # model HTML written to a file is held to the preview's allowlist: no tracking pixels, no scripts
    if task is Task.TEXT:
        return hard_line_breaks(sanitize_markdown(text.strip()))
    return sanitize_markdown(text.strip())


def results_markdown(results: Iterable[Result | Mapping[str, Any]]) -> str:
    parts = [result_markdown(r) for r in results]
    return "\n\n".join(p for p in parts if p) + "\n"


def results_json(results: Iterable[Result | Mapping[str, Any]]) -> str:
    payload = {"generator": "glmocr-desktop", "results": [_as_dict(r) for r in results]}
    # valid JSON whatever the results hold (no NaN, no lone surrogates: a file every reader opens)
    return json.dumps(json_safe(payload, max_depth=200, too_deep=_TOO_DEEP), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


_BLOCK_LABELS = {Task.TEXT: "text", Task.TABLE: "table", Task.FORMULA: "formula", Task.EXTRACT: "text"}


def results_document(
    results: Iterable[Result | Mapping[str, Any]], page_images: Mapping[int, Any] | None = None
) -> Any:
    """Single-region results as an assembled document (``core.assembly``): one page per source page,
    each result a block in its region (the whole page when it has none), top to bottom.

    ``page_images`` (0-based page -> rendered page image) gives the pages their size and picture, for
    the searchable PDF.
    """
    from glmocr_desktop.core.assembly import PageBlock, PageInput, assemble
    from glmocr_desktop.core.regions import Region

    by_page: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in results:
        d = _as_dict(r)
        by_page.setdefault((d.get("file") or "", int(d.get("page") or 1) - 1), []).append(d)
    pages = []
    for (_file, page), items in sorted(by_page.items()):
        blocks = []
        for d in items:
            region = Region(*d["region"]) if d.get("region") else Region(0.0, 0.0, 1.0, 1.0)
            label = _BLOCK_LABELS[Task.parse(d.get("task", "text"))]
            blocks.append(PageBlock(0, label, "text", result_markdown(d), region))
        blocks.sort(key=lambda b: (b.region.y0, b.region.x0))
        for i, block in enumerate(blocks):
            block.index = i
        image = (page_images or {}).get(page)
        width, height = image.size if image is not None else (0, 0)
        pages.append(PageInput(page, width, height, blocks, image))
    return assemble(pages)


def save_result(
    path: str | os.PathLike[str],
    results: Result | Mapping[str, Any] | Iterable[Result | Mapping[str, Any]],
    fmt: str | None = None,
    *,
    page_images: Mapping[int, Any] | None = None,
) -> Path:
    """Write results to ``path`` as Markdown (``"md"``), JSON (``"json"``), Word (``"docx"``) or a
    searchable PDF (``"pdf"``, over ``page_images`` when given), atomically.

    ``fmt`` defaults to the file's suffix. The file is written next to its final name, synced to disk,
    then renamed over it, so a crash leaves either the old file or the new one, never half of one.
    """
    path = Path(path)
    if isinstance(results, (Result, Mapping)) or hasattr(results, "to_result"):
        results = [results]  # type: ignore[list-item]
    fmt = (fmt or path.suffix.lstrip(".") or "md").lower()
    if fmt in ("md", "markdown", "txt"):
        content = results_markdown(results)  # type: ignore[arg-type]
    elif fmt == "json":
        content = results_json(results)  # type: ignore[arg-type]
    elif fmt in ("docx", "pdf"):
        from glmocr_desktop.core.document_export import write_docx, write_searchable_pdf

        doc = results_document(results, page_images)  # type: ignore[arg-type]
        return (write_docx if fmt == "docx" else write_searchable_pdf)(doc, path)
    else:
        raise ValueError(f"Unknown export format {fmt!r}; use md, json, docx or pdf.")
    atomic_write_text(path, content)
    return path


def atomic_write_text(path: str | os.PathLike[str], content: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, content.encode(encoding))


def atomic_write_bytes(path: str | os.PathLike[str], content: bytes) -> None:
    """Write next to the final name, sync, then rename over it: the old file or the new one, never half."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    # the scratch name stays short: a legal 253-byte file name plus a prefix and suffix would not be
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        try:  # keep the permissions of the file being replaced, else the usual ones for new files
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        try:
            dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
