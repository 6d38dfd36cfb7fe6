"""Nothing destroyed by surprise: every region edit and result removal or source edit is undone and redone
through the Edit menu's Undo/Redo (the store follows), Del acts on what has focus, deleting from the
history asks first; one task rule (the toolbar's task is the task for new regions; keys 1-4 only on the
page); Run Whole Page reads text unless told otherwise; a cut result runs again with more tokens.

The window is driven with the scripted FakeEngine and no database (a StorePersistence in a temporary
folder where the history itself is tested)."""

from __future__ import annotations

import pytest
from fake_engine import FakeEngine
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication

from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.core.layout import LayoutBlock, kind_of
from glmocr_desktop.core.regions import LAYOUT, Region
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.controllers.persistence import NullPersistence, StorePersistence
from tests.gui.test_controllers import fake_window, settings_store  # noqa: F401  (fixtures)

WAIT = 10_000


class RegionsPersistence(NullPersistence):
    """No database; remembers each page's regions as they were saved and every result it was told of."""

    def __init__(self) -> None:
        self.saved: list[list[tuple]] = []
        self.finished: list[tuple[str, str]] = []

    def save_regions(self, doc) -> None:
        self.saved.append([(s.region, s.task, s.label, s.kind) for s in doc.regions.get(doc.page, [])])

    def save_page_regions(self, doc, page) -> None:
        self.saved.append([(s.region, s.task, s.label, s.kind) for s in doc.regions.get(page, [])])

    def job_finished(self, entry) -> None:
        self.finished.append((entry.id, entry.text))


@pytest.fixture
def window(qtbot, tmp_path, errors_shown, fake_window):  # noqa: F811 (the fixture imported above)
    """``make(engine=None, persistence=None)``: the scripted window of test_controllers, shown and active
    (so keys reach its shortcuts)."""

    def make(engine=None, persistence=None):
        w = fake_window(engine, persistence or RegionsPersistence())
        w.settings.layout_model = str(tmp_path / "no-layout-model")  # Run Whole Page: one prompt
        w.resize(1400, 900)
        w.show()
        qtbot.waitExposed(w)
        w.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5_000)
        return w

    return make


def _open(qtbot, w, path):
    assert w.open_paths([path]) == 1
    qtbot.waitUntil(lambda: w.current is not None and w.view.page is not None, timeout=WAIT)
    return w.current.regions.setdefault(0, [])


def _point(w, fx: float, fy: float) -> QPoint:
    r = w.view.page.rect()
    return w.view.mapFromScene(w.view.page.mapToScene(QPointF(r.width() * fx, r.height() * fy)))


def _drag(qtbot, w, a: QPoint, b: QPoint) -> None:
    vp = w.view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(vp, pos=(a + b) / 2)
    qtbot.mouseMove(vp, pos=b)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)


def _draw(qtbot, w, a, b) -> None:
    _drag(qtbot, w, _point(w, *a), _point(w, *b))


def _select(w, *specs) -> None:
    w.view.scene().clearSelection()
    for item in w.view.region_items():
        item.setSelected(item.spec in specs)


def _state(specs):
    return [(s, s.region, s.task, s.template, s.label, s.kind, s.edited) for s in specs]


def _undo_redo(w, persistence, specs, before, text):
    """The last edit is named ``text`` in the Edit menu; Undo gives back ``before`` and saves it; Redo
    the edit again."""
    after = _state(specs)
    assert after != before
    undo, redo = w.action_set.act_undo, w.action_set.act_redo
    assert undo.isEnabled() and undo.text() == f"&Undo {text}"
    assert undo in w.action_set.edit_menu.actions()
    undo.trigger()
    assert _state(specs) == before
    assert persistence.saved[-1] == [(s.region, s.task, s.label, s.kind) for s in specs]
    assert [it.spec for it in w.view.region_items()] == specs  # the view shows the list as it was
    assert redo.text() == f"&Redo {text}"
    redo.trigger()
    assert _state(specs) == after
    assert persistence.saved[-1] == [(s.region, s.task, s.label, s.kind) for s in specs]


def test_every_region_edit_is_undone_and_redone(qtbot, window, page_png):
    persistence = RegionsPersistence()
    w = window(persistence=persistence)
    specs = _open(qtbot, w, page_png)
    assert not w.action_set.act_undo.isEnabled()
    # draw
    before = _state(specs)
    _draw(qtbot, w, (0.1, 0.1), (0.5, 0.3))
    assert len(specs) == 1
    _undo_redo(w, persistence, specs, before, "Draw Region")
    _draw(qtbot, w, (0.2, 0.5), (0.8, 0.9))
    first, second = specs
    # move (drag its middle)
    before = _state(specs)
    _drag(qtbot, w, _point(w, 0.5, 0.7), _point(w, 0.5, 0.7) + QPoint(40, 20))
    assert second.region.x0 > before[1][1].x0 and second.region.width == pytest.approx(before[1][1].width)
    _undo_redo(w, persistence, specs, before, "Move Region")
    # resize (the bottom-right handle)
    before = _state(specs)
    corner = _point(w, second.region.x1, second.region.y1)
    _drag(qtbot, w, corner, corner - QPoint(30, 30))
    assert second.region.x1 < before[1][1].x1
    _undo_redo(w, persistence, specs, before, "Resize Region")
    # retask (key 3 on the page: the selected region only)
    _select(w, second)
    w.view.setFocus()
    before = _state(specs)
    qtbot.keyClick(w.view, Qt.Key.Key_3)
    assert second.task is Task.TABLE and first.task is Task.TEXT
    _undo_redo(w, persistence, specs, before, "Set Task: Table")
    # reorder
    before = _state(specs)
    assert w.regions.move_selected(-1) and specs == [second, first]
    _undo_redo(w, persistence, specs, before, "Move Earlier in Reading Order")
    # relabel
    before = _state(specs)
    w.regions.set_label([first], "paragraph_title")
    assert first.label == "paragraph_title"
    _undo_redo(w, persistence, specs, before, "Set Label: paragraph_title")
    # merge
    _select(w, first, second)
    before = _state(specs)
    merged = w.regions.merge_selected()
    assert merged is second and specs == [second]
    _undo_redo(w, persistence, specs, before, "Merge Regions")
    # delete (Del on the page)
    w.action_set.act_undo.trigger()  # the merge undone: two regions again
    assert specs == [second, first]
    _select(w, first)
    w.view.setFocus()
    before = _state(specs)
    qtbot.keyClick(w.view, Qt.Key.Key_Delete)
    assert specs == [second]
    _undo_redo(w, persistence, specs, before, "Delete Region")
    # a redo branch is dropped by a new edit; several undos walk back
    w.action_set.act_undo.trigger()
    assert specs == [second, first] and w.action_set.act_redo.isEnabled()
    w.action_set.act_whole.trigger()
    assert len(specs) == 3 and not w.action_set.act_redo.isEnabled()
    assert w.action_set.act_undo.text() == "&Undo Add Whole-Page Region"


def test_undoing_a_delete_brings_a_detected_region_back_with_task_label_and_place(qtbot, window, page_png):
    persistence = RegionsPersistence()
    w = window(persistence=persistence)
    specs = _open(qtbot, w, page_png)
    blocks = [LayoutBlock(Region(0.1, 0.05 + 0.2 * i, 0.9, 0.2 + 0.2 * i), label, kind_of(label), 0.9, i)
              for i, label in enumerate(("doc_title", "table", "display_formula", "text"))]  # fmt: skip
    placed = w.regions.place_layout(w.current, 0, blocks)
    assert w.action_set.act_undo.text() == "&Undo Detect Layout"
    title, table, formula, text = placed
    assert table.task is Task.TABLE and table.source == LAYOUT and not table.edited
    _select(w, table, formula)
    w.action_set.act_delete.trigger()
    assert specs == [title, text] and title.edited and text.edited  # the survivors say they were edited
    assert w.action_set.act_undo.text() == "&Undo Delete 2 Regions"
    w.action_set.act_undo.trigger()
    assert specs == [title, table, formula, text]
    assert (table.task, table.label, formula.task, formula.label) == (Task.TABLE, "table", Task.FORMULA,
                                                                      "display_formula")  # fmt: skip
    assert not title.edited and not text.edited  # as they were before the delete
    assert [it.spec.badge(it.number) for it in w.view.region_items()] == [
        "1 · doc_title", "2 · table", "3 · display_formula", "4 · text"]  # fmt: skip
    assert w.view.selected_specs() == [table, formula]  # what came back is selected
    assert persistence.saved[-1][1] == (table.region, Task.TABLE, "table", "read")
    # the detection itself is undone too
    w.action_set.act_undo.trigger()
    w.action_set.act_undo.trigger()
    assert specs == [] and not w.action_set.act_undo.isEnabled()


def test_each_document_has_its_own_undo_stack(qtbot, window, page_png, black_png):
    w = window()
    first = _open(qtbot, w, page_png)
    _draw(qtbot, w, (0.1, 0.1), (0.5, 0.5))
    assert w.open_paths([black_png]) == 1
    qtbot.waitUntil(lambda: w.current is not None and w.current.name == "black.png", timeout=WAIT)
    assert not w.action_set.act_undo.isEnabled()  # the new document has no edits yet
    w.doc_list.setCurrentRow(0)
    qtbot.waitUntil(lambda: w.current.name == "page.png", timeout=WAIT)
    assert w.action_set.act_undo.text() == "&Undo Draw Region"
    w.action_set.act_undo.trigger()
    assert first == []


def _run_page(qtbot, w, n=1):
    reqs = []
    for _ in range(n):
        reqs += w.run_whole_page()
    entries = [w.results.entry(r.id) for r in reqs]
    qtbot.waitUntil(lambda: all(e.state is JobState.DONE for e in entries), timeout=WAIT)
    return entries


def test_del_acts_on_what_has_focus(qtbot, window, page_png):
    w = window()
    specs = _open(qtbot, w, page_png)
    _draw(qtbot, w, (0.1, 0.1), (0.5, 0.3))
    _draw(qtbot, w, (0.2, 0.5), (0.8, 0.9))
    one, two = _run_page(qtbot, w, 2)
    # Del in the results list: the selected result leaves the list, the regions stay
    w.results.select(one)
    w.results.list.setFocus()
    qtbot.keyClick(w.results.list, Qt.Key.Key_Delete)
    assert w.results.entries == [two] and len(specs) == 2
    assert w.messages[-1].startswith(f"Removed {one.label} from the list") and "Undo" in w.messages[-1]
    assert w.action_set.act_undo.text() == "&Undo Remove Result from List"
    w.action_set.act_undo.trigger()
    assert w.results.entries == [one, two] and w.results.current() is one
    # Del on the page: the selected region goes, the results stay
    _select(w, specs[0])
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_Delete)
    assert len(specs) == 1 and w.results.entries == [one, two]
    # what each one says it does
    assert "history keeps it" in w.results.clear_button.toolTip()
    assert w.action_set.act_delete.text() == "&Delete Selected Regions"
    assert w.action_set.act_remove_result.text() == "&Remove Result from List"
    assert w.action_set.act_remove_result in w.results.list.actions()  # also its context menu
    # the trash button is the same command
    w.results.select(two)
    w.results.clear_button.click()
    assert w.results.entries == [one]


def test_deleting_from_history_is_its_own_action_and_asks_first(qtbot, window, page_png, tmp_path,
                                                               monkeypatch):  # fmt: skip
    persistence = StorePersistence.open(str(tmp_path / "data"))
    w = window(persistence=persistence)
    _open(qtbot, w, page_png)
    kept, gone = _run_page(qtbot, w, 2)
    store = persistence.store
    store.flush()
    ids = kept.meta["store_id"], gone.meta["store_id"]
    # removed from the list: still in the history
    w.results.select(kept)
    assert w.remove_result()
    assert "the history keeps it" in w.messages[-1]
    store.flush()
    assert store.get_result(ids[0]) is not None
    # deleted from the history: only when the user says so, then for good
    answers: list[str] = []
    monkeypatch.setattr(dialogs, "confirm_delete_from_history", lambda parent, label: answers.append(label))
    w.results.select(gone)
    assert not w.delete_result_from_history()
    assert answers == [gone.label] and w.results.entries == [gone]
    monkeypatch.setattr(dialogs, "confirm_delete_from_history", lambda parent, label: True)
    assert w.delete_result_from_history()
    store.flush()
    assert store.get_result(ids[1]) is None and store.get_result(ids[0]) is not None
    assert w.results.entries == [] and w.messages[-1] == f"Deleted {gone.label} from the history"
    assert "for good" in w.action_set.act_delete_history.toolTip()
    # the History panel's delete asks too
    dock = w.history_dock
    dock.refresh()
    qtbot.waitUntil(lambda: dock.list.count() == 1, timeout=WAIT)
    dock.list.setCurrentRow(0)
    monkeypatch.setattr(dialogs, "confirm_delete_from_history", lambda parent, label: False)
    dock.delete_button.click()
    store.flush()
    assert store.get_result(ids[0]) is not None and dock.list.count() == 1
    monkeypatch.setattr(dialogs, "confirm_delete_from_history", lambda parent, label: True)
    dock.delete_button.click()
    store.flush()
    assert store.get_result(ids[0]) is None and dock.list.count() == 0


def test_a_source_edit_is_undone_and_the_store_follows(qtbot, window, page_png):
    persistence = RegionsPersistence()
    w = window(persistence=persistence)
    _open(qtbot, w, page_png)
    (entry,) = _run_page(qtbot, w)
    original = entry.text
    w.results.tabs.setCurrentIndex(1)
    w.results.source.setPlainText("edited once")
    w.results.source.setPlainText("edited twice")  # one typing run: one command
    qtbot.waitUntil(lambda: w.action_set.act_undo.text() == "&Undo Edit Result Source", timeout=WAIT)
    assert entry.text == "edited twice" and entry.edited
    assert persistence.finished[-1] == (entry.id, "edited twice")
    w.results.list.setFocus()  # Ctrl+Z in the editor is the editor's own undo
    w.action_set.act_undo.trigger()
    assert entry.text == original and not entry.edited
    assert w.results.source.toPlainText() == original
    assert persistence.finished[-1] == (entry.id, original)
    assert not w.action_set.act_undo.isEnabled()
    w.action_set.act_redo.trigger()
    assert entry.text == "edited twice" and entry.edited and w.results.source.toPlainText() == "edited twice"
    assert persistence.finished[-1] == (entry.id, "edited twice")


def test_the_toolbar_task_is_the_task_for_new_regions(qtbot, window, page_png):
    w = window()
    specs = _open(qtbot, w, page_png)
    actions = w.action_set
    assert "task for new regions" in actions.task_actions[Task.TABLE].toolTip()
    assert actions.new_regions_label.text().strip() == "New regions:"
    _draw(qtbot, w, (0.05, 0.05), (0.3, 0.2))
    _draw(qtbot, w, (0.05, 0.3), (0.3, 0.5))
    _draw(qtbot, w, (0.05, 0.6), (0.3, 0.8))
    a, b, c = specs
    # picking a task with two regions selected: exactly those two, and new regions
    _select(w, a, c)
    actions.task_actions[Task.FORMULA].trigger()
    assert [s.task for s in specs] == [Task.FORMULA, Task.TEXT, Task.FORMULA]
    assert w.state_label.text().endswith("New regions: Formula")
    assert actions.act_undo.text() == "&Undo Set Task: Formula"
    # selecting a region of another task does not change the task for new regions
    _select(w, b)
    assert actions.current_task() is Task.FORMULA
    assert "Region 2: read as Text" in w.state_label.text() and "New regions: Formula" in w.state_label.text()
    w.view.scene().clearSelection()
    _draw(qtbot, w, (0.5, 0.6), (0.9, 0.8))
    assert specs[-1].task is Task.FORMULA
    # with nothing selected, picking a task changes no region
    w.view.scene().clearSelection()
    before = _state(specs)
    actions.task_actions[Task.TABLE].trigger()
    assert _state(specs) == before and w.state_label.text() == "New regions: Table"


def test_keys_1_to_4_act_only_when_the_page_has_focus(qtbot, window, page_png):
    w = window()
    specs = _open(qtbot, w, page_png)
    _run_page(qtbot, w)
    _draw(qtbot, w, (0.1, 0.1), (0.5, 0.3))
    (spec,) = specs
    assert w.view.selected_specs() == [spec]
    # typing in the Source editor: the digit is text, not a task
    w.results.tabs.setCurrentIndex(1)
    w.results.source.setFocus()
    qtbot.waitUntil(w.results.source.hasFocus, timeout=WAIT)
    qtbot.keyClick(w.results.source, "3")
    assert spec.task is Task.TEXT and w.current_task() is Task.TEXT
    assert w.results.source.toPlainText().endswith("3")  # the editor got it
    # the results list: nothing either
    w.results.list.setFocus()
    qtbot.keyClick(w.results.list, "2")
    assert spec.task is Task.TEXT and w.current_task() is Task.TEXT
    # the page: the selected region and new regions
    w.view.setFocus()
    qtbot.waitUntil(w.view.hasFocus, timeout=WAIT)
    qtbot.keyClick(w.view, Qt.Key.Key_3)
    assert spec.task is Task.TABLE and w.current_task() is Task.TABLE


def test_run_whole_page_reads_text_unless_another_task_is_picked_for_it(qtbot, window, page_png):
    engine = FakeEngine()
    w = window(engine)
    _open(qtbot, w, page_png)
    w.action_set.task_actions[Task.FORMULA].trigger()  # the task for new regions
    assert w.current_task() is Task.FORMULA
    (text_entry,) = _run_page(qtbot, w)
    assert text_entry.task is Task.TEXT and engine.jobs[-1].task is Task.TEXT
    assert "as text" in w.action_set.act_run_whole.toolTip()
    w.action_set.whole_page_actions[Task.TABLE].trigger()
    entry = w.results.entries[-1]
    qtbot.waitUntil(lambda: entry.state is JobState.DONE, timeout=WAIT)
    assert entry.task is Task.TABLE and engine.jobs[-1].task is Task.TABLE
    assert engine.jobs[-1].source.region is None  # the whole page


def test_the_banner_runs_a_cut_result_again_with_twice_the_limit_next_to_it(qtbot, window, page_png):
    engine = FakeEngine(lambda job: ["| a | b |\n", "| 1 | 2 |"], budget_hit=lambda job: job.token_budget < 100)
    w = window(engine)
    w.settings.max_new_tokens = 64
    specs = _open(qtbot, w, page_png)
    _draw(qtbot, w, (0.1, 0.1), (0.5, 0.3))
    _draw(qtbot, w, (0.1, 0.5), (0.5, 0.8))
    w.view.scene().clearSelection()
    w.action_set.task_actions[Task.TABLE].trigger()
    _select(w, specs[0])
    w.action_set.task_actions[Task.TABLE].trigger()
    reqs = w.run_page()
    first, second = (w.results.entry(r.id) for r in reqs)
    qtbot.waitUntil(lambda: second.state is JobState.DONE, timeout=WAIT)
    assert first.result.truncated and [j.max_new_tokens for j in engine.jobs] == [64, 64]
    pane = w.results
    pane.select(first)
    button = pane.rerun_button
    assert pane.cut_banner.isVisibleTo(pane) and button.isVisibleTo(pane) and button.isEnabled()
    assert button.text() == "Run again with more tokens" and "128" in button.toolTip()
    button.click()
    qtbot.waitUntil(lambda: len(pane.entries) == 3 and pane.entries[1].state is JobState.DONE, timeout=WAIT)
    again = pane.entries[1]
    assert pane.entries == [first, again, second]  # next to the old one
    job = engine.jobs[-1]
    assert job.max_new_tokens == 128 and job.task is Task.TABLE
    assert job.source.region == specs[0].region and again.spec_id == specs[0].id
    assert not again.result.truncated and not pane.cut_banner.isVisibleTo(pane)  # shown, and whole now
    assert "128 tokens" in again.label


def test_a_loop_cut_runs_again_with_the_same_limit_and_the_limit_tops_out(qtbot, window, page_png):
    from glmocr_desktop.gui.result_pane import ResultEntry, rerun_limit

    engine = FakeEngine(lambda job: ["Total\n", "0." * 3000])
    w = window(engine)
    w.settings.max_new_tokens = 2000
    _open(qtbot, w, page_png)
    (entry,) = _run_page(qtbot, w)
    assert entry.result.cut
    pane = w.results
    assert pane.rerun_button.text() == "Run again" and pane.rerun_button.isEnabled()
    pane.rerun_button.click()
    qtbot.waitUntil(lambda: len(engine.jobs) == 2, timeout=WAIT)
    assert engine.jobs[-1].max_new_tokens == 2000 and engine.jobs[-1].task is Task.TEXT
    # twice the limit, up to 16,384; none past it
    done = ResultEntry(id="x", label="x", task=Task.TEXT, state=JobState.DONE, result=entry.result)
    done.result = type(entry.result)(**{**entry.result.__dict__, "cut": False, "truncated": True})
    for had, gets in ((8192, 16384), (10000, 16384), (16384, None), (100, 200)):
        done.meta["token_limit"] = had
        assert rerun_limit(done) == gets
