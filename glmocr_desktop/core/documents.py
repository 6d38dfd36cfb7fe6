"""Documents: a PDF or an image file seen as pages that render lazily, safely and from any thread.

PDFs go through PyMuPDF, images through Pillow (see :mod:`glmocr_desktop.core.imaging`). Whatever the
file, a :class:`Document` has pages in *points* (1/72 in) as displayed (PDF /Rotate and EXIF orientation
applied), renders RGB pictures of bounded size, and turns every failure into a typed
:class:`~glmocr_desktop.core.errors.OcrError` whose message a person can act on.

Threads: PyMuPDF is not thread-safe (not even across documents: MuPDF keeps global state), so all of
its calls go through one process-wide lock; image documents lock per document. In the app's process
that lock is held only for short work (opening, page sizes, reading the page's image list): PDF pages and
big images are rendered in worker processes (:mod:`glmocr_desktop.core.render_pool`) with a time limit
and a memory cap, so a hostile page can neither freeze the app nor exhaust the machine.

Budgets are in bytes, checked before decoding: a PDF's page count is checked against its page tree
(never used to size anything), its images' decoded size (width x height x components x bit depth) per
page against :data:`PDF_MAX_PAGE_IMAGE_BYTES`, and an image file's frames against the byte budgets of
:mod:`glmocr_desktop.core.imaging`.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pymupdf as fitz
from PIL import Image

from glmocr_desktop import workarounds
from glmocr_desktop.core import imaging, model_limits, render_pool
from glmocr_desktop.core.errors import (
    CorruptFileError,
    EmptyDocumentError,
    ImageTooLargeError,
    InputError,
    OcrError,
    PageRangeError,
    PasswordRequiredError,
    RegionError,
    RenderTimeoutError,
    UnsupportedFileError,
    WrongPasswordError,
)
from glmocr_desktop.core.formats import SUPPORTED_SUFFIXES, is_supported
from glmocr_desktop.core.regions import Region

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Document",
    "is_supported",
    "open_document",
    "open_image_bytes",
    "parse_page_range",
]

#: The official SDK renders PDF pages at 200 DPI with the long side capped at 3500 px.
DEFAULT_DPI = 200.0
DEFAULT_MAX_SIDE = 3500
#: Pixels a rendered PDF page may have (a 600-dpi A3 page; the usual 3500 px side cap gives 12 MP).
PDF_MAX_RENDER_PIXELS = 64_000_000
#: A small region is re-rendered at up to this DPI so it reaches the model's minimum size.
MAX_REGION_DPI = 600.0
#: PDF pages may not be larger than 200 inches a side (ISO 32000); beyond that we warn.
PDF_MAX_PAGE_POINTS = 14_400.0
#: Decoded bytes of the images one PDF page may reference (width x height x components x bit depth, as
#: MuPDF holds them): a 35000^2 1-bit JBIG2 scan (1.2 GB as 8-bit grey) renders; the same size as an
#: indexed colour image (4.9 GB) is refused before anything is decoded.
PDF_MAX_PAGE_IMAGE_BYTES = 2 << 30
#: Levels of /Kids a PDF page tree may nest (real files use a handful).
PDF_MAX_TREE_DEPTH = 256
#: How long a caller waits for another thread's render of the same document before giving up.
LOCK_TIMEOUT_S = 120.0
#: A render slower than this is reported in the document's warnings.
SLOW_RENDER_S = 10.0
#: Bytes of decoded full-resolution image pages kept in memory per document.
IMAGE_CACHE_BYTES = 128 << 20
#: Image pages decoding to more than this are decoded in a render worker, not in this process.
INLINE_DECODE_BYTES = 128 << 20
#: Time limits of one render in a worker: a page (display, recognition) and a thumbnail.
RENDER_TIME_LIMIT_S = render_pool.RENDER_TIME_LIMIT_S
THUMBNAIL_TIME_LIMIT_S = 20.0

# MuPDF's repair notes reach us as exceptions and warnings, not on stderr (glmocr_desktop.workarounds).
workarounds.quiet_mupdf()

#: One lock for every MuPDF call in the process (PyMuPDF does not support concurrent use).
_FITZ_LOCK = threading.RLock()
#: Unique keys of open documents, so a render worker knows which one it has open.
_KEYS = itertools.count(1)


def parse_page_range(spec: str, page_count: int) -> list[int]:
    """Turn ``"1-3,7"`` into 0-based indices ``[0, 1, 2, 6]``.

    Pages count from 1. Accepts ``all``/``*``/empty (every page), open ranges ``"5-"``/``"-3"`` and
    ``last``; keeps the order given and drops repeats. Anything else raises :class:`PageRangeError`.
    """
    if page_count <= 0:
        raise PageRangeError("The document has no pages.")
    text = (spec or "").strip().lower().replace("\u2013", "-").replace("\u2014", "-").replace(";", ",")
    if text in ("", "all", "*"):
        return list(range(page_count))

    def page_number(token: str, default: int) -> int:
        token = token.strip()
        if not token:
            return default
        if token in ("last", "end", "$"):
            return page_count
        if not token.isdigit():
            raise PageRangeError(
                f"{spec!r} is not a page range; write page numbers like 1-3,7 (pages 1 to {page_count})."
            )
        number = int(token)
        if not 1 <= number <= page_count:
            pages = "page" if page_count == 1 else "pages"
            raise PageRangeError(f"Page {number} does not exist; the document has {page_count} {pages}.")
        return number

    out: list[int] = []
    seen: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            if "-" in last:
                raise PageRangeError(f"{part!r} is not a page range; write it like 2-5.")
            a, b = page_number(first, 1), page_number(last, page_count)
            if a > b:
                raise PageRangeError(f"The range {part} runs backwards; write it as {b}-{a}.")
            numbers = range(a, b + 1)
        else:
            numbers = range(page_number(part, 0), page_number(part, 0) + 1)
        for n in numbers:
            if n - 1 not in seen:
                seen.add(n - 1)
                out.append(n - 1)
    if not out:
        raise PageRangeError(f"{spec!r} selects no pages.")
    return out


# --- helpers -----------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


_OUT_OF_MEMORY_WORDS = ("malloc", "calloc", "realloc", "out of memory", "cannot allocate", "memory error")


def _out_of_memory(exc: BaseException) -> bool:
    """MuPDF reports a failed allocation as an ordinary exception: tell it from a damaged file."""
    if isinstance(exc, MemoryError) or "memory" in type(exc).__name__.lower():
        return True
    text = str(exc).lower()
    return any(word in text for word in _OUT_OF_MEMORY_WORDS)


def _too_big(what: str, exc: BaseException | None = None) -> ImageTooLargeError:
    return ImageTooLargeError(
        f"{what} is too large to render in the memory allowed.",
        hint="Render it at a lower resolution, or split the file.",
    )


# --- PDF structure -----------------------------------------------------------------------------

_REF = re.compile(r"(\d+)\s+\d+\s+R")


def _kids(doc: Any, xref: int) -> list[int] | None:
    """The /Kids of a page-tree node as object numbers, or None when it has none."""
    kind, value = doc.xref_get_key(xref, "Kids")
    if kind == "xref":  # an indirect array
        match = _REF.match(value)
        if not match:
            return None
        value = doc.xref_object(int(match.group(1)), compressed=True)
    elif kind != "array":
        return None
    return [int(m.group(1)) for m in _REF.finditer(value)]


def _check_page_tree(doc: Any, name: str, warnings: list[str]) -> int:
    """The number of pages the page tree really holds; wrong /Count values are corrected in memory.

    A /Count is only a claim: MuPDF sizes its page map by it, so ``/Count 2147483647`` in a 600-byte
    file would allocate gigabytes at the first page load. The tree is walked instead (each object once,
    so at most the file's object count), and every node's /Count set to what it holds.
    """
    try:
        declared = int(doc.page_count)
    except Exception:  # newer MuPDF refuses a /Count it cannot believe: the tree below decides
        declared = -1
    objects = int(doc.xref_length())
    try:
        kind, value = doc.xref_get_key(doc.pdf_catalog(), "Pages")
        match = _REF.match(value) if kind == "xref" else None
    except Exception:
        match = None
    if declared < 0 and match is not None:  # the claim, as the root of the tree states it
        kind, value = doc.xref_get_key(int(match.group(1)), "Count")
        declared = int(value) if kind == "int" and value.lstrip("-").isdigit() else 0
    if match is None:
        if declared < 0:
            raise CorruptFileError(f"{name} has no page tree and its page count cannot be read.")
        if declared > objects:
            raise CorruptFileError(f"{name} claims {declared:,} pages but has no page tree to hold them.")
        return declared
    seen: set[int] = set()
    fixes: list[tuple[int, int]] = []

    def count(xref: int, depth: int) -> int:
        if xref in seen or not 0 < xref < objects or depth > PDF_MAX_TREE_DEPTH:
            return 0
        seen.add(xref)
        kids = _kids(doc, xref)
        if kids is None:
            return 1 if doc.xref_get_key(xref, "Type")[1] != "/Pages" else 0
        total = sum(count(kid, depth + 1) for kid in kids)
        stated = doc.xref_get_key(xref, "Count")
        if stated[0] != "int" or int(stated[1]) != total:
            fixes.append((xref, total))
        return total

    try:
        real = count(int(match.group(1)), 0)
    except RecursionError:  # pragma: no cover - depth is bounded above
        raise CorruptFileError(f"{name} has a page tree too deep to read.") from None
    if real == 0:
        raise EmptyDocumentError(
            f"{name} has no pages." if declared <= 0 else
            f"{name} claims {declared:,} pages but its page tree holds none; the file is damaged.")
    for xref, total in fixes:
        doc.xref_set_key(xref, "Count", str(total))
    if real != declared:
        warnings.append(f"{name} claims {declared:,} pages but holds {real:,}; the file is damaged, "
                        f"the {real:,} it holds are shown.")
    return real


#: Colour components of PDF colour spaces as PyMuPDF names them (anything else: counted as 4).
_COMPONENTS = {"devicegray": 1, "calgray": 1, "separation": 1, "devicergb": 3, "calrgb": 3, "lab": 3,
               "devicecmyk": 4}


def _components(name: str) -> int:
    key = (name or "").strip().lstrip("/").lower()
    if key.startswith(("iccbased", "devicen")):
        return 4  # the number is in the profile; the largest common one is assumed
    return _COMPONENTS.get(key, 4)


def pdf_image_bytes(images: list) -> int:
    """Decoded bytes of a page's images (``page.get_images(full=True)`` rows), as MuPDF holds them:
    8 or 16 bits per component, indexed images expanded to their base colours, soft masks as grey."""
    total = 0
    for item in images:
        try:
            _xref, smask, width, height, bpc = (int(v) for v in item[:5])
            colorspace, alternate = str(item[5] or ""), str(item[6] or "")
        except (TypeError, ValueError, IndexError):
            continue
        pixels = max(0, width) * max(0, height)
        per_sample = 2 if bpc > 8 else 1
        if colorspace.lower().startswith("indexed"):
            per_pixel = 1 + _components(alternate or "devicergb")
        else:
            per_pixel = (_components(colorspace) if colorspace else 1) * per_sample
        total += pixels * per_pixel + (pixels if smask else 0)
    return total


def _clamp_scale(width: float, height: float, scale: float, max_side: int | None, max_pixels: int) -> float:
    """Largest scale <= ``scale`` at which a ``width`` x ``height`` box fits the side and pixel caps."""
    if max_side and max_side > 0:
        scale = min(scale, max_side / max(width, height))
    if width * height * scale * scale > max_pixels:
        scale = min(scale, math.sqrt(max_pixels / (width * height)))
    # Rounding up to whole pixels (as MuPDF does, with its 0.001 tolerance) must not break the caps.
    def pixels(v: float) -> int:
        return math.ceil(v * scale - 0.001)

    for _ in range(200):
        too_many = pixels(width) * pixels(height) > max_pixels
        too_long = bool(max_side and max_side > 0 and max(pixels(width), pixels(height)) > max_side)
        if scale <= 0 or not (too_many or too_long):
            break
        scale *= 0.9995
    return scale


class _Lock:
    """A lock whose waiters give up with :class:`RenderTimeoutError` instead of hanging."""

    def __init__(self, lock: Any, name: str) -> None:
        self._lock = lock
        self._name = name

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise RenderTimeoutError(
                f"{self._name} is still busy rendering after {LOCK_TIMEOUT_S:.0f} s; try again later."
            )

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


# --- backends ----------------------------------------------------------------------------------


class _PdfBackend:
    def __init__(self, doc: Any, name: str, warnings: list[str]) -> None:
        self.doc = doc
        self.name = name
        self.warnings = warnings
        self.page_count = doc.page_count
        self._sizes: dict[int, tuple[float, float]] = {}
        self._image_bytes: dict[int, int] = {}

    def _page(self, index: int) -> Any:
        try:
            return self.doc.load_page(index)
        except Exception as exc:
            if _out_of_memory(exc):
                raise _too_big(f"Page {index + 1} of {self.name}") from exc
            raise CorruptFileError(
                f"Page {index + 1} of {self.name} is damaged and cannot be read ({_short(exc)})."
            ) from exc

    def page_size(self, index: int) -> tuple[float, float]:
        if index not in self._sizes:
            rect = self._page(index).rect
            w, h = float(rect.width), float(rect.height)
            if not (math.isfinite(w) and math.isfinite(h)) or w <= 0 or h <= 0:
                raise CorruptFileError(f"Page {index + 1} of {self.name} has no area ({w:g} x {h:g} pt).")
            self._sizes[index] = (w, h)
        return self._sizes[index]

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def image_bytes(self, index: int, page: Any = None) -> int:
        """Decoded bytes of page ``index``'s images; over :data:`PDF_MAX_PAGE_IMAGE_BYTES` it is refused
        before anything is decoded."""
        total = self._image_bytes.get(index)
        if total is None:
            try:
                images = (page if page is not None else self._page(index)).get_images(full=True)
            except OcrError:
                raise
            except Exception:
                images = []
            total = self._image_bytes[index] = pdf_image_bytes(images)
        if total > PDF_MAX_PAGE_IMAGE_BYTES:
            raise ImageTooLargeError(
                f"Page {index + 1} of {self.name} holds images that decode to {total / 2**30:.1f} GB; it is not "
                f"rendered (at most {PDF_MAX_PAGE_IMAGE_BYTES / 2**30:.0f} GB a page)."
            )
        return total

    def render(
        self,
        index: int,
        scale: float,
        clip: tuple[float, float, float, float] | None,
        max_side: int | None,
        max_pixels: int,
    ) -> Image.Image:
        """Render page ``index`` (or the clip, in displayed points) at ``scale``, clamped to the caps."""
        page = self._page(index)
        w, h = self.page_size(index)
        if clip is not None:
            x0, y0, x1, y1 = clip
            box_w, box_h = x1 - x0, y1 - y0
        else:
            box_w, box_h = w, h
        wanted = scale
        scale = _clamp_scale(box_w, box_h, scale, max_side, max_pixels)
        if scale <= 0 or box_w * scale < 0.5 or box_h * scale < 0.5:
            raise ImageTooLargeError(
                f"Page {index + 1} of {self.name} is {w / 72:.0f} x {h / 72:.0f} inches, too large to render."
            )
        if max(w, h) > PDF_MAX_PAGE_POINTS or (scale < wanted * 0.999 and clip is None and not max_side):
            self._warn(
                f"Page {index + 1} of {self.name} is unusually large ({w / 72:.0f} x {h / 72:.0f} in); "
                "it is shown and read at a reduced resolution."
            )
        self.image_bytes(index, page)
        matrix = fitz.Matrix(scale, scale)
        rect = page.rect
        started = time.monotonic()
        try:
            if clip is not None:
                fclip = fitz.Rect(rect.x0 + clip[0], rect.y0 + clip[1], rect.x0 + clip[2], rect.y0 + clip[3])
                pix = page.get_pixmap(matrix=matrix, clip=fclip, alpha=False, colorspace=fitz.csRGB)
            else:
                pix = page.get_pixmap(matrix=matrix, alpha=False, colorspace=fitz.csRGB)
        except Exception as exc:
            if _out_of_memory(exc):
                raise _too_big(f"Page {index + 1} of {self.name}") from exc
            raise CorruptFileError(
                f"Page {index + 1} of {self.name} could not be rendered; the file is damaged ({_short(exc)})."
            ) from exc
        elapsed = time.monotonic() - started
        if elapsed > SLOW_RENDER_S:
            self._warn(f"Page {index + 1} of {self.name} took {elapsed:.0f} s to render.")
        if pix.width <= 0 or pix.height <= 0:
            raise CorruptFileError(f"Page {index + 1} of {self.name} rendered as an empty picture.")
        if pix.n != 3:  # pragma: no cover - we always ask for RGB without alpha
            pix = fitz.Pixmap(fitz.csRGB, pix)
        return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)

    def close(self) -> None:
        self.doc.close()


class _ImageBackend:
    def __init__(self, source: imaging.ImageSource) -> None:
        self.source = source
        self.page_count = source.frame_count
        self._cache: OrderedDict[int, Image.Image] = OrderedDict()

    def page_size(self, index: int) -> tuple[float, float]:
        info = self.source.frames[index]
        return info.width * 72.0 / info.dpi, info.height * 72.0 / info.dpi

    def dpi(self, index: int) -> float:
        return self.source.frames[index].dpi

    def full(self, index: int) -> Image.Image:
        img = self._cache.get(index)
        if img is not None:
            self._cache.move_to_end(index)
            return img
        img = self.source.load(index)
        if _held_bytes(img) <= IMAGE_CACHE_BYTES:
            self._cache[index] = img
            while sum(_held_bytes(i) for i in self._cache.values()) > IMAGE_CACHE_BYTES:
                self._cache.popitem(last=False)
        return img

    def reduced(self, index: int, max_side: int) -> Image.Image:
        """Page ``index``, decoded cheaply: at least ``max_side`` on its long side where possible."""
        img = self._cache.get(index)
        if img is not None:
            return img
        if self.source.format != "jpeg":  # only JPEG decodes cheaper at a reduced size
            return self.full(index)
        return self.source.load(index, max_side=max_side)

    def close(self) -> None:
        self._cache.clear()


def _held_bytes(img: Image.Image) -> int:
    """Memory Pillow holds for a picture (multi-band images take 4 bytes a pixel)."""
    return img.width * img.height * (1 if img.mode in ("1", "L", "P") else 4)


def _resize(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resized copy (always a new image: the source may be the page cache's)."""
    if img.size == size:
        return img.copy()
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


# --- the document ------------------------------------------------------------------------------


class Document:
    """An open PDF or image file. Use :func:`open_document` or :func:`open_image_bytes` to make one."""

    path: Path | None
    name: str
    kind: str  # "pdf" | "image"
    page_count: int
    content_hash: str
    warnings: list[str]
    encrypted: bool

    def __init__(
        self,
        *,
        backend: _PdfBackend | _ImageBackend,
        path: Path | None,
        name: str,
        kind: str,
        content_hash: str,
        warnings: list[str],
        encrypted: bool = False,
        file_format: str = "",
        data: bytes | None = None,
        password: str | None = None,
    ) -> None:
        self._backend: _PdfBackend | _ImageBackend | None = backend
        self.path = path
        self.name = name
        self.kind = kind
        self.page_count = backend.page_count
        self.content_hash = content_hash
        self.warnings = warnings
        self.encrypted = encrypted
        self.format = file_format  # "pdf", "png", "jpeg", ... (from the content)
        self._lock = _Lock(_FITZ_LOCK if kind == "pdf" else threading.RLock(), name)
        self._data = data if path is None else None  # what a render worker opens, with the password
        self._password = password
        self._key = f"{next(_KEYS)}-{content_hash[:16]}"
        #: Seconds a page render may take before it is stopped (thumbnails: THUMBNAIL_TIME_LIMIT_S).
        self.time_limit_s = RENDER_TIME_LIMIT_S
        self._stopped: dict[int, RenderTimeoutError] = {}  # pages whose render was stopped

    def __repr__(self) -> str:
        return f"<Document {self.name!r} {self.kind} pages={self.page_count}>"

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._backend is None

    def close(self) -> None:
        with self._lock:
            backend, self._backend = self._backend, None
            if backend is not None:
                try:
                    backend.close()
                except Exception:
                    pass

    # -- internals --

    def _use(self, index: int) -> _PdfBackend | _ImageBackend:
        backend = self._backend
        if backend is None:
            raise InputError(f"{self.name} has been closed.")
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise PageRangeError(f"Page index must be a whole number, got {index!r}.")
        if not 0 <= int(index) < self.page_count:
            pages = "page" if self.page_count == 1 else "pages"
            raise PageRangeError(
                f"Page {int(index) + 1} does not exist; {self.name} has {self.page_count} {pages}."
            )
        return backend

    def _guard(self, index: int, fn: Any) -> Any:
        """Run ``fn`` under the lock, turning anything unexpected into a typed error."""
        with self._lock:
            backend = self._use(index)
            try:
                return fn(backend)
            except OcrError:
                raise
            except Exception as exc:
                if _out_of_memory(exc):
                    raise _too_big(f"Page {index + 1} of {self.name}") from exc
                raise CorruptFileError(
                    f"Page {index + 1} of {self.name} could not be read; the file may be damaged "
                    f"({_short(exc)})."
                ) from exc

    def _elsewhere(self, index: int) -> int | None:
        """The estimated peak bytes of rendering page ``index`` in a worker, or None to render it here.

        PDF pages always go to a worker; image pages when they decode to more than INLINE_DECODE_BYTES.
        Inside a worker, and for pages too small to matter, everything renders in-process.
        """
        if render_pool.in_worker():
            return None

        def estimate(b: _PdfBackend | _ImageBackend) -> int | None:
            if isinstance(b, _PdfBackend):
                b.page_size(index)  # a page without area fails here, not in the worker
                return b.image_bytes(index) + PDF_MAX_RENDER_PIXELS * 4
            info = b.source.frames[index]
            if index in b._cache or info.decoded_bytes <= INLINE_DECODE_BYTES:
                return None
            return info.decoded_bytes * 2 + info.width * info.height * 4

        cost = self._guard(index, estimate)
        if cost is not None and index in self._stopped:
            raise self._stopped[index]
        return cost

    def _remote(self, method: str, index: int, args: tuple, kwargs: dict, cost: int,
                time_limit_s: float) -> Image.Image:
        spec = render_pool.SourceSpec(key=self._key, name=self.name,
                                      path=str(self.path) if self.path is not None else None,
                                      data=self._data, password=self._password)
        try:
            image, warnings = render_pool.shared().call(
                spec, method, args, kwargs, what=f"Page {index + 1} of {self.name}",
                time_limit_s=time_limit_s, cost_bytes=cost)
        except RenderTimeoutError as exc:
            if time_limit_s >= self.time_limit_s:  # a thumbnail's shorter limit says less about the page
                self._stopped[index] = RenderTimeoutError(
                    f"Page {index + 1} of {self.name} was stopped after {time_limit_s:.0f} s of rendering "
                    "and is not rendered again in this session.", hint=exc.hint)
            raise
        for w in warnings:
            if w not in self.warnings:
                self.warnings.append(w)
        return image

    # -- public API --

    def page_size(self, index: int) -> tuple[float, float]:
        """Displayed width and height of page ``index`` in points (images: pixels * 72 / their dpi)."""
        return self._guard(index, lambda b: b.page_size(index))

    def render_page(
        self, index: int, dpi: float = DEFAULT_DPI, max_side: int = DEFAULT_MAX_SIDE
    ) -> Image.Image:
        """Page ``index`` as RGB at ``dpi``, its long side at most ``max_side`` pixels.

        Images are never enlarged: ``dpi`` only reduces them (a 300-dpi scan at 200 dpi gets 2/3 of its
        pixels, one without a resolution counts as 72 dpi). Scale for display by :meth:`page_size`.
        """
        dpi = _check_dpi(dpi)
        cost = self._elsewhere(index)
        if cost is not None:
            return self._remote("render_page", index, (index, dpi, max_side), {}, cost, self.time_limit_s)

        def run(b: _PdfBackend | _ImageBackend) -> Image.Image:
            if isinstance(b, _PdfBackend):
                return b.render(index, dpi / 72.0, None, max_side, PDF_MAX_RENDER_PIXELS)
            _w_pt, _h_pt = b.page_size(index)
            info = b.source.frames[index]
            scale = min(1.0, dpi / b.dpi(index))
            scale = min(scale, _clamp_scale(info.width, info.height, 1.0, max_side, imaging.MAX_PAGE_PIXELS))
            size = (max(1, round(info.width * scale)), max(1, round(info.height * scale)))
            img = b.full(index) if scale >= 0.5 else b.reduced(index, max(size))
            return _resize(img, size)

        return self._guard(index, run)

    def render_region(
        self,
        index: int,
        region: Region | None,
        dpi: float = DEFAULT_DPI,
        max_side: int = DEFAULT_MAX_SIDE,
        max_pixels: int = model_limits.MAX_PIXELS,
    ) -> Image.Image:
        """The region (``None``: the whole page) at recognition resolution, sized for GLM-OCR.

        PDFs re-render just the region at ``dpi`` (finer for tiny regions), so it gets real detail, not
        enlarged pixels; images are cropped from the full-resolution picture (``dpi`` does not reduce
        them here). The result holds 6,272 .. ``max_pixels`` pixels (large ones downscaled, tiny ones
        padded: :func:`imaging.fit_pixels`); pass the engine's cap (``engine.image_pixel_cap``) so the
        engine need not resize it again. A region thinner than 1:200 raises :class:`RegionError`.
        """
        dpi = _check_dpi(dpi)
        max_pixels = model_limits.clamp_pixels(max_pixels)
        if region is not None and not isinstance(region, Region):
            raise RegionError(f"Expected a Region or None, got {type(region).__name__}.")
        cost = self._elsewhere(index)
        if cost is not None:
            return self._remote("render_region", index, (index, region, dpi, max_side, max_pixels), {}, cost,
                                self.time_limit_s)

        def run(b: _PdfBackend | _ImageBackend) -> Image.Image:
            w_pt, h_pt = b.page_size(index)
            r = region or Region(0.0, 0.0, 1.0, 1.0)
            what = "The region" if region is not None else f"Page {index + 1}"
            imaging.check_aspect(r.width * w_pt, r.height * h_pt, what)
            if isinstance(b, _PdfBackend):
                clip = None if region is None else (r.x0 * w_pt, r.y0 * h_pt, r.x1 * w_pt, r.y1 * h_pt)
                box_w, box_h = r.width * w_pt, r.height * h_pt
                scale = dpi / 72.0
                # A small region is rendered finer (up to MAX_REGION_DPI) until it reaches the model's
                # minimum size; then padding does the rest.
                if box_w * box_h * scale * scale < model_limits.MIN_PIXELS:
                    need = math.sqrt(model_limits.MIN_PIXELS / (box_w * box_h))
                    scale = max(scale, min(need, MAX_REGION_DPI / 72.0))
                img = b.render(index, scale, clip, max_side, max_pixels)
            else:
                # Recognition wants every pixel the picture has: no dpi reduction, only the caps.
                full = b.full(index)
                box = r.to_pixels(full.width, full.height)
                img = full.crop(box) if box != (0, 0, full.width, full.height) else full
                scale = _clamp_scale(img.width, img.height, 1.0, max_side, max_pixels)
                img = _resize(img, (max(1, round(img.width * scale)), max(1, round(img.height * scale))))
            return imaging.fit_pixels(img, max_pixels=max_pixels)

        return self._guard(index, run)

    def render_thumbnail(self, index: int, max_side: int = 256) -> Image.Image:
        """A small picture of page ``index``, its long side ``max_side`` pixels (cheap to make)."""
        max_side = max(1, int(max_side))
        cost = self._elsewhere(index)
        if cost is not None:
            return self._remote("render_thumbnail", index, (index, max_side), {}, cost,
                                min(self.time_limit_s, THUMBNAIL_TIME_LIMIT_S))

        def run(b: _PdfBackend | _ImageBackend) -> Image.Image:
            w_pt, h_pt = b.page_size(index)
            if isinstance(b, _PdfBackend):
                return b.render(index, max_side / max(w_pt, h_pt), None, max_side, PDF_MAX_RENDER_PIXELS)
            img = b.reduced(index, max_side)
            scale = min(1.0, max_side / max(img.width, img.height))
            return _resize(img, (max(1, round(img.width * scale)), max(1, round(img.height * scale))))

        return self._guard(index, run)


def _check_dpi(dpi: float) -> float:
    try:
        value = float(dpi)
    except (TypeError, ValueError):
        raise InputError(f"The resolution must be a number of dots per inch, got {dpi!r}.") from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"The resolution must be a positive number of dots per inch, got {dpi!r}.")
    return min(value, 2400.0)


# --- opening -----------------------------------------------------------------------------------


def _unsupported(name: str) -> UnsupportedFileError:
    return UnsupportedFileError(
        f"{name} is not a file this app can open.",
        hint=f"Supported types: {imaging.SUPPORTED_TYPES_TEXT} ({', '.join(SUPPORTED_SUFFIXES)}).",
    )


def _open_pdf(
    source: Path | bytes, name: str, password: str | None, warnings: list[str]
) -> tuple[_PdfBackend, bool]:
    with _Lock(_FITZ_LOCK, name):
        try:
            if isinstance(source, bytes):
                doc = fitz.open(stream=source, filetype="pdf")
            else:
                doc = fitz.open(str(source), filetype="pdf")
        except Exception as exc:
            if _out_of_memory(exc):
                raise ImageTooLargeError(f"{name} is too large to open in the memory allowed.") from exc
            raise CorruptFileError(
                f"{name} is damaged and cannot be opened as a PDF ({_short(exc)}).",
                hint="Try re-saving or re-exporting it from the program that made it.",
            ) from exc
        try:
            encrypted = False
            if doc.needs_pass:
                encrypted = True
                if password is None or password == "":
                    raise PasswordRequiredError(
                        f"{name} is protected by a password; enter it to open the file."
                    )
                # NB: after authenticate() never read doc.needs_pass again; with PyMuPDF 1.26 doing so
                # leaves the pages rendering blank.
                if not doc.authenticate(password):
                    raise WrongPasswordError(f"The password for {name} is not correct; try again.")
            else:
                try:
                    encrypted = bool((doc.metadata or {}).get("encryption"))
                except Exception:
                    encrypted = False
            if getattr(doc, "is_repaired", False):
                warnings.append(f"{name} was damaged and has been repaired; some content may be missing.")
            if _check_page_tree(doc, name, warnings) <= 0:
                raise EmptyDocumentError(f"{name} has no pages.")
            return _PdfBackend(doc, name, warnings), encrypted
        except OcrError:
            doc.close()
            raise
        except Exception as exc:
            doc.close()
            if _out_of_memory(exc):
                raise ImageTooLargeError(f"{name} is too large to open in the memory allowed.") from exc
            raise CorruptFileError(f"{name} is damaged and cannot be opened ({_short(exc)}).") from exc


def _open(source: Path | bytes, name: str, path: Path | None, password: str | None) -> Document:
    warnings: list[str] = []
    if isinstance(source, bytes):
        head = source[:1024]
        content_hash = hashlib.sha256(source).hexdigest()
        suffix_fmt = None
    else:
        try:
            if source.is_dir():
                raise InputError(f"{name} is a folder, not a file.")
            with open(source, "rb") as fh:
                head = fh.read(1024)
            content_hash = _sha256_file(source)
        except FileNotFoundError:
            raise InputError(f"{name} does not exist (looked in {source.parent}).") from None
        except IsADirectoryError:
            raise InputError(f"{name} is a folder, not a file.") from None
        except PermissionError:
            raise InputError(f"{name} cannot be read: permission denied.") from None
        except OSError as exc:
            raise InputError(f"{name} cannot be read ({_short(exc)}).") from None
        suffix_fmt = imaging.SUFFIX_FORMATS.get(source.suffix.lower())
    if not head:
        raise CorruptFileError(f"{name} is empty (0 bytes).")
    fmt = imaging.sniff_format(head)
    if fmt is None:
        if suffix_fmt == "pdf":
            fmt = "pdf"  # let MuPDF try to repair a PDF whose header is missing
        elif suffix_fmt is not None:
            raise CorruptFileError(
                f"{name} does not contain a {imaging.FORMAT_LABELS[suffix_fmt]} image; the file is damaged "
                "or of another type."
            )
        else:
            raise _unsupported(name)
    elif suffix_fmt is not None and suffix_fmt != fmt:
        warnings.append(
            f"{name} is named like a {imaging.FORMAT_LABELS[suffix_fmt]} file but holds "
            f"{'a PDF document' if fmt == 'pdf' else 'a ' + imaging.FORMAT_LABELS[fmt] + ' image'}; "
            "it was opened as what it really is."
        )

    if fmt == "pdf":
        backend, encrypted = _open_pdf(source, name, password, warnings)
        return Document(
            backend=backend,
            path=path,
            name=name,
            kind="pdf",
            content_hash=content_hash,
            warnings=warnings,
            encrypted=encrypted,
            file_format="pdf",
            data=source if isinstance(source, bytes) else None,
            password=password,
        )
    image_source = imaging.ImageSource(source, fmt, name)
    image_source.warnings = warnings + image_source.warnings
    return Document(
        backend=_ImageBackend(image_source),
        path=path,
        name=name,
        kind="image",
        content_hash=content_hash,
        warnings=image_source.warnings,
        file_format=fmt,
        data=source if isinstance(source, bytes) else None,
    )


def open_document(path: str | Path, password: str | None = None) -> Document:
    """Open a PDF or image file; the type comes from its content, the name only breaks ties."""
    if not isinstance(path, (str, Path)) or str(path) == "":
        raise InputError(f"Expected a file path, got {path!r}.")
    p = Path(path).expanduser()
    try:
        p = p.resolve()
    except (OSError, RuntimeError):
        pass
    return _open(p, p.name or str(p), p, password)


def open_image_bytes(data: bytes, name: str = "Pasted image") -> Document:
    """Open an image (or PDF) held in memory, e.g. from the clipboard."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(f"Expected image bytes, got {type(data).__name__}.")
    data = bytes(data)
    if not data:
        raise InputError("The clipboard holds no image data.")
    return _open(data, name, None, None)


def open_bytes_as(data: bytes, name: str, password: str | None = None) -> Document:
    """A document held in memory, opened as :func:`open_image_bytes` does, with a PDF's password."""
    return _open(bytes(data), name, None, password)
