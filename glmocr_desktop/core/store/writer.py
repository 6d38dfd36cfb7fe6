"""The store's one writer thread: callers never wait on the disk, streaming text is coalesced, and no
write is ever dropped because the disk said no.

Why a module of its own: every write to the database goes through one background thread fed by a
queue, each batch in one transaction, so the GUI thread only enqueues. Streaming results send their text
many times a second; only the latest text of each is kept and written every ``partial_interval``
seconds, so a crash or a kill loses at most the last fraction of a second and the disk sees a few writes
a second, not one per token.

A batch that fails for a reason of the disk or the file (full, read-only, damaged, locked, I/O: see
:mod:`.health`) is rolled back whole and kept, in order, to be tried again with a growing pause (at most
:data:`MAX_RETRY_S`); after :data:`REPORT_AFTER` failures in a row the problem is reported through
``on_health`` so the window can say so at once, and cleared again by the first batch that commits. The
connection is opened again now and then while it fails (a file made writable again, a disk back). A
write the database itself refuses (a constraint) is logged and reported, and the others go on. Nothing
that happens in the thread ends it: a failed rollback (``no such savepoint``) is followed by a full one.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from glmocr_desktop.core.store.health import Problem, classify, refine

log = logging.getLogger(__name__)

#: A queued write: runs inside the writer's transaction (in a savepoint of its own).
WriteOp = Callable[[sqlite3.Connection], object]  # what it returns is ignored

#: failures in a row before the problem is reported (the first ones are retried at once)
REPORT_AFTER = 3
#: the longest pause between two tries of a failing batch
MAX_RETRY_S = 2.0
#: failures in a row after which the connection is opened again
RECONNECT_EVERY = 3
#: a write that makes its batch fail this many times, for a reason that is not the disk's, is refused
#: (so one bad write cannot hold back every other one); its result stays among the unsaved ones
POISON_TRIES = 4


class _Op:
    __slots__ = ("fn", "on_commit", "seq", "tries")

    def __init__(self, fn: WriteOp, seq: int, on_commit: Callable[[], None] | None) -> None:
        self.fn = fn
        self.seq = seq
        self.on_commit = on_commit
        self.tries = 0  # batches it made fail


class _FlushMarker:
    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.ok = False
        self.done = threading.Event()


_STOP = object()
_WAKE = object()


class StoreWriter:
    """Owns the writer connection and its thread; see the module docstring."""

    def __init__(self, conn: sqlite3.Connection, partial_interval: float,
                 on_error: Callable[[str], None],
                 on_health: Callable[[Problem | None, str], None] | None = None,
                 connect: Callable[[], sqlite3.Connection] | None = None,
                 folder: str | None = None) -> None:  # fmt: skip
        self.partial_interval = partial_interval
        self.partial_writes = 0  # how many partial-text writes reached the database
        self.refused = 0  # writes the database refused (logged and reported, not retried)
        self.problem: Problem | None = None  # why writes fail now (None: they do not)
        self.detail = ""
        self.failures = 0  # failed batches in a row
        self._conn = conn
        self._connect = connect
        self._folder = folder  # where the database lives (to tell a full disk from other I/O errors)
        self._on_error = on_error
        self._on_health = on_health
        self._queue: queue.Queue[Any] = queue.Queue()
        self._partials: dict[str, tuple[str, float]] = {}  # result id -> (text, time appended)
        self._running: set[str] = set()  # begun, not yet finished or deleted
        self._ended: set[str] = set()  # finished or deleted: late partial text is dropped
        self._lock = threading.Lock()
        self._seq = 0  # ops submitted
        self._committed_seq = 0  # every op up to this one is committed (or was refused)
        self._taken_seq = 0  # the last op taken from the queue
        self._pending: list[_Op] = []  # taken from the queue, not yet committed (the thread's own)
        self._flushes: list[_FlushMarker] = []
        self._retry_at = 0.0
        self._next_partial = 0.0
        self._stop_at: float | None = None  # close() asked; give up retrying at this time
        self._stopping = False  # the thread has seen the stop request
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="ResultStore-writer", daemon=True)
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn

    @property
    def pending_writes(self) -> int:
        """Writes submitted and not yet committed."""
        return self._seq - self._committed_seq

    # --- what callers do ------------------------------------------------------------------------

    def submit(self, op: WriteOp, on_commit: Callable[[], None] | None = None) -> None:
        """Queue ``op``; ``on_commit`` runs on the writer thread once it is committed."""
        if self._closed:
            raise RuntimeError("The result store is closed.")
        with self._lock:
            self._seq += 1
            item = _Op(op, self._seq, on_commit)
        self._queue.put(item)

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
        """Wait until every write submitted so far (partial text included) is committed; False when it
        was not within ``timeout`` (a failing disk: the writes are still kept and retried)."""
        if self._closed or not self._thread.is_alive():
            return self.pending_writes == 0
        with self._lock:
            marker = _FlushMarker(self._seq)
        self._queue.put(marker)
        return marker.done.wait(timeout) and marker.ok

    def close(self, timeout: float | None = None) -> bool:
        """Write what is pending and stop the thread, trying for at most ``timeout`` seconds (a statement
        still running then is interrupted). True when everything was written. The caller closes the
        connection."""
        if self._closed:
            return self.pending_writes == 0 and not self._thread.is_alive()
        self._closed = True
        self._stop_at = None if timeout is None else time.monotonic() + timeout
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():  # a statement that does not end (a slow trigger, a lock)
            try:
                self._conn.interrupt()
            except sqlite3.Error:
                pass
            self._thread.join(0.5)
        if self._thread.is_alive():
            log.error("The result store's writer did not stop; %d writes are not saved", self.pending_writes)
            return False
        return self.pending_writes == 0

    # --- the thread -----------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            try:
                if self._step():
                    break
            except Exception:  # the thread must outlive anything; what is pending is kept
                log.exception("ResultStore writer: unexpected failure, carrying on")
                self.failures = max(self.failures, 1)  # wait before the next try
                self._retry_at = time.monotonic() + MAX_RETRY_S / 4
                if self._stop_at is not None and time.monotonic() >= self._stop_at:
                    break
        for marker in self._flushes:
            marker.done.set()  # ok stays False: not everything was written

    def _step(self) -> bool:
        """One round: take what was queued, write it (or wait to try again). True once stopped."""
        now = time.monotonic()
        with self._lock:
            have_partials = bool(self._partials)
        waits = []
        if self._pending:
            waits.append(self._retry_at - now)
        if have_partials:
            waits.append(max(self._next_partial, self._retry_at if self.failures else 0.0) - now)
        timeout = max(0.0, min(waits)) if waits else None
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            item = None
        while item is not None:
            if item is _STOP:
                self._stopping = True
            elif isinstance(item, _FlushMarker):
                self._flushes.append(item)
            elif isinstance(item, _Op):
                self._pending.append(item)
                self._taken_seq = item.seq
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                item = None
        stopping = self._stopping
        now = time.monotonic()
        due = self.failures == 0 or now >= self._retry_at
        partials: dict[str, tuple[str, float]] = {}
        if due and (self._flushes or stopping or now >= self._next_partial):
            with self._lock:
                partials, self._partials = self._partials, {}
        ok = True
        if due and (self._pending or partials):
            # queued ops were put before the partials we took, so they run first (begin before append)
            ok = self._write_batch(self._pending, partials)
            if partials:
                self._next_partial = time.monotonic() + self.partial_interval
        if ok and not self._pending:  # every op taken is written or refused
            self._committed_seq = max(self._committed_seq, self._taken_seq)
        if ok and due:
            for marker in [m for m in self._flushes if m.seq <= self._committed_seq]:
                marker.ok = True
                marker.done.set()
                self._flushes.remove(marker)
        if stopping:
            if not self._pending and not self._partials_left():
                return True
            if self._stop_at is not None and time.monotonic() >= self._stop_at:
                return True
            self._retry_at = min(self._retry_at, time.monotonic() + 0.2)
        return False

    def _partials_left(self) -> bool:
        with self._lock:
            return bool(self._partials)

    def _write_batch(self, ops: list[_Op], partials: dict[str, tuple[str, float]]) -> bool:
        conn = self._conn
        refused: list[str] = []
        current: _Op | None = None
        try:
            conn.execute("BEGIN IMMEDIATE")
            for op in ops:
                current = op
                conn.execute("SAVEPOINT op")
                try:
                    op.fn(conn)
                except Exception as exc:
                    if classify(exc) is not None:
                        raise  # the disk's or the file's fault: the whole batch is tried again later
                    # the database refused this one write (or a bad argument): undo it, go on with the rest
                    conn.execute("ROLLBACK TO op")
                    refused.append(str(exc) if isinstance(exc, sqlite3.Error) else repr(exc))
                conn.execute("RELEASE op")
            current = None
            if partials:
                self._write_partials(partials)
            conn.execute("COMMIT")
        except Exception as exc:
            self._rollback()
            self._put_back(partials)
            self._failed(exc)
            if current is not None:
                self._blame(current, exc)
            return False
        if ops:
            self._committed_seq = ops[-1].seq
        self._pending = []
        for message in refused:
            self.refused += 1
            self._error(f"a write was refused: {message}")
        for op in ops:
            if op.on_commit is not None:
                try:
                    op.on_commit()
                except Exception:
                    log.exception("ResultStore: after-commit callback failed")
        self._succeeded()
        return True

    def _blame(self, op: _Op, exc: BaseException) -> None:
        """``op`` was running when its batch failed. If that is not the disk's doing (e.g. the transaction
        ended under it: "no such savepoint"), after a few tries it is refused and the others go on."""
        if classify(exc) in (Problem.FULL, Problem.READ_ONLY, Problem.LOCKED, Problem.DAMAGED):
            return
        op.tries += 1
        if op.tries < POISON_TRIES:
            return
        self._pending.remove(op)
        self.refused += 1
        self.failures = 0  # the others are tried again at once
        self._retry_at = 0.0
        self._error(f"a write was refused after {op.tries} tries: {exc}")

    def _rollback(self) -> None:
        """Undo the open transaction, whatever state SQLite left it in (it may have rolled back itself)."""
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.warning("ResultStore rollback failed: %s", exc)

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
                if classify(exc) is not None:
                    raise
                self._error(str(exc))
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

    # --- health ---------------------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        problem = refine(classify(exc) or Problem.IO, self._folder) or Problem.IO
        detail = str(exc)
        self.failures += 1
        pause = min(MAX_RETRY_S, 0.05 * 2 ** (self.failures - 1))
        if self._stop_at is not None:
            pause = min(pause, 0.2)
        self._retry_at = time.monotonic() + pause
        if problem is Problem.DAMAGED and self.problem is not Problem.DAMAGED and not self._really_damaged():
            problem = Problem.IO  # the file checks out: a read went wrong, not the file
        # a read-only file stays read-only for its connection: only a new one sees it writable again
        if self._connect is not None and (problem is Problem.READ_ONLY or self.failures % RECONNECT_EVERY == 0):
            self._reconnect()
        if self.failures == 1 or problem is not self.problem:
            log.error("ResultStore write failed (%s): %s; %d writes kept to try again",
                      problem.value, detail, self.pending_writes)  # fmt: skip
        if self.failures >= REPORT_AFTER:
            changed = problem is not self.problem or detail != self.detail
            self.problem, self.detail = problem, detail
            if changed:
                self._error(f"{problem.value}: {detail}")
            self._notify()

    def _succeeded(self) -> None:
        was_failing = self.problem is not None
        self.failures = 0
        if was_failing:
            log.warning("ResultStore: writes reach the database again")
            self.problem, self.detail = None, ""
            self._notify()

    def _really_damaged(self) -> bool:
        """``PRAGMA quick_check`` on the file: a damaged page, not a passing read error."""
        try:
            rows = self._conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.Error as exc:
            return classify(exc) is Problem.DAMAGED
        return not (len(rows) == 1 and str(rows[0][0]).lower() == "ok")

    def _reconnect(self) -> None:
        assert self._connect is not None
        try:
            fresh = self._connect()
        except Exception as exc:
            log.info("ResultStore: reopening the database failed: %s", exc)
            return
        old, self._conn = self._conn, fresh
        try:
            old.close()
        except sqlite3.Error:
            pass

    def _notify(self) -> None:
        if self._on_health is not None:
            try:
                self._on_health(self.problem, self.detail)
            except Exception:
                log.exception("ResultStore: health callback failed")

    def _error(self, message: str) -> None:
        log.error("ResultStore write failed: %s", message)
        self._on_error(message)
