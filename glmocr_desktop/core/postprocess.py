"""Turning what the model wrote into what the user keeps: one entry point, :func:`final_text`.

The engine, the CLI and the app all show ``final_text(task, raw)``, so what the tests check is what
users get. It is two steps, the same two the engine takes while a result streams in:

1. the streaming guard (:class:`~glmocr_desktop.core.loops.RepetitionGuard`) decides where generation
   would have stopped because of a runaway loop (it never stops a text the next step would keep);
2. :func:`clean_up`, the official SDK's per-task clean-up (``glmocr/postprocess/result_formatter.py``):
   literal ``\\t`` trimmed, runs of ``.``/``·``/``_``/``\\_`` collapsed to three, loops cut from long
   results (never inside a complete table or display formula), inline ``$ x $`` tightened to ``$x$``;
   then per task: text gets the SDK's fence, bullet and numbering touches, a formula becomes one
   ``$$`` block, a table stays the model's HTML, an extraction becomes pretty JSON.

Where this differs from the SDK, ``docs/fidelity.md`` lists it with the reason: always because the
SDK's rule would change what the page says (``7.4.1`` becoming ``7. 4.1``, a ledger's blank rows cut).

Tables (parsing the model's HTML into rows, TSV, Markdown) live in :mod:`glmocr_desktop.core.tables`
and are re-exported here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from glmocr_desktop.core.loops import Loop, RepetitionGuard, cut_loops
from glmocr_desktop.core.tables import (
    MAX_SPAN,
    Cell,
    Table,
    clean_table_html,
    html_table_to_markdown,
    html_table_to_rows,
    html_tables_to_rows,
    parse_html_tables,
    rows_to_markdown,
    rows_to_tsv,
)
from glmocr_desktop.core.tasks import Task

__all__ = [
    "MAX_SPAN",
    "Cell",
    "Cleaned",
    "Loop",
    "RepetitionGuard",
    "Table",
    "clean_content",
    "clean_table_html",
    "clean_up",
    "final_text",
    "format_text",
    "formula_body",
    "guarded",
    "hard_line_breaks",
    "html_table_to_markdown",
    "html_table_to_rows",
    "html_tables_to_rows",
    "normalize_formula",
    "normalize_inline_formula",
    "parse_html_tables",
    "postprocess",
    "rows_to_markdown",
    "rows_to_tsv",
    "strip_fence",
]


@dataclass(frozen=True)
class Cleaned:
    """The clean-up's answer: the text the user keeps, and the loop cut from it (None if none)."""

    text: str
    loop: Loop | None = None

    @property
    def cut(self) -> bool:
        return self.loop is not None


# --- the SDK's content clean-up ----------------------------------------------------------------

_INLINE_FORMULA = re.compile(r"(?<!\$)\$\s*((?:[^$\\]|\\.)+?)\s*\$(?!\$)")


def normalize_inline_formula(text: str) -> str:
    """``$ x $`` -> ``$x$``, with a space between the formula and a letter or digit next to it (SDK).

    Not where the closing ``$`` is followed by a digit: ``costs $5 and $10`` is money, not a formula.
    """
    if "$" not in text:
        return text
    parts: list[str] = []
    last = 0
    for m in _INLINE_FORMULA.finditer(text):
        formula = m.group(1).strip()
        start, end = m.span()
        if not formula or (end < len(text) and text[end].isdigit()):
            continue
        before = text[last:start]
        if before and before[-1].isalnum():
            before += " "
        parts.append(before)
        parts.append(f"${formula}$")
        if end < len(text) and text[end].isalnum():
            parts.append(" ")
        last = end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


_TAB_LITERALS_START = re.compile(r"^(\\t)+")
_TAB_LITERALS_END = re.compile(r"(\\t)+$")


def clean_content(text: str) -> Cleaned:
    """The SDK's ``_clean_content``: literal ``\\t`` at the ends, runs, loops, inline formulas."""
    t = _TAB_LITERALS_START.sub("", text or "").lstrip()
    t = _TAB_LITERALS_END.sub("", t).rstrip()
    t, loop = cut_loops(t)
    return Cleaned(normalize_inline_formula(t).strip(), loop)


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
        if len(parts) > 1:
            body = "\\begin{gathered}\n" + " \\\\\n".join(parts) + "\n\\end{gathered}"
        else:
            body = parts[0] if parts else ""
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




# --- per-task formatting -----------------------------------------------------------------------

_BULLET = re.compile(r"^([ \t]*)(?:[·•][ \t]*|\*[ \t]+)(?=\S)")
_PAREN_NUMBER = re.compile(r"^([ \t]*)[(（](\d+|[A-Za-z])[)）][ \t]*(?=\S)")
#: ``1.Intro`` -> ``1. Intro``; never before a digit (``7.4.1``, ``3.14``) or a space already there.
_DOT_NUMBER = re.compile(r"^([ \t]*)(\d+)([.)）])(?=[^\d\s.)）])")
_LETTER_PAREN = re.compile(r"^([ \t]*)([A-Za-z])([)）])(?=[^\s)）])")
_FENCE_LINE = re.compile(r"^[ \t]*(```|~~~)")


def format_text(text: str) -> str:
    """The SDK's text touches, line by line outside code: bullets ``•``/``·``/``*`` as ``- ``,
    ``(1)`` and ``1.`` followed by a space, an unclosed code fence closed."""
    lines = text.split("\n")
    in_code = False
    for k, line in enumerate(lines):
        if _FENCE_LINE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        line = _BULLET.sub(r"\1- ", line)
        line = _PAREN_NUMBER.sub(r"\1(\2) ", line)
        line = _DOT_NUMBER.sub(lambda m: f"{m.group(1)}{m.group(2)}{')' if m.group(3) == '）' else m.group(3)} ", line)
        line = _LETTER_PAREN.sub(r"\1\2) ", line)
        lines[k] = line
    out = "\n".join(lines)
    if in_code:
        out += "\n```"
    return out


def _complete(text: str, opening: str, closing: str) -> bool:
    return text.startswith(opening) and text.endswith(closing)


def clean_up(task: Task | str, raw_text: str) -> Cleaned:
    """The per-task clean-up of a finished text (see the module docstring)."""
    task = Task.parse(task)
    text = (raw_text or "").strip()
    if task is Task.FORMULA:
        cleaned = Cleaned(text) if _complete(text, "$$", "$$") else clean_content(text)
        return Cleaned(normalize_formula(cleaned.text), cleaned.loop)
    if task is Task.TABLE:
        text = strip_fence(text, ("html", "htm", "xml", ""))
        return Cleaned(text) if _complete(text.lower(), "<table", "</table>") else clean_content(text)
    if task is Task.EXTRACT:
        from glmocr_desktop.core.extraction import parse_json_tolerant

        text = strip_fence(text, ("json", ""))
        kept, loop = cut_loops(text)
        data, _repaired = parse_json_tolerant(kept)
        if isinstance(data, dict):
            kept = json.dumps(data, ensure_ascii=False, indent=2)
        return Cleaned(kept, loop)
    cleaned = clean_content(strip_fence(text, ("markdown", "md", "")))
    return Cleaned(format_text(cleaned.text), cleaned.loop)


def postprocess(task: Task | str, raw_text: str) -> str:
    """The clean-up's text alone (for a text that was not streamed through a guard)."""
    return clean_up(task, raw_text).text


#: ``final_text`` feeds the raw text to the guard in pieces of this many characters (about a token).
_STREAM_PIECE = 4


def guarded(raw_text: str) -> tuple[str, bool]:
    """``(what the streaming guard lets through, whether it stopped)`` for a text as if streamed."""
    guard = RepetitionGuard()
    raw = raw_text or ""
    for i in range(0, len(raw), _STREAM_PIECE):
        if guard.feed(raw[i : i + _STREAM_PIECE]):
            return guard.text, True
    return raw, False


def final_text(task: Task | str, raw_text: str) -> str:
    """What a user ends up with when the model writes ``raw_text``: the guard, then the clean-up."""
    return clean_up(task, guarded(raw_text)[0]).text


# --- Markdown that keeps its line breaks ---------------------------------------------------------


def hard_line_breaks(markdown: str) -> str:
    """Single line breaks inside paragraphs marked as Markdown hard breaks (a trailing backslash).

    A line break in OCR output is a line break on the page (an address, a poem, a receipt); Markdown
    would join such lines into one paragraph. Code, tables, math and HTML are left as they are.
    """
    if "\n" not in markdown.strip():
        return markdown
    from glmocr_desktop.core.render import markdown_tokens

    tokens = markdown_tokens(markdown)
    ends: set[int] = set()
    for k, tok in enumerate(tokens):
        if tok.type != "inline" or not tok.map or k == 0 or tokens[k - 1].type != "paragraph_open":
            continue
        line = tok.map[0]
        for child in tok.children or []:
            if child.type == "softbreak":
                ends.add(line)
                line += 1
            elif child.type == "hardbreak":
                line += 1
            else:
                line += child.content.count("\n")
    if not ends:
        return markdown
    lines = markdown.split("\n")
    for k in ends:
        if k < len(lines):
            lines[k] = lines[k].rstrip() + "\\"
    return "\n".join(lines)


