"""Image loading and normalisation: whatever a file holds becomes an upright 8-bit RGB picture.

Why a module of its own: every way an image reaches the model (a photo, a TIFF scan, a pasted
screenshot, a rendered PDF page, a region crop) must look the same to it, and every hostile or broken
file must turn into a typed :class:`~glmocr_desktop.core.errors.OcrError` *before* pixels are decoded.
"""

from __future__ import annotations

import io
import math
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from glmocr_desktop import workarounds
from glmocr_desktop.core import formats, model_limits
from glmocr_desktop.core.errors import (
    CorruptFileError,
    ImageTooLargeError,
    InputError,
    OcrError,
    RegionError,
    UnsupportedFileError,
)

# --- limits ------------------------------------------------------------------------------------

#: Pixels one page (an image frame, a rendered PDF page) may have: 200 MP is ~600 MB as RGB.
MAX_PAGE_PIXELS = 200_000_000
#: Pixels all frames of one image file may have together (a TIFF of thousands of scans).
MAX_TOTAL_PIXELS = 2_000_000_000
#: Decoded bytes one frame may have, at the depth the file stores it (16-bit RGBA is 8 bytes a pixel)
#: or as Pillow holds it, whichever is more; checked from the header, before decoding.
MAX_PAGE_BYTES = 1 << 30
#: Decoded bytes all frames of one image file may have together (frames are decoded one at a time).
MAX_TOTAL_BYTES = 16 << 30
#: Frames of one image file we are prepared to list as pages.
MAX_FRAMES = 10_000
#: GLM-OCR's pixel range and aspect limit (core.model_limits holds the facts).
MODEL_MIN_PIXELS = model_limits.MIN_PIXELS
MODEL_MAX_PIXELS = model_limits.MAX_PIXELS
MODEL_MAX_ASPECT = model_limits.MAX_ASPECT

# Pillow's bomb guard at our own cap, its warning an error (caught below); see glmocr_desktop.workarounds.
workarounds.limit_pillow_decoding(MAX_PAGE_PIXELS)

# Views of the one table of file types (core.formats), keyed by the name :func:`sniff_format` returns.
#: The Pillow plugin that decodes each image format.
IMAGE_FORMATS = {f.name: f.pillow_format for f in formats.FORMATS if f.pillow_format}
FORMAT_LABELS = {f.name: f.label for f in formats.FORMATS}
#: The format each supported suffix promises.
SUFFIX_FORMATS = {ext: f.name for f in formats.FORMATS for ext in f.extensions}
SUPPORTED_TYPES_TEXT = formats.types_text()

# Toggling Pillow's (global) truncation tolerance is serialised so two threads never fight over it.
_TRUNCATED_LOCK = threading.Lock()


def sniff_format(head: bytes) -> str | None:
    """The file type from its first bytes (magic numbers), or ``None`` when unknown."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:2] == b"BM" and len(head) >= 14:
        return "bmp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    # The PDF spec lets a header sit anywhere in the first 1024 bytes (after junk some writers add).
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


# --- normalisation -----------------------------------------------------------------------------


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def _flatten(rgb: np.ndarray, alpha: np.ndarray) -> Image.Image:
    """Composite ``rgb`` (H,W,3 uint8) with ``alpha`` (H,W uint8) onto a background that keeps it legible.

    Normally white. When what is visible (alpha > 0) is itself light, e.g. white text on a transparent
    background, white would erase it, so a black background is used instead. A picture that is fully
    transparent keeps its colours (the alpha channel is the only thing wrong with it).
    """
    if alpha.size == 0 or int(alpha.min()) == 255:
        return Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    # Judge the visible content on a sample (a few megapixels are plenty) to bound memory.
    step = max(1, int(math.sqrt(alpha.size / 4_000_000)))
    a_s = alpha[::step, ::step].astype(np.float32) / 255.0
    visible = a_s > 0
    rgb_s = rgb[::step, ::step]
    if not visible.any():
        if int(alpha.max()) == 0:
            return Image.fromarray(np.ascontiguousarray(rgb), "RGB")
        # Visible content too sparse for the sample: it is small, so look at all of it.
        a_s, rgb_s = alpha.astype(np.float32) / 255.0, rgb
        visible = a_s > 0
    weights = a_s[visible]
    luma = _luma(rgb_s[visible].astype(np.float32))
    content = float((luma * weights).sum() / max(float(weights.sum()), 1e-6))
    background = 0.0 if content > 170.0 else 255.0
    out = np.empty(rgb.shape, np.uint8)
    for top in range(0, rgb.shape[0], 512):  # in stripes: a float copy of a whole page is gigabytes
        a = alpha[top : top + 512].astype(np.float32)[..., None] / 255.0
        blended = rgb[top : top + 512].astype(np.float32) * a + background * (1.0 - a)
        out[top : top + 512] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(out, "RGB")


#: Rows converted at a time: a float copy of a whole 16-bit page would take gigabytes.
_STRIPE_ROWS = 512


def _stripes(rows: int) -> list[slice]:
    return [slice(top, top + _STRIPE_ROWS) for top in range(0, max(rows, 1), _STRIPE_ROWS)]


def _scale_to_8bit(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Stretch high-bit-depth samples to 0..255 using the range actually used (12-bit data in 16 bits).

    Works in stripes of rows, so the float copies stay a few megabytes whatever the page size.
    """
    lo, hi = math.inf, -math.inf
    for part in _stripes(values.shape[0]):
        v = values[part].astype(np.float64 if values.dtype.itemsize > 2 else np.float32)
        sel = np.isfinite(v) if mask is None else (np.isfinite(v) & mask[part])
        if sel.any():
            lo, hi = min(lo, float(v[sel].min())), max(hi, float(v[sel].max()))
    if lo > hi:
        return np.zeros(values.shape, np.uint8)
    if hi <= lo:
        # A flat picture: keep its brightness relative to the type's range, as far as it can be known.
        full = 65535.0 if values.dtype == np.uint16 else (255.0 if hi <= 255 else max(hi, 1.0))
        level = 0 if full <= 0 else round(255 * min(max(lo / full, 0.0), 1.0))
        return np.full(values.shape, level, np.uint8)
    out = np.empty(values.shape, np.uint8)
    for part in _stripes(values.shape[0]):
        w: Any = values[part].astype(np.float64 if values.dtype.itemsize > 2 else np.float32)
        w = np.where(np.isfinite(w), w, lo)
        out[part] = np.clip((w - lo) * (255.0 / (hi - lo)) + 0.5, 0, 255).astype(np.uint8)
    return out


def _high_bit_to_rgb(img: Image.Image) -> Image.Image:
    arr = np.asarray(img)
    if arr.ndim == 3:  # multi-channel high-bit data (rare): the mean of the first three channels
        mean = np.empty(arr.shape[:2], np.float32)
        for part in _stripes(arr.shape[0]):
            mean[part] = arr[part, :, :3].mean(axis=2, dtype=np.float32)
        arr = mean
    transparency = img.info.get("transparency")
    mask = None
    if isinstance(transparency, (int, float)) and not isinstance(transparency, bool):
        mask = arr != transparency
    gray = _scale_to_8bit(arr, mask)
    rgb = np.repeat(gray[..., None], 3, axis=2)
    if mask is not None and not mask.all():
        return _flatten(rgb, np.where(mask, 255, 0).astype(np.uint8))
    return Image.fromarray(rgb, "RGB")


_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def exif_upright(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag; a broken EXIF block is ignored (the picture as stored).

    Only the orientation is read, through :func:`_orientation`, which survives any EXIF block: Pillow's
    ``exif_transpose`` raises on a damaged one, and a readable picture must not be refused for it.
    """
    method = _ORIENTATION_TRANSPOSE.get(_orientation(img))
    return img.transpose(method) if method is not None else img


def normalize_image(img: Image.Image, *, upright: bool = True) -> Image.Image:
    """Return an upright 8-bit RGB copy of ``img`` (EXIF orientation, any mode, alpha flattened)."""
    if upright:
        img = exif_upright(img)
    mode = img.mode
    if mode == "RGB":
        return img.copy() if img.readonly else img
    if mode in ("1", "L"):
        return img.convert("L").convert("RGB")
    if mode in ("P", "PA"):
        if mode == "PA" or "transparency" in img.info:
            img = img.convert("RGBA")
            mode = "RGBA"
        else:
            return img.convert("RGB")
    if mode in ("LA", "La", "RGBA", "RGBa"):
        rgba = np.asarray(img.convert("RGBA"))
        return _flatten(rgba[..., :3], rgba[..., 3])
    if mode == "RGBX":
        return img.convert("RGB")
    if mode in ("I", "F") or mode.startswith(("I;16", "I;32")):
        return _high_bit_to_rgb(img)
    # CMYK (Pillow undoes Adobe's inverted CMYK), YCbCr, LAB, HSV ...
    try:
        return img.convert("RGB")
    except (ValueError, OSError) as exc:
        raise UnsupportedFileError(f"Images in colour mode {mode} cannot be read ({exc}).") from exc


# --- model-size helpers ------------------------------------------------------------------------


def check_aspect(width: float, height: float, what: str = "The region") -> None:
    """Refuse shapes GLM-OCR's processor rejects (aspect ratio above 200:1)."""
    if width <= 0 or height <= 0:
        raise RegionError(f"{what} is empty.")
    if not model_limits.fits_aspect(width, height):
        raise RegionError(
            f"{what} is {model_limits.aspect_ratio(width, height):.0f} times longer than it is wide; the "
            f"model reads at most {MODEL_MAX_ASPECT}:1. Draw a region that is less of a thin strip."
        )


def fit_pixels(
    img: Image.Image,
    min_pixels: int = MODEL_MIN_PIXELS,
    max_pixels: int = MODEL_MAX_PIXELS,
    *,
    background: tuple[int, int, int] | None = None,
) -> Image.Image:
    """Make ``img`` hold between ``min_pixels`` and ``max_pixels`` pixels, as
    :func:`~glmocr_desktop.core.model_limits.fit_size` says (the engine applies the same rule).

    Too large: downscaled (Lanczos), aspect kept. Too small or thinner than one 28 px cell: padded
    with the image's own border colour, content centred. An aspect ratio the model refuses raises
    :class:`RegionError`. A picture that already fits is returned as it is.
    """
    w, h = img.size
    check_aspect(w, h, "The image")
    fit = model_limits.fit_size(w, h, max_pixels, min_pixels)
    if fit.size != (w, h):
        img = img.resize(fit.size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if fit.padded:
        if background is None:
            background = _border_colour(img)
        canvas = Image.new("RGB", fit.canvas, background)
        canvas.paste(img.convert("RGB"), ((fit.canvas[0] - fit.size[0]) // 2, (fit.canvas[1] - fit.size[1]) // 2))
        img = canvas
    return img


def _border_colour(img: Image.Image) -> tuple[int, int, int]:
    arr = np.asarray(img.convert("RGB"))
    edge = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]], axis=0)
    med = np.median(edge, axis=0)
    return int(med[0]), int(med[1]), int(med[2])


# --- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameInfo:
    """What the header of one frame says, without decoding pixels."""

    width: int  # upright (after EXIF orientation), in square pixels (see stretch)
    height: int
    dpi: float  # 72 when absent or absurd
    transposed: bool  # EXIF swaps width and height
    #: Bytes the decoded frame takes (at the file's bit depth, alpha included) before normalising.
    decoded_bytes: int = 0
    #: Factors (upright x, y) that make the stored pixels square: a 204 x 98 dpi fax is stretched to
    #: twice its stored height, so it is shown and read at its real shape.
    stretch: tuple[float, float] = (1.0, 1.0)


def _sane_dpis(info: dict) -> tuple[float, float]:
    """Horizontal and vertical resolution; 72 each when absent or absurd (one sane value serves both)."""
    dpi: Any = info.get("dpi")
    values = list(dpi[:2]) if isinstance(dpi, (tuple, list)) else [dpi]

    def sane(value: Any) -> float | None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        # Scanners write 1x1 or 0 when they do not know; nothing real is below 30 or above 4800.
        return number if math.isfinite(number) and 30 <= number <= 4800 else None

    x = sane(values[0]) if values else None
    y = sane(values[1]) if len(values) > 1 else x
    x, y = x or y, y or x
    return (x or 72.0, y or 72.0)


def _sane_dpi(info: dict) -> float:
    return max(_sane_dpis(info))


def _bytes_per_pixel(img: Image.Image) -> int:
    """Bytes one decoded pixel takes: the file's samples (16-bit RGBA: 8) or Pillow's storage
    (4 for any multi-band mode, 1 for grey and palette), whichever is more."""
    mode = img.mode
    held = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    bits = 16 if mode.startswith("I;16") else 32 if mode in ("I", "F") else 8
    for tile in getattr(img, "tile", None) or []:
        args = getattr(tile, "args", None)
        rawmode = args if isinstance(args, str) else args[0] if isinstance(args, tuple) and args else ""
        if isinstance(rawmode, str) and (";16" in rawmode or rawmode.startswith("I;16")):
            bits = max(bits, 16)
    tags = getattr(img, "tag_v2", None)
    if tags is not None:
        try:
            per_sample = tags.get(258)
            per_sample = max(per_sample) if isinstance(per_sample, (tuple, list)) else per_sample
            bits = max(bits, int(per_sample or 8))
        except (TypeError, ValueError):
            pass
    declared = math.ceil(len(img.getbands()) * bits / 8)
    return max(held, declared)


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation (1: as stored); any damage in the EXIF block reads as 1."""
    if img.format == "PNG" and "exif" not in img.info and getattr(img, "_im", None) is None:
        return 1  # Pillow would decode every pixel to look for an eXIf chunk after the image data
    try:
        value = img.getexif().get(0x0112)
        return int(value) if value else 1
    except Exception:
        return 1


_DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    zlib.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    AttributeError,
    RuntimeError,
    OverflowError,
    AssertionError,
)


def _label(fmt: str | None) -> str:
    return FORMAT_LABELS.get(fmt or "", "image")


class ImageSource:
    """A lazily decoded image file: header read at construction, pixels decoded per frame on demand.

    Only TIFF frames are pages; GIF, WebP and PNG animations show their first frame. Not thread-safe
    by itself (the Document that owns it holds a lock).
    """

    def __init__(self, data: Path | bytes, fmt: str, name: str = "image") -> None:
        self._data = data
        self.format = fmt
        self.name = name
        self.warnings: list[str] = []
        self.frames: list[FrameInfo] = []
        self._read_headers()

    # Pillow keeps a file handle per Image; we open a fresh one per decode so the object stays cheap.
    def _open(self) -> Image.Image:
        fp: BinaryIO | Path = io.BytesIO(self._data) if isinstance(self._data, bytes) else self._data
        try:
            return Image.open(fp, formats=[IMAGE_FORMATS[self.format]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLargeError(
                f"{self.name} declares a picture too large to open safely (over "
                f"{MAX_PAGE_PIXELS / 1e6:.0f} megapixels).",
                hint="It may be a decompression bomb; it is not decoded.",
            ) from exc
        except UnidentifiedImageError as exc:
            raise CorruptFileError(
                f"{self.name} starts like a {_label(self.format)} image but cannot be read; "
                "the file is damaged."
            ) from exc
        except FileNotFoundError as exc:
            raise InputError(f"{self.name} no longer exists.") from exc
        except PermissionError as exc:
            raise InputError(f"{self.name} cannot be read: permission denied.") from exc
        except MemoryError as exc:
            raise ImageTooLargeError(f"{self.name} is too large to open.") from exc
        except OcrError:
            raise
        except _DECODE_ERRORS as exc:
            raise CorruptFileError(
                f"{self.name} is a damaged {_label(self.format)} image and cannot be read ({_short(exc)})."
            ) from exc

    def _read_headers(self) -> None:
        img = self._open()
        try:
            count = 1
            if self.format == "tiff":
                try:
                    count = int(getattr(img, "n_frames", 1) or 1)
                except _DECODE_ERRORS:
                    count = 1
                    self.warnings.append(f"{self.name}: only the first page of this TIFF could be read.")
                if count > MAX_FRAMES:
                    raise ImageTooLargeError(
                        f"{self.name} has {count} pages; at most {MAX_FRAMES} can be opened."
                    )
            total = 0
            total_bytes = 0
            for index in range(count):
                if index:
                    try:
                        img.seek(index)
                    except _DECODE_ERRORS:
                        self.warnings.append(
                            f"{self.name}: pages after {index} of this TIFF are damaged and were skipped."
                        )
                        break
                w, h = img.size
                if w <= 0 or h <= 0:
                    raise CorruptFileError(f"{self.name} declares an empty picture ({w}x{h}).")
                self._check_pixels(w, h)
                decoded = w * h * _bytes_per_pixel(img)
                self._check_bytes(w, h, decoded)
                total += w * h
                total_bytes += decoded
                if total > MAX_TOTAL_PIXELS or total_bytes > MAX_TOTAL_BYTES:
                    raise ImageTooLargeError(
                        f"{self.name} holds more than {MAX_TOTAL_PIXELS / 1e9:.0f} gigapixels "
                        f"({MAX_TOTAL_BYTES / 2**30:.0f} GB decoded) of pages; split it before opening."
                    )
                xdpi, ydpi = _sane_dpis(img.info)
                fx = fy = 1.0
                if abs(xdpi / ydpi - 1.0) > 0.01:  # non-square pixels (fax): make them square
                    fx, fy = max(1.0, ydpi / xdpi), max(1.0, xdpi / ydpi)
                    w, h = max(1, round(w * fx)), max(1, round(h * fy))
                    self._check_pixels(w, h)
                    self._check_bytes(w, h, w * h * 4)
                transposed = _orientation(img) in (5, 6, 7, 8)
                if transposed:
                    w, h, fx, fy = h, w, fy, fx
                self.frames.append(FrameInfo(w, h, max(xdpi, ydpi), transposed, decoded, (fx, fy)))
        except OcrError:
            raise
        except MemoryError as exc:
            raise ImageTooLargeError(f"{self.name} is too large to open.") from exc
        except _DECODE_ERRORS as exc:
            raise CorruptFileError(
                f"{self.name} is a damaged {_label(self.format)} image and cannot be read ({_short(exc)})."
            ) from exc
        finally:
            img.close()
        if not self.frames:
            raise CorruptFileError(f"{self.name} contains no readable picture.")
        if self.format in ("gif", "webp", "png"):
            try:
                reopened = self._open()
                try:
                    if int(getattr(reopened, "n_frames", 1) or 1) > 1:
                        self.warnings.append(f"{self.name} is animated; only its first frame is used.")
                finally:
                    reopened.close()
            except OcrError:
                pass
            except _DECODE_ERRORS:
                pass

    def _check_pixels(self, w: int, h: int) -> None:
        if w * h > MAX_PAGE_PIXELS:
            raise ImageTooLargeError(
                f"{self.name} is {w} x {h} pixels ({w * h / 1e6:.0f} megapixels); at most "
                f"{MAX_PAGE_PIXELS / 1e6:.0f} megapixels per page can be opened.",
                hint="It may be a decompression bomb. Reduce the image before opening it.",
            )

    def _check_bytes(self, w: int, h: int, decoded: int) -> None:
        if decoded > MAX_PAGE_BYTES:
            raise ImageTooLargeError(
                f"{self.name} is {w} x {h} pixels and decodes to {decoded / 2**30:.1f} GB; at most "
                f"{MAX_PAGE_BYTES / 2**30:.0f} GB per page can be opened.",
                hint="It may be a decompression bomb. Reduce the image (or its bit depth) before opening it.",
            )

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    def load(self, index: int = 0, max_side: int | None = None) -> Image.Image:
        """Decode frame ``index`` and normalise it to RGB.

        ``max_side`` lets JPEGs decode at a reduced scale (thumbnails); the result may still be larger
        than ``max_side``, callers resize.
        """
        img = self._open()
        try:
            if index:
                img.seek(index)
            info = self.frames[index]
            if max_side and self.format == "jpeg":
                w, h = img.size
                scale = max_side / max(w, h)
                if scale < 0.5:
                    img.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
            try:
                img.load()
            except OSError as exc:
                if "truncated" not in str(exc).lower() and "broken data stream" not in str(exc).lower():
                    raise
                img.close()
                img = self._load_truncated(index, exc)
            if img.size[0] * img.size[1] > MAX_PAGE_PIXELS:
                self._check_pixels(*img.size)
            out = normalize_image(img)
            if out is img:  # an independent picture: ``img`` is closed below
                out = img.copy()
            fx, fy = info.stretch
            if (fx, fy) != (1.0, 1.0):
                out = out.resize((max(1, round(out.width * fx)), max(1, round(out.height * fy))),
                                 Image.Resampling.LANCZOS)
            if (out.width, out.height) != (info.width, info.height) and not max_side:
                # A frame whose decoded size disagrees with its header (a damaged file) still works.
                self.frames[index] = FrameInfo(out.width, out.height, info.dpi, info.transposed,
                                               info.decoded_bytes, info.stretch)
            return out
        except OcrError:
            raise
        except MemoryError as exc:
            raise ImageTooLargeError(f"{self.name} is too large to decode.") from exc
        except _DECODE_ERRORS as exc:
            raise CorruptFileError(
                f"{self.name} is a damaged {_label(self.format)} image and cannot be decoded ({_short(exc)})."
            ) from exc
        finally:
            img.close()

    def _load_truncated(self, index: int, original: Exception) -> Image.Image:
        with _TRUNCATED_LOCK:
            previous = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = True
            try:
                img = self._open()
                if index:
                    img.seek(index)
                img.load()
            except OcrError:
                raise
            except _DECODE_ERRORS as exc:
                raise CorruptFileError(
                    f"{self.name} is cut off and cannot be decoded ({_short(original)})."
                ) from exc
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = previous
        message = f"{self.name} is cut off (truncated); the missing part of the picture is left grey."
        if message not in self.warnings:
            self.warnings.append(message)
        return img


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def load_image_file(source: str | Path | bytes, name: str | None = None) -> ImageSource:
    """Open an image file (path or bytes) lazily; the format comes from the content, not the name."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data: Path | bytes = bytes(source)
        head = bytes(source[:1024])
        name = name or "Image"
    else:
        data = Path(source)
        name = name or data.name
        try:
            with open(data, "rb") as fh:
                head = fh.read(1024)
        except FileNotFoundError as exc:
            raise InputError(f"{name} does not exist.") from exc
        except IsADirectoryError as exc:
            raise InputError(f"{name} is a folder, not a file.") from exc
        except PermissionError as exc:
            raise InputError(f"{name} cannot be read: permission denied.") from exc
    fmt = sniff_format(head)
    if fmt is None or fmt == "pdf":
        raise UnsupportedFileError(
            f"{name} is not an image this app can open; supported images are {formats.image_types_text()}."
        )
    return ImageSource(data, fmt, name)
