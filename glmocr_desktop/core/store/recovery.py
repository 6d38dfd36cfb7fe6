"""Opening the results database so that start-up never fails, and recovering runs a crash left behind.

Why a module of its own: this is the code that runs on files a crash, a kill or another program left
in any state. A database that is damaged, or locked beyond the busy timeout, is renamed aside
(``results.sqlite3.broken-YYYYmmdd-HHMMSS``) and a fresh one is created; if no file can be used at all
the store runs in memory for the session. Results still marked ``running`` by a process that no longer
exists become ``interrupted`` and keep their partial text. Each of these says why in
:attr:`OpenedDatabase.recovery_message`, for the GUI to show.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

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


def mark_interrupted(conn: sqlite3.Connection) -> int:
    """Mark the running results of dead processes ``interrupted``; returns how many there were."""
    rows = conn.execute("SELECT id, owner FROM results WHERE status = 'running'").fetchall()
    dead = [rid for rid, owner in rows if not owner_alive(owner)]
    if not dead:
        return 0
    now = time.time()
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            "UPDATE results SET status = 'interrupted', updated = ? WHERE id = ? AND status = 'running'",
            [(now, rid) for rid in dead],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(dead)


# --- opening -----------------------------------------------------------------------------------


def connect(target: str, busy_timeout: float, uri: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) usable from any thread."""
    conn = sqlite3.connect(
        target, timeout=busy_timeout, isolation_level=None, check_same_thread=False, uri=uri
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    return conn


def is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


@dataclass
class OpenedDatabase:
    """The writer's connection and what opening it took."""

    conn: sqlite3.Connection
    path: Path  # may differ from the one asked for, when that file could not be moved aside
    memory_uri: str | None = None  # set when the store runs in memory for this session
    recovery_message: str | None = None
    moved_aside: Path | None = None
    interrupted: int = 0  # running results of dead processes marked interrupted

    @property
    def in_memory(self) -> bool:
        return self.memory_uri is not None


class _Opener:
    """One attempt chain: the file, else a fresh file beside the broken one, else memory."""

    def __init__(self, path: Path, busy_timeout: float) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.in_memory = False
        self.recovery_message: str | None = None
        self.moved_aside: Path | None = None
        self.interrupted = 0

    def open(self) -> OpenedDatabase:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self._in_memory(f"The data folder {self.path.parent} cannot be created ({exc}).")
        conn: sqlite3.Connection | None = None
        try:
            conn = connect(str(self.path), self.busy_timeout)
            self._prepare(conn)
            return self._opened(conn)
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            reason = "is locked by another program" if is_locked(exc) else f"is damaged ({exc})"
            return self._move_aside_and_retry(reason)

    def _opened(self, conn: sqlite3.Connection, **extra) -> OpenedDatabase:
        return OpenedDatabase(conn, self.path, recovery_message=self.recovery_message,
                              moved_aside=self.moved_aside, interrupted=self.interrupted, **extra)

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Check the file is a usable database, switch to WAL, migrate, recover crashed runs."""
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if not self.in_memory:
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
            self.recovery_message = msg if not self.recovery_message else self.recovery_message + "\n" + msg
        else:
            migrate(conn)
        self.interrupted = mark_interrupted(conn)

    def _move_aside_and_retry(self, reason: str) -> OpenedDatabase:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        k = 1
        while aside.exists():
            aside = self.path.with_name(f"{self.path.name}.broken-{stamp}-{k}")
            k += 1
        moved = True
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    try:
                        os.replace(side, aside.with_name(aside.name + suffix))
                    except OSError:
                        pass
        except OSError:
            moved = False
        if moved:
            self.moved_aside = aside
            target = self.path
            msg = (
                f"The results database {self.path} {reason}. It was moved aside to {aside.name} "
                f"and a new, empty one was started; earlier results are in the old file."
            )
        else:  # e.g. Windows will not rename a file another process holds open
            target = self.path.with_name(f"{self.path.stem}-{stamp}{self.path.suffix}")
            msg = (
                f"The results database {self.path} {reason} and could not be moved aside; "
                f"this session keeps its results in {target.name}."
            )
        try:
            conn = connect(str(target), self.busy_timeout)
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
        self.recovery_message = (
            f"{reason} Results of this session are kept in memory only and will not be saved."
        )
        log.warning(self.recovery_message)
        return self._opened(conn, memory_uri=uri)


def open_database(path: Path, busy_timeout: float) -> OpenedDatabase:
    """Open (create, migrate, recover) the database at ``path``; never raises for a bad file."""
    return _Opener(path, busy_timeout).open()
