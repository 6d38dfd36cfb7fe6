"""The results database's schema, as an ordered list of migrations.

Why a module of its own: the schema is the one part of the store that must never be edited in place
(old files on users' disks were written by earlier entries of :data:`MIGRATIONS`), so it lives apart
from the code that reads and writes rows. ``PRAGMA user_version`` counts the migrations applied so far;
each runs in its own transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


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


def _migrate_v3(conn: sqlite3.Connection) -> None:
    """Regions found by the layout model: their layout label, kind and origin (``ord`` is the reading
    order). Rows written before read as drawn regions that are read with their task."""
    _script(
        conn,
        """
        ALTER TABLE regions ADD COLUMN label  TEXT NOT NULL DEFAULT '';       -- layout label, '' = none
        ALTER TABLE regions ADD COLUMN kind   TEXT NOT NULL DEFAULT 'read';   -- 'read' | 'picture'
        ALTER TABLE regions ADD COLUMN source TEXT NOT NULL DEFAULT 'drawn';  -- 'drawn' | 'layout'
        ALTER TABLE regions ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;     -- a layout region changed by hand
        """
    )


def _migrate_v4(conn: sqlite3.Connection) -> None:
    """Document runs that survive a crash: the run, its pages in order with their state, and each page's
    blocks (planned by the layout or drawn, then filled in as they are read; ``result_id`` is the block's
    row in ``results``)."""
    _script(
        conn,
        """
        CREATE TABLE doc_runs (
            id       TEXT PRIMARY KEY,
            status   TEXT NOT NULL DEFAULT 'running',   -- running | done | cancelled
            owner    TEXT NOT NULL DEFAULT '',          -- host:pid of the process running it
            options  TEXT NOT NULL DEFAULT '{}',        -- JSON: what the run was asked to do
            created  REAL NOT NULL,
            updated  REAL NOT NULL
        );
        CREATE TABLE doc_run_pages (
            run_id        TEXT NOT NULL,
            position      INTEGER NOT NULL,             -- order in the run
            document_hash TEXT NOT NULL,
            path          TEXT NOT NULL DEFAULT '',
            page          INTEGER NOT NULL,
            state         TEXT NOT NULL DEFAULT 'queued', -- queued | running | done | error
            width         INTEGER NOT NULL DEFAULT 0,
            height        INTEGER NOT NULL DEFAULT 0,
            fallback      TEXT,                         -- why the page was read whole, if it was
            error         TEXT,
            updated       REAL NOT NULL,
            PRIMARY KEY (run_id, document_hash, page)
        );
        CREATE INDEX doc_run_pages_order ON doc_run_pages(run_id, position);
        CREATE TABLE doc_run_blocks (
            run_id        TEXT NOT NULL,
            document_hash TEXT NOT NULL,
            page          INTEGER NOT NULL,
            block         INTEGER NOT NULL,             -- reading order on the page
            label         TEXT NOT NULL,                -- text | table | formula | image
            native_label  TEXT NOT NULL DEFAULT '',
            task          TEXT,                         -- NULL: a picture, kept as a crop
            x0 REAL NOT NULL, y0 REAL NOT NULL, x1 REAL NOT NULL, y1 REAL NOT NULL,
            content       TEXT,                         -- NULL until read
            result_id     TEXT,
            PRIMARY KEY (run_id, document_hash, page, block)
        );
        """
    )


#: Ordered; ``PRAGMA user_version`` = how many have been applied. Append only, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_v1, _migrate_v2, _migrate_v3, _migrate_v4]
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


def migrate_in_transaction(conn: sqlite3.Connection) -> int:
    """The migrations missing from ``conn``, inside the caller's transaction (the store's writer uses it
    for a file that could not be migrated when it was opened, e.g. on a full disk)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](conn)
        version += 1
        conn.execute(f"PRAGMA user_version = {version}")
    return version


def has_fts(conn: sqlite3.Connection) -> bool:
    """Whether this database has the full-text index (FTS5 was available when it was migrated)."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'results_fts'").fetchone()
    return row is not None
