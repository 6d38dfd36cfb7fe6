"""Closing is always clean: during a slow model load or a long prompt pass the window closes within
about a second, the inference thread joins, and Qt has nothing to warn about. Esc stops a long prefill.

The model is the real tiny checkpoint with slowing hooks (tests/slowing.py), not a fake engine.
"""

from __future__ import annotations

import os
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()

from slowing import slow_prefill, slow_weights

from gui.test_app_robustness import qt_warnings  # noqa: F401  (fixture)
from gui.test_app_window import MODEL_WAIT, wait_doc

pytestmark = pytest.mark.gui


def _ours(warnings: list[str]) -> list[str]:
    """Qt's warnings about the app (threads, objects, timers), not the web engine's GPU probing."""
    return [m for m in warnings if "GPUInfo" not in m]


@pytest.fixture
def slow_prefill_factory():
    from glmocr_desktop.engines.local import LocalEngine

    engines = []

    def factory(settings):
        engine = LocalEngine(model=settings.model, device="cpu", fast=False)
        load = engine.load

        def loaded(progress=None):
            load(progress)
            engine.prefill_started = slow_prefill(engine, per_layer_s=0.8)

        engine.load = loaded
        engines.append(engine)
        return engine

    factory.engines = engines
    return factory


def _start_slow_prefill(qtbot, make_window, black_png, factory):
    w = make_window(black_png, autoload=False)
    w.worker._factory = factory
    w.load_model()
    wait_doc(qtbot, w)
    qtbot.waitUntil(lambda: w.model_state == "ready", timeout=MODEL_WAIT)
    w.run_whole_page()
    entry = w.results.entries[-1]
    engine = factory.engines[-1]
    qtbot.waitUntil(lambda: engine.prefill_started.is_set(), timeout=30_000)
    return w, entry


def test_close_during_a_long_prefill_stops_at_once(qtbot, make_window, black_png, slow_prefill_factory,
                                                   qt_warnings):  # noqa: F811
    w, entry = _start_slow_prefill(qtbot, make_window, black_png, slow_prefill_factory)
    t0 = time.monotonic()
    w.close()
    took = time.monotonic() - t0
    assert w.worker.isFinished()
    assert took < 3.0  # a layer of the prompt pass (0.8 s here), not the whole pass (3.2 s)
    assert entry.state == "cancelled"
    assert not _ours(qt_warnings), qt_warnings


def test_escape_stops_a_long_prefill(qtbot, make_window, black_png, slow_prefill_factory, qt_warnings):  # noqa: F811
    from PySide6.QtCore import Qt

    w, entry = _start_slow_prefill(qtbot, make_window, black_png, slow_prefill_factory)
    t0 = time.monotonic()
    qtbot.keyClick(w.view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: entry.state != "running", timeout=10_000)
    assert time.monotonic() - t0 < 3.0
    assert entry.state == "cancelled"
    assert not _ours(qt_warnings), qt_warnings


def test_close_during_a_slow_model_load_stops_at_once(qtbot, make_window, black_png, monkeypatch,
                                                      qt_warnings):  # noqa: F811
    started = slow_weights(monkeypatch, seconds=60)
    w = make_window(black_png, autoload=False)
    w.load_model()
    qtbot.waitUntil(started.is_set, timeout=MODEL_WAIT)
    qtbot.wait(200)
    t0 = time.monotonic()
    w.close()
    took = time.monotonic() - t0
    assert w.worker.isFinished()
    assert took < 3.0
    assert not _ours(qt_warnings), qt_warnings
