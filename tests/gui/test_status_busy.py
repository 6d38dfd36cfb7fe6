"""The status bar's busy state in any language: "Ready" follows a running-state text when the queue runs
dry, whatever words it has, and never replaces a text something else put there since."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTranslator

from glmocr_desktop.gui.status_bar import StatusBar


class _Other(QTranslator):
    """Every message of the Runs controller with other words in front, as another language would have."""

    def translate(self, context, source, disambiguation=None, n=-1):
        return "» " + source if context == "Runs" else None


def test_busy_text_gives_way_to_ready_in_any_language(qtbot):
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show_busy("Erkenne Seite 1 · #1…")  # no English prefix to go by
    bar.settle()
    assert bar.state_label.text() == "Ready"

    bar.show_busy("正在识别 页面 1…")
    bar.set_state("Done: page 1")  # a result arrived after the busy text
    bar.settle()
    assert bar.state_label.text() == "Done: page 1"

    bar.set_state("Opened scan.png")  # never a busy text: settling leaves it
    bar.settle()
    assert bar.state_label.text() == "Opened scan.png"


def test_a_stopped_run_in_another_language_settles_to_ready(qtbot, tmp_path, page_png, errors_shown):
    """The window's own path: a run held by the engine, stopped; "Stopping…" in another language's words
    gives way to "Ready" once the queue is empty."""
    from fake_engine import FakeEngine
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from glmocr_desktop.gui.controllers.persistence import NullPersistence
    from glmocr_desktop.gui.main_window import MainWindow
    from glmocr_desktop.gui.settings_store import SettingsStore

    gate = threading.Event()
    engine = FakeEngine(lambda job: ["first ", "second"], gate=gate)
    store = SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(store=store, engine_factory=lambda settings: engine, persistence=NullPersistence())
    qtbot.addWidget(w)
    shout = _Other()
    QApplication.installTranslator(shout)
    try:
        assert w.open_paths([page_png]) == 1
        qtbot.waitUntil(lambda: w.current is not None and w.view.page is not None, timeout=10_000)
        (req,) = w.run_whole_page()
        entry = w.results.entry(req.id)
        qtbot.waitUntil(lambda: entry.text == "first ", timeout=10_000)
        assert w.state_label.text().startswith("» Recognising")
        w.cancel()
        assert w.state_label.text() == "» Stopping…"
        gate.set()
        qtbot.waitUntil(lambda: not w.is_busy(), timeout=10_000)
        qtbot.waitUntil(lambda: w.state_label.text() in ("Ready", "» Done: " + entry.label + " (stopped)"),
                        timeout=10_000)  # fmt: skip
        assert not w.state_label.text().startswith(("» Stopping", "» Recognising", "» Queued"))
    finally:
        QApplication.removeTranslator(shout)
        w.close()
