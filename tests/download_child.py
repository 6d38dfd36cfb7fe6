"""Run by tests/test_model_download.py with HF_ENDPOINT pointing at tests/fake_hub.py: the app's own
download code (engines.hub.download_model) fetches a model into a cache folder. Prints JSON lines:
progress events, then the result or the error.

    python download_child.py REPO CACHE_DIR [STOP_AFTER_BYTES]
"""

from __future__ import annotations

import json
import sys
import threading


def main() -> int:
    repo, cache = sys.argv[1], sys.argv[2]
    stop_after = int(sys.argv[3]) if len(sys.argv) > 3 else None
    from glmocr_desktop.engines.hub import download_model

    cancel = threading.Event()

    def progress(done: int, total: int, message: str) -> None:
        print(json.dumps({"done": done, "total": total, "message": message}), flush=True)
        if stop_after is not None and done > stop_after:
            cancel.set()  # as the dialog's Stop button does, from another thread than the transfer's

    try:
        folder = download_model(repo, progress=progress, cancel=cancel, cache_dir=cache)
    except Exception as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}), flush=True)
        return 1
    print(json.dumps({"folder": str(folder)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
