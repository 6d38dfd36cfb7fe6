"""The window's status bar: what the app is doing, the page, the speed, the model and the fast path.

It switches on the lifecycle enums the engine and the run controller report; text is made only here.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from glmocr_desktop.engines.base import EngineInfo, FastPathState, ModelState

BUSY_PREFIXES = ("Stopping", "Recognising", "Queued")  # states that end when the queue runs dry


#: What the speed label says (words for the user, not the engine's states).
GETTING_FASTER = "Getting faster…"
FULL_SPEED = "Full speed"
STANDARD_SPEED = "Standard speed"


class StatusBar(QStatusBar):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.state_label = QLabel("Ready")
        self.load_bar = QProgressBar()
        self.load_bar.setMaximumWidth(160)
        self.load_bar.setMaximumHeight(14)
        self.load_bar.setTextVisible(False)
        self.load_bar.hide()
        self.model_label = QLabel("")
        self.fast_label = QLabel("")
        self.fast_label.setObjectName("fastPath")
        self.speed_label = QLabel("")
        self.page_label = QLabel("")
        self.addWidget(self.state_label, 1)
        for w in (self.load_bar, self.page_label, self.speed_label, self.model_label, self.fast_label):
            self.addPermanentWidget(w)
        self.fast_label.hide()
        for w in (self.page_label, self.speed_label, self.model_label, self.fast_label):
            w.setContentsMargins(8, 0, 8, 0)

    def set_state(self, text: str) -> None:
        self.state_label.setText(text)

    def settle(self) -> None:
        """The queue ran dry: a running-state text gives way to "Ready"."""
        if self.state_label.text().startswith(BUSY_PREFIXES):
            self.state_label.setText("Ready")

    def show_model(self, state: ModelState, info: EngineInfo | None, model: str) -> None:
        """``model`` is the configured model, named when the engine does not say."""
        if state is ModelState.LOADING:
            self.load_bar.setRange(0, 0)
            self.load_bar.show()
            self.model_label.setText("Loading model…")
            self.state_label.setText("Loading the model…")
            return
        self.load_bar.hide()
        if state is ModelState.READY:
            model = str(getattr(info, "model", "") or model)
            short = Path(model).name if os.sep in model else model
            parts = [short, getattr(info, "device", ""), getattr(info, "dtype", "")]
            self.model_label.setText(" · ".join(p for p in parts if p))
            self.model_label.setToolTip(model)
            self.state_label.setText("Model ready")
        elif state is ModelState.MISSING:
            self.model_label.setText("No model")
            self.state_label.setText("The GLM-OCR model is not on this computer yet.")
        elif state is ModelState.ERROR:
            self.model_label.setText("Model failed")

    def show_load_progress(self, fraction: float, message: str) -> None:
        if fraction < 0:
            self.load_bar.setRange(0, 0)
        else:
            self.load_bar.setRange(0, 100)
            self.load_bar.setValue(int(fraction * 100))
        self.state_label.setText(message)

    def show_fast_path(self, state: FastPathState, detail: str) -> None:
        """The fast decode path warms up beside the loaded model; stock generate serves meanwhile."""
        if state is FastPathState.WARMING:
            text = GETTING_FASTER
            tip = "The GPU decoder is being prepared; recognition works meanwhile and speeds up when it is ready."
        elif state.ready:
            text = FULL_SPEED
            tip = "Recognition runs on the prepared GPU decoder."
        elif state is FastPathState.UNAVAILABLE:
            text = STANDARD_SPEED
            tip = "Recognition runs at the standard speed of transformers generate."
        else:
            text, tip = "", ""
        self.fast_label.setText(text)
        self.fast_label.setToolTip(tip + (f" ({detail})" if detail else ""))
        self.fast_label.setVisible(bool(text))
