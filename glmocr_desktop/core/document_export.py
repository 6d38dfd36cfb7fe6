"""Writing an assembled document: Markdown with its images, the SDK's JSON, Word, searchable PDF.

Every writer leaves either the old file or the complete new one (write beside, then rename).

- Markdown and JSON reference the image blocks' crops in a folder beside the file (``<stem>_imgs``
  unless told otherwise; the SDK's own layout is ``imgs`` in a folder per document).
- Word goes through pandoc (shipped by the ``pypandoc-binary`` wheel). Model output is untrusted, so
  pandoc reads HTML made by the preview's renderer and sanitiser (``core.render``), runs with
  ``--sandbox`` (it reads no file and fetches no URL that the input names), a heap cap and a time
  limit. The HTML reader keeps ``colspan``/``rowspan`` as merged Word cells; a small Lua filter turns
  the renderer's ``math`` spans and divs into pandoc math, which the DOCX writer emits as native Word
  equations (OMML). Image crops travel inside the HTML as ``data:`` URIs.
- The searchable PDF draws each page image full-page and lays the recognised text, invisible (render
  mode 3), inside each block's box with the largest font size that fits, so any viewer can search,
  select and copy it where it stands on the page.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glmocr_desktop.core.assembly import AssembledDocument, PageBlock
from glmocr_desktop.core.errors import ExportError
from glmocr_desktop.core.exports import atomic_write_bytes, atomic_write_text, markdown_to_plain
from glmocr_desktop.core.postprocess import formula_body, html_tables_to_rows
from glmocr_desktop.core.render import PREVIEW_LIMIT, render_markdown, sanitize_markdown
from glmocr_desktop.core.tasks import Task

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

__all__ = [
    "DOCUMENT_FORMATS",
    "default_image_dir",
    "searchable_text",
    "write_document",
    "write_docx",
    "write_json",
    "write_markdown",
    "write_searchable_pdf",
]

#: Pandoc gets this long for one document before it is stopped.
PANDOC_TIMEOUT_S = 120
#: Pandoc's heap cap (its RTS ``-M``), so hostile input cannot take the machine's memory.
PANDOC_HEAP_MB = 2048
#: Pages are assumed rendered at the SDK's 200 DPI when sizing PDF pages and Word images.
RENDER_DPI = 200


def default_image_dir(path: str | os.PathLike[str]) -> str:
    """The image folder's name for an export at ``path``: ``report.md`` -> ``report_imgs`` (the stem
    shortened where a long file name would make the folder's name longer than 255 bytes)."""
    stem = Path(path).stem.encode("utf-8")[:250].decode("utf-8", "ignore")
    return f"{stem}_imgs"


# --- Markdown and JSON ---------------------------------------------------------------------------


def _encoded_image(image: Image, fmt: str = "JPEG", quality: int = 95) -> bytes:
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, fmt, quality=quality)
    return buf.getvalue()


def _write_images(images: dict[str, Image], base: Path) -> None:
    """Save ``{relative path: image}`` under ``base``; each file appears whole (written aside, renamed),
    and files of the folder that are not ours are left alone."""
    if not images:
        return
    scratch = Path(tempfile.mkdtemp(prefix=".images-", dir=base))
    try:
        for rel, image in images.items():
            staged = scratch / Path(rel).name
            staged.write_bytes(_encoded_image(image))
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _resolve(path: str | os.PathLike[str], image_dir: str | None) -> tuple[Path, str]:
    path = Path(path)
    return path, default_image_dir(path) if image_dir is None else image_dir


def write_markdown(
    doc: AssembledDocument, path: str | os.PathLike[str], *, image_dir: str | None = None
) -> Path:
    """``path`` as Markdown, with the image blocks' crops in ``image_dir`` beside it (images first, so
    the Markdown never points at a file that is not there yet)."""
    path, image_dir = _resolve(path, image_dir)
    markdown, images = doc.to_markdown(image_dir)
    _write_images(images, path.parent)
    # model HTML held to the preview's allowlist (no remote images or tracking pixels); crops stay
    atomic_write_text(path, sanitize_markdown(markdown) + "\n")
    return path


def write_json(
    doc: AssembledDocument, path: str | os.PathLike[str], *, image_dir: str | None = None
) -> Path:
    """``path`` as the SDK's JSON (pages of blocks), with the crops its ``image_path`` entries name."""
    path, image_dir = _resolve(path, image_dir)
    _write_images(doc.images(image_dir), path.parent)
    atomic_write_text(path, json.dumps(doc.to_json(image_dir), ensure_ascii=False, indent=2) + "\n")
    return path


# --- Word ----------------------------------------------------------------------------------------

#: The renderer marks math as ``<span class="math inline|display">`` / ``<div class="math display">``
#: holding escaped TeX; pandoc's HTML reader keeps them as spans and divs, so they become math here.
_MATH_FILTER = """
local function tex(el) return pandoc.utils.stringify(el) end
function Span(el)
  if el.classes:includes('math') then
    return pandoc.Math(el.classes:includes('display') and 'DisplayMath' or 'InlineMath', tex(el))
  end
end
function Div(el)
  if el.classes:includes('math') then
    return pandoc.Para({pandoc.Math('DisplayMath', tex(el))})
  end
end
"""

#: Word equations have no ``\\tag``; pandoc's TeX reader drops it, so the number is set beside the formula.
_TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")


def _block_html(markdown: str, label: str) -> list[str]:
    if label == "formula":
        markdown = _TAG.sub(r"\\qquad (\1)", markdown)
    task = Task.TABLE if label == "table" else Task.TEXT
    return render_markdown(markdown, task, limit=max(PREVIEW_LIMIT, len(markdown) + 1))


def docx_html(doc: AssembledDocument) -> str:
    """The sanitised HTML pandoc turns into Word (image crops inlined as ``data:`` URIs)."""
    parts: list[str] = []
    for block in doc.blocks:
        if block.label == "image":
            if block.image is not None:
                data = base64.b64encode(_encoded_image(block.image, quality=90)).decode("ascii")
                alt = html.escape(block.image_alt)
                parts.append(f'<p><img src="data:image/jpeg;base64,{data}" alt="{alt}"></p>')
            continue
        parts.extend(_block_html(block.markdown(), block.label))
    body = "\n".join(parts)
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{body}\n</body></html>\n'


def _pandoc_binary() -> str:
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        found = shutil.which("pandoc")
        if found:
            return found
    raise ExportError(
        "Word export needs pandoc, which was not found.",
        hint="Install the pypandoc-binary package (it ships pandoc) or put pandoc on the PATH.",
    )


def _run_pandoc(source_html: str, *, timeout_s: float) -> bytes:
    pandoc = _pandoc_binary()
    with tempfile.TemporaryDirectory(prefix="glmocr-docx-") as work:
        src, lua, out = Path(work, "in.html"), Path(work, "math.lua"), Path(work, "out.docx")
        src.write_text(source_html, encoding="utf-8")
        lua.write_text(_MATH_FILTER, encoding="utf-8")
        command = [
            pandoc, "+RTS", f"-M{PANDOC_HEAP_MB}m", "-RTS", "--sandbox", "--from=html", "--to=docx",
            f"--lua-filter={lua}", f"--dpi={RENDER_DPI}", f"--output={out}", str(src),
        ]  # fmt: skip
        try:
            proc = subprocess.run(
                command, capture_output=True, timeout=timeout_s, cwd=work, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            raise ExportError(
                f"Word export was stopped: pandoc did not finish within {timeout_s:g} seconds."
            ) from None
        except OSError as exc:
            raise ExportError(f"Word export could not start pandoc: {exc}") from exc
        if proc.returncode != 0 or not out.is_file():
            said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = said[-1] if said else f"exit status {proc.returncode}"
            raise ExportError(f"Word export failed: pandoc reported: {detail}")
        return out.read_bytes()


def write_docx(
    doc: AssembledDocument, path: str | os.PathLike[str], *, timeout_s: float = PANDOC_TIMEOUT_S
) -> Path:
    """``path`` as a Word document: headings, paragraphs, real tables (merged cells kept), native
    equations and the image crops embedded."""
    path = Path(path)
    atomic_write_bytes(path, _run_pandoc(docx_html(doc), timeout_s=timeout_s))
    return path


# --- searchable PDF ------------------------------------------------------------------------------

#: Text beyond Latin-1 is set in MuPDF's built-in Droid Sans Fallback (CJK, kana, Hangul, Greek,
#: Cyrillic, typographic quotes and dashes), embedded under this name and subset on save. The
#: PDF-standard CJK fonts ("china-s" by name, not embedded) lose characters such as „ « » on the way
#: back out of the text layer.
FALLBACK_FONT = "glmocr-fallback"
#: The smallest font size tried: tiny, so that even a box that holds far more text than it can show
#: keeps all of it inside (viewers search and select text of any size).
MIN_FONT_SIZE = 0.1
MAX_FONT_SIZE = 72.0


def searchable_text(block: PageBlock) -> str:
    """A source block's text as a reader searches for it: text without Markdown marks, a table as its
    cells (row by row), a formula as its LaTeX."""
    content = block.content or ""
    if block.label == "image" or not content.strip():
        return ""
    if block.label == "formula":
        return formula_body(content)
    if block.label == "table":
        tables = html_tables_to_rows(content)
        if tables:
            rows = [" ".join(c for c in row if c.strip()) for rows in tables for row in rows]
            return "\n".join(r for r in rows if r)
    return markdown_to_plain(content)


def _font_for(text: str) -> str:
    """Helvetica (PDF standard, Latin-1) when it covers the text, else the embedded fallback font."""
    return "helv" if all(ord(c) < 256 for c in text) else FALLBACK_FONT


def _fits(page: Any, rect: Any, text: str, fontname: str, size: float) -> bool:
    shape = page.new_shape()  # a dry run: a shape that is never committed leaves nothing behind
    return shape.insert_textbox(rect, text, fontsize=size, fontname=fontname) >= 0


@functools.cache
def _font(fontname: str) -> Any:
    import pymupdf

    return pymupdf.Font("cjk" if fontname == FALLBACK_FONT else fontname)


def _unwrapped_size(rect: Any, text: str, fontname: str) -> float:
    """The largest font size at which every line of ``text`` fits the box's width, and all of its
    lines its height, without wrapping."""
    font = _font(fontname)
    lines = text.split("\n")
    widest = max(font.text_length(line, fontsize=1) for line in lines) or 1e-6
    line_height = (font.ascender - font.descender) or 1.2
    return min(MAX_FONT_SIZE, 0.97 * rect.width / widest, rect.height / (len(lines) * line_height))


def _place_text(page: Any, rect: Any, text: str, *, visible: bool) -> None:
    """Lay ``text`` into ``rect`` at the largest font size that fits.

    The text's own lines are kept when that costs at most half the size that wrapping could reach
    (a title, a block whose lines the model kept), so a copy gives back the lines that were read;
    a paragraph written as one long line is wrapped to fill the box instead.
    """
    import pymupdf

    fontname = _font_for(text)
    mode = 0 if visible else 3
    lo, hi = MIN_FONT_SIZE, max(MIN_FONT_SIZE, min(MAX_FONT_SIZE, rect.height))
    if not _fits(page, rect, text, fontname, lo):
        # Absurdly more text than the box holds: keep it searchable anywhere on the page.
        rect = pymupdf.Rect(page.rect)
        if not _fits(page, rect, text, fontname, lo):
            page.insert_text(rect.tl + (0, lo), text, fontsize=lo, fontname=fontname, render_mode=mode)
            return
    elif _fits(page, rect, text, fontname, hi):
        lo = hi
    else:
        for _ in range(14):
            mid = (lo + hi) / 2
            if _fits(page, rect, text, fontname, mid):
                lo = mid
            else:
                hi = mid
    unwrapped = _unwrapped_size(rect, text, fontname)
    def worth_keeping_lines() -> bool:
        return unwrapped >= lo / 2 and unwrapped > MIN_FONT_SIZE

    while worth_keeping_lines() and not _fits(page, rect, text, fontname, unwrapped):
        unwrapped *= 0.95
    size = unwrapped if worth_keeping_lines() else lo
    page.insert_textbox(rect, text, fontsize=size, fontname=fontname, render_mode=mode)


def searchable_pdf_bytes(doc: AssembledDocument, *, dpi: int = RENDER_DPI, jpeg_quality: int = 90) -> bytes:
    import pymupdf

    pdf = pymupdf.open()
    try:
        for page in doc.pages:
            width = page.width or (page.image.width if page.image is not None else 0)
            height = page.height or (page.image.height if page.image is not None else 0)
            if width and height:
                pdf_page = pdf.new_page(width=width * 72 / dpi, height=height * 72 / dpi)
            else:  # no size known: an A4 page
                pdf_page = pdf.new_page()
            box = pdf_page.rect
            if page.image is not None:
                pdf_page.insert_image(box, stream=_encoded_image(page.image, quality=jpeg_quality))
            for block in page.blocks:
                # Each source block's own text in its own box: merged blocks (a formula and its
                # number, a word split across blocks) keep every part where it stands on the page.
                for source in block.sources:
                    text = searchable_text(source).replace("\t", " ")
                    if not text.strip():
                        continue
                    if _font_for(text) == FALLBACK_FONT:  # embedded once, whatever the page count
                        pdf_page.insert_font(fontname=FALLBACK_FONT, fontbuffer=_font(FALLBACK_FONT).buffer)
                    r = source.region
                    w, h = box.width, box.height
                    rect = pymupdf.Rect(r.x0 * w, r.y0 * h, r.x1 * w, r.y1 * h)
                    _place_text(pdf_page, rect, text, visible=page.image is None)
        pdf.set_metadata({"creator": "GLM-OCR Desktop", "producer": "GLM-OCR Desktop (PyMuPDF)"})
        try:
            pdf.subset_fonts()  # the fallback font is 3.5 MB whole, a few kB as used
        except Exception:
            pass
        return pdf.tobytes(garbage=3, deflate=True)
    finally:
        pdf.close()


def write_searchable_pdf(
    doc: AssembledDocument, path: str | os.PathLike[str], *, dpi: int = RENDER_DPI
) -> Path:
    """``path`` as a PDF of the page images with the recognised text as an invisible, selectable layer
    (pages without an image get the text visible instead)."""
    path = Path(path)
    atomic_write_bytes(path, searchable_pdf_bytes(doc, dpi=dpi))
    return path


# --- by file name --------------------------------------------------------------------------------

DOCUMENT_FORMATS: dict[str, Callable[[AssembledDocument, str | os.PathLike[str]], Path]] = {"md": write_markdown, "markdown": write_markdown, "json": write_json,
                    "docx": write_docx, "pdf": write_searchable_pdf}  # fmt: skip


def write_document(doc: AssembledDocument, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write ``doc`` in ``fmt`` (default: the file's suffix): md, json, docx or pdf."""
    fmt = (fmt or Path(path).suffix.lstrip(".") or "md").lower()
    writer = DOCUMENT_FORMATS.get(fmt)
    if writer is None:
        raise ExportError(f"Unknown document format {fmt!r}; use md, json, docx or pdf.")
    return writer(doc, path)
