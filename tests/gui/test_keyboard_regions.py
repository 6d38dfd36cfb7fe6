"""Regions from the keyboard on the page view: Insert/N makes one in the middle of the visible page with
the task for new regions, Tab/Shift+Tab walk the reading order, arrows move, Ctrl+arrows resize (Shift:
larger steps), always inside the page; a sequence of presses is one Undo step. And every icon-only
button of the window has an accessible name, every toolbar button a tooltip.

The window is the scripted one of test_undo_and_tasks (FakeEngine, no database unless a test gives one).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QToolBar, QToolButton

from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.store import ResultStore
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui.controllers.persistence import StorePersistence
from glmocr_desktop.gui.page_view import KEY_MIN_SIDE, KEY_STEP, KEY_STEP_LARGE
from tests.gui.test_controllers import fake_window, settings_store  # noqa: F401  (fixtures)
from tests.gui.test_undo_and_tasks import RegionsPersistence, _open, window  # noqa: F401  (fixtures)

SHIFT, CTRL = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier


def _box(spec) -> tuple[float, float, float, float]:
    return spec.region.as_tuple()


def _press(qtbot, w, key, modifier=Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(w.view, key, modifier)


@pytest.fixture
def focused(qtbot, window, page_png):  # noqa: F811 (the fixture imported above)
    """``focused(task=Task.TEXT)``: the window with a page open, the task for new regions set, the page
    view focused; returns the window and the page's list of regions."""

    def make(task: Task = Task.TEXT):
        w = window(persistence=RegionsPersistence())
        specs = _open(qtbot, w, page_png)
        w.regions.choose_task(task)
        w.view.setFocus()
        qtbot.waitUntil(w.view.hasFocus, timeout=5_000)
        return w, specs

    return make


def test_insert_and_n_make_a_region_in_the_middle_of_the_visible_page(qtbot, focused):
    w, specs = focused(Task.TABLE)
    _press(qtbot, w, Qt.Key.Key_Insert)
    assert len(specs) == 1 and specs[0].task is Task.TABLE
    assert _box(specs[0]) == pytest.approx((0.25, 0.375, 0.75, 0.625))  # the whole page is visible
    assert w.view.selected_specs() == specs
    assert w.action_set.act_undo.text() == "&Undo Add Region"
    assert w.state_label.text() == "Region 1: 25 % from the left, 38 % from the top, 50 % wide, 25 % high"
    # zoomed in on the top-left: the new region is centred on what is shown, not on the page
    w.view.zoom_to(w.view.zoom() * 4)
    w.view.horizontalScrollBar().setValue(0)
    w.view.verticalScrollBar().setValue(0)
    shown = w.view.visible_page_rect()
    page = w.view.page.rect()
    assert shown.width() < page.width() / 2 and shown.height() < page.height() / 2
    w.view.scene().clearSelection()
    w.regions.choose_task(Task.FORMULA)  # nothing selected: the task for new regions only
    _press(qtbot, w, Qt.Key.Key_N)
    assert len(specs) == 2 and specs[0].task is Task.TABLE and specs[1].task is Task.FORMULA
    x0, y0, x1, y1 = _box(specs[1])
    assert ((x0 + x1) / 2 * page.width(), (y0 + y1) / 2 * page.height()) == pytest.approx(
        (shown.center().x(), shown.center().y()), abs=1e-6)  # fmt: skip
    assert (x1 - x0) * page.width() == pytest.approx(shown.width() / 2)
    assert (y1 - y0) * page.height() == pytest.approx(shown.height() / 4)
    w.action_set.act_undo.trigger()
    assert len(specs) == 1


def test_arrows_move_the_selection_in_steps_and_one_undo_takes_the_whole_nudge_back(qtbot, focused):
    w, specs = focused()
    w.view.add_region(Region(0.2, 0.3, 0.4, 0.5))
    start = _box(specs[0])
    depth = w.undo.active().count()
    _press(qtbot, w, Qt.Key.Key_Right, times=3)
    _press(qtbot, w, Qt.Key.Key_Down, SHIFT)
    _press(qtbot, w, Qt.Key.Key_Left)
    assert _box(specs[0]) == pytest.approx((0.2 + 2 * KEY_STEP, 0.3 + KEY_STEP_LARGE, 0.4 + 2 * KEY_STEP,
                                            0.5 + KEY_STEP_LARGE))  # fmt: skip
    item = w.view.region_items()[0]  # the drawn rectangle follows
    assert item.page_rect().left() == pytest.approx(_box(specs[0])[0] * w.view.page.rect().width())
    assert w.undo.active().count() == depth + 1  # five presses, one command
    assert w.action_set.act_undo.text() == "&Undo Move Region"
    w.action_set.act_undo.trigger()
    assert _box(specs[0]) == pytest.approx(start)
    w.action_set.act_redo.trigger()
    assert _box(specs[0]) == pytest.approx((0.21, 0.35, 0.41, 0.55))
    # moved back to where it was: the sequence is no command at all
    w.undo.active().clear()
    _press(qtbot, w, Qt.Key.Key_Up)
    _press(qtbot, w, Qt.Key.Key_Down)
    assert w.undo.active().count() == 0 and _box(specs[0]) == pytest.approx((0.21, 0.35, 0.41, 0.55))


def test_a_new_selection_starts_a_new_undo_step(qtbot, focused):
    w, _specs = focused()
    a = w.view.add_region(Region(0.1, 0.1, 0.2, 0.2))
    b = w.view.add_region(Region(0.5, 0.5, 0.6, 0.6))
    depth = w.undo.active().count()
    w.view.select_spec(a)
    _press(qtbot, w, Qt.Key.Key_Right, times=2)
    w.view.select_spec(b)
    _press(qtbot, w, Qt.Key.Key_Right)
    w.view.select_spec(a)
    _press(qtbot, w, Qt.Key.Key_Right)
    assert w.undo.active().count() == depth + 3
    w.action_set.act_undo.trigger()
    assert _box(a) == pytest.approx((0.11, 0.1, 0.21, 0.2)) and _box(b) == pytest.approx((0.505, 0.5, 0.605, 0.6))


def test_moves_stop_at_the_page_edge_keeping_size_and_the_group_together(qtbot, focused):
    w, specs = focused()
    w.view.add_region(Region(0.1, 0.2, 0.3, 0.4))
    w.view.add_region(Region(0.5, 0.6, 0.7, 0.9))
    for it in w.view.region_items():
        it.setSelected(True)
    _press(qtbot, w, Qt.Key.Key_Left, SHIFT, times=5)  # 0.25 asked, 0.1 possible
    assert _box(specs[0]) == pytest.approx((0.0, 0.2, 0.2, 0.4))
    assert _box(specs[1]) == pytest.approx((0.4, 0.6, 0.6, 0.9))
    depth = w.undo.active().count()
    _press(qtbot, w, Qt.Key.Key_Left)  # at the edge: nothing changes, nothing to undo, the page stays put
    assert w.undo.active().count() == depth and _box(specs[0]) == pytest.approx((0.0, 0.2, 0.2, 0.4))
    _press(qtbot, w, Qt.Key.Key_Down, SHIFT, times=4)  # the lower region meets the bottom first
    assert _box(specs[1])[3] == pytest.approx(1.0) and _box(specs[0]) == pytest.approx((0.0, 0.3, 0.2, 0.5))
    _press(qtbot, w, Qt.Key.Key_Right, SHIFT, times=30)
    assert _box(specs[1])[2] == pytest.approx(1.0) and _box(specs[0]) == pytest.approx((0.4, 0.3, 0.6, 0.5))
    for spec in specs:
        assert spec.region.x0 >= 0.0 and spec.region.x1 <= 1.0 and spec.region.y1 <= 1.0
    item = w.view.region_items()[1]
    assert w.view.page.rect().contains(item.page_rect())


def test_ctrl_arrows_resize_from_the_bottom_right_inside_the_page(qtbot, focused):
    w, specs = focused()
    w.view.add_region(Region(0.2, 0.3, 0.4, 0.5))
    _press(qtbot, w, Qt.Key.Key_Right)  # a move first: its own undo step
    depth = w.undo.active().count()
    _press(qtbot, w, Qt.Key.Key_Right, CTRL, times=2)
    _press(qtbot, w, Qt.Key.Key_Down, CTRL | SHIFT)
    assert _box(specs[0]) == pytest.approx((0.205, 0.3, 0.405 + 2 * KEY_STEP, 0.5 + KEY_STEP_LARGE))
    assert w.undo.active().count() == depth + 1
    assert w.action_set.act_undo.text() == "&Undo Resize Region"
    _press(qtbot, w, Qt.Key.Key_Left, CTRL | SHIFT, times=10)  # no smaller than the least size
    assert _box(specs[0]) == pytest.approx((0.205, 0.3, 0.205 + KEY_MIN_SIDE, 0.55))
    _press(qtbot, w, Qt.Key.Key_Down, CTRL | SHIFT, times=20)  # no further than the page's edge
    assert _box(specs[0]) == pytest.approx((0.205, 0.3, 0.215, 1.0))
    assert w.undo.active().count() == depth + 1
    w.action_set.act_undo.trigger()  # the whole resize goes, the move stays
    assert _box(specs[0]) == pytest.approx((0.205, 0.3, 0.405, 0.5))
    w.action_set.act_undo.trigger()
    assert _box(specs[0]) == pytest.approx((0.2, 0.3, 0.4, 0.5))


def test_keys_follow_the_screen_on_a_turned_page(qtbot, focused):
    w, specs = focused()
    w.view.add_region(Region(0.2, 0.3, 0.4, 0.5))
    w.view.set_rotation(90)  # clockwise: the screen's right is the page's top, its bottom the page's right
    _press(qtbot, w, Qt.Key.Key_Right)
    assert _box(specs[0]) == pytest.approx((0.2, 0.295, 0.4, 0.495))
    _press(qtbot, w, Qt.Key.Key_Right, CTRL)  # the edge on the screen's right is the page's top edge
    assert _box(specs[0]) == pytest.approx((0.2, 0.29, 0.4, 0.495))
    _press(qtbot, w, Qt.Key.Key_Down, CTRL)
    assert _box(specs[0]) == pytest.approx((0.2, 0.29, 0.405, 0.495))


def test_tab_walks_the_regions_in_reading_order_then_leaves_the_page(qtbot, focused):
    w, specs = focused()
    first = w.view.add_region(Region(0.1, 0.6, 0.3, 0.7))  # reading order is the list's, not the place's
    second = w.view.add_region(Region(0.1, 0.1, 0.3, 0.2))
    third = w.view.add_region(Region(0.5, 0.3, 0.7, 0.4))
    w.view.scene().clearSelection()
    seen = []
    for _ in range(3):
        _press(qtbot, w, Qt.Key.Key_Tab)
        seen.append(w.view.selected_specs())
    assert seen == [[first], [second], [third]]
    assert w.state_label.text().startswith("Region 3: read as Text")
    _press(qtbot, w, Qt.Key.Key_Backtab, SHIFT)
    assert w.view.selected_specs() == [second]
    w.view.select_spec(second)
    w.regions.move_selected(-1)  # Move Earlier: the order Tab follows changes with it
    assert specs == [second, first, third]
    w.view.scene().clearSelection()
    _press(qtbot, w, Qt.Key.Key_Backtab, SHIFT)
    assert w.view.selected_specs() == [third]
    _press(qtbot, w, Qt.Key.Key_Tab)  # past the last region: the focus moves on, no keyboard trap
    assert not w.view.hasFocus() and w.view.selected_specs() == [third]


def test_arrows_scroll_the_page_when_nothing_is_selected(qtbot, focused):
    w, specs = focused()
    w.view.zoom_to(w.view.zoom() * 4)
    bar = w.view.verticalScrollBar()
    bar.setValue(0)
    _press(qtbot, w, Qt.Key.Key_Down, times=3)
    assert bar.value() > 0 and specs == []


def test_page_view_tooltip_and_description_list_the_keys(qtbot, focused):
    w, _specs = focused()
    for text in (w.view.toolTip(), w.view.accessibleDescription(), w.view.page.toolTip()):
        for key in ("Insert or N", "Tab / Shift+Tab", "Arrow keys", "Ctrl+arrow keys"):
            assert key in text
    assert w.view.accessibleName() == "Page"
    w.view.page.setToolTip("")
    QApplication.sendEvent(w.view, QEvent(QEvent.Type.LanguageChange))  # a new language: the texts again
    assert w.view.page.toolTip() == w.view.toolTip() and "Insert or N" in w.view.toolTip()


def test_every_icon_only_button_has_an_accessible_name(qtbot, window, page_png, tmp_path):  # noqa: F811
    w = window(persistence=StorePersistence(ResultStore(tmp_path / "db.sqlite3")))
    _open(qtbot, w, page_png)
    w.history_dock.show()
    for narrow in (False, True):
        if narrow:  # the narrowest window: the toolbar shows icons only
            w.resize(w.minimumSizeHint().width(), 700)
        QApplication.processEvents()
        buttons = [b for b in w.findChildren(QAbstractButton) if b.isVisibleTo(w)]
        assert len(buttons) > 15
        unnamed = [(b.objectName(), b.toolTip()) for b in buttons
                   if not b.text().replace("&", "").strip() and not b.accessibleName()]  # fmt: skip
        assert unnamed == []
    tool_buttons = [b for b in w.action_set.toolbar.findChildren(QToolButton)
                    if b.isVisibleTo(w) and b.objectName() != "qt_toolbar_ext_button"]  # fmt: skip
    assert len(tool_buttons) > 10 and all(b.toolTip() for b in tool_buttons)
    assert isinstance(w.action_set.toolbar, QToolBar)
    for widget in (w.view, w.results.list, w.preview, w.doc_list, w.thumbs):
        assert widget.accessibleName(), widget
    assert w.results.clear_button.accessibleName() == "Remove result from list"
    assert w.history_dock.isVisible() and "history" in w.history_dock.delete_button.accessibleName()
    for name in ("qt_toolbar_ext_button", "qt_menubar_ext_button"):  # Qt's overflow arrows, shown when needed
        (arrow,) = w.findChildren(QToolButton, name)
        assert arrow.accessibleName()


def test_a_screen_reader_hears_what_a_key_did(qtbot, focused, monkeypatch):
    """Tab and the arrows say which region is selected and where it went (announcements to assistive
    technology, which is active while a screen reader runs)."""
    heard: list[str] = []
    real = QAccessible.updateAccessibility

    def hear(event):
        if isinstance(event, QAccessibleAnnouncementEvent):
            heard.append(event.message())
        real(event)

    w, _specs = focused()
    w.view.add_region(Region(0.2, 0.3, 0.4, 0.5))
    w.view.scene().clearSelection()
    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(hear))
    QAccessible.setActive(True)
    try:
        _press(qtbot, w, Qt.Key.Key_Tab)
        _press(qtbot, w, Qt.Key.Key_Right, SHIFT)
    finally:
        QAccessible.setActive(False)
    assert heard == ["Region 1: read as Text · New regions: Text",
                     "Region 1: 25 % from the left, 30 % from the top, 20 % wide, 20 % high"]  # fmt: skip
