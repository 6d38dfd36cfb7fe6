"""Screen snip: the Wayland path through xdg-desktop-portal against a fake portal on a private session bus,
the choice of backend, the device-pixel crop, and a snip becoming a document with one region in the
window. (The X11 path with a real screen is in test_snip_xvfb.py.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pixels import mismatched, pattern
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication

from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui.snip import (
    PortalCapture,
    QtScreenCapture,
    ScreenSnip,
    SnipOutcome,
    SnipOverlay,
    crop_device_pixels,
    pick_capture,
)

pytestmark = pytest.mark.gui

FAKE_PORTAL = Path(__file__).resolve().parents[1] / "fake_portal.py"


@pytest.fixture
def session_bus():
    """A private D-Bus session daemon for the test; its address."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is not installed (Debian package dbus)")
    pytest.importorskip("jeepney")
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    address = daemon.stdout.readline().strip()
    assert address.startswith("unix:"), address
    yield address
    daemon.terminate()
    daemon.wait(10)


@pytest.fixture
def portal(session_bus):
    """Start the fake portal in a mode; yields (start, calls): ``calls()`` reads what it was asked."""
    procs: list[subprocess.Popen] = []

    def start(mode: str, png: Path | None = None) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, str(FAKE_PORTAL), session_bus, mode, *([str(png)] if png else [])],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stdout.readline().strip() == "ready"
        procs.append(proc)
        return proc

    yield start
    for p in procs:
        p.terminate()
        p.wait(10)


def bus_for(address: str, name: str):
    from PySide6.QtDBus import QDBusConnection

    bus = QDBusConnection.connectToBus(address, name)
    assert bus.isConnected()
    return bus


def run_capture(qtbot, capture) -> SnipOutcome:
    got: list[SnipOutcome] = []
    capture.capture(got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=20_000)
    return got[0]


def test_portal_snip_reads_the_file_the_portal_names(qtbot, tmp_path, session_bus, portal):
    known = pattern(173, 61)
    png = tmp_path / "Screenshot from today 1.png"  # a space: the URI is percent-encoded
    assert known.save(str(png))
    fake = portal("ok", png)
    outcome = run_capture(qtbot, PortalCapture(bus=bus_for(session_bus, "snip-ok")))
    assert outcome.error == "" and outcome.image is not None
    assert mismatched(outcome.image, known) == 0
    assert not png.exists()  # the portal's copy is not left in the user's Pictures
    call = json.loads(fake.stdout.readline())
    assert call["signature"] == "sa{sv}"
    assert call["options"]["interactive"] is True
    assert call["options"]["handle_token"].startswith("glmocr_")


def test_portal_cancel_and_silence(qtbot, session_bus, portal):
    portal("cancel")
    outcome = run_capture(qtbot, PortalCapture(bus=bus_for(session_bus, "snip-cancel")))
    assert outcome.cancelled


def test_portal_that_never_answers_times_out(qtbot, session_bus, portal):
    portal("silent")
    outcome = run_capture(qtbot, PortalCapture(bus=bus_for(session_bus, "snip-silent"), timeout_ms=1500))
    assert outcome.image is None and "did not answer" in outcome.error


def test_no_portal_on_the_bus_is_a_clear_error(qtbot, session_bus):
    outcome = run_capture(qtbot, PortalCapture(bus=bus_for(session_bus, "snip-none")))
    assert outcome.image is None and "not available" in outcome.error


def test_backend_choice():
    assert isinstance(pick_capture({"XDG_SESSION_TYPE": "wayland"}, "xcb"), PortalCapture)
    assert isinstance(pick_capture({"WAYLAND_DISPLAY": "wayland-0"}, "xcb"), PortalCapture)
    assert isinstance(pick_capture({}, "wayland"), PortalCapture)
    assert isinstance(pick_capture({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, "xcb"), QtScreenCapture)
    assert isinstance(pick_capture({}, "windows"), QtScreenCapture)


@pytest.mark.parametrize("dpr", [1.0, 1.5, 2.0])
def test_crop_is_in_device_pixels(dpr):
    device = pattern(300, 200)
    shot = QPixmap.fromImage(device)
    shot.setDevicePixelRatio(dpr)
    logical = QRect(20, 10, 50, 30)  # what the user framed on the overlay, in logical pixels
    crop = crop_device_pixels(shot, logical)
    x0, y0 = round(20 * dpr), round(10 * dpr)
    w, h = round(50 * dpr), round(30 * dpr)
    assert (crop.width(), crop.height()) == (w, h)
    assert crop.devicePixelRatio() == 1.0
    assert mismatched(crop, device.copy(x0, y0, w, h)) == 0


def test_snip_becomes_a_document_with_one_region(qtbot, make_window, tmp_path, session_bus, portal):
    """The whole chain in the window: the snip opens as a new document with one whole-page region of the
    current task, and the window is back on screen."""
    known = pattern(240, 90)
    png = tmp_path / "snip.png"
    known.save(str(png))
    portal("ok", png)
    w = make_window(autoload=False)
    w.choose_task(Task.FORMULA)
    bus = bus_for(session_bus, "snip-window")
    snip = ScreenSnip(w, capture_factory=lambda: PortalCapture(bus=bus))
    assert snip.start()
    assert not snip.start()  # one at a time
    qtbot.waitUntil(lambda: len(w.docs) == 1 and w.view.page is not None, timeout=20_000)
    st = w.current
    assert st.name.startswith("Snip image") and st.page_count == 1
    qtbot.waitUntil(lambda: len(st.regions.get(0, [])) == 1, timeout=5_000)
    spec = st.regions[0][0]
    assert spec.task is Task.FORMULA
    assert (spec.region.x0, spec.region.y0, spec.region.x1, spec.region.y1) == (0.0, 0.0, 1.0, 1.0)
    image = st.doc.render_page(0, dpi=w.settings.render_dpi)  # what a run sends to the model
    assert (image.width, image.height) == (240, 90)  # the snip's own pixels, not scaled
    assert image.getpixel((239, 89)) == known.pixelColor(239, 89).getRgb()[:3]
    assert image.getpixel((17, 53)) == known.pixelColor(17, 53).getRgb()[:3]
    assert w.isVisible() and not snip.is_busy()
    assert w.action_set.act_run.isEnabled()  # ready to run


def test_cancelled_snip_says_so_and_opens_nothing(qtbot, make_window, session_bus, portal):
    portal("cancel")
    w = make_window(autoload=False)
    bus = bus_for(session_bus, "snip-window-cancel")
    snip = ScreenSnip(w, capture_factory=lambda: PortalCapture(bus=bus))
    with qtbot.waitSignal(snip.finished, timeout=20_000):
        snip.start()
    assert not w.docs and w.isVisible()
    assert "Snip cancelled." in w.messages


def test_snip_action_in_the_window(qtbot, make_window, monkeypatch):
    """File > Snip Screen (Ctrl+Shift+S) and the toolbar button start a snip; Esc on the overlay brings
    the window back with nothing opened."""
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    w = make_window(autoload=False)
    act = w.action_set.act_snip
    assert act.shortcut().toString() == "Ctrl+Shift+S"
    assert act in w.action_set.toolbar.actions()
    file_menu = w.menuBar().actions()[0].menu()
    assert act in file_menu.actions()
    act.trigger()
    qtbot.waitUntil(
        lambda: (
            bool(QApplication.topLevelWidgets())
            and any(isinstance(t, SnipOverlay) and t.isVisible() for t in QApplication.topLevelWidgets())
        ),
        timeout=5_000,
    )
    assert not w.isVisible()  # out of the way while the user frames
    overlay = next(t for t in QApplication.topLevelWidgets() if isinstance(t, SnipOverlay) and t.isVisible())
    assert not overlay.shot.isNull()
    qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    qtbot.waitUntil(w.isVisible, timeout=5_000)
    assert "Snip cancelled." in w.messages and not w.docs
