"""The progress of a document run, as a dock: pages and regions done, speed, time left, the page under
way, and Pause / Resume / Cancel.

It only shows a :class:`glmocr_desktop.core.run_progress.RunProgress`; whoever runs the document calls
:meth:`ProgressPanel.show_progress` (a few times a second at most) and listens to the buttons.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from glmocr_desktop.core.run_progress import RunProgress


class ProgressPanel(QDockWidget):
    pause_requested = Signal()
    resume_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Document run"))
        self.setObjectName("documentRunDock")
        self.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
                             | Qt.DockWidgetArea.LeftDockWidgetArea)  # fmt: skip
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(10, 4, 10, 6)
        outer.setSpacing(4)
        top = QHBoxLayout()
        self.title = QLabel(self.tr("No document run yet"))
        self.title.setObjectName("runTitle")
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        top.addWidget(self.title)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%p%")
        top.addWidget(self.bar, 1)
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setToolTip(self.tr("Finish the regions under way and start no new one"))
        self.resume_button = QPushButton(self.tr("Resume"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop the run; the pages read so far are kept"))
        self.pause_button.clicked.connect(self.pause_requested)
        self.resume_button.clicked.connect(self.resume_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        for b in (self.pause_button, self.resume_button, self.cancel_button):
            top.addWidget(b)
        outer.addLayout(top)

        facts = QGridLayout()
        facts.setContentsMargins(0, 0, 0, 0)
        facts.setHorizontalSpacing(8)
        self.pages = QLabel("—")
        self.regions = QLabel("—")
        self.speed = QLabel("—")
        self.time_left = QLabel("—")
        self.current = QLabel("—")
        for col, (label, widget) in enumerate(((self.tr("Pages"), self.pages), (self.tr("Regions"), self.regions),
                                               (self.tr("Speed"), self.speed), (self.tr("Time left"), self.time_left),
                                               (self.tr("Now"), self.current))):  # fmt: skip
            caption = QLabel(label)
            caption.setObjectName("runCaption")
            caption.setEnabled(False)  # drawn in the palette's muted colour
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.addWidget(caption, 0, 2 * col)
            facts.addWidget(widget, 0, 2 * col + 1)
            facts.setColumnStretch(2 * col + 1, 1 if widget is not self.current else 3)
        outer.addLayout(facts)
        self.setWidget(body)
        self.set_running(False)

    def set_running(self, running: bool, paused: bool = False) -> None:
        self.pause_button.setVisible(not paused)
        self.resume_button.setVisible(paused)
        self.pause_button.setEnabled(running)
        self.resume_button.setEnabled(running)
        self.cancel_button.setEnabled(running)

    def show_progress(self, title: str, p: RunProgress) -> None:
        self.title.setText(title)
        self.bar.setValue(round(p.fraction * 1000))
        self.pages.setText(p.pages_text())
        self.regions.setText(p.regions_text())
        self.speed.setText(p.speed_text())
        self.time_left.setText(p.time_left_text())
        self.current.setText(p.current or "—")
        self.set_running(not p.finished, p.paused)
