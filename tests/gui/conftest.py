"""GUI test set-up: QtWebEngine prepared before any QApplication, windows deleted before it goes away."""

from __future__ import annotations

import pytest

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()


@pytest.fixture(scope="session", autouse=True)
def _delete_windows_before_exit():
    """A web page still alive when the QApplication is destroyed crashes the process at exit."""
    yield
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    import shiboken6

    app.clipboard().clear()
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
    for w in QApplication.topLevelWidgets():
        if w.parent() is None and shiboken6.isValid(w):
            w.close()
            shiboken6.delete(w)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


@pytest.fixture
def preview(qtbot):
    """A shown PreviewView whose page has loaded; deleted at once afterwards (view and page before the
    profile: a deleteLater() left for the end of the session would release the profile first)."""
    import shiboken6

    from glmocr_desktop.gui.preview import PreviewView

    view = PreviewView()
    view.resize(800, 600)
    view.show()
    qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)
    yield view
    view.close()
    shiboken6.delete(view)


# --- the app window -------------------------------------------------------------------------------


@pytest.fixture
def errors_shown(monkeypatch):
    shown: list[str] = []
    from glmocr_desktop.gui import dialogs

    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, text: shown.append(text))
    return shown


@pytest.fixture
def make_window(qtbot, tiny_model_dir, errors_shown):
    windows = []

    def make(*files, autoload=True, model=None):
        from glmocr_desktop.app import create_app

        args = [str(f) for f in files] + ["--model", str(model or tiny_model_dir)]
        if not autoload:
            args.append("--no-autoload")
        _app, window = create_app(args)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for w in windows:
        w.close()
        assert not w.worker.isRunning()


@pytest.fixture
def page_png(tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (800, 600), "white")
    d = ImageDraw.Draw(img)
    for i in range(8):
        d.text((60, 60 + 50 * i), f"Line {i}: The quick brown fox jumps over the lazy dog", fill="black")
    path = tmp_path / "page.png"
    img.save(path)
    return path


@pytest.fixture
def black_png(tmp_path):
    from PIL import Image

    path = tmp_path / "black.png"
    Image.new("RGB", (200, 200), "black").save(path)
    return path


def pytest_collection_modifyitems(config, items):
    """Every test here drives real Qt widgets: mark it ``gui`` (the quick loop deselects them)."""
    gui = pytest.mark.gui
    for item in items:
        if "tests/gui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(gui)
