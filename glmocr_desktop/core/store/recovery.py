"""Opening the results database so that start-up never fails, and recovering runs a crash left behind.

Why a module of its own: this is the code that runs on files a crash, a kill, a full disk or another
program left in any state. Only a database that is really damaged (``PRAGMA quick_check`` fails, or
SQLite says it is not a database) is renamed aside (``results.sqlite3.broken-YYYYmmdd-HHMMSS``, offered
back later: see :func:`recoverable_files`) and a fresh one is created. A disk that is full or fails at
start-up is tried again a few times and then the file is used as far as it can be (read; new results are
kept in memory until they can be written, see :mod:`.health`), never moved aside. A file that is
read-only opens in read-only mode. A file locked by another program is left alone and this session
writes to a file beside it (``results.sqlite3.pending-…``) that the next start adds back. If no file can
be used at all the store runs in memory for the session. Results still marked ``running`` by a process
that no longer exists become ``interrupted`` and keep their partial text. Each of these says why in
:attr:`OpenedDatabase.recovery_message` or :attr:`OpenedDatabase.problem`, for the GUI to show.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from glmocr_desktop.core.store.health import Problem, classify, refine
from glmocr_desktop.core.store.schema import SCHEMA_VERSION, migrate

log = logging.getLogger(__name__)

_HOST = socket.gethostname()


# --- process liveness --------------------------------------------------------------------------


def current_owner() -> str:
    """``host:pid`` of this process, stored with each running result."""
    return f"{_HOST}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def owner_alive(owner: str) -> bool:
    """Whether the process that wrote ``owner`` still runs (and so may still finish its results)."""
    host, _, pid = owner.rpartition(":")
    if host != _HOST or not pid.isdigit():
        return False  # another machine (shared folder) or unknown: cannot tell, treat as gone
    if int(pid) == os.getpid():
        return False  # an earlier store in this very process: its results never finished
    return _pid_alive(int(pid))


def interrupt_dead(conn: sqlite3.Connection) -> int:
    """Inside the caller's transaction: mark the running results of dead processes ``interrupted``."""
    rows = conn.execute("SELECT id, owner FROM results WHERE status = 'running'").fetchall()
    dead = [rid for rid, owner in rows if not owner_alive(str(owner or ""))]
    now = time.time()
    conn.executemany(
        "UPDATE results SET status = 'interrupted', updated = ? WHERE id = ? AND status = 'running'",
        [(now, rid) for rid in dead],
    )
    return len(dead)


def mark_interrupted(conn: sqlite3.Connection) -> int:
    """Mark the running results of dead processes ``interrupted``; returns how many there were."""
    rows = conn.execute("SELECT id, owner FROM results WHERE status = 'running'").fetchall()
    if not any(not owner_alive(str(owner or "")) for _rid, owner in rows):
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        n = interrupt_dead(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return n


# --- opening -----------------------------------------------------------------------------------

#: tries of a database that fails for a reason of the disk (full, I/O) before it is used as it is
OPEN_TRIES = 3
OPEN_RETRY_S = 0.15
#: files larger than this skip the start-up ``quick_check`` (damage is then found when a write fails)
QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024

BROKEN = ".broken-"  # moved aside as damaged, offered back
RECOVERED = ".recovered-"  # a broken file whose rows were added back
PENDING = ".pending-"  # results a session could not write to the main file; added back at the next start


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def connect(target: str, busy_timeout: float, uri: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) usable from any thread."""
    conn = sqlite3.connect(
        target, timeout=busy_timeout, isolation_level=None, check_same_thread=False, uri=uri
    )
    conn.text_factory = _lenient_text  # a damaged or foreign row never makes a whole listing fail
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    return conn


#: how connections are made (tests wrap it to inject faults)
ConnectionFactory = Callable[..., sqlite3.Connection]


def is_locked(exc: BaseException) -> bool:
    return classify(exc) is Problem.LOCKED


@dataclass
class OpenedDatabase:
    """The writer's connection and what opening it took."""

    conn: sqlite3.Connection
    path: Path  # may differ from the one asked for, when that file could not be used
    memory_uri: str | None = None  # set when the store runs in memory for this session
    recovery_message: str | None = None
    moved_aside: Path | None = None
    interrupted: int = 0  # running results of dead processes marked interrupted
    problem: Problem | None = None  # writes cannot reach the file now (read-only, full, I/O)
    detail: str = ""
    interrupt_later: bool = False  # marking crashed results waits for a write that works
    reader_uri: str | None = None  # reads go to this URI while the file cannot be opened normally

    @property
    def in_memory(self) -> bool:
        return self.memory_uri is not None


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def _beside(path: Path, kind: str, suffix: str = "") -> Path:
    """A new file name beside ``path`` of the given kind (never one that exists)."""
    base = f"{path.name}{kind}{_stamp()}"
    target = path.with_name(base + suffix)
    k = 1
    while target.exists():
        target = path.with_name(f"{base}-{k}{suffix}")
        k += 1
    return target


def _move_with_sidecars(src: Path, dst: Path) -> None:
    os.replace(src, dst)
    for suffix in ("-wal", "-shm"):
        side = src.with_name(src.name + suffix)
        if side.exists():
            try:
                os.replace(side, dst.with_name(dst.name + suffix))
            except OSError:
                pass


def recoverable_files(path: Path) -> list[Path]:
    """Databases moved aside as damaged beside ``path`` whose rows were not added back yet (oldest first)."""
    try:
        found = [p for p in path.parent.glob(path.name + BROKEN + "*")
                 if not p.name.endswith(("-wal", "-shm", "-journal"))]  # fmt: skip
    except OSError:
        return []
    return sorted(found)


def mark_recovered(broken: Path) -> Path | None:
    """Rename a broken file once its rows were added back, so it is not offered again (it is kept)."""
    target = broken.with_name(broken.name.replace(BROKEN, RECOVERED, 1))
    try:
        _move_with_sidecars(broken, target)
    except OSError as exc:
        log.warning("could not rename %s: %s", broken, exc)
        return None
    return target


def pending_file(path: Path) -> Path:
    """Where this process keeps results it cannot write to ``path`` (its pid in the name)."""
    return _beside(path, PENDING, f"-{os.getpid()}")


def pending_files(path: Path) -> list[Path]:
    """Files of results kept aside by sessions that have ended, to add back to ``path``."""
    try:
        found = sorted(path.parent.glob(path.name + PENDING + "*"))
    except OSError:
        return []
    out = []
    for p in found:
        if p.name.endswith(("-wal", "-shm", "-journal", ".part")):
            continue
        pid = p.name.rpartition("-")[2]
        if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
            continue  # another window still writes to it
        out.append(p)
    return out


def _quick_check(conn: sqlite3.Connection) -> str | None:
    """What ``PRAGMA quick_check`` found wrong, or None when the file is sound (or cannot be checked for a
    reason that is not damage)."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        return str(exc) if classify(exc) is Problem.DAMAGED else None
    if len(rows) == 1 and str(rows[0][0]).lower() == "ok":
        return None
    return "; ".join(str(r[0]) for r in rows[:3])[:300]


class _Opener:
    """One attempt chain: the file, else a fresh file beside the broken one, else memory."""

    def __init__(self, path: Path, busy_timeout: float, factory: ConnectionFactory = connect) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.factory = factory
        self.in_memory = False
        self.recovery_message: str | None = None
        self.moved_aside: Path | None = None
        self.interrupted = 0
        self.problem: Problem | None = None
        self.detail = ""
        self.interrupt_later = False

    def _connect(self, target: Path | str) -> sqlite3.Connection:
        return self.factory(str(target), self.busy_timeout)

    def open(self) -> OpenedDatabase:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self._in_memory(f"The data folder {self.path.parent} cannot be created ({exc}).")
        last: BaseException | None = None
        for attempt in range(OPEN_TRIES):
            if attempt:
                time.sleep(OPEN_RETRY_S * attempt)
            conn: sqlite3.Connection | None = None
            try:
                conn = self._connect(self.path)
                self._prepare(conn)
                damage = _quick_check(conn) if self._small_enough() else None
                if damage is not None:
                    conn.close()
                    return self._move_aside_and_retry(f"is damaged ({damage})")
                self._probe_write(conn)
                return self._opened(conn)
            except sqlite3.Error as exc:
                if conn is not None:
                    conn.close()
                problem = classify(exc)
                if problem is Problem.DAMAGED and self._really_damaged():
                    return self._move_aside_and_retry(f"is damaged ({exc})")
                if problem is Problem.LOCKED:
                    return self._write_beside(exc)
                last = exc
                log.warning("opening the results database failed (try %d of %d): %s", attempt + 1, OPEN_TRIES, exc)
        assert last is not None
        return self._as_it_is(last)

    def _small_enough(self) -> bool:
        try:
            return self.path.stat().st_size <= QUICK_CHECK_MAX_BYTES
        except OSError:
            return False

    def _really_damaged(self) -> bool:
        """Damage seen while opening, confirmed on a fresh connection (a failing disk is not damage)."""
        try:
            conn = self._connect(self.path)
        except sqlite3.Error as exc:
            return classify(exc) is Problem.DAMAGED
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return _quick_check(conn) is not None
        except sqlite3.Error as exc:
            return classify(exc) is Problem.DAMAGED
        finally:
            conn.close()

    def _opened(self, conn: sqlite3.Connection, **extra) -> OpenedDatabase:
        return OpenedDatabase(conn, self.path, recovery_message=self.recovery_message,
                              moved_aside=self.moved_aside, interrupted=self.interrupted, problem=self.problem,
                              detail=self.detail, interrupt_later=self.interrupt_later, **extra)  # fmt: skip

    def _prepare(self, conn: sqlite3.Connection, write: bool = True) -> None:
        """Check the file is a usable database, switch to WAL, migrate, recover crashed runs."""
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if not self.in_memory and write:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite refused WAL mode (%s); continuing with %s", self.path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            msg = (
                f"The results database {self.path} was written by a newer version of the app "
                f"(schema {version}, this version knows {SCHEMA_VERSION}); it is used as it is."
            )
            if not self.recovery_message or msg not in self.recovery_message:
                self.recovery_message = msg if not self.recovery_message else self.recovery_message + "\n" + msg
        elif write:
            migrate(conn)
        if write:
            self.interrupted = mark_interrupted(conn)

    def _probe_write(self, conn: sqlite3.Connection) -> None:
        """Whether a write would reach the file (a read-only file opens, and fails only on writing)."""
        try:
            conn.execute("BEGIN IMMEDIATE")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute(f"PRAGMA user_version = {int(version)}")
        except sqlite3.Error as exc:
            problem = refine(classify(exc), self.path.parent)
            if problem is not None and problem is not Problem.LOCKED:
                self.problem, self.detail = problem, str(exc)
                log.warning("the results database %s cannot be written now: %s", self.path, exc)
        finally:
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _as_it_is(self, last: BaseException) -> OpenedDatabase:
        """The disk kept failing: use the file for reading if it can be read; new results stay in memory
        until a write works (the writer keeps trying). Never moved aside: nothing says it is damaged."""
        problem = refine(classify(last) or Problem.IO, self.path.parent)
        reader_uri = None
        try:
            conn = self._connect(self.path)
            self._prepare(conn, write=False)
        except sqlite3.Error as exc:
            # WAL needs its shared-memory file even to read; a full disk may not let it be made: read the
            # file itself (what the last clean close left in it) until the disk works again
            reader_uri = self.path.resolve().as_uri() + "?immutable=1"
            try:
                probe = connect(reader_uri, self.busy_timeout, uri=True)
                probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
                probe.close()
                conn = self._connect(self.path)
            except sqlite3.Error:
                return self._in_memory(f"The results database {self.path} cannot be opened ({exc}).")
        self.problem, self.detail = problem, str(last)
        self.interrupt_later = True
        log.warning("results database %s opened as it is: %s", self.path, last)
        return self._opened(conn, reader_uri=reader_uri)

    def _write_beside(self, exc: BaseException) -> OpenedDatabase:
        """Another program holds the file locked: leave it alone, write this session to a file beside it."""
        target = pending_file(self.path)
        msg = (
            f"The results database {self.path} is locked by another program. It was left as it is; this "
            f"session keeps its results in {target.name}, and the next start adds them to it."
        )
        return self._fresh(target, msg)

    def _move_aside_and_retry(self, reason: str) -> OpenedDatabase:
        aside = _beside(self.path, BROKEN)
        try:
            _move_with_sidecars(self.path, aside)
        except OSError:  # e.g. Windows will not rename a file another process holds open
            target = pending_file(self.path)
            msg = (
                f"The results database {self.path} {reason} and could not be moved aside; "
                f"this session keeps its results in {target.name}."
            )
            return self._fresh(target, msg)
        self.moved_aside = aside
        msg = (
            f"The results database {self.path} {reason}. It was moved aside to {aside.name} "
            f"and a new, empty one was started; what can still be read from the old file can be "
            f"added back (Recover in the window)."
        )
        return self._fresh(self.path, msg)

    def _fresh(self, target: Path, msg: str) -> OpenedDatabase:
        try:
            conn = self._connect(target)
            self._prepare(conn)
        except sqlite3.Error as exc:
            return self._in_memory(f"{msg} That failed too ({exc}).")
        self.path = target
        self.recovery_message = msg
        log.warning(msg)
        return self._opened(conn)

    def _in_memory(self, reason: str) -> OpenedDatabase:
        self.in_memory = True
        uri = f"file:glmocr-store-{uuid.uuid4().hex}?mode=memory&cache=shared"
        conn = connect(uri, self.busy_timeout, uri=True)
        try:
            self._prepare(conn)
        except sqlite3.Error as exc:  # pragma: no cover - an in-memory database always works
            log.error("in-memory store failed: %s", exc)
        self.problem = None
        self.recovery_message = (
            f"{reason} Results of this session are kept in memory only and will not be saved "
            "unless you save them to a file."
        )
        log.warning(self.recovery_message)
        return self._opened(conn, memory_uri=uri)


def open_database(path: Path, busy_timeout: float, factory: ConnectionFactory = connect) -> OpenedDatabase:
    """Open (create, migrate, recover) the database at ``path``; never raises for a bad file."""
    return _Opener(path, busy_timeout, factory).open()
