"""What the app asks of stored results: one document's regions and results, history, search.

Why a module of its own: reads use their own connection (WAL lets them run beside the writer thread)
and see what has been committed; they never raise for a bad row or a failed query, so a listing in the
GUI can always be drawn: a row of a damaged or foreign file is decoded leniently or left out, and a
query runs at most :data:`READ_TIME_LIMIT_S` (it is interrupted then, and comes back empty). Search uses the FTS5 index (trigram: substring search in any script) for
queries of three characters or more, else ``LIKE``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Any

from glmocr_desktop.core.regions import TaskRegion
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.store.records import (
    RESULT_COLUMNS,
    RESULT_FROM,
    StoredDocument,
    kind_from,
    loads_json,
    region_from,
    source_from,
    task_from,
)

log = logging.getLogger(__name__)

#: the longest a read may run (the History view reads on the GUI thread)
READ_TIME_LIMIT_S = 3.0


class ResultQueries:
    """Read-only queries over one reader connection (shared by threads behind a lock)."""

    def __init__(self, conn: sqlite3.Connection, fts: bool) -> None:
        self._rconn = conn
        self._rlock = threading.RLock()
        self.fts = fts
        self.last_error: str | None = None
        self._deadline = 0.0
        try:
            conn.set_progress_handler(self._too_long, 20_000)
        except sqlite3.Error:  # pragma: no cover - every build has it
            pass

    def _too_long(self) -> int:
        return 1 if self._deadline and time.monotonic() > self._deadline else 0

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run one query within the time limit (raises sqlite3.Error)."""
        with self._rlock:
            self._deadline = time.monotonic() + READ_TIME_LIMIT_S
            try:
                return self._rconn.execute(sql, params).fetchall()
            finally:
                self._deadline = 0.0

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._fetch(sql, params)
        except (sqlite3.Error, ValueError, OverflowError, MemoryError) as exc:
            log.error("ResultStore read failed: %s", exc)
            self.last_error = str(exc)
            return []

    def _results(self, where_and_order: str, params: Sequence[Any] = ()) -> list[Result]:
        rows = self._read(f"SELECT {RESULT_COLUMNS} FROM {RESULT_FROM} {where_and_order}", params)
        return _decoded(rows)

    # --- documents and regions ------------------------------------------------------------------

    def regions_for(self, document_hash: str) -> dict[int, list[TaskRegion]]:
        """The document's regions: page -> its regions in reading order (a row without a box is left
        out: a page's own regions are boxes)."""
        rows = self._read(
            "SELECT page, x0, y0, x1, y1, task, template, ord, label, kind, source, edited FROM regions "
            "WHERE document_hash = ? ORDER BY page, ord",
            (document_hash,),
        )
        pages: dict[int, list[TaskRegion]] = {}
        for r in rows:
            region = region_from(*r[1:5])
            if region is not None:
                pages.setdefault(int(r[0]), []).append(
                    TaskRegion(region, task_from(r[5]), loads_json(r[6], None), str(r[8] or ""), kind_from(r[9]),
                               source_from(r[10]), bool(r[11]))
                )  # fmt: skip
        return pages

    def document(self, document_hash: str) -> StoredDocument | None:
        rows = self._read(
            "SELECT hash, name, paths, page_count, first_seen, last_opened FROM documents WHERE hash = ?",
            (document_hash,),
        )
        if not rows:
            return None
        r = rows[0]
        return StoredDocument(r[0], r[1], loads_json(r[2], []), r[3], r[4], r[5])

    # --- results --------------------------------------------------------------------------------

    def thumbnail(self, result_id: str) -> bytes | None:
        rows = self._read("SELECT thumbnail FROM results WHERE id = ?", (result_id,))
        return rows[0][0] if rows else None

    def get_result(self, result_id: str) -> Result | None:
        found = self._results("WHERE r.id = ?", (result_id,))
        return found[0] if found else None

    def results_for(self, document_hash: str) -> list[Result]:
        """Results of one document, oldest first."""
        return self._results("WHERE r.document_hash = ? ORDER BY r.created, r.n", (document_hash,))

    def history(self, limit: int = 50, offset: int = 0) -> list[Result]:
        """All results, most recently changed first."""
        return self._results("ORDER BY r.updated DESC, r.n DESC LIMIT ? OFFSET ?", (int(limit), int(offset)))

    def search(self, query: str, limit: int = 50) -> list[Result]:
        """Results whose text contains ``query`` (case-insensitive), most recent first."""
        q = " ".join((query or "").split())
        if not q:
            return []
        if self.fts and len(q) >= 3:
            phrase = '"' + q.replace('"', '""') + '"'
            try:
                rows = self._fetch(
                    f"SELECT {RESULT_COLUMNS} FROM {RESULT_FROM} WHERE r.n IN "
                    "(SELECT rowid FROM results_fts WHERE results_fts MATCH ?) "
                    "ORDER BY r.updated DESC LIMIT ?",
                    (phrase, int(limit)),
                )
                return _decoded(rows)
            except sqlite3.Error as exc:
                log.warning("Full-text search failed (%s); searching with LIKE", exc)
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return self._results("WHERE r.text LIKE ? ESCAPE '\\' ORDER BY r.updated DESC LIMIT ?",
                             (pattern, int(limit)))


def _decoded(rows: Sequence[Sequence[Any]]) -> list[Result]:
    """Records of the rows that decode; a row that does not is logged and left out."""
    out = []
    for r in rows:
        try:
            out.append(Result.from_row(r))
        except Exception as exc:
            log.warning("a stored result could not be read and is left out: %r", exc)
    return out
