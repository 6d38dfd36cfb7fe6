"""The window on a small screen, the zoom shown and chosen in the status bar, and the page box.

First start inside a 1366x768 screen (taskbar left out) with the page view and the preview never
squeezed to slivers; the zoom label following every zoom and fit; "Page n of N" jumping to the page typed
and following the page shown. A scripted engine and no database, as in test_controllers.
"""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine
from PySide6.QtCore import QRect, QSettings

from glmocr_desktop.gui.controllers.persistence import NullPersistence
from glmocr_desktop.gui.status_bar import zoom_text

pytestmark = pytest.mark.gui
WAIT = 10_000


@pytest.fixture
def window(qtbot, tmp_path, errors_shown):
    from glmocr_desktop.gui.main_window import MainWindow
    from glmocr_desktop.gui.settings_store import SettingsStore

    store = SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    engine = FakeEngine()
    w = MainWindow(store=store, engine_factory=lambda settings: engine, persistence=NullPersistence())
    qtbot.addWidget(w)
    yield w
    w.close()


@pytest.fixture
def three_page_pdf(tmp_path):
    import fitz

    path = tmp_path / "three.pdf"
    doc = fitz.open()
    for n in range(3):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 100), f"Page number {n + 1}", fontsize=24)
    doc.save(path)
    doc.close()
    return path


def _open(qtbot, w, path):
    assert w.open_paths([path]) == 1
    qtbot.waitUntil(lambda: w.current is not None and w.view.page is not None, timeout=WAIT)


# --- a small screen ---------------------------------------------------------------------------------


def test_the_first_window_fits_a_1366x768_screen_with_its_taskbar():
    from glmocr_desktop.gui.main_window import default_window_rect

    available = QRect(0, 0, 1366, 728)  # 40 px of taskbar at the bottom
    rect = default_window_rect(available)
    assert available.contains(rect)
    assert rect.width() <= 1366 and rect.height() <= 728 - 40  # room for the title bar too
    assert rect.center() == available.center()
    big = default_window_rect(QRect(0, 0, 3840, 2120))  # a large screen keeps the usual size
    assert (big.width(), big.height()) == (1440, 900)


def test_a_first_start_takes_the_screens_free_area_into_account(qtbot, tmp_path, errors_shown, monkeypatch):
    from PySide6.QtGui import QScreen

    from glmocr_desktop.gui.main_window import MainWindow, default_window_rect
    from glmocr_desktop.gui.settings_store import SettingsStore

    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(0, 0, 1366, 728))
    store = SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(store=store, engine_factory=lambda s: FakeEngine(), persistence=NullPersistence())
    qtbot.addWidget(w)
    expected = default_window_rect(QRect(0, 0, 1366, 728))
    assert (w.width(), w.height()) == (expected.width(), expected.height()) == (1229, 655)
    w.close()


def test_at_1366_wide_the_page_view_and_the_preview_keep_their_room(qtbot, window, page_png):
    from glmocr_desktop.gui.main_window import PREVIEW_MIN_WIDTH, RESULTS_MIN_WIDTH, VIEW_MIN_WIDTH

    w = window
    w.show()
    _open(qtbot, w, page_png)
    w.resize(1366, 700)
    w.splitter.setSizes([900, 10, 10])  # someone drags the page list as wide as it goes
    qtbot.wait(50)
    assert w.width() == 1366
    assert w.view.width() >= VIEW_MIN_WIDTH
    assert w.results.width() >= RESULTS_MIN_WIDTH
    assert w.preview.width() >= PREVIEW_MIN_WIDTH


# --- the zoom ---------------------------------------------------------------------------------------


def test_the_zoom_label_follows_zooms_and_fits(qtbot, window, page_png):
    w = window
    w.show()
    _open(qtbot, w, page_png)
    label = w.zoom_button
    assert label.isVisible() and label.text() == zoom_text(w.view.zoom())
    before = label.text()
    w.action_set.act_zoom_in.trigger()
    assert label.text() != before and label.text() == zoom_text(w.view.zoom())
    w.action_set.act_fit_page.trigger()
    assert w.view.fit_mode == "page" and label.text() == zoom_text(w.view.zoom())
    w.action_set.act_fit_width.trigger()
    assert label.text() == zoom_text(w.view.zoom())


def test_the_zoom_menu_offers_steps_and_fits(qtbot, window, page_png):
    w = window
    w.show()
    _open(qtbot, w, page_png)
    menu = w.zoom_button.menu()
    names = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert names == ["50 %", "100 %", "150 %", "200 %", "Fit Width", "Fit Page"]
    next(a for a in menu.actions() if a.text() == "150 %").trigger()
    assert w.view.zoom() == pytest.approx(1.5) and w.view.fit_mode is None
    assert w.zoom_button.text() == "150 %"
    next(a for a in menu.actions() if a.text().replace("&", "") == "Fit Page").trigger()
    assert w.view.fit_mode == "page" and w.zoom_button.text() == zoom_text(w.view.zoom())


# --- the page box -----------------------------------------------------------------------------------


def test_the_page_box_jumps_to_the_page_typed_and_follows_the_page_shown(qtbot, window, three_page_pdf):
    w = window
    w.show()
    _open(qtbot, w, three_page_pdf)
    box = w.page_box
    assert box.isVisible() and (box.value(), box.maximum()) == (1, 3)
    assert box.text() == "Page 1 of 3"
    box.setValue(3)
    assert w.current.page == 2
    w.go_page(-1)  # Page Up, the page list, anything else
    assert w.current.page == 1 and box.value() == 2
    w.thumbs.setCurrentRow(0)
    assert w.current.page == 0 and box.value() == 1
    w.close_current_document()
    assert not box.isVisible() and not w.zoom_button.isVisible()
