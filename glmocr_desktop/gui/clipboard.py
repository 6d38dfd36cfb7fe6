"""Putting results on the clipboard in the formats the next program wants.

The formats themselves come from :mod:`glmocr_desktop.core.exports`; this module only turns a
``{mime: text}`` payload into ``QMimeData`` (tables go out as both text/html and text/plain, so they
paste as tables into office programs and as TSV into plain editors).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QApplication

from glmocr_desktop.core.tasks import Task

_FALLBACK_OPTIONS = {
    Task.TEXT: [("markdown", "Markdown"), ("plain", "Plain text")],
    Task.FORMULA: [("latex", "LaTeX"), ("plain", "Plain text")],
    Task.TABLE: [("table", "Table (HTML + TSV)"), ("html", "HTML"), ("tsv", "TSV")],
    Task.EXTRACT: [("json", "JSON"), ("plain", "Plain text")],
}


def copy_options(task: Task) -> list[tuple[str, str]]:
    """(key, label) pairs for the Copy As menu of ``task``."""
    try:
        from glmocr_desktop.core.exports import copy_as_options

        opts = copy_as_options(task)
    except ImportError:
        return list(_FALLBACK_OPTIONS[task])
    if isinstance(opts, dict):
        return [(str(k), str(v)) for k, v in opts.items()]
    out: list[tuple[str, str]] = []
    for o in opts:
        if isinstance(o, (tuple, list)):
            out.append((str(o[0]), str(o[1])))
        else:
            key = getattr(o, "key", None) or str(o)
            out.append((str(key), str(getattr(o, "label", key))))
    return out


def payload(key: str | None, task: Task, text: str, extraction: Any = None) -> dict[str, str]:
    """The ``{mime: text}`` for copy-as ``key`` (None: the task's natural format)."""
    try:
        from glmocr_desktop.core import exports
    except ImportError:
        return {"text/plain": text}
    if key is None:
        natural = getattr(exports, "natural_copy", None)
        if natural is not None:
            try:
                result = natural(task, text, extraction)
            except TypeError:
                result = natural(task=task, text=text, extraction=extraction)
            if isinstance(result, dict):
                return result
            if isinstance(result, str):
                return {"text/plain": result}
        options = copy_options(task)
        key = options[0][0] if options else "plain"
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
