"""Putting results on the clipboard in the formats the next program wants.

The formats themselves come from :mod:`glmocr_desktop.core.exports`; this module only turns a
``{mime: text}`` payload into ``QMimeData`` (tables go out as both text/html and text/plain, so they
paste as tables into office programs and as TSV into plain editors).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QMimeData
from PySide6.QtWidgets import QApplication

from glmocr_desktop.core import exports
from glmocr_desktop.core.tasks import Task

#: The Copy As formats' names (``core.exports`` names them in English), for the translation catalogues.
FORMAT_NAMES = (
    QT_TRANSLATE_NOOP("Clipboard", "Plain text"),
    QT_TRANSLATE_NOOP("Clipboard", "Markdown"),
    QT_TRANSLATE_NOOP("Clipboard", "Formatted text (HTML)"),
    QT_TRANSLATE_NOOP("Clipboard", "LaTeX"),
    QT_TRANSLATE_NOOP("Clipboard", "LaTeX with $$ delimiters"),
    QT_TRANSLATE_NOOP("Clipboard", "MathML"),
    QT_TRANSLATE_NOOP("Clipboard", "Table (HTML + TSV)"),
    QT_TRANSLATE_NOOP("Clipboard", "Tab-separated values"),
    QT_TRANSLATE_NOOP("Clipboard", "Markdown table"),
    QT_TRANSLATE_NOOP("Clipboard", "HTML source"),
    QT_TRANSLATE_NOOP("Clipboard", "JSON"),
    QT_TRANSLATE_NOOP("Clipboard", "Fields (TSV)"),
)


def copy_options(task: Task, text: str = "") -> list[tuple[str, str]]:
    """(key, label) pairs for the Copy As menu of ``task``, the labels in the window's language."""
    return [(str(k), QCoreApplication.translate("Clipboard", str(v))) for k, v in exports.copy_as_options(task, text)]


def payload(key: str | None, task: Task, text: str, extraction: Any = None) -> dict[str, str]:
    """The ``{mime: text}`` for copy-as ``key`` (None: the task's natural format)."""
    if key is None:
        return exports.natural_copy(task, text, extraction)
    return exports.payload_for(key, task, text, extraction)


def mime_data(data: dict[str, str]) -> QMimeData:
    mime = QMimeData()
    for kind, value in data.items():
        if kind == "text/plain":
            mime.setText(value)
        elif kind == "text/html":
            mime.setHtml(value)
        else:
            mime.setData(kind, value.encode("utf-8"))
    return mime


def put_on_clipboard(data: dict[str, str]) -> None:
    QApplication.clipboard().setMimeData(mime_data(data))
