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
