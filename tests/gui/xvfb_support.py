"""What the Xvfb tests share: running a child process in a real window, and, in the child, waiting on a
condition while the real event loop runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


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


ROOT = Path(__file__).resolve().parents[2]
#: where the real-window tests leave their screenshots and reports (git-ignored)
ARTIFACTS = ROOT / "test-artifacts"


def run_window_child(script: str | Path, report_name: str, *args, timeout: float = 240) -> dict:
    """Run ``script`` (a test file's child part) on the real X display with ``args``, the artifacts folder
    and the report path as its arguments; returns the JSON report it wrote. Skips without a display."""
    import pytest

    if not os.environ.get("DISPLAY"):
        pytest.skip("needs an X display (run under Xvfb)")
    ARTIFACTS.mkdir(exist_ok=True)
    report = ARTIFACTS / report_name
    report.unlink(missing_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.run([sys.executable, str(script), *map(str, args), str(ARTIFACTS), str(report)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(report.read_text())
