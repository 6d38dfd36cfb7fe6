"""Known pixels for screen tests: a pattern in which every pixel of a region differs from its neighbours,
and an exact comparison (a crop one pixel off anywhere does not compare equal)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def pattern(w: int, h: int) -> QImage:
    """An RGB32 image whose colour changes along both axes at every pixel."""
    y, x = np.mgrid[0:h, 0:w].astype(np.uint32)
    r, g, b = (x * 7) % 256, (y * 5) % 256, (x * 3 + y * 11) % 256
    argb = (0xFF << 24) | (r << 16) | (g << 8) | b
    data = np.ascontiguousarray(argb, dtype=np.uint32)
    return QImage(data.tobytes(), w, h, 4 * w, QImage.Format.Format_RGB32).copy()  # owns its pixels


def pixels(image: QImage) -> np.ndarray:
    """The image as an (h, w) array of 0xRRGGBB values."""
    img = image.convertToFormat(QImage.Format.Format_RGB32)
    w, h, stride = img.width(), img.height(), img.bytesPerLine()
    raw = np.frombuffer(bytes(img.constBits()), dtype=np.uint32).reshape(h, stride // 4)
    return raw[:, :w] & 0xFFFFFF


def mismatched(got: QImage, expected: QImage) -> int:
    """How many pixels differ; every pixel counts as different when the sizes differ."""
    if got.size() != expected.size():
        return max(got.width() * got.height(), expected.width() * expected.height())
    return int(np.count_nonzero(pixels(got) != pixels(expected)))
