"""The tasks' names as the window shows them, in the window's language (``Task.label`` is the English
name the core and the files use)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from glmocr_desktop.core.tasks import Task

_NAMES = {
    Task.TEXT: QT_TRANSLATE_NOOP("Task", "Text"),
    Task.FORMULA: QT_TRANSLATE_NOOP("Task", "Formula"),
    Task.TABLE: QT_TRANSLATE_NOOP("Task", "Table"),
    Task.EXTRACT: QT_TRANSLATE_NOOP("Task", "Extraction"),
}


def task_name(task: Task) -> str:
    """The task's name for menus, buttons and messages."""
    return QCoreApplication.translate("Task", str(_NAMES[task]))
