"""ResultStore: every document, region and result the user made, kept in SQLite.

Why it looks like this:

* **Nothing is lost.** A streaming result is written while it streams (:meth:`ResultStore.append_partial`,
  coalesced to a few writes a second), so a crash or a kill loses at most the last fraction of a second.
  On the next start, results still marked ``running`` by a process that no longer exists become
  ``interrupted`` and keep their partial text.
* **The caller never waits on the disk.** All writes go through one background writer thread fed by a
  queue, each batch in one transaction. Reads use their own connection (WAL lets them run beside the
  writer) and see what has been committed; :meth:`ResultStore.flush` waits for pending writes.
* **Start-up never fails.** A database that is corrupt, or locked beyond the busy timeout, is renamed
  aside (``results.sqlite3.broken-YYYYmmdd-HHMMSS``) and a fresh one is created; the reason is in
  :attr:`ResultStore.recovery_message` for the GUI to show. If no file can be used at all, the store
  runs in memory for the session and says so.
* **Schema changes are migrations**: ``PRAGMA user_version`` counts the functions of :data:`MIGRATIONS`
  applied so far; each runs in its own transaction.

Durability: WAL with ``synchronous=NORMAL``. A committed write survives the app being killed; a power
cut can lose the last transactions but never corrupts the file.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import socket
import sqlite3
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from glmocr_desktop.core.jobs import Job, Result, Source, Timings
from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.tasks import Task

log = logging.getLogger(__name__)

APP_NAME = "glmocr-desktop"
DB_NAME = "results.sqlite3"
ENV_DATA_DIR = "GLMOCR_DATA_DIR"

STATUSES = ("running", "done", "cancelled", "interrupted", "error")


def default_data_dir() -> Path:
    """``$GLMOCR_DATA_DIR`` if set, else the platform's user data directory."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return default_data_dir() / DB_NAME


# --- schema ------------------------------------------------------------------------------------


def _script(conn: sqlite3.Connection, sql: str) -> None:
    """Run several statements inside the current transaction (``executescript`` would commit first)."""
    stmt = ""
    for line in sql.splitlines(keepends=True):
        stmt += line
        if sqlite3.complete_statement(stmt):
            conn.execute(stmt)
            stmt = ""
    if stmt.strip():
        conn.execute(stmt)


def _migrate_v1(conn: sqlite3.Connection) -> None:
    """Documents, regions and results."""
    _script(
        conn,
        """
        CREATE TABLE documents (
            hash        TEXT PRIMARY KEY,
            name        TEXT NOT NULL DEFAULT '',
            paths       TEXT NOT NULL DEFAULT '[]',   -- JSON list: where this content was seen
            page_count  INTEGER NOT NULL DEFAULT 0,
            first_seen  REAL NOT NULL,
            last_opened REAL NOT NULL
        );
        CREATE TABLE regions (
            id            INTEGER PRIMARY KEY,
            document_hash TEXT NOT NULL,
            page          INTEGER NOT NULL,
            x0 REAL, y0 REAL, x1 REAL, y1 REAL,       -- fractions of the page; NULL = whole page
            task          TEXT NOT NULL,
            template      TEXT,                      -- JSON, extraction only
            ord           INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX regions_doc ON regions(document_hash, page, ord);
        CREATE TABLE results (
            n             INTEGER PRIMARY KEY,        -- stable rowid (for the search index)
            id            TEXT NOT NULL UNIQUE,
            job_id        TEXT NOT NULL DEFAULT '',
            document_hash TEXT NOT NULL DEFAULT '',
            page          INTEGER NOT NULL DEFAULT 0,
            x0 REAL, y0 REAL, x1 REAL, y1 REAL,
            task          TEXT NOT NULL,
            template      TEXT,
            text          TEXT NOT NULL DEFAULT '',
            raw_text      TEXT NOT NULL DEFAULT '',
            model         TEXT NOT NULL DEFAULT '',
            device        TEXT NOT NULL DEFAULT '',
            settings      TEXT NOT NULL DEFAULT '{}',
            timings       TEXT NOT NULL DEFAULT '{}',
            extraction    TEXT,
            warnings      TEXT NOT NULL DEFAULT '[]',
            cut           INTEGER NOT NULL DEFAULT 0,
            cancelled     INTEGER NOT NULL DEFAULT 0,
            truncated     INTEGER NOT NULL DEFAULT 0,
            error         TEXT,
            status        TEXT NOT NULL DEFAULT 'running',
            owner         TEXT NOT NULL DEFAULT '',   -- host:pid of the process that ran it
            created       REAL NOT NULL,
            updated       REAL NOT NULL
        );
        CREATE INDEX results_doc ON results(document_hash, created);
        CREATE INDEX results_updated ON results(updated);
        CREATE INDEX results_status ON results(status);
        """
    )


def fts5_tokenizer(conn: sqlite3.Connection) -> str | None:
    """The best FTS5 tokenizer this SQLite has: ``trigram`` (substring search, any script), else
    ``unicode61``; None without FTS5."""
    for tok in ("trigram", "unicode61"):
        try:
            conn.execute(f"CREATE VIRTUAL TABLE temp._probe USING fts5(x, tokenize='{tok}')")
            conn.execute("DROP TABLE temp._probe")
            return tok
        except sqlite3.OperationalError:
            continue
    return None


def _migrate_v2(conn: sqlite3.Connection) -> None:
    """Full-text search over results (FTS5 when available) and result thumbnails."""
    conn.execute("ALTER TABLE results ADD COLUMN thumbnail BLOB")
    tok = fts5_tokenizer(conn)
    if tok is None:
        return  # search falls back to LIKE
    _script(
        conn,
        f"""
        CREATE VIRTUAL TABLE results_fts USING fts5(
            text, content='results', content_rowid='n', tokenize='{tok}');
        CREATE TRIGGER results_fts_ai AFTER INSERT ON results BEGIN
            INSERT INTO results_fts(rowid, text) VALUES (new.n, new.text);
        END;
        CREATE TRIGGER results_fts_ad AFTER DELETE ON results BEGIN
            INSERT INTO results_fts(results_fts, rowid, text) VALUES ('delete', old.n, old.text);
        END;
        CREATE TRIGGER results_fts_au AFTER UPDATE OF text ON results BEGIN
            INSERT INTO results_fts(results_fts, rowid, text) VALUES ('delete', old.n, old.text);
            INSERT INTO results_fts(rowid, text) VALUES (new.n, new.text);
        END;
        INSERT INTO results_fts(results_fts) VALUES ('rebuild');
        """
    )


#: Ordered; ``PRAGMA user_version`` = how many have been applied. Append only, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_v1, _migrate_v2]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the migrations missing from ``conn`` (up to ``target``); returns the resulting version."""
    target = SCHEMA_VERSION if target is None else target
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < target:
        step = MIGRATIONS[version]
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        version += 1
    return version


# --- records -----------------------------------------------------------------------------------


@dataclass
class SavedRegion:
    """A region the user drew, with the task chosen for it."""

    region: Region | None  # None = the whole page
    task: Task = Task.TEXT
    template: dict[str, Any] | None = None
    page: int = 0
    order: int = 0


@dataclass
class StoredDocument:
    hash: str
    name: str
    paths: list[str]
    page_count: int
    first_seen: float
    last_opened: float


@dataclass
class StoredResult:
    id: str
    job_id: str
    document_hash: str
    page: int
    region: Region | None
    task: Task
    template: dict[str, Any] | None
    text: str
    raw_text: str
    model: str
    device: str
    settings: dict[str, Any]
    timings: dict[str, Any]
    extraction: dict[str, Any] | None
    warnings: list[str]
    cut: bool
    cancelled: bool
    truncated: bool
    error: str | None
    status: str
    created: float
    updated: float
    document_name: str = ""
    document_paths: list[str] = field(default_factory=list)

    def to_result(self) -> Result:
        """As a :class:`Result` (for exports and the clipboard)."""
        known = {f for f in Timings.__dataclass_fields__}
        timings = Timings(**{k: v for k, v in self.timings.items() if k in known})
        return Result(
            job_id=self.job_id,
            task=self.task,
            text=self.text,
            raw_text=self.raw_text,
            model=self.model,
            device=self.device,
            source=Source(
                file=self.document_paths[0] if self.document_paths else self.document_name,
                page=self.page,
                region=self.region,
                document_hash=self.document_hash,
            ),
            timings=timings,
            cut=self.cut,
            cancelled=self.cancelled or self.status == "interrupted",
            truncated=self.truncated,
            error=self.error,
            extraction=self.extraction,
            warnings=list(self.warnings),
        )


_RESULT_COLUMNS = (
    "r.id, r.job_id, r.document_hash, r.page, r.x0, r.y0, r.x1, r.y1, r.task, r.template, r.text, "
    "r.raw_text, r.model, r.device, r.settings, r.timings, r.extraction, r.warnings, r.cut, r.cancelled, "
    "r.truncated, r.error, r.status, r.created, r.updated, d.name, d.paths"
)
_RESULT_FROM = "results r LEFT JOIN documents d ON d.hash = r.document_hash"


def _loads(text: str | None, default: Any) -> Any:
    if text is None or text == "":
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def _region_from(x0: Any, y0: Any, x1: Any, y1: Any) -> Region | None:
    if x0 is None:
        return None
    try:
        return Region(x0, y0, x1, y1)
    except Exception:  # a bad row must not break a listing
        return None


def _task_from(value: str) -> Task:
    try:
        return Task.parse(value)
    except ValueError:
        return Task.TEXT


def _row_to_result(row: Sequence[Any]) -> StoredResult:
    return StoredResult(
        id=row[0],
        job_id=row[1],
        document_hash=row[2],
        page=row[3],
        region=_region_from(*row[4:8]),
        task=_task_from(row[8]),
        template=_loads(row[9], None),
        text=row[10],
        raw_text=row[11],
        model=row[12],
        device=row[13],
        settings=_loads(row[14], {}),
        timings=_loads(row[15], {}),
        extraction=_loads(row[16], None),
        warnings=_loads(row[17], []),
        cut=bool(row[18]),
        cancelled=bool(row[19]),
        truncated=bool(row[20]),
        error=row[21],
        status=row[22],
        created=row[23],
        updated=row[24],
        document_name=row[25] or "",
        document_paths=_loads(row[26], []),
    )


def _coords(region: Region | None) -> tuple[float | None, ...]:
    return region.as_tuple() if region is not None else (None, None, None, None)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


# --- process liveness (for crash recovery) -----------------------------------------------------

_HOST = socket.gethostname()


def _owner() -> str:
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


def _owner_alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != _HOST or not pid.isdigit():
        return False  # another machine (shared folder) or unknown: cannot tell, treat as gone
    if int(pid) == os.getpid():
        return False  # an earlier store in this very process: its results never finished
    return _pid_alive(int(pid))


# --- the store ---------------------------------------------------------------------------------


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()
_WAKE = object()


class ResultStore:
    """SQLite store for documents, regions and results; see the module docstring."""

    #: seconds between two writes of the same streaming result
    PARTIAL_INTERVAL = 0.25

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        busy_timeout: float = 5.0,
        partial_interval: float | None = None,
    ) -> None:
        if path is None:
            path = (Path(data_dir) if data_dir is not None else default_data_dir()) / DB_NAME
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.partial_interval = self.PARTIAL_INTERVAL if partial_interval is None else partial_interval
        self.recovery_message: str | None = None
        self.moved_aside: Path | None = None
        self.in_memory = False
        self.last_error: str | None = None
        self.partial_writes = 0  # how many partial-text writes reached the database
        self.interrupted_on_open = 0

        self._queue: queue.Queue[Any] = queue.Queue()
        self._partials: dict[str, tuple[str, float]] = {}  # result id -> (text, time appended)
        self._finished: set[str] = set()
        self._begun: set[str] = set()
        self._plock = threading.Lock()
        self._rlock = threading.RLock()
        self._closed = False

        self._wconn = self._open_writer()
        self._rconn = self._open_reader()
        self.fts = self._has_fts(self._rconn)
        self._thread = threading.Thread(target=self._writer_loop, name="ResultStore-writer", daemon=True)
        self._thread.start()
        atexit.register(_close_at_exit, weakref.ref(self))

    # --- opening --------------------------------------------------------------------------------

    def _connect(self, target: str, uri: bool = False) -> sqlite3.Connection:
        conn = sqlite3.connect(
            target, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False, uri=uri
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        return conn

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
        self._recover_running(conn)

    def _recover_running(self, conn: sqlite3.Connection) -> None:
        rows = conn.execute("SELECT id, owner FROM results WHERE status = 'running'").fetchall()
        dead = [rid for rid, owner in rows if not _owner_alive(owner)]
        if not dead:
            return
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
        self.interrupted_on_open = len(dead)

    def _open_writer(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self._fallback_memory(f"The data folder {self.path.parent} cannot be created ({exc}).")
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect(str(self.path))
            self._prepare(conn)
            return conn
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            reason = "is locked by another program" if _is_locked(exc) else f"is damaged ({exc})"
            return self._move_aside_and_retry(reason)

    def _move_aside_and_retry(self, reason: str) -> sqlite3.Connection:
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
            conn = self._connect(str(target))
            self._prepare(conn)
        except sqlite3.Error as exc:
            return self._fallback_memory(f"{msg} That failed too ({exc}).")
        self.path = target
        self.recovery_message = msg
        log.warning(msg)
        return conn

    def _fallback_memory(self, reason: str) -> sqlite3.Connection:
        self.in_memory = True
        name = f"file:glmocr-store-{uuid.uuid4().hex}?mode=memory&cache=shared"
        self._memory_uri = name
        conn = self._connect(name, uri=True)
        try:
            self._prepare(conn)
        except sqlite3.Error as exc:  # pragma: no cover - an in-memory database always works
            log.error("in-memory store failed: %s", exc)
        self.recovery_message = f"{reason} Results of this session are kept in memory only and will not be saved."
        log.warning(self.recovery_message)
        return conn

    def _open_reader(self) -> sqlite3.Connection:
        if self.in_memory:
            return self._connect(self._memory_uri, uri=True)
        conn = self._connect(str(self.path))
        return conn

    @staticmethod
    def _has_fts(conn: sqlite3.Connection) -> bool:
        row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'results_fts'").fetchone()
        return row is not None

    # --- writer thread --------------------------------------------------------------------------

    def _writer_loop(self) -> None:
        conn = self._wconn
        next_partial = 0.0
        while True:
            with self._plock:
                have_partials = bool(self._partials)
            timeout = None
            if have_partials:
                timeout = max(0.0, next_partial - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            ops: list[Callable[[sqlite3.Connection], None]] = []
            flushes: list[_Flush] = []
            stop = False
            while item is not None:
                if item is _WAKE:
                    pass
                elif item is _STOP:
                    stop = True
                elif isinstance(item, _Flush):
                    flushes.append(item)
                else:
                    ops.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            force = bool(flushes) or stop
            due = time.monotonic() >= next_partial
            partials: dict[str, tuple[str, float]] = {}
            if force or due:
                with self._plock:
                    partials, self._partials = self._partials, {}
            # queued ops were put before the partials we took, so they run first (begin before append)
            self._run_batch(conn, ops, partials)
            if partials:
                next_partial = time.monotonic() + self.partial_interval
            for f in flushes:
                f.done.set()
            if stop:
                return

    def _run_batch(
        self,
        conn: sqlite3.Connection,
        ops: list[Callable[[sqlite3.Connection], None]],
        partials: dict[str, tuple[str, float]],
    ) -> None:
        if not ops and not partials:
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._record_error(f"cannot start a write: {exc}")
            self._repend(partials)
            for op in ops:  # try again later, a few times
                tries = getattr(op, "_tries", 0) + 1
                if tries <= 3:
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
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK TO op")
                conn.execute("RELEASE op")
                self._record_error(str(exc))
            except Exception as exc:  # a bad argument must not kill the writer
                conn.execute("ROLLBACK TO op")
                conn.execute("RELEASE op")
                self._record_error(repr(exc))
        if partials:
            now = time.time()
            unwritten: dict[str, tuple[str, float]] = {}
            for rid, (text, t) in partials.items():
                try:
                    cur = conn.execute(
                        "UPDATE results SET text = ?, raw_text = ?, updated = ? "
                        "WHERE id = ? AND status = 'running'",
                        (text, text, now, rid),
                    )
                except sqlite3.Error as exc:
                    self._record_error(str(exc))
                    unwritten[rid] = (text, t)
                    continue
                if cur.rowcount:
                    self.partial_writes += 1
                else:  # its begin_result is not written yet: keep it for the next round
                    unwritten[rid] = (text, t)
            self._repend(unwritten)
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._record_error(f"commit failed: {exc}")
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _repend(self, partials: dict[str, tuple[str, float]]) -> None:
        """Put back partial text that could not be written (newer text, if any, wins)."""
        with self._plock:
            for rid, val in partials.items():
                if rid in self._begun and rid not in self._finished:
                    self._partials.setdefault(rid, val)

    def _record_error(self, message: str) -> None:
        self.last_error = message
        log.error("ResultStore write failed: %s", message)

    def _submit(self, op: Callable[[sqlite3.Connection], None]) -> None:
        if self._closed:
            raise RuntimeError("The result store is closed.")
        self._queue.put(op)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every write submitted so far (partial text included) is committed."""
        if self._closed or not self._thread.is_alive():
            return True
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self) -> None:
        """Write everything pending, stop the writer, close the connections. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()
        for conn in (self._wconn, self._rconn):
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- documents and regions ------------------------------------------------------------------

    def save_document(
        self, document_hash: str, paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = (),
        name: str = "", page_count: int = 0,
    ) -> None:
        """Record that a document was opened (adds the path to the ones already known)."""
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        new_paths = [os.fspath(p) for p in paths if os.fspath(p)]
        if not name and new_paths:
            name = Path(new_paths[0]).name
        now = time.time()

        def op(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT paths FROM documents WHERE hash = ?", (document_hash,)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO documents(hash, name, paths, page_count, first_seen, last_opened) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (document_hash, name, json.dumps(new_paths, ensure_ascii=False), page_count, now, now),
                )
                return
            known = _loads(row[0], [])
            merged = new_paths + [p for p in known if p not in new_paths]
            conn.execute(
                "UPDATE documents SET paths = ?, last_opened = ?, "
                "name = CASE WHEN ? != '' THEN ? ELSE name END, "
                "page_count = CASE WHEN ? > 0 THEN ? ELSE page_count END WHERE hash = ?",
                (json.dumps(merged, ensure_ascii=False), now, name, name, page_count, page_count, document_hash),
            )

        self._submit(op)

    def set_regions(self, document_hash: str, page: int, regions: Iterable[Any]) -> None:
        """Replace the regions of one page.

        Each item is a :class:`SavedRegion`, a ``Region``/``None`` (text task), or a tuple
        ``(region, task[, template])``.
        """
        rows = []
        for order, item in enumerate(regions):
            if isinstance(item, SavedRegion):
                region, task, template = item.region, item.task, item.template
            elif isinstance(item, tuple):
                region, task = item[0], item[1]
                template = item[2] if len(item) > 2 else None
            elif item is None or isinstance(item, Region):
                region, task, template = item, Task.TEXT, None
            else:  # any object with region/task/template attributes
                region = getattr(item, "region", None)
                task = getattr(item, "task", Task.TEXT)
                template = getattr(item, "template", None)
            rows.append((document_hash, page, *_coords(region), Task.parse(task).value, _dump(template), order))

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM regions WHERE document_hash = ? AND page = ?", (document_hash, page))
            conn.executemany(
                "INSERT INTO regions(document_hash, page, x0, y0, x1, y1, task, template, ord) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

        self._submit(op)

    def regions_for(self, document_hash: str) -> list[SavedRegion]:
        rows = self._read(
            "SELECT page, x0, y0, x1, y1, task, template, ord FROM regions WHERE document_hash = ? "
            "ORDER BY page, ord",
            (document_hash,),
        )
        return [
            SavedRegion(_region_from(*r[1:5]), _task_from(r[5]), _loads(r[6], None), r[0], r[7]) for r in rows
        ]

    def document(self, document_hash: str) -> StoredDocument | None:
        rows = self._read(
            "SELECT hash, name, paths, page_count, first_seen, last_opened FROM documents WHERE hash = ?",
            (document_hash,),
        )
        if not rows:
            return None
        r = rows[0]
        return StoredDocument(r[0], r[1], _loads(r[2], []), r[3], r[4], r[5])

    # --- results --------------------------------------------------------------------------------

    def begin_result(
        self,
        job: Job | None = None,
        *,
        task: Task | str | None = None,
        document_hash: str | None = None,
        page: int | None = None,
        region: Region | None = None,
        template: dict[str, Any] | None = None,
        model: str = "",
        device: str = "",
        settings: dict[str, Any] | None = None,
        thumbnail: bytes | None = None,
    ) -> str:
        """Record a run that is starting; returns its result id at once (the write is queued)."""
        src = job.source if job is not None else Source()
        task = Task.parse(task if task is not None else (job.task if job is not None else Task.TEXT))
        region = region if region is not None else src.region
        template = template if template is not None else (job.template if job is not None else None)
        result_id = uuid.uuid4().hex
        now = time.time()
        row = (
            result_id,
            job.id if job is not None else "",
            document_hash if document_hash is not None else src.document_hash,
            page if page is not None else src.page,
            *_coords(region),
            task.value,
            _dump(template),
            model,
            device,
            _dump(settings or {}),
            _owner(),
            now,
            now,
            thumbnail,
        )

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO results(id, job_id, document_hash, page, x0, y0, x1, y1, task, template, model, "
                "device, settings, status, owner, created, updated, thumbnail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)",
                row,
            )

        with self._plock:
            self._begun.add(result_id)
        self._submit(op)
        return result_id

    def append_partial(self, result_id: str, text_so_far: str) -> None:
        """The streamed text so far. Cheap: only the latest value is kept and written every
        ``partial_interval`` seconds."""
        with self._plock:
            if result_id in self._finished:
                return
            wake = not self._partials
            self._partials[result_id] = (text_so_far, time.monotonic())
        if wake and not self._closed:
            self._queue.put(_WAKE)

    def finish_result(self, result_id: str, result: Result, status: str | None = None) -> None:
        """Store the final result; status is derived from it unless given."""
        if status is None:
            status = "error" if result.error else ("cancelled" if result.cancelled else "done")
        if status not in STATUSES:
            raise ValueError(f"Unknown result status {status!r}.")
        with self._plock:
            self._partials.pop(result_id, None)
            self._finished.add(result_id)
            self._begun.discard(result_id)
        timings = {**asdict(result.timings), "tokens_per_s": round(result.timings.tokens_per_s, 3)}
        row = (
            result.text,
            result.raw_text,
            result.model,
            result.device,
            _dump(timings),
            _dump(result.extraction),
            _dump(list(result.warnings)),
            int(result.cut),
            int(result.cancelled),
            int(result.truncated),
            result.error,
            status,
            time.time(),
            result_id,
        )

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE results SET text = ?, raw_text = ?, model = CASE WHEN ? != '' THEN ? ELSE model END, "
                "device = CASE WHEN ? != '' THEN ? ELSE device END, timings = ?, extraction = ?, warnings = ?, "
                "cut = ?, cancelled = ?, truncated = ?, error = ?, status = ?, updated = ? WHERE id = ?",
                (row[0], row[1], row[2], row[2], row[3], row[3], *row[4:]),
            )

        self._submit(op)

    def set_thumbnail(self, result_id: str, png: bytes | None) -> None:
        self._submit(lambda conn: conn.execute("UPDATE results SET thumbnail = ? WHERE id = ?", (png, result_id)))

    def thumbnail(self, result_id: str) -> bytes | None:
        rows = self._read("SELECT thumbnail FROM results WHERE id = ?", (result_id,))
        return rows[0][0] if rows else None

    def delete_result(self, result_id: str) -> None:
        with self._plock:
            self._partials.pop(result_id, None)
            self._finished.add(result_id)
            self._begun.discard(result_id)
        self._submit(lambda conn: conn.execute("DELETE FROM results WHERE id = ?", (result_id,)))

    def delete_document(self, document_hash: str) -> None:
        """Forget a document with its regions and results."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM results WHERE document_hash = ?", (document_hash,))
            conn.execute("DELETE FROM regions WHERE document_hash = ?", (document_hash,))
            conn.execute("DELETE FROM documents WHERE hash = ?", (document_hash,))

        self._submit(op)

    # --- reads ----------------------------------------------------------------------------------

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._rlock:
            try:
                return self._rconn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                log.error("ResultStore read failed: %s", exc)
                self.last_error = str(exc)
                return []

    def get_result(self, result_id: str) -> StoredResult | None:
        rows = self._read(f"SELECT {_RESULT_COLUMNS} FROM {_RESULT_FROM} WHERE r.id = ?", (result_id,))
        return _row_to_result(rows[0]) if rows else None

    def results_for(self, document_hash: str) -> list[StoredResult]:
        """Results of one document, oldest first."""
        rows = self._read(
            f"SELECT {_RESULT_COLUMNS} FROM {_RESULT_FROM} WHERE r.document_hash = ? ORDER BY r.created, r.n",
            (document_hash,),
        )
        return [_row_to_result(r) for r in rows]

    def history(self, limit: int = 50, offset: int = 0) -> list[StoredResult]:
        """All results, most recently changed first."""
        rows = self._read(
            f"SELECT {_RESULT_COLUMNS} FROM {_RESULT_FROM} ORDER BY r.updated DESC, r.n DESC LIMIT ? OFFSET ?",
            (int(limit), int(offset)),
        )
        return [_row_to_result(r) for r in rows]

    def search(self, query: str, limit: int = 50) -> list[StoredResult]:
        """Results whose text contains ``query`` (case-insensitive), most recent first.

        Uses the FTS5 index (trigram: substring search in any script) for queries of 3 characters or
        more, else ``LIKE``.
        """
        q = " ".join((query or "").split())
        if not q:
            return []
        if self.fts and len(q) >= 3:
            phrase = '"' + q.replace('"', '""') + '"'
            try:
                with self._rlock:
                    rows = self._rconn.execute(
                        f"SELECT {_RESULT_COLUMNS} FROM {_RESULT_FROM} WHERE r.n IN "
                        "(SELECT rowid FROM results_fts WHERE results_fts MATCH ?) "
                        "ORDER BY r.updated DESC LIMIT ?",
                        (phrase, int(limit)),
                    ).fetchall()
                return [_row_to_result(r) for r in rows]
            except sqlite3.Error as exc:
                log.warning("Full-text search failed (%s); searching with LIKE", exc)
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._read(
            f"SELECT {_RESULT_COLUMNS} FROM {_RESULT_FROM} WHERE r.text LIKE ? ESCAPE '\\' "
            "ORDER BY r.updated DESC LIMIT ?",
            (pattern, int(limit)),
        )
        return [_row_to_result(r) for r in rows]


def _close_at_exit(ref: weakref.ref[ResultStore]) -> None:
    """A store the app forgot to close still writes what is pending before the interpreter exits."""
    store = ref()
    if store is not None:
        try:
            store.close()
        except Exception:  # pragma: no cover - never fail at exit
            log.exception("closing the result store at exit failed")


def _is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text
