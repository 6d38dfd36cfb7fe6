"""One window per user and display: a second start hands its files to the running window and exits 0;
a socket left by a crashed instance does not block a start; ``--new-instance`` starts a window anyway."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glmocr_desktop.gui import single_instance
from glmocr_desktop.gui.single_instance import InstanceServer, hand_over, serve, server_name

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


_CHILD_HAND_OVER = """
import json, sys
from glmocr_desktop.gui.single_instance import hand_over
print(json.dumps(hand_over(sys.argv[2:], sys.argv[1])))
"""
_CHILD_GARBAGE = """
import sys
from PySide6.QtNetwork import QLocalSocket
sock = QLocalSocket()
sock.connectToServer(sys.argv[1])
assert sock.waitForConnected(2000)
sock.write(b'{"files": 3}\\n')
sock.flush()
sock.waitForReadyRead(5000)
print(bytes(sock.readAll().data()).decode().strip())
"""


def child(qtbot, code: str, *args, cwd: Path = ROOT) -> str:
    """Run a client in a process of its own while this one's event loop answers it; its output.

    (A client in a thread of this process would hold the interpreter while it waits for the answer.)
    """
    proc = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=cwd, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=30_000)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return out.strip()


def hand_over_from_child(qtbot, files, name: str, cwd: Path = ROOT) -> bool:
    return json.loads(child(qtbot, _CHILD_HAND_OVER, name, *files, cwd=cwd))


@pytest.fixture
def name(tmp_path) -> str:
    return str(tmp_path / "instance.sock") if sys.platform != "win32" else f"glmocr-test-{os.getpid()}"


def test_name_is_per_user_display_and_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("DISPLAY", ":1")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    first = server_name()
    assert first == server_name()
    monkeypatch.setenv("DISPLAY", ":2")
    assert server_name() != first
    monkeypatch.setenv("DISPLAY", ":1")
    monkeypatch.setenv("GLMOCR_DATA_DIR", str(tmp_path / "elsewhere"))
    assert server_name() != first
    if sys.platform != "win32":
        assert len(server_name().encode()) < 104  # the limit of a Unix socket path


def test_second_server_hands_over_to_the_first(qtbot, name, tmp_path):
    first = InstanceServer(name)
    assert first.listen()
    second = InstanceServer(name)
    assert not second.listen()  # a live instance keeps its name
    assert first.is_listening()
    received = []
    first.files_received.connect(received.append)
    scan = tmp_path / "scan one.png"
    assert hand_over_from_child(qtbot, [scan, "relative.pdf"], name, cwd=tmp_path) is True
    # absolute paths: the running window has a working folder of its own
    assert received == [[str(scan), str(tmp_path / "relative.pdf")]]
    assert hand_over_from_child(qtbot, [], name) is True  # no files: the window just comes to the front
    assert received[-1] == []
    first.close()


def test_no_instance_means_no_hand_over(name):
    assert hand_over(["x.png"], name) is False


def test_garbage_is_refused_and_the_server_carries_on(qtbot, name, tmp_path):
    server = InstanceServer(name)
    assert server.listen()
    received = []
    server.files_received.connect(received.append)
    assert child(qtbot, _CHILD_GARBAGE, name) == "error"
    assert received == []
    assert hand_over_from_child(qtbot, [tmp_path / "a.png"], name) is True
    assert received == [[str(tmp_path / "a.png")]]
    server.close()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave nothing behind")
def test_stale_socket_of_a_crashed_instance_is_replaced(qtbot, name, tmp_path):
    # a real process listens on the name and is killed: its socket file stays behind
    child = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_FIRST, name],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "listening"
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert Path(name).exists()
    assert hand_over(["x.png"], name) is False  # nobody answers there
    server = InstanceServer(name)
    assert server.listen()
    with qtbot.waitSignal(server.files_received, timeout=10_000):
        assert hand_over_from_child(qtbot, [tmp_path / "b.png"], name) is True
    server.close()


_CRASHING_FIRST = """
import sys
from PySide6.QtCore import QCoreApplication
from glmocr_desktop.gui.single_instance import InstanceServer
app = QCoreApplication([])
server = InstanceServer(sys.argv[1])
assert server.listen()
print("listening", flush=True)
app.exec()
"""


def test_window_opens_handed_over_files_and_comes_to_front(qtbot, make_window, name, corpus_dir, monkeypatch):
    w = make_window(autoload=False)
    server = serve(w, name)
    assert server is not None
    raised = []
    real = single_instance.bring_to_front
    monkeypatch.setattr(single_instance, "bring_to_front", lambda win: (raised.append(win), real(win)))
    assert hand_over_from_child(qtbot, [corpus_dir / "images" / "tesseract_phototest.tif"], name) is True
    qtbot.waitUntil(lambda: len(w.docs) == 1, timeout=20_000)
    assert w.current.name == "tesseract_phototest.tif"
    assert raised == [w] and w.isVisible()
    assert serve(w, name) is None  # the name is taken while this window runs
    server.close()


# --- two real app processes ------------------------------------------------------------------------


def _app_env(data: Path, report: Path | None = None) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GLMOCR_DATA_DIR": str(data),
           "GLMOCR_LOG_DIR": str(data / "logs"), "PYTHONPATH": str(ROOT)}  # fmt: skip
    env.pop("GLMOCR_STARTUP_REPORT", None)
    if report is not None:
        env["GLMOCR_STARTUP_REPORT"] = str(report)
    return env


def _wait(cond, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _opened_names(data: Path) -> set[str]:
    db = data / "results.sqlite3"
    if not db.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return {row[0] for row in conn.execute("SELECT name FROM documents")}
    except sqlite3.Error:
        return set()


def _start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "glmocr_desktop", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.stdout.read() if proc.stdout else ""


@pytest.mark.slow
def test_two_app_processes(tmp_path, tiny_model_dir, corpus_dir):
    """The real entry point twice: the second start hands its file over and exits 0; the first opens it.
    After the first is killed, its stale socket does not block the next start; --new-instance starts a
    window of its own even while one runs."""
    data = tmp_path / "data"
    report = tmp_path / "first.json"
    common = ["--no-autoload", "--model", str(tiny_model_dir)]
    env = _app_env(data, report)
    first = _start(common, env)
    procs = [first]
    try:
        _wait(report.exists, 120, "the first window")
        env_name = _app_env(data)
        name = subprocess.run([sys.executable, "-c", "from glmocr_desktop.gui.single_instance import "
                               "server_name; print(server_name())"], env=env_name, capture_output=True,
                              text=True, check=True).stdout.strip()  # fmt: skip
        _wait(lambda: sys.platform == "win32" or Path(name).exists(), 30, "the first window's socket")

        scan = corpus_dir / "images" / "tesseract_phototest.tif"
        t0 = time.monotonic()
        second = subprocess.run([sys.executable, "-m", "glmocr_desktop", *common, str(scan)], env=env_name,
                                cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert second.returncode == 0, second.stdout + second.stderr
        assert time.monotonic() - t0 < 30  # it did not build a window of its own
        _wait(lambda: scan.name in _opened_names(data), 60, "the first window to open the file")
        assert first.poll() is None

        # a crash leaves the socket behind; the next start is a normal first start all the same
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        report.unlink()
        again = _start(common, env)
        procs.append(again)
        _wait(report.exists, 120, "a window after the crash")
        other = corpus_dir / "images" / "ocrmypdf_linn.png"
        second = subprocess.run([sys.executable, "-m", "glmocr_desktop", *common, str(other)], env=env_name,
                                cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert second.returncode == 0, second.stdout + second.stderr
        _wait(lambda: other.name in _opened_names(data), 60, "the new first window to open the file")

        # --new-instance: its own window while one runs
        own = tmp_path / "own.json"
        separate = _start([*common, "--new-instance"], _app_env(tmp_path / "data", own))
        procs.append(separate)
        _wait(own.exists, 120, "the --new-instance window")
        assert json.loads(own.read_text())["pid"] == separate.pid
        assert again.poll() is None and separate.poll() is None
    finally:
        for p in procs:
            _stop(p)
