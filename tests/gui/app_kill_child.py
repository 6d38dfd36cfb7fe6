"""Child process for the kill -9 test: the real app, a real run on the tiny checkpoint, killed mid-stream.

Usage: app_kill_child.py MODEL_DIR IMAGE
Prints ``LEN <time> <chars>`` for every streamed chunk and ``STREAMING`` once chunks have flowed for
~1.5 s; the parent then sends SIGKILL. GLMOCR_DATA_DIR must point at a private folder.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/

from forcing import force_distinct_tokens

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

STREAM_FOR_S = 1.5


def varied_engine_factory(settings):
    """The real LocalEngine; after load its lm_head is forced to distinct tokens (random weights stop early)."""
    from glmocr_desktop.engines.local import LocalEngine

    engine = LocalEngine(model=settings.model, device="cpu", dtype=settings.dtype, fast=False)
    original_load = engine.load

    def load(progress=None):
        original_load(progress)
        force_distinct_tokens(engine)

    engine.load = load
    return engine


def main() -> None:
    model_dir, image = sys.argv[1], sys.argv[2]
    from PySide6.QtCore import QTimer

    from glmocr_desktop.app import create_app
    from glmocr_desktop.core.regions import Region

    app, window = create_app([image, "--model", model_dir], engine_factory=varied_engine_factory, show=True)
    window.settings.max_new_tokens = 8000
    state = {"first": None, "submitted": False, "marked": False}

    def on_chunk(job_id, delta, tokens):
        entry = window.results.entry(job_id)
        now = time.time()
        if state["first"] is None:
            state["first"] = now
        print(f"LEN {now:.6f} {len(entry.text) if entry else 0}", flush=True)
        if not state["marked"] and now - state["first"] >= STREAM_FOR_S:
            state["marked"] = True
            print("STREAMING", flush=True)

    window.worker.chunk.connect(on_chunk)

    def poll():
        if not state["submitted"] and window.docs and window.view.page is not None and window.model_state == "ready":
            window.view.add_region(Region(0.05, 0.05, 0.95, 0.6), window.current_task())
            window.run_selected()
            state["submitted"] = True
            print("SUBMITTED", flush=True)

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    app.exec()


if __name__ == "__main__":
    main()
