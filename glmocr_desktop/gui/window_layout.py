"""The window's widgets and where they sit: documents and pages on the left, the page in the middle, the
results on the right, the status bar below; and the window's size on first start.

Built once by :func:`build_panes` and :func:`build_status_bar`; the window keeps the widgets as
attributes, its controllers act on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLabel, QListWidget, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from glmocr_desktop.gui.page_strip import PageStrip
from glmocr_desktop.gui.page_view import PageView
from glmocr_desktop.gui.result_pane import ResultPane
from glmocr_desktop.gui.status_bar import StatusBar

if TYPE_CHECKING:
    from glmocr_desktop.gui.main_window import MainWindow

#: The first start's window at most, and the share of the screen's free area it takes when that is smaller.
DEFAULT_SIZE = QSize(1440, 900)
SCREEN_SHARE = 0.9
#: The narrowest the page view, the results pane and its preview may be made (the splitter stops there).
VIEW_MIN_WIDTH = 320
RESULTS_MIN_WIDTH = 300
PREVIEW_MIN_WIDTH = 200


def default_window_rect(available: QRect) -> QRect:
    """The window on first start: inside the screen's free area (taskbar left out), centred on it."""
    size = QSize(min(DEFAULT_SIZE.width(), int(available.width() * SCREEN_SHARE)),
                 min(DEFAULT_SIZE.height(), int(available.height() * SCREEN_SHARE)))  # fmt: skip
    rect = QRect(QPoint(0, 0), size)
    rect.moveCenter(available.center())
    return rect


def build_panes(w: MainWindow, preview_factory: Any) -> None:
    """The three panes in a splitter that never squeezes one to a sliver; set as the central widget."""
    w.doc_list = QListWidget()
    w.doc_list.setObjectName("documents")
    w.doc_list.setIconSize(QSize(18, 18))
    w.doc_list.setAccessibleName(QCoreApplication.translate("MainWindow", "Documents"))
    w.thumbs = PageStrip()
    w.thumbs.setAccessibleName(QCoreApplication.translate("MainWindow", "Pages"))
    left = QSplitter(Qt.Orientation.Vertical)
    left.addWidget(titled(QCoreApplication.translate("MainWindow", "Documents"), w.doc_list))
    left.addWidget(titled(QCoreApplication.translate("MainWindow", "Pages"), w.thumbs))
    left.setSizes([160, 640])
    left.setMinimumWidth(170)

    w.view = PageView()
    w.view.viewport().setAcceptDrops(False)
    w.empty = QLabel(
        "<div style='font-size:15pt'>" + QCoreApplication.translate("MainWindow", "Open or drop a scan, photo or PDF") + "</div>"
        "<div style='margin-top:8px'>"
        + QCoreApplication.translate("MainWindow", "Ctrl+O to open · Ctrl+V to paste an image · then draw regions and press Ctrl+Enter")
        + "</div>"
    )
    w.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
    w.empty.setObjectName("emptyHint")
    w.centre = QStackedWidget()
    w.centre.addWidget(w.empty)
    w.centre.addWidget(w.view)
    w.centre.setMinimumWidth(VIEW_MIN_WIDTH)

    w.results = ResultPane(preview_factory)
    w.results.setMinimumWidth(RESULTS_MIN_WIDTH)
    w.preview = w.results.preview
    w.preview.setMinimumWidth(PREVIEW_MIN_WIDTH)
    w.results.list.setAccessibleName(QCoreApplication.translate("MainWindow", "Results"))
    w.preview.setAccessibleName(QCoreApplication.translate("MainWindow", "Result preview"))

    split = QSplitter(Qt.Orientation.Horizontal)
    for i, (widget, stretch) in enumerate(((left, 0), (w.centre, 3), (w.results, 2))):
        split.addWidget(widget)
        split.setStretchFactor(i, stretch)
    split.setSizes([200, 760, 520])
    split.setChildrenCollapsible(False)
    w.splitter = split
    w.setCentralWidget(split)


def build_status_bar(w: MainWindow) -> None:
    """The status bar, its labels kept on the window (tests and controllers read them), zoom and page box
    wired to the page view."""
    w.status = st = StatusBar(w)
    w.setStatusBar(st)
    w.state_label, w.speed_label, w.page_box = st.state_label, st.speed_label, st.page_box
    w.model_label, w.fast_label, w.load_bar = st.model_label, st.fast_label, st.load_bar
    w.zoom_button = st.zoom_button
    st.add_zoom_actions((w.action_set.act_fit_width, w.action_set.act_fit_page))
    st.zoom_requested.connect(w.view.zoom_to)
    st.page_requested.connect(w.go_to_page)
    w.view.zoom_changed.connect(st.show_zoom)


def titled(title: str, widget: QWidget) -> QWidget:
    """``widget`` under a bold pane title."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    label = QLabel(title)
    label.setObjectName("paneTitle")
    label.setContentsMargins(10, 6, 6, 4)
    f = label.font()
    f.setBold(True)
    label.setFont(f)
    lay.addWidget(label)
    lay.addWidget(widget, 1)
    return box
