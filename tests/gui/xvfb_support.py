"""What the Xvfb child processes share: waiting on a condition while the real event loop runs."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(app, cond: Callable[[], object], timeout: float = 60.0) -> bool:
    """Process ``app``'s events until ``cond()`` holds or ``timeout`` seconds pass; the last answer."""
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)
    return bool(cond())
