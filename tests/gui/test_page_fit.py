"""Fit to page and fit to width settle at every window size: a refit never shows or hides a scroll bar
that would change the fit again (that loop kept the GUI thread busy and the window deaf to clicks).

Real pages from the corpus (tall scans, wide photos, a PDF), real window sizes, with and without the
History dock; the view's fits and resizes are counted after the last real resize.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()

from PySide6.QtCore import QEvent, QEventLoop, QObject, QPoint, QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from glmocr_desktop.core.documents import open_document
from glmocr_desktop.gui.page_view import PageView

pytestmark = pytest.mark.gui

#: Tall and wide pages of the corpus, and a PDF page (sizes in points, as the window shows them).
PAGES = (
    "images/tesseract_8087_054.3B.tif",  # magazine page 2560x3300
    "images/kraken_handwritten_170025120000003_0074.jpg",  # tall register page 2743x3965
    "images/ocrmypdf_typewriter.png",  # wide photo 4000x2864
    "images/rapidocr_japan.jpg",  # very wide 976x424
    "pdfs/samplefiles_multicolumn.pdf",  # Letter PDF page
    "images/tesseract_devatest-rotated-270.png",  # narrow 862x1815
)
#: Window sizes people use, and the ones that froze.
WINDOW_SIZES = ((1300, 900), (1440, 900), (1100, 800), (1024, 768), (1366, 768), (1920, 1080), (1280, 720))
#: Fits a single real resize may cause: one for the viewport's new size (the scroll bar policy is set
#: before the viewport is laid out), and one to spare.
MAX_FITS_PER_RESIZE = 2


class Counter(QObject):
    """Counts fits of a view and the events its viewport and scroll bars receive."""

    WATCHED = (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Show, QEvent.Type.Hide)

    def __init__(self, view: PageView) -> None:
        super().__init__(view)
        self.fits = 0
        self.events = 0
        real_fit = view.apply_fit

        def counted_fit() -> None:
            self.fits += 1
            real_fit()

        view.apply_fit = counted_fit  # resizeEvent calls self.apply_fit()
        for obj in (view, view.viewport(), view.horizontalScrollBar(), view.verticalScrollBar()):
            obj.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() in self.WATCHED:
            self.events += 1
        return False

    def reset(self) -> None:
        self.fits = self.events = 0


def settle(app, counter: Counter, quiet_rounds: int = 5, max_rounds: int = 200) -> int:
    """Process events until nothing happens for ``quiet_rounds`` rounds; the rounds it took.

    A view that keeps refitting never goes quiet and fails here after ``max_rounds``.
    """
    quiet = 0
    for n in range(1, max_rounds + 1):
        before = (counter.fits, counter.events)
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)  # a storm cannot keep it here
        quiet = quiet + 1 if (counter.fits, counter.events) == before else 0
        if quiet >= quiet_rounds:
            return n
    raise AssertionError(f"the view did not settle: {counter.fits} fits, {counter.events} events")


def page_size(corpus_dir, rel: str) -> tuple[float, float]:
    with open_document(corpus_dir / rel) as doc:
        return doc.page_size(0)


def check_fitted(view: PageView) -> None:
    """The settled state is a fixed point, and what fit means holds on screen."""
    page = view.page.sceneBoundingRect()
    zoom = view.transform().m11()
    vp = view.viewport().size()
    assert page.width() * zoom <= vp.width() + 0.5  # the whole width is visible in both modes
    if view.fit_mode == "page":
        assert page.height() * zoom <= vp.height() + 0.5
        assert not view.verticalScrollBar().isVisible() and not view.horizontalScrollBar().isVisible()
    else:
        assert not view.horizontalScrollBar().isVisible()
        # it fills the width: no more than the margins and, when shown, the scroll bar are left over
        bar = view.verticalScrollBar().width() if view.verticalScrollBar().isVisible() else 0
        assert page.width() * zoom >= view.contentsRect().width() - bar - 2 * 12 - 1
    view.apply_fit()  # fitting again at the same size changes nothing
    assert view.transform().m11() == zoom and view.viewport().size() == vp


@pytest.mark.parametrize("rel", PAGES)
@pytest.mark.parametrize("mode", ["page", "width"])
def test_fit_settles_at_every_size(qtbot, corpus_dir, rel, mode):
    """A dense sweep of view sizes (every 37 x 53 px) for each real page: a bounded number of fits."""
    window = QMainWindow()
    view = PageView()
    window.setCentralWidget(view)
    qtbot.addWidget(window)
    window.resize(900, 700)
    window.show()
    qtbot.waitExposed(window)
    app = QApplication.instance()
    view.set_page(page_size(corpus_dir, rel), None, [])
    view.fit_width() if mode == "width" else view.fit_page()
    counter = Counter(view)
    settle(app, counter)
    worst = 0
    for w in range(420, 1700, 37):
        for h in range(300, 1100, 53):
            counter.reset()
            window.resize(w, h)
            settle(app, counter)
            worst = max(worst, counter.fits)
            assert counter.fits <= MAX_FITS_PER_RESIZE, (rel, mode, w, h, counter.fits)
            check_fitted(view)
    assert worst >= 1  # the sweep really resized the view


def _drag(qtbot, view: PageView, a: tuple[float, float], b: tuple[float, float]) -> None:
    r = view.page.rect()

    def at(fx: float, fy: float) -> QPoint:
        return view.mapFromScene(view.page.mapToScene(QPointF(r.width() * fx, r.height() * fy)))

    vp = view.viewport()
    p0, p1 = at(*a), at(*b)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=p0)
    qtbot.mouseMove(vp, pos=QPoint((p0.x() + p1.x()) // 2, (p0.y() + p1.y()) // 2))
    qtbot.mouseMove(vp, pos=p1)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=p1)


@pytest.mark.parametrize(
    "rel",
    [
        "images/tesseract_8087_054.3B.tif",
        "pdfs/samplefiles_multicolumn.pdf",
        "images/ocrmypdf_typewriter.png",
    ],
)
def test_window_settles_and_answers(qtbot, make_window, corpus_dir, rel):
    """The real window at the sizes that froze it (and others), History dock shown and hidden, both fit
    modes: it settles after each resize and its event loop is free; then clicks and Esc work."""
    w = make_window(corpus_dir / rel, autoload=False)
    qtbot.waitUntil(lambda: w.view.page is not None, timeout=20_000)
    qtbot.waitUntil(lambda: not w.view.page.pixmap_item.pixmap().isNull(), timeout=20_000)
    assert w.history_dock is not None
    app = QApplication.instance()
    view = w.view
    counter = Counter(view)
    for mode in ("page", "width"):
        (view.fit_width if mode == "width" else view.fit_page)()
        for size in WINDOW_SIZES:
            for panel in (False, True):
                w.history_dock.setVisible(panel)
                w.resize(*size)
                counter.reset()
                settle(app, counter)
                assert counter.fits <= 2 * MAX_FITS_PER_RESIZE, (mode, size, panel, counter.fits)
                check_fitted(view)
                # a queued call is served at once: the event loop is not kept busy by the view
                served = []
                QTimer.singleShot(0, lambda: served.append(True))
                for _ in range(3):
                    app.processEvents()
                assert served

    # a click-drag draws a region, and drawing does not refit the page
    counter.reset()
    _drag(qtbot, view, (0.2, 0.2), (0.6, 0.5))
    settle(app, counter)
    assert len(w.current.regions[w.current.page]) == 1
    assert counter.fits == 0

    # Esc reaches the Stop action through the window's shortcut
    stops = []
    w.action_set.act_stop.setEnabled(True)
    w.action_set.act_stop.triggered.connect(lambda: stops.append(True))
    w.activateWindow()
    view.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5_000)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert stops
