"""Reading what can be read from a results database (one moved aside as damaged, or kept aside by a
session that could not write to the main one), adding it to the store, and writing unsaved results to a
file the user picks.

Why a module of its own: a damaged file must be read without trusting it. Tables are read by rowid in
small ranges, and a range that fails is read again row by row, so one damaged page costs the rows on it
and nothing else; every value is checked for its type before it reaches a record. The same row shapes
serve the other direction: unsaved results written to a new SQLite file (which this module can read
back like any other) or to JSON.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glmocr_desktop.core.store.schema import migrate

log = logging.getLogger(__name__)

#: the columns of ``results`` a record carries (``n`` is the database's own)
RESULT_FIELDS = (
    "id", "job_id", "document_hash", "page", "x0", "y0", "x1", "y1", "task", "template", "text", "raw_text",
    "model", "device", "settings", "timings", "extraction", "warnings", "cut", "cancelled", "truncated", "error",
    "status", "owner", "created", "updated", "thumbnail",
)  # fmt: skip
DOCUMENT_FIELDS = ("hash", "name", "paths", "page_count", "first_seen", "last_opened")
REGION_FIELDS = ("document_hash", "page", "x0", "y0", "x1", "y1", "task", "template", "ord", "label", "kind",
                 "source", "edited")  # fmt: skip

_TEXT = {"id", "job_id", "document_hash", "task", "text", "raw_text", "model", "device", "settings", "timings",
         "warnings", "status", "owner", "hash", "name", "paths", "label", "kind", "source"}  # fmt: skip
_INT = {"page", "cut", "cancelled", "truncated", "page_count", "ord", "edited"}
_REAL = {"x0", "y0", "x1", "y1", "created", "updated", "first_seen", "last_opened"}
_DEFAULTS: dict[str, Any] = {"settings": "{}", "timings": "{}", "warnings": "[]", "paths": "[]", "status": "done",
                             "task": "text", "kind": "read", "source": "drawn"}  # fmt: skip

#: rowids read per query; a range that fails is read row by row
CHUNK = 200
#: empty ranges in a row after the last known rowid before a table is taken as read to its end
EMPTY_RANGES_PAST_END = 20


@dataclass
class Salvaged:
    """What could be read from a file."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    unreadable: int = 0  # rows (or whole tables) that could not be read
    error: str | None = None  # the file could not be opened at all


@dataclass
class Merged:
    """What adding a :class:`Salvaged` to a store did."""

    results: int = 0  # results added (the ones already in the store are left as they are)
    documents: int = 0
    regions: int = 0
    unreadable: int = 0


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _clean(name: str, value: Any) -> Any:
    """A value as its column expects it; anything else becomes the column's default (or NULL)."""
    if name == "thumbnail" or name in ("template", "extraction", "error"):
        if name == "thumbnail":
            return value if isinstance(value, bytes) else None
        return value if isinstance(value, str) else None
    if name in _TEXT:
        if isinstance(value, str):
            return value
        if isinstance(value, bytes):
            return _lenient_text(value)
        return _DEFAULTS.get(name, "") if value is None else str(value)
    if name in _INT:
        return int(value) if isinstance(value, (int, float)) and abs(value) < 2**62 else 0
    if name in _REAL:
        if isinstance(value, (int, float)) and value == value and abs(value) < 1e300:
            return float(value)
        return None if name in ("x0", "y0", "x1", "y1") else 0.0
    return value


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})").fetchall()]


def _rows_of(conn: sqlite3.Connection, table: str, names: Sequence[str], out: Salvaged) -> Iterator[tuple]:
    """Every readable row of ``table`` by rowid, in small ranges; a damaged range row by row."""
    cols = ", ".join(names)
    try:
        top = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
        top = int(top) if isinstance(top, int) else 0
    except sqlite3.Error:
        top = 0
    start, empty_past_end = 1, 0
    while empty_past_end < EMPTY_RANGES_PAST_END:
        end = start + CHUNK - 1
        try:
            rows = conn.execute(f"SELECT {cols} FROM {table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
                                (start, end)).fetchall()  # fmt: skip
        except sqlite3.Error:
            rows = []
            for rowid in range(start, end + 1):
                try:
                    rows.extend(conn.execute(f"SELECT {cols} FROM {table} WHERE rowid = ?", (rowid,)).fetchall())
                except sqlite3.Error:
                    out.unreadable += 1
        if end >= top:
            empty_past_end = empty_past_end + 1 if not rows else 0
        yield from rows
        start = end + 1


def _read_table(conn: sqlite3.Connection, table: str, fields: Sequence[str], out: Salvaged) -> list[dict]:
    try:
        present = [f for f in fields if f in set(_columns(conn, table))]
    except sqlite3.Error:
        out.unreadable += 1
        return []
    if not present:
        return []
    records = []
    for row in _rows_of(conn, table, present, out):
        got = dict(zip(present, row, strict=True))
        records.append({f: _clean(f, got.get(f)) for f in fields})
    return records


def read_database(path: str | os.PathLike[str]) -> Salvaged:
    """Everything that can be read from the database at ``path``; never raises for a bad file."""
    out = Salvaged()
    uri = Path(path).resolve().as_uri()
    conn = None
    for query in ("?mode=ro", "?mode=ro&immutable=1"):
        try:
            conn = sqlite3.connect(uri + query, uri=True, isolation_level=None, check_same_thread=False)
            conn.text_factory = _lenient_text
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            break
        except sqlite3.Error as exc:
            out.error = str(exc)
            if conn is not None:
                conn.close()
            conn = None
    if conn is None:
        return out
    out.error = None
    try:
        out.documents = _read_table(conn, "documents", DOCUMENT_FIELDS, out)
        out.regions = _read_table(conn, "regions", REGION_FIELDS, out)
        results = _read_table(conn, "results", RESULT_FIELDS, out)
    finally:
        conn.close()
    for r in results:
        if not r["id"]:
            r["id"] = uuid.uuid4().hex
        if r["status"] == "running":  # the process that ran it is gone with that file
            r["status"] = "interrupted"
    out.results = results
    return out


def _insert(conn: sqlite3.Connection, table: str, fields: Sequence[str], rows: Iterable[dict]) -> int:
    sql = f"INSERT OR IGNORE INTO {table}({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})"
    added = 0
    for r in rows:
        added += conn.execute(sql, [r.get(f) for f in fields]).rowcount
    return added


#: what a later state of a result changes (its start, document and settings stay as first written)
_FINAL_FIELDS = ("text", "raw_text", "model", "device", "timings", "extraction", "warnings", "cut", "cancelled",
                 "truncated", "error", "status", "updated")  # fmt: skip


def _merge_results(conn: sqlite3.Connection, rows: Iterable[dict]) -> int:
    """Results not in the database are added; one it has in an older state (e.g. still ``running`` or
    ``interrupted`` there, finished in ``rows``) takes the newer state."""
    cols = ", ".join(RESULT_FIELDS)
    sets = ", ".join(f"{f} = excluded.{f}" for f in _FINAL_FIELDS)
    sql = (f"INSERT INTO results({cols}) VALUES ({', '.join('?' * len(RESULT_FIELDS))}) "
           f"ON CONFLICT(id) DO UPDATE SET {sets} WHERE excluded.updated > results.updated OR ("
           "results.status IN ('running', 'interrupted') AND excluded.status NOT IN ('running', 'interrupted'))")  # fmt: skip
    changed = 0
    for r in rows:
        changed += conn.execute(sql, [r.get(f) for f in RESULT_FIELDS]).rowcount
    return changed


def merge_into(conn: sqlite3.Connection, found: Salvaged) -> Merged:
    """Add what was read to the database of ``conn`` (inside the caller's transaction): results it does not
    have yet or has in an older state, documents it does not have, and the regions of pages it has none
    for."""
    merged = Merged(unreadable=found.unreadable)
    merged.documents = _insert(conn, "documents", DOCUMENT_FIELDS, found.documents)
    merged.results = _merge_results(conn, found.results)
    have = {(h, p) for h, p in conn.execute("SELECT DISTINCT document_hash, page FROM regions").fetchall()}
    new_regions = [r for r in found.regions if (r["document_hash"], r["page"]) not in have]
    merged.regions = _insert(conn, "regions", REGION_FIELDS, new_regions)
    return merged


def write_database(path: str | os.PathLike[str], results: Sequence[dict], documents: Sequence[dict]) -> None:
    """A new results database at ``path`` holding ``results`` (and their documents); it opens in the app
    like any other and can be added back with :func:`read_database` and :func:`merge_into`."""
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
        leftover.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        migrate(conn)
        conn.execute("BEGIN IMMEDIATE")
        _insert(conn, "documents", DOCUMENT_FIELDS, documents)
        _insert(conn, "results", RESULT_FIELDS, results)
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    os.replace(tmp, target)


def write_json(path: str | os.PathLike[str], results: Sequence[dict], documents: Sequence[dict]) -> None:
    """``results`` (and their documents) as one JSON file, thumbnails as base64 PNG."""

    def plain(r: dict) -> dict:
        out = dict(r)
        thumb = out.pop("thumbnail", None)
        if isinstance(thumb, bytes):
            out["thumbnail_png_base64"] = base64.b64encode(thumb).decode("ascii")
        for key in ("template", "settings", "timings", "extraction", "warnings", "paths"):
            if isinstance(out.get(key), str):
                try:
                    out[key] = json.loads(out[key])
                except ValueError:
                    pass
        return out

    payload = {"format": "glmocr-desktop unsaved results", "version": 1,
               "documents": [plain(d) for d in documents], "results": [plain(r) for r in results]}  # fmt: skip
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, target)
