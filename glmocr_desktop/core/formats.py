"""The file types the app opens: one table that the opener, the Open dialog, drops, the CLI and the
desktop file all read, so none of them can offer a type another refuses.

Kept free of Pillow and PyMuPDF so the window can ask "is this a document?" at start-up without
loading either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "FORMATS",
    "SUPPORTED_SUFFIXES",
    "FileFormat",
    "by_name",
    "desktop_mime_types",
    "for_path",
    "image_types_text",
    "is_supported",
    "open_dialog_filter",
    "types_text",
]


@dataclass(frozen=True)
class FileFormat:
    """One type of file the app opens."""

    name: str  #: the key :func:`glmocr_desktop.core.imaging.sniff_format` returns for its content
    label: str  #: what a person calls it ("WebP")
    kind: Literal["image", "pdf"]
    extensions: tuple[str, ...]  #: lower case, with the dot; the first is the usual one
    mime_type: str  #: the registered MIME type (freedesktop shared-mime-info name)
    #: How it is opened: the Pillow plugin that decodes it, or ``None`` for PDFs (PyMuPDF).
    pillow_format: str | None


#: Every type the opener really opens, in the order they are listed to people.
FORMATS: tuple[FileFormat, ...] = (
    FileFormat("pdf", "PDF", "pdf", (".pdf",), "application/pdf", None),
    FileFormat("png", "PNG", "image", (".png",), "image/png", "PNG"),
    FileFormat("jpeg", "JPEG", "image", (".jpg", ".jpeg"), "image/jpeg", "JPEG"),
    FileFormat("tiff", "TIFF", "image", (".tif", ".tiff"), "image/tiff", "TIFF"),
    FileFormat("webp", "WebP", "image", (".webp",), "image/webp", "WEBP"),
    FileFormat("bmp", "BMP", "image", (".bmp",), "image/bmp", "BMP"),
    FileFormat("gif", "GIF", "image", (".gif",), "image/gif", "GIF"),
)

_BY_NAME = {f.name: f for f in FORMATS}
_BY_SUFFIX = {ext: f for f in FORMATS for ext in f.extensions}

#: Every extension the app opens, in table order.
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_BY_SUFFIX)


def by_name(name: str) -> FileFormat:
    """The format :func:`~glmocr_desktop.core.imaging.sniff_format` named (KeyError if none)."""
    return _BY_NAME[name]


def for_path(path: str | Path) -> FileFormat | None:
    """The format a file's name promises (its content may say otherwise), or ``None``."""
    return _BY_SUFFIX.get(Path(str(path)).suffix.lower())


def is_supported(path: str | Path) -> bool:
    """Whether ``path`` has a suffix the app opens (for file dialogs and dropped folders)."""
    return for_path(path) is not None


def _joined(labels: list[str]) -> str:
    return ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else "".join(labels)


def types_text() -> str:
    """"PDF, PNG, JPEG, TIFF, WebP, BMP and GIF": for messages."""
    return _joined([f.label for f in FORMATS])


def image_types_text() -> str:
    """The image types alone, for messages about images."""
    return _joined([f.label for f in FORMATS if f.kind == "image"])


def open_dialog_filter() -> str:
    """The name filter of the Open dialog (Qt's ``"Label (*.a *.b);;..."`` syntax)."""
    patterns = " ".join(f"*{ext}" for ext in SUPPORTED_SUFFIXES)
    return f"Documents ({patterns});;All files (*)"


def desktop_mime_types() -> str:
    """The ``MimeType=`` value of the desktop entry (``a/b;c/d;``)."""
    return "".join(f"{f.mime_type};" for f in FORMATS)
