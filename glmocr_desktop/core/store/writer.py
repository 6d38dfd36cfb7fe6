"""The store's one writer thread: callers never wait on the disk, and streaming text is coalesced.

Why a module of its own: every write to the database goes through one background thread fed by a
queue, each batch in one transaction, so the GUI thread only enqueues. Streaming results send their text
many times a second; only the latest text of each is kept and written every ``partial_interval``
seconds, so a crash or a kill loses at most the last fraction of a second and the disk sees a few writes
a second, not one per token.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

#: A queued write: runs inside the writer's transaction (in a savepoint of its own).
WriteOp = Callable[[sqlite3.Connection], object]  # what it returns is ignored


class _FlushMarker:
    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()
_WAKE = object()
_MAX_TRIES = 3  # a write that cannot start (database locked) is retried this many times


class StoreWriter:
    """Owns the writer connection and its thread; see the module docstring."""

    def __init__(self, conn: sqlite3.Connection, partial_interval: float,
                 on_error: Callable[[str], None]) -> None:
        self.partial_interval = partial_interval
        self.partial_writes = 0  # how many partial-text writes reached the database
        self._conn = conn
        self._on_error = on_error
        self._queue: queue.Queue[Any] = queue.Queue()
        self._partials: dict[str, tuple[str, float]] = {}  # result id -> (text, time appended)
        self._running: set[str] = set()  # begun, not yet finished or deleted
        self._ended: set[str] = set()  # finished or deleted: late partial text is dropped
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="ResultStore-writer", daemon=True)
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    # --- what callers do ------------------------------------------------------------------------

    def submit(self, op: WriteOp) -> None:
        if self._closed:
            raise RuntimeError("The result store is closed.")
        self._queue.put(op)

    def began(self, result_id: str) -> None:
        """A result's first row is queued: partial text for it may now be written."""
        with self._lock:
            self._running.add(result_id)

    def ended(self, result_id: str) -> None:
        """A result is final (or deleted): pending and later partial text for it is dropped."""
        with self._lock:
            self._partials.pop(result_id, None)
            self._ended.add(result_id)
            self._running.discard(result_id)

    def set_partial(self, result_id: str, text_so_far: str) -> None:
        """Keep the latest streamed text; it is written at the next partial interval."""
        with self._lock:
            if result_id in self._ended:
                return
            wake = not self._partials
            self._partials[result_id] = (text_so_far, time.monotonic())
        if wake and not self._closed:
            self._queue.put(_WAKE)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every write submitted so far (partial text included) is committed."""
        if self._closed or not self._thread.is_alive():
            return True
        marker = _FlushMarker()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self) -> None:
        """Write everything pending and stop the thread (the caller closes the connection)."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()

    # --- the thread -----------------------------------------------------------------------------

    def _loop(self) -> None:
        next_partial = 0.0
        while True:
            with self._lock:
                have_partials = bool(self._partials)
            timeout = max(0.0, next_partial - time.monotonic()) if have_partials else None
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            ops: list[WriteOp] = []
            flushes: list[_FlushMarker] = []
            stop = False
            while item is not None:
                if item is _STOP:
                    stop = True
                elif isinstance(item, _FlushMarker):
                    flushes.append(item)
                elif item is not _WAKE:
                    ops.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            partials: dict[str, tuple[str, float]] = {}
            if flushes or stop or time.monotonic() >= next_partial:
                with self._lock:
                    partials, self._partials = self._partials, {}
            # queued ops were put before the partials we took, so they run first (begin before append)
            self._write_batch(ops, partials)
            if partials:
                next_partial = time.monotonic() + self.partial_interval
            for marker in flushes:
                marker.done.set()
            if stop:
                return

    def _write_batch(self, ops: list[WriteOp], partials: dict[str, tuple[str, float]]) -> None:
        if not ops and not partials:
            return
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._error(f"cannot start a write: {exc}")
            self._put_back(partials)
            for op in ops:  # try again later, a few times
                tries = getattr(op, "_tries", 0) + 1
                if tries <= _MAX_TRIES:
                    try:
                        op._tries = tries  # type: ignore[attr-defined]
                    except AttributeError:
                        pass
                    self._queue.put(op)
            time.sleep(min(1.0, self.partial_interval))
            return
        for op in ops:
            try:
                conn.execute("SAVEPOINT op")
                op(conn)
                conn.execute("RELEASE op")
            except Exception as exc:  # a bad argument must not kill the writer
                conn.execute("ROLLBACK TO op")
                conn.execute("RELEASE op")
                self._error(str(exc) if isinstance(exc, sqlite3.Error) else repr(exc))
        if partials:
            self._write_partials(partials)
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._error(f"commit failed: {exc}")
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _write_partials(self, partials: dict[str, tuple[str, float]]) -> None:
        now = time.time()
        unwritten: dict[str, tuple[str, float]] = {}
        for rid, (text, t) in partials.items():
            try:
                cur = self._conn.execute(
                    "UPDATE results SET text = ?, raw_text = ?, updated = ? "
                    "WHERE id = ? AND status = 'running'",
                    (text, text, now, rid),
                )
            except sqlite3.Error as exc:
                self._error(str(exc))
                unwritten[rid] = (text, t)
                continue
            if cur.rowcount:
                self.partial_writes += 1
            else:  # its begin_result is not written yet: keep it for the next round
                unwritten[rid] = (text, t)
        self._put_back(unwritten)

    def _put_back(self, partials: dict[str, tuple[str, float]]) -> None:
        """Put back partial text that could not be written (newer text, if any, wins)."""
        with self._lock:
            for rid, val in partials.items():
                if rid in self._running and rid not in self._ended:
                    self._partials.setdefault(rid, val)

    def _error(self, message: str) -> None:
        log.error("ResultStore write failed: %s", message)
        self._on_error(message)
