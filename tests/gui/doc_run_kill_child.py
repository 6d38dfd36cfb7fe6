"""Child process for the document-run kill test: the real app reads a PDF with Run Document through the
scripted engine, page after page, until the parent kills it (SIGKILL) mid-run.

Usage: doc_run_kill_child.py PDF READS_LOG
Every read the engine finishes is appended to READS_LOG as ``<pid> <page>`` the moment it finishes.
GLMOCR_DATA_DIR must point at a private folder (the store the parent then resumes from).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fake_engine import FakeEngine

#: Seconds per streamed piece: a page takes ~0.75 s, long enough for the parent to kill between pages.
PIECE_S = 0.25


class LoggedEngine(FakeEngine):
    """The scripted engine, slowed down, writing down each read it finishes."""

    def __init__(self, log_path: str) -> None:
        super().__init__(self.pieces)
        self.log_path = log_path

    @staticmethod
    def pieces(job) -> list[str]:
        return [f"Page {job.source.page + 1} ", "read by ", "the scripted engine."]

    def _run(self, jobs):
        import time

        for chunk in super()._run(jobs):
            if not chunk.done:
                time.sleep(PIECE_S)
            elif not chunk.result.cancelled:
                job = next(j for j in jobs if j.id == chunk.job_id)
                with open(self.log_path, "a", encoding="utf-8") as fh:
                    fh.write(f"{os.getpid()} {job.source.page}\n")
            yield chunk


def main() -> None:
    pdf, log_path = sys.argv[1], sys.argv[2]
    from PySide6.QtCore import QTimer

    from glmocr_desktop.app import create_app
    from glmocr_desktop.engines.base import ModelState

    engine = LoggedEngine(log_path)
    app, window = create_app([pdf, "--model", "scripted"], engine_factory=lambda settings: engine, show=True)
    state = {"started": False}

    def poll() -> None:
        if not state["started"] and window.current is not None and window.model_state is ModelState.READY:
            state["started"] = window.document_runs.start([window.current])
            print("STARTED", flush=True)

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    app.exec()


if __name__ == "__main__":
    main()
