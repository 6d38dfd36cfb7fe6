"""ResultStore: the one object the app holds to keep documents, regions and results.

Why a module of its own: it only puts the parts together (opening with recovery, the writer thread, the
queries) and turns each change the app makes into one queued write, so callers never wait on the disk.

It also keeps, in memory, every result whose latest state is not committed yet (:meth:`unsaved_results`):
while the disk fails they are what the window counts and what :meth:`save_unsaved` writes to a file the
user picks; at :meth:`close` whatever is still unwritten goes to a file beside the database
(``results.sqlite3.pending-…``) that the next start adds back, when the disk lets it.
"""

from __future__ import annotations

import atexit
import copy
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from glmocr_desktop.core import paths as app_paths
from glmocr_desktop.core.jobs import Job, JobState
from glmocr_desktop.core.regions import Region, TaskRegion
from glmocr_desktop.core.results import Result, Source
from glmocr_desktop.core.store import salvage
from glmocr_desktop.core.store.health import Problem, StoreHealth
from glmocr_desktop.core.store.queries import ResultQueries
from glmocr_desktop.core.store.records import (
    STATUSES,
    dump_json,
    kind_from,
    loads_json,
    region_coords,
    source_from,
)
from glmocr_desktop.core.store.recovery import (
    ConnectionFactory,
    connect,
    current_owner,
    interrupt_dead,
    mark_recovered,
    open_database,
    pending_file,
    pending_files,
    recoverable_files,
)
from glmocr_desktop.core.store.schema import has_fts, migrate_in_transaction
from glmocr_desktop.core.store.writer import StoreWriter
from glmocr_desktop.core.tasks import Task

log = logging.getLogger(__name__)

APP_NAME = "glmocr-desktop"
DB_NAME = "results.sqlite3"
ENV_DATA_DIR = "GLMOCR_DATA_DIR"


def default_data_dir() -> Path:
    """``$GLMOCR_DATA_DIR`` if set, else the platform's user data directory (see core.paths)."""
    return app_paths.data_dir()


def default_db_path() -> Path:
    return default_data_dir() / DB_NAME


#: how long :meth:`ResultStore.close` keeps trying to write what is pending
CLOSE_TIMEOUT_S = 2.0
#: a read on the GUI thread waits at most this long for a lock (queries.READ_TIME_LIMIT_S bounds its run)
READ_BUSY_TIMEOUT_S = 1.0


class ResultStore(ResultQueries):
    """SQLite store for documents, regions and results; see the package docstring."""

    #: seconds between two writes of the same streaming result
    PARTIAL_INTERVAL = 0.25

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        busy_timeout: float = 5.0,
        partial_interval: float | None = None,
        connect_with: ConnectionFactory = connect,
    ) -> None:
        if path is None:
            path = (Path(data_dir) if data_dir is not None else default_data_dir()) / DB_NAME
        self.busy_timeout = busy_timeout
        self.partial_interval = self.PARTIAL_INTERVAL if partial_interval is None else partial_interval
        self._factory = connect_with
        opened = open_database(Path(path), busy_timeout, connect_with)
        self.path = opened.path
        self.main_path = Path(path)  # the file asked for (``path`` is where this session writes)
        self.recovery_message: str | None = opened.recovery_message
        self.moved_aside: Path | None = opened.moved_aside
        self.in_memory = opened.in_memory
        self.interrupted_on_open = opened.interrupted
        self.saved_aside: Path | None = None  # where close() put what it could not write
        self.merged_on_open = 0  # results kept aside by an earlier session, added back now
        self._memory_uri = opened.memory_uri
        self._reader_uri = opened.reader_uri
        self._unsaved: dict[str, dict[str, Any]] = {}  # result id -> its row, latest state not committed
        self._versions: dict[str, int] = {}
        self._committed_running: set[str] = set()  # running, their start written: kept whole, not unsaved
        self._documents: dict[str, dict[str, Any]] = {}  # documents recorded this session
        self._unsaved_lock = threading.Lock()
        self.health_listeners: list[Callable[[StoreHealth], None]] = []
        reader = self._reader()
        super().__init__(reader, _has_fts(reader))
        self._writer = StoreWriter(opened.conn, self.partial_interval, on_error=self._record_error,
                                   on_health=self._health_changed,
                                   connect=None if self.in_memory else self._writer_connection,
                                   folder=None if self.in_memory else str(self.path.parent))  # fmt: skip
        if opened.problem is not None:  # known before the first write: read-only, full, failing disk
            self._writer.problem, self._writer.detail = opened.problem, opened.detail
        if opened.interrupt_later:
            self._writer.submit(_catch_up)
        if not self.in_memory and self.path == self.main_path:
            self._add_back_pending()
        atexit.register(_close_at_exit, weakref.ref(self))

    def _reader(self) -> sqlite3.Connection:
        timeout = min(self.busy_timeout, READ_BUSY_TIMEOUT_S)
        if self._memory_uri is not None:
            conn = connect(self._memory_uri, timeout, uri=True)
        elif self._reader_uri is not None:
            conn = connect(self._reader_uri, timeout, uri=True)
        else:
            try:
                conn = self._factory(str(self.path), timeout)
            except sqlite3.Error as exc:
                log.error("the results database cannot be read (%s); reading from memory", exc)
                conn = connect(":memory:", timeout)
        return conn

    def _reopen_reader(self) -> None:
        self._reader_uri = None
        try:
            fresh = self._reader()
        except sqlite3.Error as exc:
            log.warning("the results database cannot be read normally yet: %s", exc)
            return
        with self._rlock:
            old, self._rconn = self._rconn, fresh
            fresh.set_progress_handler(self._too_long, 20_000)
        try:
            old.close()
        except sqlite3.Error:
            pass

    def _writer_connection(self) -> sqlite3.Connection:
        conn = self._factory(str(self.path), self.busy_timeout)
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _record_error(self, message: str) -> None:
        self.last_error = message

    # --- health ---------------------------------------------------------------------------------

    def health(self) -> StoreHealth:
        """Whether writes reach the database now, and how much is waiting."""
        w = self._writer
        return StoreHealth(problem=w.problem, detail=w.detail, unsaved_results=len(self.unsaved_ids()),
                           pending_writes=w.pending_writes, path=str(self.path),
                           in_memory=self.in_memory)  # fmt: skip

    def _health_changed(self, problem: Problem | None, _detail: str) -> None:
        if problem is None and self._reader_uri is not None:  # the file opens normally again: read it
            self._reopen_reader()
        health = self.health()
        for listener in list(self.health_listeners):
            try:
                listener(health)
            except Exception:
                log.exception("result store health listener failed")

    def unsaved_ids(self) -> list[str]:
        """Results whose latest state is not in the database file (all of them, for a store in memory)."""
        with self._unsaved_lock:
            return [rid for rid in self._unsaved if rid not in self._committed_running]

    def unsaved_results(self) -> list[dict[str, Any]]:
        """Those results as rows (the columns of ``results``), copies."""
        with self._unsaved_lock:
            return [copy.copy(r) for rid, r in self._unsaved.items() if rid not in self._committed_running]

    def _track(self, result_id: str, row: dict[str, Any]) -> Callable[[], None]:
        """Remember ``row`` as the latest state of a result until the write that carries it commits."""
        with self._unsaved_lock:
            version = self._versions.get(result_id, 0) + 1
            self._versions[result_id] = version
            self._unsaved[result_id] = row
            self._committed_running.discard(result_id)

        def committed() -> None:
            if self.in_memory:
                return  # nothing of it is on disk
            with self._unsaved_lock:
                if self._versions.get(result_id) == version:
                    if row.get("status") == "running":  # kept whole until it ends (its final state may fail)
                        self._committed_running.add(result_id)
                        return
                    self._unsaved.pop(result_id, None)
                    self._versions.pop(result_id, None)
                    self._committed_running.discard(result_id)

        return committed

    def _latest(self, result_id: str) -> dict[str, Any] | None:
        with self._unsaved_lock:
            row = self._unsaved.get(result_id)
            return dict(row) if row is not None else None

    def save_unsaved(self, path: str | os.PathLike[str]) -> int:
        """Write the unsaved results (with their documents) to ``path``: JSON when it ends in ``.json``,
        else a SQLite results database (the app can add it back). How many results were written."""
        rows = self.unsaved_results()
        hashes = {r.get("document_hash") for r in rows}
        with self._unsaved_lock:
            documents = [dict(d) for h, d in self._documents.items() if h in hashes]
        for r in rows:
            if r.get("status") == "running":
                r["status"] = "interrupted"  # it did not finish in this file
        if str(path).lower().endswith(".json"):
            salvage.write_json(path, rows, documents)
        else:
            salvage.write_database(path, rows, documents)
        return len(rows)

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def _wconn(self) -> sqlite3.Connection:
        return self._writer.conn

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran: writes raise, late GUI signals should be dropped."""
        return self._writer.closed

    @property
    def partial_writes(self) -> int:
        """How many partial-text writes reached the database."""
        return self._writer.partial_writes

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every write submitted so far (partial text included) is committed; False if that did
        not happen within ``timeout`` (the writes are kept and tried again)."""
        return self._writer.flush(timeout)

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> StoreHealth:
        """Write everything pending (trying for at most ``timeout`` seconds), stop the writer, close the
        connections. What could not be written goes to a file beside the database, which the next start
        adds back (:attr:`saved_aside`); the health returned counts what is in neither. Safe to call twice."""
        if self._writer.closed:
            return self._final
        drained = self._writer.close(timeout)
        if not drained or (self.in_memory and self.unsaved_ids()):
            self._save_aside()
        if not self._writer._thread.is_alive():  # a thread still stuck in a statement keeps its connection
            try:
                self._writer.conn.close()
            except sqlite3.Error:
                pass
        with self._rlock:
            try:
                self._rconn.close()
            except sqlite3.Error:
                pass
        left = 0 if self.saved_aside is not None else len(self.unsaved_ids())
        w = self._writer
        self._final = StoreHealth(problem=w.problem, detail=w.detail, unsaved_results=left,
                                  pending_writes=w.pending_writes, path=str(self.path), in_memory=self.in_memory)
        return self._final

    _final = StoreHealth()

    def _save_aside(self) -> None:
        if not self.unsaved_ids():
            return
        target = pending_file(self.main_path)
        try:
            n = self.save_unsaved(target)
        except (OSError, sqlite3.Error) as exc:
            log.error("%d unsaved results could not be kept aside in %s either: %s",
                      len(self.unsaved_ids()), target, exc)  # fmt: skip
            for leftover in (target, target.with_name(target.name + ".part")):
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:
                    pass
            return
        self.saved_aside = target
        log.warning("%d results that could not be written were kept in %s; the next start adds them back",
                    n, target)  # fmt: skip

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- recovering what an earlier file holds --------------------------------------------------

    def recoverable(self) -> list[Path]:
        """Databases moved aside as damaged (this start or before) whose rows can still be added back."""
        if self.in_memory:
            return []
        return recoverable_files(self.main_path)

    def recover_from(self, path: str | os.PathLike[str], on_done: Callable[[salvage.Merged], None] | None = None,
                     *, rename: bool = True) -> salvage.Salvaged:  # fmt: skip
        """Read what can be read from the database at ``path`` (row by row, damaged pages skipped) and add
        it to this store: results and documents not here yet, regions of pages that have none. The adding
        is a queued write; ``on_done`` gets its counts on the writer thread once it is committed, and a
        broken file is then renamed so that it is not offered again (``rename``)."""
        src = Path(path)
        found = salvage.read_database(src)
        if found.error is not None:
            raise OSError(f"{src.name} cannot be read at all ({found.error}).")
        merged = salvage.Merged()

        def op(conn: sqlite3.Connection) -> None:
            got = salvage.merge_into(conn, found)
            merged.results, merged.documents, merged.regions = got.results, got.documents, got.regions
            merged.unreadable = got.unreadable

        def committed() -> None:
            if rename:
                mark_recovered(src)
            if on_done is not None:
                on_done(merged)

        self._writer.submit(op, on_commit=committed)
        return found

    def _add_back_pending(self) -> None:
        """Results an earlier session kept aside (the disk was full, the file locked) go back in now."""
        for pending in pending_files(self.main_path):
            found = salvage.read_database(pending)
            if found.error is not None:
                log.warning("%s cannot be read (%s); left as it is", pending, found.error)
                continue
            self.merged_on_open += len(found.results)

            def op(conn: sqlite3.Connection, found: salvage.Salvaged = found) -> None:
                salvage.merge_into(conn, found)

            def committed(pending: Path = pending) -> None:
                for suffix in ("", "-wal", "-shm"):
                    try:
                        pending.with_name(pending.name + suffix).unlink(missing_ok=True)
                    except OSError:
                        log.warning("could not remove %s", pending)

            self._writer.submit(op, on_commit=committed)
        if self.merged_on_open:
            n = self.merged_on_open
            msg = f"{n} result{'s' if n != 1 else ''} an earlier session could not save {'were' if n != 1 else 'was'} added back."
            self.recovery_message = f"{self.recovery_message}\n{msg}" if self.recovery_message else msg

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
        with self._unsaved_lock:
            known_doc = self._documents.get(document_hash)
            self._documents[document_hash] = {
                "hash": document_hash, "name": name or (known_doc or {}).get("name", ""),
                "paths": json.dumps(new_paths, ensure_ascii=False), "page_count": page_count,
                "first_seen": now, "last_opened": now,
            }  # fmt: skip

        def op(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT paths FROM documents WHERE hash = ?", (document_hash,)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO documents(hash, name, paths, page_count, first_seen, last_opened) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (document_hash, name, json.dumps(new_paths, ensure_ascii=False), page_count, now, now),
                )
                return
            known = loads_json(row[0], [])
            merged = new_paths + [p for p in known if p not in new_paths]
            conn.execute(
                "UPDATE documents SET paths = ?, last_opened = ?, "
                "name = CASE WHEN ? != '' THEN ? ELSE name END, "
                "page_count = CASE WHEN ? > 0 THEN ? ELSE page_count END WHERE hash = ?",
                (json.dumps(merged, ensure_ascii=False), now, name, name, page_count, page_count,
                 document_hash),
            )

        self._writer.submit(op)

    def set_regions(self, document_hash: str, page: int, regions: Iterable[TaskRegion]) -> None:
        """Replace the regions of one page with ``regions``; the list's order is the reading order."""
        rows = []
        for order, item in enumerate(regions):
            if not isinstance(item, TaskRegion):
                raise TypeError(f"set_regions takes TaskRegion items, not {type(item).__name__}")
            rows.append((document_hash, page, *region_coords(item.region), Task.parse(item.task).value,
                         dump_json(item.template), order, str(item.label or ""), kind_from(item.kind),
                         source_from(item.source), int(bool(item.edited))))  # fmt: skip

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM regions WHERE document_hash = ? AND page = ?", (document_hash, page))
            conn.executemany(
                "INSERT INTO regions(document_hash, page, x0, y0, x1, y1, task, template, ord, "
                "label, kind, source, edited) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

        self._writer.submit(op)

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
            *region_coords(region),
            task.value,
            dump_json(template),
            model,
            device,
            dump_json(settings or {}),
            current_owner(),
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

        snapshot = dict.fromkeys(salvage.RESULT_FIELDS)
        snapshot.update(zip(_BEGIN_FIELDS, row, strict=True))
        snapshot.update(status="running", text="", raw_text="", timings="{}", warnings="[]", cut=0, cancelled=0,
                        truncated=0)  # fmt: skip
        on_commit = self._track(result_id, snapshot)
        self._writer.began(result_id)
        self._writer.submit(op, on_commit)
        return result_id

    def append_partial(self, result_id: str, text_so_far: str) -> None:
        """The streamed text so far. Cheap: only the latest value is kept and written every
        ``partial_interval`` seconds."""
        with self._unsaved_lock:
            row = self._unsaved.get(result_id)
            if row is not None and row.get("status") == "running":
                row["text"] = row["raw_text"] = text_so_far
        self._writer.set_partial(result_id, text_so_far)

    def finish_result(self, result_id: str, result: Result, status: str | None = None) -> None:
        """Store the final result; status is derived from it unless given."""
        if status is None:
            status = JobState.of_result(result).value
        if status not in STATUSES:
            raise ValueError(f"Unknown result status {status!r}.")
        self._writer.ended(result_id)
        timings = {**asdict(result.timings), "tokens_per_s": round(result.timings.tokens_per_s, 3)}
        row = (
            result.text,
            result.raw_text,
            result.model,
            result.device,
            dump_json(timings),
            dump_json(result.extraction),
            dump_json(list(result.warnings)),
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
                "device = CASE WHEN ? != '' THEN ? ELSE device END, "
                "timings = ?, extraction = ?, warnings = ?, "
                "cut = ?, cancelled = ?, truncated = ?, error = ?, status = ?, updated = ? WHERE id = ?",
                (row[0], row[1], row[2], row[2], row[3], row[3], *row[4:]),
            )

        snapshot = self._latest(result_id) or self._row_from_result(result_id, result)
        snapshot.update(zip(_FINISH_FIELDS, row[:-1], strict=True))
        snapshot["model"] = result.model or snapshot.get("model") or ""
        snapshot["device"] = result.device or snapshot.get("device") or ""
        self._writer.submit(op, self._track(result_id, snapshot))

    def _row_from_result(self, result_id: str, result: Result) -> dict[str, Any]:
        """A whole row for a result this session has no row of (an earlier one, edited now)."""
        src = result.source
        row = dict.fromkeys(salvage.RESULT_FIELDS)
        now = time.time()
        row.update(zip(("x0", "y0", "x1", "y1"), region_coords(src.region), strict=True))
        row.update(id=result_id, job_id=result.job_id, document_hash=src.document_hash, page=src.page,
                   task=Task.parse(result.task).value, settings="{}", owner=current_owner(), created=now)  # fmt: skip
        return row

    def set_thumbnail(self, result_id: str, png: bytes | None) -> None:
        self._writer.submit(
            lambda conn: conn.execute("UPDATE results SET thumbnail = ? WHERE id = ?", (png, result_id))
        )

    def delete_result(self, result_id: str) -> None:
        self._writer.ended(result_id)
        with self._unsaved_lock:
            self._unsaved.pop(result_id, None)
            self._versions.pop(result_id, None)
            self._committed_running.discard(result_id)
        self._writer.submit(lambda conn: conn.execute("DELETE FROM results WHERE id = ?", (result_id,)))

    def delete_document(self, document_hash: str) -> None:
        """Forget a document with its regions and results."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM results WHERE document_hash = ?", (document_hash,))
            conn.execute("DELETE FROM regions WHERE document_hash = ?", (document_hash,))
            conn.execute("DELETE FROM documents WHERE hash = ?", (document_hash,))

        self._writer.submit(op)


_BEGIN_FIELDS = ("id", "job_id", "document_hash", "page", "x0", "y0", "x1", "y1", "task", "template", "model",
                 "device", "settings", "owner", "created", "updated", "thumbnail")  # fmt: skip
_FINISH_FIELDS = ("text", "raw_text", "model", "device", "timings", "extraction", "warnings", "cut", "cancelled",
                  "truncated", "error", "status", "updated")  # fmt: skip


def _catch_up(conn: sqlite3.Connection) -> None:
    """What opening could not write (a full or failing disk): migrations, crashed results marked."""
    migrate_in_transaction(conn)
    interrupt_dead(conn)


def _has_fts(conn: sqlite3.Connection) -> bool:
    try:
        return has_fts(conn)
    except sqlite3.Error:
        return False


def _close_at_exit(ref: weakref.ref[ResultStore]) -> None:
    """A store the app forgot to close still writes what is pending before the interpreter exits."""
    store = ref()
    if store is not None:
        try:
            store.close()
        except Exception:  # pragma: no cover - never fail at exit
            log.exception("closing the result store at exit failed")
