"""The results store seen from the window: a banner with the reason as soon as results cannot be saved,
"Save unsaved results to…", a moved-aside database offered back, the crash dialog and the close-time
message telling the real number of unsaved results. Driven with the scripted FakeEngine and a real store
whose connections fail on purpose (the store's connection factory wrapped, nothing mocked inside it)."""

from __future__ import annotations

import json

import pytest
from fake_engine import FakeEngine
from PySide6.QtCore import QSettings, Qt
from store_faults import Faults, damage_pages, make_writable, pages_of, read_only_file

from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.store import ResultStore
from glmocr_desktop.gui import store_banner
from glmocr_desktop.gui.controllers.persistence import StorePersistence

WAIT = 10_000


@pytest.fixture
def window(qtbot, tmp_path, errors_shown):
    from glmocr_desktop.gui.main_window import MainWindow
    from glmocr_desktop.gui.settings_store import SettingsStore

    settings = SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    made = []

    def make(store: ResultStore):
        w = MainWindow(store=settings, engine_factory=lambda s: FakeEngine(), persistence=StorePersistence(store))
        qtbot.addWidget(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def _run_page(qtbot, w, page_png):
    assert w.open_paths([page_png]) == 1
    qtbot.waitUntil(lambda: w.current is not None and w.view.page is not None, timeout=WAIT)
    (req,) = w.run_whole_page()
    entry = w.results.entry(req.id)
    qtbot.waitUntil(lambda: entry.state is JobState.DONE, timeout=WAIT)
    return entry


def test_failed_writes_show_a_banner_the_crash_dialog_counts_them_and_they_can_be_saved(
        qtbot, window, tmp_path, page_png, monkeypatch):  # fmt: skip
    faults = Faults()
    w = window(ResultStore(tmp_path / "data" / "results.sqlite3", connect_with=faults.connect))
    banner = w.persistence.banner
    assert banner is not None and banner.isHidden() and w.centralWidget().isAncestorOf(banner)
    faults.writes_fail = True  # the disk starts failing
    entry = _run_page(qtbot, w, page_png)
    qtbot.waitUntil(lambda: not banner.isHidden() and "1 result not saved yet" in banner.text.text(), timeout=WAIT)
    assert "disk reported an error" in banner.text.text()
    assert not banner.save_button.isHidden() and banner.recover_button.isHidden()

    from glmocr_desktop.gui import crash

    shown: list[str] = []

    class Box:  # records the dialog's text instead of opening it
        class Icon:
            Critical = 0

        class StandardButton:
            Ok = 0

        def __init__(self, icon, title, text, buttons, parent=None):
            shown.append(text)
            self.destroyed = type("S", (), {"connect": lambda self, fn: None})()

        def __getattr__(self, name):
            return lambda *a: None

    monkeypatch.setattr(crash, "QMessageBox", Box)
    handler = crash.ExceptionHandler()
    handler.window = w
    handler._on_raised("ZeroDivisionError: boom", "traceback")
    assert "1 result is not saved yet" in shown[0] and "kept" not in shown[0].replace("kept in memory only", "")

    out = tmp_path / "picked.json"
    monkeypatch.setattr(store_banner, "ask_save_path", lambda parent, count: str(out))
    qtbot.mouseClick(banner.save_button, Qt.MouseButton.LeftButton)
    saved = json.loads(out.read_text())
    assert [r["text"] for r in saved["results"]] == [entry.text] and saved["results"][0]["status"] == "done"
    assert any("1 unsaved result saved to" in m for m in w.messages)

    faults.writes_fail = False  # the disk is back: written, banner gone
    qtbot.waitUntil(lambda: banner.isHidden(), timeout=WAIT)
    assert w.result_store.get_result(entry.meta["store_id"]).text == entry.text
    shown.clear()
    handler._last_shown = -1e9
    handler._on_raised("ZeroDivisionError: boom", "traceback")
    assert "every result so far is saved" in shown[0]


def test_close_with_unsaved_results_says_where_they_went(qtbot, window, tmp_path, page_png):
    faults = Faults(writes_fail=True)
    path = tmp_path / "data" / "results.sqlite3"
    w = window(ResultStore(path, connect_with=faults.connect))
    entry = _run_page(qtbot, w, page_png)
    w.close()
    said = [m for m in w.messages if "could not be written" in m]
    assert len(said) == 1 and said[0].startswith("1 result could not be written") and ".pending-" in said[0]
    again = ResultStore(path)  # the next start adds them back
    try:
        assert again.merged_on_open == 1 and again.flush(5)
        assert again.get_result(entry.meta["store_id"]).text == entry.text
    finally:
        again.close()


def test_close_with_results_nowhere_to_keep_asks_where_to_save_them(qtbot, window, tmp_path, page_png,
                                                                    monkeypatch):  # fmt: skip
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    w = window(ResultStore(blocker / "data" / "results.sqlite3"))  # no folder: the store runs in memory
    assert not w.persistence.banner.isHidden() and "memory only" in w.persistence.banner.text.text()
    _run_page(qtbot, w, page_png)
    out = tmp_path / "rescued.sqlite3"
    asked = []
    monkeypatch.setattr(store_banner, "ask_save_path", lambda parent, count: asked.append(count) or str(out))
    w.show()  # asked only of a window someone sees
    qtbot.waitExposed(w)
    w.close()
    assert asked == [1]
    said = [m for m in w.messages if "could not be saved" in m]
    assert said and "1 unsaved result saved to" in said[0]
    rescued = ResultStore(out)
    try:
        assert len(rescued.history()) == 1
    finally:
        rescued.close()


def test_a_moved_aside_database_is_offered_back_and_recovered(qtbot, window, tmp_path):
    path = tmp_path / "data" / "results.sqlite3"
    path.parent.mkdir(parents=True)
    s = ResultStore(path)
    for i in range(30):
        rid = s.begin_result(task="text", document_hash="old")
        s.finish_result(rid, Result(job_id="j", task="text", text=f"old result {i} " * 30, raw_text="x"))
    s.close()
    damage_pages(path, pages_of(path, "sqlite_autoindex_results_1"))
    w = window(ResultStore(path))
    banner = w.persistence.banner
    assert banner.mode == "offer" and not banner.recover_button.isHidden()
    assert ".broken-" in banner.text.text()
    qtbot.mouseClick(banner.recover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("30 results recovered" in m for m in w.messages), timeout=WAIT)
    qtbot.waitUntil(banner.isHidden, timeout=WAIT)
    assert len(w.result_store.results_for("old")) == 30 and w.result_store.recoverable() == []
    w.history_dock.refresh()
    items = [w.history_dock.list.item(i).text() for i in range(w.history_dock.list.count())]
    assert len(items) == 30 and all("old result" in t for t in items)


def test_a_read_only_database_says_so_when_the_window_opens(qtbot, window, tmp_path, page_png):
    path = tmp_path / "data" / "results.sqlite3"
    path.parent.mkdir(parents=True)
    ResultStore(path).close()
    with read_only_file(path):
        w = window(ResultStore(path))
        banner = w.persistence.banner
        assert not banner.isHidden() and "read-only mode" in banner.text.text()  # before anything is run
        entry = _run_page(qtbot, w, page_png)
        qtbot.waitUntil(lambda: "1 result not saved yet" in banner.text.text(), timeout=WAIT)
        make_writable(path)
        qtbot.waitUntil(banner.isHidden, timeout=15_000)
        assert w.result_store.get_result(entry.meta["store_id"]).text == entry.text


def test_history_of_a_hostile_database_never_raises(qtbot, window, tmp_path):
    import sqlite3
    import time

    path = tmp_path / "data" / "results.sqlite3"
    path.parent.mkdir(parents=True)
    ResultStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    now = time.time()
    rows = [("a", "doc", "p", "table", b"\xff\xfe", "done", "yesterday", "soon"),
            ("b", "doc", 1e30, "nonsense", 42, "weird", now, 1e300),
            ("c", None, -5, None, None, None, None, None)]  # fmt: skip
    for r in rows:
        conn.execute("INSERT INTO results(id, document_hash, page, task, text, status, created, updated) "
                     "VALUES (?, coalesce(?, ''), ?, coalesce(?, 'text'), coalesce(?, ''), coalesce(?, 'done'), "
                     "coalesce(?, 0), coalesce(?, 0))", r)  # fmt: skip
    conn.execute("INSERT INTO documents(hash, name, paths, page_count, first_seen, last_opened) "
                 "VALUES ('doc', ?, 'not json', 'x', 0, 0)", ("N" * 4000,))
    conn.close()
    w = window(ResultStore(path))
    dock = w.history_dock
    dock.refresh()
    items = [dock.list.item(i).text() for i in range(dock.list.count())]
    assert len(items) == 3 and not any("cannot be shown" in t for t in items)
    dock.search.setText("nothing like it")
    dock.refresh()
    assert dock.list.count() == 0
    dock.search.setText("")
    dock.refresh()
    for i in range(dock.list.count()):  # opening each one puts it in the result list
        dock._open_item(dock.list.item(i))
    assert len([e for e in w.results.entries if e.meta.get("store_id")]) == 3


def test_quitting_does_not_wait_on_a_slow_database(qtbot, window, tmp_path, page_png):
    import sqlite3
    import time

    path = tmp_path / "data" / "results.sqlite3"
    path.parent.mkdir(parents=True)
    ResultStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TRIGGER slow AFTER UPDATE ON results BEGIN SELECT count(*) FROM (WITH RECURSIVE "
                 "c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10000000000) SELECT i FROM c); END")
    conn.close()
    w = window(ResultStore(path))
    entry = _run_page(qtbot, w, page_png)
    t0 = time.monotonic()
    w.close()
    took = time.monotonic() - t0
    assert took < 4, took  # about two seconds on the store, whatever the file does
    said = [m for m in w.messages if "could not be written" in m]
    assert said and ".pending-" in said[0]
    kept = ResultStore(w.persistence.store.saved_aside)
    try:
        assert kept.get_result(entry.meta["store_id"]).text == entry.text
    finally:
        kept.close()
