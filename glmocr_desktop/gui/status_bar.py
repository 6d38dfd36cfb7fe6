"""The window's status bar: what the app is doing, the page (a box to jump to one), the zoom, the speed,
the model and the fast path.

It switches on the lifecycle enums the engine and the run controller report; text is made only here.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSignalBlocker, Signal
from PySide6.QtWidgets import QLabel, QMenu, QProgressBar, QSpinBox, QStatusBar, QToolButton

from glmocr_desktop.engines.base import EngineInfo, FastPathState, ModelState

#: What the speed label says (words for the user, not the engine's states; shown translated).
GETTING_FASTER = str(QT_TRANSLATE_NOOP("StatusBar", "Getting faster…"))
FULL_SPEED = str(QT_TRANSLATE_NOOP("StatusBar", "Full speed"))
STANDARD_SPEED = str(QT_TRANSLATE_NOOP("StatusBar", "Standard speed"))

#: The zoom menu's fixed steps, in per cent.
ZOOM_PRESETS = (50, 100, 150, 200)


def zoom_text(factor: float) -> str:
    return f"{round(factor * 100)} %"


class StatusBar(QStatusBar):
    zoom_requested = Signal(float)  # a preset zoom chosen (1.0 = 100 %)
    page_requested = Signal(int)  # the page typed in the page box (0-based)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._busy_text: str | None = None  # the busy state shown (show_busy), until something replaces it
        self.state_label = QLabel(self.tr("Ready"))
        self.load_bar = QProgressBar()
        self.load_bar.setMaximumWidth(160)
        self.load_bar.setMaximumHeight(14)
        self.load_bar.setTextVisible(False)
        self.load_bar.hide()
        self.model_label = QLabel("")
        self.fast_label = QLabel("")
        self.fast_label.setObjectName("fastPath")
        self.speed_label = QLabel("")
        self.page_box = QSpinBox()
        self.page_box.setObjectName("pageBox")
        self.page_box.setPrefix(self.tr("Page "))
        self.page_box.setKeyboardTracking(False)  # typing "12" goes to 12, not to 1 first
        self.page_box.setToolTip(self.tr("The page shown; type a page number and press Enter to go there"))
        self.page_box.valueChanged.connect(lambda n: self.page_requested.emit(n - 1))
        self.page_box.hide()
        self.zoom_menu = QMenu(self)
        for percent in ZOOM_PRESETS:
            act = self.zoom_menu.addAction(f"{percent} %")
            act.triggered.connect(lambda _=False, f=percent / 100: self.zoom_requested.emit(f))
        self.zoom_button = QToolButton()
        self.zoom_button.setObjectName("zoomButton")
        self.zoom_button.setAccessibleName(self.tr("Zoom"))
        self.zoom_button.setAutoRaise(True)
        self.zoom_button.setToolTip(self.tr("The page's zoom; click to choose another"))
        self.zoom_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.zoom_button.setMenu(self.zoom_menu)
        self.zoom_button.hide()
        self.addWidget(self.state_label, 1)
        for w in (self.load_bar, self.page_box, self.zoom_button, self.speed_label, self.model_label,
                  self.fast_label):  # fmt: skip
            self.addPermanentWidget(w)
        self.fast_label.hide()
        for w in (self.speed_label, self.model_label, self.fast_label):
            w.setContentsMargins(8, 0, 8, 0)

    def add_zoom_actions(self, actions) -> None:
        """The fit modes (the View menu's own actions) after the fixed steps."""
        self.zoom_menu.addSeparator()
        self.zoom_menu.addActions(list(actions))

    def show_zoom(self, factor: float) -> None:
        self.zoom_button.setText(zoom_text(factor))

    def show_page(self, index: int, count: int) -> None:
        """The page box shows page ``index`` (0-based) of ``count``; no jump is asked for."""
        with QSignalBlocker(self.page_box):
            self.page_box.setRange(1, max(1, count))
            self.page_box.setSuffix(self.tr(" of {0}").format(count))
            self.page_box.setValue(index + 1)
        self.page_box.show()
        self.zoom_button.show()

    def clear_page(self) -> None:
        self.page_box.hide()
        self.zoom_button.hide()

    def set_state(self, text: str) -> None:
        self.state_label.setText(text)

    def show_busy(self, text: str) -> None:
        """A state that lasts while jobs run ("Recognising …", "Queued …", "Stopping…"): :meth:`settle`
        replaces it with "Ready" unless another text took its place meanwhile."""
        self.state_label.setText(text)
        self._busy_text = text

    def settle(self) -> None:
        """The queue ran dry: a running-state text (one :meth:`show_busy` put there) gives way to "Ready"."""
        busy, self._busy_text = self._busy_text, None
        if busy is not None and self.state_label.text() == busy:
            self.state_label.setText(self.tr("Ready"))

    def show_model(self, state: ModelState, info: EngineInfo | None, model: str) -> None:
        """``model`` is the configured model, named when the engine does not say."""
        if state is ModelState.LOADING:
            self.load_bar.setRange(0, 0)
            self.load_bar.show()
            self.model_label.setText(self.tr("Loading model…"))
            self.state_label.setText(self.tr("Loading the model…"))
            return
        self.load_bar.hide()
        if state is ModelState.READY:
            model = str(getattr(info, "model", "") or model)
            short = Path(model).name if os.sep in model else model
            parts = [short, getattr(info, "device", ""), getattr(info, "dtype", "")]
            self.model_label.setText(" · ".join(p for p in parts if p))
            self.model_label.setToolTip(model)
            self.state_label.setText(self.tr("Model ready"))
        elif state is ModelState.MISSING:
            self.model_label.setText(self.tr("No model"))
            self.state_label.setText(self.tr("The GLM-OCR model is not on this computer yet."))
        elif state is ModelState.ERROR:
            self.model_label.setText(self.tr("Model failed"))
            self.state_label.setText(self.tr("The model could not be loaded."))  # not the last load step

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
            tip = self.tr("The GPU decoder is being prepared; recognition works meanwhile and speeds up when it is "
                          "ready.")
        elif state.ready:
            text = FULL_SPEED
            tip = self.tr("Recognition runs on the prepared GPU decoder.")
        elif state is FastPathState.UNAVAILABLE:
            text = STANDARD_SPEED
            tip = self.tr("Recognition runs at the standard speed of transformers generate.")
        else:
            text, tip = "", ""
        self.fast_label.setText(QCoreApplication.translate("StatusBar", text) if text else "")
        self.fast_label.setToolTip(tip + (f" ({detail})" if detail else ""))
        self.fast_label.setVisible(bool(text))
