"""Nothing lost, nothing crashes: unexpected exceptions, every corpus file through the real window,
slow renders, a damaged or locked results store, cancel/close during a run, and kill -9 mid-stream."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from forcing import force_distinct_tokens

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler

from glmocr_desktop.gui import dialogs
from gui.test_app_window import MODEL_WAIT, wait_doc

pytestmark = pytest.mark.gui
HERE = Path(__file__).resolve().parent


@pytest.fixture
def qt_warnings():
    """Every Qt warning, critical or fatal message while the test runs (chained to the previous handler)."""
    seen: list[str] = []
    previous = None
    # notices of the offscreen platform plugin about itself, not about the app
    platform_noise = ("propagateSizeHints", "QRhiGles2", "Failed to create RHI")

    def handler(mode, context, message):
        if mode in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg) and not any(
            n in message for n in platform_noise
        ):
            seen.append(message)
        if previous is not None:
            previous(mode, context, message)

    previous = qInstallMessageHandler(handler)
    yield seen
    qInstallMessageHandler(previous)


def varied(engine):
    """Force distinct tokens from the random tiny model so a run lasts until stopped; count decode steps."""
    return force_distinct_tokens(engine)


# --- unexpected exceptions ---------------------------------------------------------------------


@pytest.fixture
def recorded_boxes(monkeypatch):
    from glmocr_desktop.gui import crash

    boxes: list[str] = []

    class FakeBox:
        class Icon:
            Critical = 0

        class StandardButton:
            Ok = 0

        def __init__(self, icon, title, text, buttons, parent=None):
            self.text = text
            self.visible = False
            boxes.append(text)

        def setDetailedText(self, text):
            self.details = text

        def setAttribute(self, *a):
            pass

        def setWindowModality(self, *a):
            pass

        @property
        def destroyed(self):
            class _S:
                def connect(self, fn):
                    pass

            return _S()

        def open(self):
            self.visible = True

        def isVisible(self):
            return False  # the user closed it at once

    monkeypatch.setattr(crash, "QMessageBox", FakeBox)
    return boxes


@pytest.mark.qt_no_exception_capture
def test_exception_in_slot_is_logged_and_shown_and_app_carries_on(qtbot, make_window, recorded_boxes, page_png):
    from glmocr_desktop.core import logs

    w = make_window(page_png, autoload=False)
    wait_doc(qtbot, w)
    handler = w.exception_handler
    assert handler is not None and sys.excepthook == handler.sys_hook
    handler.install()  # pytest-qt swapped hooks around the fixture's setup; the app's own are wanted here
    handler.min_interval_s = 10.0

    def broken_zoom():
        raise ZeroDivisionError("zoom went wrong")

    w.view.zoom_in = broken_zoom  # the Zoom In action's slot calls this
    w.action_set.act_zoom_in.trigger()
    qtbot.waitUntil(lambda: len(recorded_boxes) == 1, timeout=5_000)
    text = recorded_boxes[0]
    assert "ZeroDivisionError: zoom went wrong" in text
    log_file = logs.log_file()
    assert str(log_file) in text
    # rate limit: a burst of errors gives no second dialog, but each is counted and logged
    for _ in range(5):
        w.action_set.act_zoom_in.trigger()
    qtbot.waitUntil(lambda: handler.suppressed == 5, timeout=5_000)
    assert len(recorded_boxes) == 1
    assert "Unexpected error" in w.statusBar().currentMessage()
    # an exception on a plain Python thread goes the same way (queued to the GUI thread)
    handler.min_interval_s = 0.0
    t = threading.Thread(target=lambda: 1 / 0, name="side-worker")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(recorded_boxes) == 2, timeout=5_000)
    assert "ZeroDivisionError" in recorded_boxes[1] and "5 more error(s)" in recorded_boxes[1]
    # the app still works
    w.view.zoom_in = type(w.view).zoom_in.__get__(w.view)
    zoom = w.view.zoom()
    w.action_set.act_zoom_in.trigger()
    assert w.view.zoom() > zoom
    w.close_current_document()
    w.open_paths([page_png])
    wait_doc(qtbot, w)
    assert w.current.name == "page.png"
    for h in __import__("logging").getLogger().handlers:
        h.flush()
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged
    assert "zoom went wrong" in logged and "broken_zoom" in logged
    assert "side-worker" in logged
    handler.uninstall()


# --- every corpus file through the real window ---------------------------------------------------


def corpus_rows(corpus_dir: Path) -> list[dict]:
    with open(corpus_dir / "MANIFEST.tsv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] != "ground_truth"]
    return rows


def test_every_corpus_file_opens_or_explains(qtbot, make_window, corpus_dir, errors_shown, monkeypatch):
    rows = corpus_rows(corpus_dir)
    assert len(rows) >= 40
    passwords = {}
    for r in rows:
        m = re.search(r"password = (\S+)", r["notes"])
        if m and "USER password" in r["notes"]:
            passwords[Path(r["file"]).name] = m.group(1).rstrip(";,)")
    asked: list[str] = []

    def answer(parent, name, wrong=False):
        asked.append(name)
        return None if wrong else passwords.get(name)

    monkeypatch.setattr(dialogs, "ask_password", answer)
    w = make_window(autoload=False)
    opened, refused = [], []
    t0 = time.monotonic()
    for r in rows:
        path = corpus_dir / r["file"]
        name = path.name
        n_docs, n_err, n_msg = len(w.docs), len(errors_shown), len(w.messages)
        assert w.open_paths([path]) == 1, name

        def outcome():
            if len(w.docs) > n_docs:
                return "doc"
            if len(errors_shown) > n_err:
                return "dialog"
            if any(name in m and "was not opened" in m for m in w.messages[n_msg:]):
                return "no-password"
            return None

        qtbot.waitUntil(lambda: outcome() is not None, timeout=30_000)
        kind = outcome()
        if kind == "doc":
            st = w.docs[-1]
            assert w.current is st and st.doc.page_count >= 1
            # page 1 is shown, or the user is told why not
            qtbot.waitUntil(
                lambda: not w.view.page.pixmap_item.pixmap().isNull()
                or any("could not be rendered" in m or "unusually long" in m for m in w.messages[n_msg:]),
                timeout=30_000,
            )
            opened.append(name)
        else:
            message = errors_shown[-1] if kind == "dialog" else w.messages[-1]
            assert name in message and len(message) > len(name) + 10, message
            assert "Traceback" not in message
            refused.append((name, message))
    took = time.monotonic() - t0
    # encrypted PDFs asked for their password and opened with it
    for name in passwords:
        assert name in asked and name in opened, (name, refused)
    assert "pypdf_r4-owner-password.pdf" in opened and "pypdf_r4-owner-password.pdf" not in asked
    # the plainly broken files were refused with a message
    for broken in ("ocrmypdf_invalid.pdf", "qpdf_issue-1503_damaged.pdf", "pillow_broken.png",
                   "pillow_decompression_bomb.gif", "qpdf_empty_zero_pages.pdf"):  # fmt: skip
        assert broken in [n for n, _ in refused], broken
    assert len(opened) + len(refused) == len(rows)
    assert len(opened) >= 30
    # still responsive: the event loop turns at once and the document list holds the openable files
    fired = []
    QTimer.singleShot(0, lambda: fired.append(time.monotonic()))
    start = time.monotonic()
    qtbot.waitUntil(lambda: bool(fired), timeout=2_000)
    assert fired[0] - start < 1.0
    assert w.doc_list.count() == len(opened) == len(w.docs)
    assert [st.name for st in w.docs] == opened
    print(f"\n{len(opened)} opened, {len(refused)} refused in {took:.1f} s")


# --- slow renders ----------------------------------------------------------------------------------


class SlowDoc:
    """A document whose page render blocks until released (a MuPDF call that hangs)."""

    def __init__(self):
        from PIL import Image

        self.release = threading.Event()
        self.image = Image.new("RGB", (200, 280), "white")
        self.page_count = 2
        self.name = "slow.pdf"
        self.path = ""
        self.content_hash = ""
        self.warnings = []

    def page_size(self, index):
        return (200.0, 280.0)

    def render_page(self, index, dpi=110, max_side=2600):
        self.release.wait(30)
        return self.image

    def render_thumbnail(self, index, max_side=180):
        self.release.wait(30)
        return self.image

    def close(self):
        self.release.set()


def test_watchdog_reports_slow_work_once(qtbot):
    from glmocr_desktop.gui.loaders import Watchdog

    dog = Watchdog(limit_s=0.2)
    with qtbot.waitSignal(dog.slow, timeout=3_000) as blocker:
        dog.started("a")
        dog.started("b")
        dog.finished("b")  # finished in time: never reported
    assert blocker.args[0] == "a" and blocker.args[1] >= 0.2
    reports = []
    dog.slow.connect(lambda key, s: reports.append(key))
    qtbot.wait(600)
    assert reports == []  # reported once, not on every check
    dog.finished("a")
    assert dog.running() == []
    qtbot.waitUntil(lambda: not dog._timer.isActive(), timeout=2_000)


def test_slow_page_render_is_reported_not_waited_on(qtbot, make_window, page_png):
    w = make_window(autoload=False)
    w.renderer.watchdog.limit_s = 0.3
    doc = SlowDoc()
    w.documents._on_opened("slow.pdf", doc)
    assert w.current.doc is doc
    qtbot.waitUntil(lambda: any("unusually long to render" in m for m in w.messages), timeout=5_000)
    assert "Page 1 of slow.pdf" in w.messages[-1]
    assert w.thumbs.item(0).text().endswith("⌛")
    # the window is not blocked meanwhile: another document opens and shows
    w.open_paths([page_png])
    qtbot.waitUntil(lambda: len(w.docs) == 2 and not w.view.page.pixmap_item.pixmap().isNull(), timeout=20_000)
    # when the render finally ends the page appears and the mark goes
    w.doc_list.setCurrentRow(0)
    doc.release.set()
    qtbot.waitUntil(lambda: w.current is w.docs[0] and not w.view.page.pixmap_item.pixmap().isNull(), timeout=10_000)
    qtbot.waitUntil(lambda: w.thumbs.item(0).text() == "1", timeout=10_000)


# --- the results store at start-up ----------------------------------------------------------------


@pytest.fixture
def notices(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(dialogs, "show_notice", lambda parent, title, text: shown.append(text))
    return shown


def test_corrupt_store_is_moved_aside_and_said_once(qtbot, make_window, notices, page_png):
    data = Path(os.environ["GLMOCR_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    (data / "results.sqlite3").write_bytes(os.urandom(4096))
    w = make_window(autoload=False)
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: len(notices) == 1, timeout=5_000)
    assert "damaged" in notices[0] and "moved aside" in notices[0]
    assert list(data.glob("results.sqlite3.broken-*"))
    w.hide()
    w.show()
    qtbot.wait(100)
    assert len(notices) == 1  # once
    # the fresh store works
    w.open_paths([page_png])
    wait_doc(qtbot, w)
    assert w.result_store is not None and not w.result_store.in_memory
    assert w.result_store.flush(5)  # every write so far is committed...
    assert w.result_store.document(w.current.doc.content_hash) is not None  # ...and the document is in it


def test_locked_store_is_moved_aside(qtbot, make_window, notices, monkeypatch):
    import sqlite3

    from glmocr_desktop.gui.controllers import persistence

    monkeypatch.setattr(persistence, "STORE_BUSY_TIMEOUT_S", 0.3)
    data = Path(os.environ["GLMOCR_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    holder = sqlite3.connect(data / "results.sqlite3", isolation_level=None)
    holder.execute("CREATE TABLE t(x)")
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    try:
        w = make_window(autoload=False)
        qtbot.waitUntil(lambda: len(notices) == 1, timeout=5_000)
        assert "locked" in notices[0]
        assert any("locked" in m for m in w.messages)
        rid = w.result_store.begin_result(task="text")
        assert w.result_store.flush(5) and w.result_store.get_result(rid) is not None
    finally:
        holder.rollback()
        holder.close()


# --- cancel and close during generation -------------------------------------------------------------


@pytest.fixture
def varied_factory():
    """The real engine factory; the loaded model is forced to long output and counts its decode steps."""
    from glmocr_desktop.engines.local import LocalEngine

    engines = []

    def factory(settings):
        # stock generate: forcing the output goes through lm_head.forward, which the fast path bypasses
        engine = LocalEngine(model=settings.model, device="cpu", fast=False)
        load = engine.load

        def loaded(progress=None):
            load(progress)
            engine.steps = varied(engine)

        engine.load = loaded
        engines.append(engine)
        return engine

    factory.engines = engines
    return factory


def _stored(result_id):
    from glmocr_desktop.core.store import ResultStore

    with ResultStore(data_dir=os.environ["GLMOCR_DATA_DIR"]) as store:
        return store.get_result(result_id)


def _start_long_run(qtbot, make_window, black_png, factory):
    w = make_window(black_png, autoload=False)
    w.worker._factory = factory
    w.settings.max_new_tokens = 8000
    w.load_model()
    wait_doc(qtbot, w)
    qtbot.waitUntil(lambda: w.model_state == "ready", timeout=MODEL_WAIT)
    qtbot.waitUntil(lambda: w.fast_label.text() != "Getting faster…", timeout=MODEL_WAIT)
    w.run_whole_page()
    entry = w.results.entries[-1]
    engine = factory.engines[-1]
    qtbot.waitUntil(lambda: entry.state == "running" and engine.steps["n"] > 20 and len(entry.text) > 0,
                    timeout=30_000)  # fmt: skip
    return w, entry, engine


def test_escape_stops_within_a_token_and_saves(qtbot, make_window, black_png, varied_factory, qt_warnings):
    from PySide6.QtCore import Qt

    w, entry, engine = _start_long_run(qtbot, make_window, black_png, varied_factory)
    qtbot.keyClick(w.view, Qt.Key.Key_Escape)
    at_cancel = engine.steps["n"]
    qtbot.waitUntil(lambda: entry.state != "running", timeout=10_000)
    assert entry.state == "cancelled"
    assert engine.steps["n"] - at_cancel <= 2  # the step in flight, at most one more
    assert entry.result is not None and entry.result.cancelled and entry.result.text
    assert not w.is_busy() and "Stopping" not in w.state_label.text()
    rid = entry.meta["store_id"]
    assert w.result_store.flush(5)
    stored = w.result_store.get_result(rid)
    assert stored.status == "cancelled" and stored.cancelled and stored.text
    assert not qt_warnings, qt_warnings


def test_close_during_run_stops_joins_and_saves(qtbot, make_window, black_png, varied_factory, qt_warnings):
    w, entry, engine = _start_long_run(qtbot, make_window, black_png, varied_factory)
    rid = entry.meta["store_id"]
    t0 = time.monotonic()
    w.close()
    took = time.monotonic() - t0
    at_close = engine.steps["n"]
    assert w.worker.isFinished() and took < 10
    time.sleep(0.2)
    assert engine.steps["n"] - at_close <= 1  # nothing runs after the join
    assert entry.state == "cancelled" and entry.text
    stored = _stored(rid)
    assert stored is not None and stored.status == "cancelled" and stored.cancelled
    assert stored.text and len(stored.text) >= len(entry.text) * 0.9
    assert not [m for m in qt_warnings if "Destroyed while thread" in m]
    assert not qt_warnings, qt_warnings


# --- fast path status -----------------------------------------------------------------------------


def test_fast_path_warms_up_beside_the_loaded_model(qtbot, make_window):
    from glmocr_desktop.engines.base import EngineInfo

    release = threading.Event()
    threads = []

    class Engine:
        def __init__(self):
            self.info = EngineInfo(model="fake", device="cuda", dtype="bfloat16")

        def load(self, progress=None):
            pass

        def warm_up_fast_path(self, progress=None):
            threads.append(threading.current_thread().name)
            self.info.fast_path = "warming"
            release.wait(10)
            self.info.fast_path = "ready"
            return True

        def cancel(self):
            pass

        def close(self):
            release.set()

    w = make_window(autoload=False)
    w.worker._factory = lambda settings: Engine()
    w.load_model()
    qtbot.waitUntil(lambda: w.model_state == "ready", timeout=10_000)
    qtbot.waitUntil(lambda: w.fast_label.text() == "Getting faster…", timeout=5_000)
    assert w.fast_label.isVisibleTo(w)
    assert threads == ["fast-path-warm-up"]
    release.set()
    qtbot.waitUntil(lambda: w.fast_label.text() == "Full speed", timeout=5_000)


# --- kill -9 mid-stream ---------------------------------------------------------------------------


def test_kill_9_mid_stream_keeps_partial_result(tmp_path, tiny_model_dir, page_png):
    from glmocr_desktop.core.store import ResultStore

    data = tmp_path / "killdata"
    env = dict(os.environ, GLMOCR_DATA_DIR=str(data), GLMOCR_LOG_DIR=str(tmp_path / "killlogs"),
               QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "app_kill_child.py"), str(tiny_model_dir), str(page_png)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    lengths: list[tuple[float, int]] = []
    out: list[str] = []
    killed_at = None
    deadline = time.monotonic() + 60
    try:
        for line in proc.stdout:
            out.append(line)
            if line.startswith("LEN "):
                _, t, n = line.split()
                lengths.append((float(t), int(n)))
            elif line.startswith("STREAMING"):
                killed_at = time.time()
                os.killpg(proc.pid, signal.SIGKILL)  # the app and its web engine helpers
                break
            if time.monotonic() > deadline:
                break
    finally:
        if killed_at is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert killed_at is not None, "".join(out[-40:])
    assert proc.returncode == -signal.SIGKILL
    streamed = lengths[-1][1]
    settled = max((n for t, n in lengths if t <= killed_at - 0.5), default=0)
    assert settled > 0
    store = ResultStore(data_dir=data)
    try:
        assert store.interrupted_on_open == 1
        rows = store.history(limit=10)
        assert len(rows) == 1
        r = rows[0]
        assert r.status == "interrupted"
        assert settled <= len(r.text) <= streamed, (settled, len(r.text), streamed)
    finally:
        store.close()
