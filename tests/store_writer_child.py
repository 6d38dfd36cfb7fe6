"""Simulates a streaming run writing into a ResultStore until it is killed (used by test_store).

Usage: store_writer_child.py DB_PATH LOG_PATH
Appends one numbered line per step; after each append_partial call it logs "index time" to LOG_PATH.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from glmocr_desktop.core.store import ResultStore


def main() -> None:
    db_path, log_path = sys.argv[1], sys.argv[2]
    store = ResultStore(db_path)
    rid = store.begin_result(task="text", document_hash="kill-test", model="stream-sim")
    store.flush()
    text = ""
    with open(log_path, "w", buffering=1) as log:
        log.write(f"id {rid}\n")
        i = 0
        while True:
            text += f"{i:06d}\n"
            store.append_partial(rid, text)
            log.write(f"{i} {time.time():.6f}\n")
            i += 1
            time.sleep(0.002)


if __name__ == "__main__":
    main()
