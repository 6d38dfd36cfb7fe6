"""The window's controllers, each on its own, and the window driven through a scripted engine and no
database: queueing, cancelling, failures and persistence calls, in seconds and without torch."""

from __future__ import annotations

import threading

import pytest
from fake_engine import FakeEngine
from PySide6.QtCore import QSettings

from glmocr_desktop.core.errors import ModelNotFoundError
from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.base import FastPathState, ModelState
from glmocr_desktop.gui.controllers.persistence import NullPersistence

WAIT = 10_000


class RecordingPersistence(NullPersistence):
    """No database; remembers what it was asked to keep."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def job_started(self, entry, info, settings) -> None:
        self.calls.append(("started", entry.id))

    def job_partial(self, entry) -> None:
        self.calls.append(("partial", entry.text))

    def job_finished(self, entry) -> None:
        self.calls.append(("finished", entry.state.value))

    def save_regions(self, doc) -> None:
        self.calls.append(("regions", doc.name))


@pytest.fixture
def settings_store(tmp_path):
    from glmocr_desktop.gui.settings_store import SettingsStore

    return SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def fake_window(qtbot, settings_store, errors_shown):
    """``make(engine=FakeEngine(), persistence=RecordingPersistence())``: a window with no model, no store."""
    windows = []

    def make(engine=None, persistence=None):
        from glmocr_desktop.gui.main_window import MainWindow

        engine = engine or FakeEngine()
        w = MainWindow(store=settings_store, engine_factory=lambda settings: engine,
                       persistence=persistence or RecordingPersistence())
        qtbot.addWidget(w)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()
        assert not w.worker.isRunning()


def _open(qtbot, w, path):
    assert w.open_paths([path]) == 1
    qtbot.waitUntil(lambda: w.current is not None and w.view.page is not None, timeout=WAIT)


def test_window_runs_a_page_through_the_scripted_engine(qtbot, fake_window, page_png):
    persistence = RecordingPersistence()
    w = fake_window(persistence=persistence)
    assert w.result_store is None and w.history_dock is None
    _open(qtbot, w, page_png)
    assert w.model_state is ModelState.IDLE
    (req,) = w.run_whole_page()
    entry = w.results.entry(req.id)
    qtbot.waitUntil(lambda: entry.state is JobState.DONE, timeout=WAIT)
    assert w.model_state is ModelState.READY
    assert entry.text == "scripted text text"
    assert ("started", req.id) in persistence.calls and persistence.calls[-1] == ("finished", "done")
    assert "fake-engine" in w.model_label.text()
    qtbot.waitUntil(lambda: w.fast_label.text() == "Standard speed", timeout=WAIT)
    assert "scripted engine" in w.fast_label.toolTip()
    qtbot.waitUntil(lambda: w.state_label.text().startswith(("Done", "Ready")), timeout=WAIT)


def test_cancel_is_its_own_outcome_not_an_error(qtbot, fake_window, page_png):
    gate = threading.Event()
    engine = FakeEngine(lambda job: ["first ", "second ", "third"], gate=gate)
    persistence = RecordingPersistence()
    w = fake_window(engine, persistence)
    _open(qtbot, w, page_png)
    (req,) = w.run_whole_page()
    entry = w.results.entry(req.id)
    qtbot.waitUntil(lambda: entry.text == "first ", timeout=WAIT)
    assert w.is_busy() and w.action_set.act_stop.isEnabled()
    w.cancel()
    qtbot.waitUntil(lambda: not entry.state.active, timeout=WAIT)
    assert entry.state is JobState.CANCELLED and entry.error == ""
    assert entry.text.startswith("first")
    assert not w.last_error  # a stop is not reported as a failure
    assert persistence.calls[-1] == ("finished", "cancelled")


def test_a_failing_engine_fails_the_job_with_its_class_and_message(qtbot, fake_window, page_png):
    w = fake_window(FakeEngine(fail_with=RuntimeError("the device went away")))
    _open(qtbot, w, page_png)
    (req,) = w.run_whole_page()
    entry = w.results.entry(req.id)
    qtbot.waitUntil(lambda: not entry.state.active, timeout=WAIT)
    assert entry.state is JobState.ERROR
    assert entry.error == "RuntimeError: the device went away"
    assert w.last_error.endswith("RuntimeError: the device went away")


def test_a_missing_model_fails_waiting_runs_and_asks_for_the_model(qtbot, fake_window, page_png):
    w = fake_window(FakeEngine(load_error=ModelNotFoundError("GLM-OCR is not on this computer.")))
    _open(qtbot, w, page_png)
    (req,) = w.run_whole_page()
    entry = w.results.entry(req.id)
    qtbot.waitUntil(lambda: w.model_state is ModelState.MISSING, timeout=WAIT)
    assert entry.state is JobState.ERROR and entry.error == "The model is not loaded."
    assert w.model_label.text() == "No model"
    assert w._model_dialog is not None and w._model_dialog.isVisible()
    w._model_dialog.reject()


def test_runs_controller_alone_reports_lifecycle_and_persists(qtbot, page_png):
    from glmocr_desktop.core.documents import open_document
    from glmocr_desktop.gui.controllers.documents import DocState
    from glmocr_desktop.gui.controllers.runs import Runs, build_requests
    from glmocr_desktop.gui.result_pane import ResultPane

    results = ResultPane()
    qtbot.addWidget(results)
    persistence = RecordingPersistence()
    settings = Settings()
    runs = Runs(results, persistence, lambda: settings, lambda s: FakeEngine())
    states: list[ModelState] = []
    fast: list[FastPathState] = []
    runs.model_changed.connect(lambda state, detail: states.append(state))
    runs.fast_path_changed.connect(lambda state, detail: fast.append(state))
    doc = open_document(page_png)
    try:
        st = DocState(doc=doc, path=str(page_png))
        reqs = build_requests(st, [None], Task.TABLE, None, settings)
        assert reqs[0].label == "page.png · p.1 · page Table" and reqs[0].template is None
        runs.submit(reqs, batch=False)
        entry = results.entry(reqs[0].id)
        assert entry.state is JobState.QUEUED and runs.pending_runs
        qtbot.waitUntil(lambda: entry.state is JobState.DONE, timeout=WAIT)
        assert states[:2] == [ModelState.LOADING, ModelState.READY] and not runs.pending_runs
        qtbot.waitUntil(lambda: fast[-1:] == [FastPathState.UNAVAILABLE], timeout=WAIT)
        assert fast[0] is FastPathState.WARMING
        kinds = [k for k, _ in persistence.calls]
        assert kinds[0] == "started" and kinds[-1] == "finished" and "partial" in kinds
    finally:
        assert runs.shutdown(5000)
        doc.close()


def test_documents_controller_alone(qtbot, page_png, tmp_path):
    from glmocr_desktop.gui.controllers.documents import Documents

    docs = Documents()
    added, focus, messages = [], [], []
    docs.added.connect(added.append)
    docs.focus.connect(focus.append)
    docs.message.connect(lambda text, error, dialog: messages.append(text))
    try:
        assert docs.open_paths([page_png]) == 1
        qtbot.waitUntil(lambda: len(added) == 1, timeout=WAIT)
        st = added[0]
        assert st.name == "page.png" and st.page_count == 1 and docs.docs == [st]
        assert docs.open_paths([page_png]) == 0 and focus == [0]  # already open
        assert docs.open_paths([tmp_path / "nowhere.png"]) == 0
        assert "nowhere.png (not found)" in messages[-1]
        docs.show(st)
        assert docs.turn_to(0) == st.doc.page_size(0)
        assert docs.rotate() == 90 and docs.rotate() == 180 and st.rotation == {0: 180}
        assert docs.close_document(st) == 0 and docs.current is None and docs.docs == []
    finally:
        docs.shutdown()


def test_actions_call_their_commands_and_choose_tasks(qtbot):
    from PySide6.QtWidgets import QMainWindow

    from glmocr_desktop.gui.controllers.actions import Actions

    class Commands:
        def __init__(self):
            self.called: list[str] = []

        def __getattr__(self, name):
            return lambda *args: self.called.append(name)

    class View:
        def zoom_in(self):
            commands.called.append("view.zoom_in")

    owner = QMainWindow()
    qtbot.addWidget(owner)
    commands = Commands()
    actions = Actions(owner, commands, View())
    actions.build_menus()
    actions.build_toolbar()
    chosen = []
    actions.task_chosen.connect(chosen.append)
    actions.act_run.trigger()
    actions.act_zoom_in.trigger()
    actions.task_actions[Task.TABLE].trigger()
    assert commands.called == ["run_selected", "view.zoom_in"] and chosen == [Task.TABLE]
    assert actions.current_task() is Task.TABLE
    assert actions.task_actions[Task.FORMULA].shortcut().toString() == "2"
    actions.update(has_document=False, can_stop=False)
    assert not actions.act_run.isEnabled() and not actions.act_stop.isEnabled()
    assert actions.act_open.isEnabled()


def test_theme_follows_the_setting(qtbot):
    from glmocr_desktop.gui.controllers.theme import Theme

    mode = ["dark"]
    theme = Theme(lambda: mode[0])
    seen = []
    theme.changed.connect(seen.append)
    theme.apply()
    mode[0] = "light"
    theme.apply()
    assert seen == [True, False]
    assert "QToolBar#mainToolbar" in Theme.stylesheet(theme_palette(), dark=True)


def theme_palette():
    from PySide6.QtWidgets import QApplication

    return QApplication.palette()
