"""ResultStore: the one object the app holds to keep documents, regions and results.

Why a module of its own: it only puts the parts together (opening with recovery, the writer thread, the
queries) and turns each change the app makes into one queued write, so callers never wait on the disk.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sqlite3
import time
import uuid
import weakref
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from glmocr_desktop.core import paths as app_paths
from glmocr_desktop.core.jobs import Job, JobState, Result, Source
from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.store.queries import ResultQueries
from glmocr_desktop.core.store.records import (
    STATUSES,
    SavedRegion,
    dump_json,
    kind_from,
    loads_json,
    region_coords,
    source_from,
)
from glmocr_desktop.core.store.recovery import connect, current_owner, open_database
from glmocr_desktop.core.store.schema import has_fts
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
    ) -> None:
        if path is None:
            path = (Path(data_dir) if data_dir is not None else default_data_dir()) / DB_NAME
        self.busy_timeout = busy_timeout
        self.partial_interval = self.PARTIAL_INTERVAL if partial_interval is None else partial_interval
        opened = open_database(Path(path), busy_timeout)
        self.path = opened.path
        self.recovery_message: str | None = opened.recovery_message
        self.moved_aside: Path | None = opened.moved_aside
        self.in_memory = opened.in_memory
        self.interrupted_on_open = opened.interrupted
        self._wconn = opened.conn
        if opened.memory_uri is not None:
            reader = connect(opened.memory_uri, busy_timeout, uri=True)
        else:
            reader = connect(str(self.path), busy_timeout)
        super().__init__(reader, has_fts(reader))
        self._writer = StoreWriter(self._wconn, self.partial_interval, on_error=self._record_error)
        atexit.register(_close_at_exit, weakref.ref(self))

    def _record_error(self, message: str) -> None:
        self.last_error = message

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran: writes raise, late GUI signals should be dropped."""
        return self._writer.closed

    @property
    def partial_writes(self) -> int:
        """How many partial-text writes reached the database."""
        return self._writer.partial_writes

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every write submitted so far (partial text included) is committed."""
        return self._writer.flush(timeout)

    def close(self) -> None:
        """Write everything pending, stop the writer, close the connections. Safe to call twice."""
        if self._writer.closed:
            return
        self._writer.close()
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

    def set_regions(self, document_hash: str, page: int, regions: Iterable[SavedRegion]) -> None:
        """Replace the regions of one page with ``regions``, in their order.

        The page and order stored are this call's ``page`` and the list's order (a :class:`SavedRegion`'s
        own ``page``/``order`` say where it was read from).
        """
        rows = []
        for order, item in enumerate(regions):
            if not isinstance(item, SavedRegion):
                raise TypeError(f"set_regions takes SavedRegion items, not {type(item).__name__}")
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

        self._writer.began(result_id)
        self._writer.submit(op)
        return result_id

    def append_partial(self, result_id: str, text_so_far: str) -> None:
        """The streamed text so far. Cheap: only the latest value is kept and written every
        ``partial_interval`` seconds."""
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

        self._writer.submit(op)

    def set_thumbnail(self, result_id: str, png: bytes | None) -> None:
        self._writer.submit(
            lambda conn: conn.execute("UPDATE results SET thumbnail = ? WHERE id = ?", (png, result_id))
        )

    def delete_result(self, result_id: str) -> None:
        self._writer.ended(result_id)
        self._writer.submit(lambda conn: conn.execute("DELETE FROM results WHERE id = ?", (result_id,)))

    def delete_document(self, document_hash: str) -> None:
        """Forget a document with its regions and results."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM results WHERE document_hash = ?", (document_hash,))
            conn.execute("DELETE FROM regions WHERE document_hash = ?", (document_hash,))
            conn.execute("DELETE FROM documents WHERE hash = ?", (document_hash,))

        self._writer.submit(op)


def _close_at_exit(ref: weakref.ref[ResultStore]) -> None:
    """A store the app forgot to close still writes what is pending before the interpreter exits."""
    store = ref()
    if store is not None:
        try:
            store.close()
        except Exception:  # pragma: no cover - never fail at exit
            log.exception("closing the result store at exit failed")
