"""What picture sizes GLM-OCR accepts, and the one rule that brings any size into that range.

Why a module of its own: the crop rendering (core) and the engine both have to respect the model's
limits; with one pure :func:`fit_size` they agree, so a picture already fitted for the model passes the
engine untouched instead of being resampled a second time.

Facts from the model's image processor (``Glm46VImageProcessor``): 14 px patches merged 2x2 into
28 px cells, one image token per cell, sides rounded to multiples of 28; 6,272 .. 4,816,896 pixels
per image (its config counts both temporal frames: 12,544 .. 9,633,792); aspect ratios over 200:1
are an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "CELL",
    "CPU_MAX_PIXELS",
    "MAX_ASPECT",
    "MAX_PIXELS",
    "MERGE_SIZE",
    "MIN_PIXELS",
    "PATCH_SIZE",
    "TEMPORAL_PATCH_SIZE",
    "Fit",
    "aspect_ratio",
    "clamp_pixels",
    "fit_size",
    "fits_aspect",
    "pixel_cap",
]

PATCH_SIZE = 14
MERGE_SIZE = 2
TEMPORAL_PATCH_SIZE = 2
#: Side of one image token's cell; the processor rounds both sides to multiples of it.
CELL = PATCH_SIZE * MERGE_SIZE
#: Fewest and most pixels per image (8 and 6,144 image tokens).
MIN_PIXELS = 8 * CELL * CELL
MAX_PIXELS = 6_144 * CELL * CELL
#: The processor refuses anything longer than this many times its width (or wider than tall).
MAX_ASPECT = 200
#: On the CPU a full A4 page takes minutes to encode; regions are the way, so pages are scaled down.
CPU_MAX_PIXELS = 1_600 * CELL * CELL


@dataclass(frozen=True)
class Fit:
    """How a picture becomes model-sized: resized to ``size``, then centred on a ``canvas``."""

    size: tuple[int, int]
    canvas: tuple[int, int]

    @property
    def padded(self) -> bool:
        return self.canvas != self.size


def aspect_ratio(width: float, height: float) -> float:
    """Long side over short side (``inf`` for an empty side)."""
    short = min(width, height)
    return math.inf if short <= 0 else max(width, height) / short


def fits_aspect(width: float, height: float) -> bool:
    """Whether the processor accepts this shape (exactly 200:1 is allowed)."""
    return aspect_ratio(width, height) <= MAX_ASPECT


def clamp_pixels(pixels: int) -> int:
    """A pixel budget brought into the model's range."""
    return max(MIN_PIXELS, min(MAX_PIXELS, int(pixels)))


def pixel_cap(device: str, requested: int | None = None) -> int:
    """Most pixels an engine on ``device`` feeds the model: ``requested`` within the model's range, else
    the CPU cap on a CPU and the model's maximum elsewhere."""
    if requested:
        return clamp_pixels(requested)
    return CPU_MAX_PIXELS if device == "cpu" else MAX_PIXELS


def fit_size(width: int, height: int, max_pixels: int = MAX_PIXELS, min_pixels: int = MIN_PIXELS) -> Fit:
    """The model-sized version of a ``width`` x ``height`` picture.

    Too many pixels: the largest size with the same aspect that holds at most ``max_pixels``. Too few,
    or a side shorter than one cell: padded, never stretched (enlarging a handful of pixels invents
    nothing), onto a canvas of at least ``min_pixels`` whose sides are at least one cell. A size that
    already fits comes back unchanged; a shape within the aspect limit stays within it. The limit
    itself is the caller's to check (each reports it in its own terms); see :func:`fits_aspect`.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"a picture needs a positive size, got {width}x{height}")
    if max_pixels < min_pixels:
        raise ValueError(f"max_pixels {max_pixels} is below min_pixels {min_pixels}")
    w, h = int(width), int(height)
    if w * h > max_pixels:
        scale = math.sqrt(max_pixels / (w * h))
        w, h = max(1, int(w * scale)), max(1, int(h * scale))
        while w * h > max_pixels:  # float rounding can leave one row or column too many
            if w >= h:
                w -= 1
            else:
                h -= 1
        if fits_aspect(width, height) and not fits_aspect(w, h):
            # Flooring the short side of a 200:1 strip tips it over the limit; trim the long side.
            if w >= h:
                w = math.floor(h * MAX_ASPECT)
            else:
                h = math.floor(w * MAX_ASPECT)
    canvas_w, canvas_h = max(w, CELL), max(h, CELL)
    if canvas_w * canvas_h < min_pixels:
        side = math.ceil(math.sqrt(min_pixels))
        canvas_w, canvas_h = max(canvas_w, side), max(canvas_h, side)
    return Fit((w, h), (canvas_w, canvas_h))
