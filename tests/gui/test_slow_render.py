"""A real slow page (a few kilobytes of PDF that MuPDF draws for seconds) never freezes the window: the
render runs in a worker process, so the event loop keeps turning, the "taking unusually long" notice is
true, and another document opens and shows meanwhile."""

from __future__ import annotations

import itertools
import os
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()

from PySide6.QtCore import QTimer
from test_render_limits import slow_pdf

pytestmark = pytest.mark.gui


def test_a_slow_page_leaves_the_window_responsive(qtbot, make_window, page_png, tmp_path):
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(slow_pdf(strokes=8000))
    w = make_window(slow, autoload=False)
    w.renderer.watchdog.limit_s = 0.5
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    qtbot.waitUntil(lambda: any("unusually long to render" in m for m in w.messages), timeout=30_000)
    # the notice is true: meanwhile another document opens and its page shows
    w.open_paths([page_png])
    qtbot.waitUntil(lambda: len(w.docs) == 2 and w.current is w.docs[1]
                    and not w.view.page.pixmap_item.pixmap().isNull(), timeout=20_000)
    qtbot.wait(1500)
    assert w.renderer.watchdog.running()  # the slow page is still rendering all this time
    timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert ticks[-1] - ticks[0] > 1.5
    assert max(gaps) < 1.0, max(gaps)  # in-process, MuPDF held the interpreter for the whole page
