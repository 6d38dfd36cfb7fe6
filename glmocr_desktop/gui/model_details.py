"""Run > Model… when a model is loaded: which model, from which folder, on which device, in which
precision, and how fast it has been reading here; below, the usual choice of folder or download.

The speed is measured, not promised: the median tokens per second of the last finished results.
"""

from __future__ import annotations

import statistics
from collections import deque
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, Slot
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.engines.base import EngineInfo, ModelState
from glmocr_desktop.gui.dialogs import ModelDialog

#: How many finished results the measured speed is the median of.
SPEED_WINDOW = 20


class SpeedMeter(QObject):
    """Tokens per second of the results that finished well, the last ``SPEED_WINDOW`` of them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rates: deque[float] = deque(maxlen=SPEED_WINDOW)

    @Slot(object)
    def add(self, entry: Any) -> None:
        rate = entry.tokens_per_s() if entry.state is JobState.DONE else 0.0
        if rate > 0:
            self.rates.append(rate)

    def text(self) -> str:
        if not self.rates:
            return QCoreApplication.translate("ModelDetails", "not measured yet (run a region)")
        return QCoreApplication.translate("ModelDetails", "{rate:.1f} tokens/s (median of the last {n} results)").format(
            rate=statistics.median(self.rates), n=len(self.rates))  # fmt: skip


def model_folder(model: str) -> str:
    """The folder the model is read from: the one given, or the hub id's copy in the local cache."""
    if not model:
        return ""
    if Path(model).expanduser().is_dir():
        return str(Path(model).expanduser())
    from glmocr_desktop import DEFAULT_MODEL_ID
    from glmocr_desktop.core.errors import ModelNotFoundError
    from glmocr_desktop.engines.modelfiles import local_model_folder

    try:
        return str(local_model_folder(model, DEFAULT_MODEL_ID, lambda _id: ""))
    except ModelNotFoundError:
        return QCoreApplication.translate("ModelDetails", "not on this computer")


def model_rows(state: ModelState, info: EngineInfo | None, model: str, speed: str) -> list[tuple[str, str]]:
    """``(label, value)`` rows that say what is loaded."""
    if state is not ModelState.READY or info is None:
        words = {ModelState.LOADING: QCoreApplication.translate("ModelDetails", "loading…"),
                 ModelState.MISSING: QCoreApplication.translate("ModelDetails", "not on this computer"),
                 ModelState.ERROR: QCoreApplication.translate("ModelDetails", "failed to load")}  # fmt: skip
        shown = words.get(state, QCoreApplication.translate("ModelDetails", "not loaded yet"))
        return [(QCoreApplication.translate("ModelDetails", "Model"), model),
                (QCoreApplication.translate("ModelDetails", "State"), shown),
                (QCoreApplication.translate("ModelDetails", "Folder"), model_folder(model))]  # fmt: skip
    name = str(info.model or model)
    return [
        (QCoreApplication.translate("ModelDetails", "Model"), Path(name).name if Path(name).is_dir() else name),
        (QCoreApplication.translate("ModelDetails", "Folder"), model_folder(name)),
        (QCoreApplication.translate("ModelDetails", "Device"), info.device or "?"),
        (QCoreApplication.translate("ModelDetails", "Precision"), info.dtype or "?"),
        (QCoreApplication.translate("ModelDetails", "Speed"), speed),
    ]


class ModelDetailsDialog(ModelDialog):
    """The model dialog with what is loaded written above the folder and download choices."""

    TITLE = str(QT_TRANSLATE_NOOP("ModelDetails", "Model"))
    HEAD = str(QT_TRANSLATE_NOOP("ModelDetails", "The GLM-OCR model in use"))

    def __init__(self, rows: list[tuple[str, str]], message: str, parent: QWidget | None = None) -> None:
        super().__init__(message, parent)
        self.setWindowTitle(QCoreApplication.translate("ModelDetails", self.TITLE))
        self.rows = rows
        box = QWidget()
        box.setObjectName("modelDetails")
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.value_labels: dict[str, QLabel] = {}
        for label, value in rows:
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setWordWrap(True)
            form.addRow(label + ":", shown)
            self.value_labels[label] = shown
        layout = self.layout()
        if isinstance(layout, QVBoxLayout):
            first = layout.itemAt(0)
            head = first.widget() if first is not None else None
            if isinstance(head, QLabel):  # the dialog's heading, shown in the window's language
                head.setText(f"<b>{QCoreApplication.translate('ModelDetails', self.HEAD)}</b>")
            layout.insertWidget(1, box)

    def body_html(self, message: str) -> str:
        return QCoreApplication.translate("ModelDetails", "To use another model, choose its folder or download {repo} again.").format(
            repo=f"<code>{self.repo_id}</code>")  # fmt: skip
