"""Document runs that survive a crash or a restart: which pages a run reads, how far each has come, and
every block read so far.

Why a module of its own: a run over hundreds of pages must be resumable where it stopped, and nothing
finished may be read again or lost. A run records its pages in order when it starts; each page records
its planned blocks (the layout's, or the regions drawn) when they are known, and every block its text as
soon as it is read (the block's result also goes to ``results``, like any other). A page is ``done``
once it is complete. On the next start, :meth:`RunLog.unfinished` lists the runs whose process is gone;
:meth:`RunPage.remaining` is what is still to read on a page, and :meth:`RunPage.page_input` rebuilds a
page for assembly from what was stored.

Writes go through the store's writer thread (queued, in order, batched per transaction), reads through
its reader connection; this module is part of the store package and uses both directly.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glmocr_desktop.core.assembly import PageBlock, PageInput
from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.store.records import dump_json, loads_json, region_from, task_from
from glmocr_desktop.core.store.recovery import current_owner, owner_alive
from glmocr_desktop.core.tasks import Task

if TYPE_CHECKING:  # pragma: no cover
    from glmocr_desktop.core.store.result_store import ResultStore

__all__ = ["PAGE_STATES", "RUN_STATES", "RunBlock", "RunLog", "RunPage", "StoredRun"]

RUN_STATES = ("running", "done", "cancelled")
PAGE_STATES = ("queued", "running", "done", "error")


@dataclass
class RunBlock:
    """A block of a page in a run: planned (``content`` None) or read."""

    block: int  # reading order on the page
    label: str  # text | table | formula | image
    native_label: str
    task: Task | None  # None: a picture, kept as a crop
    region: Region
    content: str | None = None
    result_id: str | None = None

    @property
    def read(self) -> bool:
        return self.task is None or self.content is not None


@dataclass
class RunPage:
    position: int
    document_hash: str
    path: str
    page: int
    state: str = "queued"
    width: int = 0
    height: int = 0
    fallback: str | None = None
    error: str | None = None
    blocks: list[RunBlock] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.state == "done"

    @property
    def planned(self) -> bool:
        """Its blocks are known (it started before the run stopped)."""
        return bool(self.blocks)

    def remaining(self) -> list[RunBlock]:
        """The blocks still to read, in reading order."""
        return [b for b in self.blocks if not b.read]

    def page_input(self, width: int | None = None, height: int | None = None) -> PageInput:
        """The page for :func:`glmocr_desktop.core.assembly.assemble` from what was stored."""
        blocks = [
            PageBlock(
                index=b.block,
                label=b.label,
                native_label=b.native_label,
                content=b.content or "",
                region=b.region,
            )
            for b in sorted(self.blocks, key=lambda b: b.block)
        ]
        return PageInput(self.page, width or self.width, height or self.height, blocks)

    def completed_by(self, read: PageInput) -> PageInput:
        """This page once ``read`` holds the blocks that were left: the pipeline's reading of
        :meth:`remaining` as regions, in that order (its block ``i`` is the ``i``-th block left)."""
        new = {b.index: b for b in read.blocks}
        left = 0
        blocks = []
        for b in sorted(self.blocks, key=lambda b: b.block):
            content = b.content or ""
            if not b.read:
                got = new.get(left)
                content = got.content if got is not None else ""
                left += 1
            blocks.append(PageBlock(b.block, b.label, b.native_label, content, b.region))
        return PageInput(self.page, read.width, read.height, blocks)


@dataclass
class StoredRun:
    id: str
    status: str
    owner: str
    options: dict[str, Any]
    created: float
    updated: float
    pages: list[RunPage] = field(default_factory=list)

    @property
    def documents(self) -> list[tuple[str, str]]:
        """``(content hash, path)`` of each document, in run order."""
        seen: dict[str, str] = {}
        for p in self.pages:
            seen.setdefault(p.document_hash, p.path)
        return list(seen.items())

    @property
    def pages_done(self) -> int:
        return sum(1 for p in self.pages if p.done)

    def pages_of(self, document_hash: str) -> list[RunPage]:
        return [p for p in self.pages if p.document_hash == document_hash]


def block_rows(run_id: str, document_hash: str, page: int, blocks: Iterable[RunBlock]) -> list[tuple]:
    return [
        (run_id, document_hash, page, b.block, b.label, b.native_label, b.task.value if b.task else None,
         *b.region.as_tuple(), b.content, b.result_id)
        for b in blocks
    ]  # fmt: skip


_INSERT_BLOCK = (
    "INSERT OR REPLACE INTO doc_run_blocks(run_id, document_hash, page, block, label, native_label, task, "
    "x0, y0, x1, y1, content, result_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class RunLog:
    """Records and reads document runs in a :class:`ResultStore` (every write is queued)."""

    def __init__(self, store: ResultStore) -> None:
        self.store = store
        self._mine: set[str] = set()  # runs this process started or resumed

    def _submit(self, op) -> None:
        self.store._writer.submit(op)

    # --- writes ---------------------------------------------------------------------------------

    def create(self, pages: Sequence[tuple[str, str, int]], options: dict[str, Any] | None = None) -> str:
        """A new run over ``pages`` (``(content hash, path, page)`` in the order to read); its id."""
        run_id = uuid.uuid4().hex
        now = time.time()
        rows = [(run_id, i, h, path, page, now) for i, (h, path, page) in enumerate(pages)]
        opts = dump_json(options or {})

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO doc_runs(id, status, owner, options, created, updated) VALUES (?, 'running', ?, ?, ?, ?)",
                (run_id, current_owner(), opts, now, now),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO doc_run_pages(run_id, position, document_hash, path, page, updated) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

        self._mine.add(run_id)
        self._submit(op)
        return run_id

    def adopt(self, run_id: str) -> None:
        """This process takes over an unfinished run (to resume it)."""
        self._mine.add(run_id)
        owner, now = current_owner(), time.time()
        self._submit(lambda conn: conn.execute(
            "UPDATE doc_runs SET owner = ?, status = 'running', updated = ? WHERE id = ?", (owner, now, run_id)))

    def _page_state(self, run_id: str, document_hash: str, page: int, state: str, **cols: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in cols)
        params = (state, time.time(), *cols.values(), run_id, document_hash, page)
        sql = f"UPDATE doc_run_pages SET state = ?, updated = ?{', ' + sets if sets else ''} " \
              "WHERE run_id = ? AND document_hash = ? AND page = ?"  # fmt: skip
        self._submit(lambda conn: conn.execute(sql, params))

    def page_planned(self, run_id: str, document_hash: str, page: int, blocks: Sequence[RunBlock],
                     fallback: str | None = None) -> None:  # fmt: skip
        """A page started; these are its blocks (none read yet)."""
        rows = block_rows(run_id, document_hash, page, blocks)

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM doc_run_blocks WHERE run_id = ? AND document_hash = ? AND page = ?",
                         (run_id, document_hash, page))  # fmt: skip
            conn.executemany(_INSERT_BLOCK, rows)

        self._submit(op)
        self._page_state(run_id, document_hash, page, "running", fallback=fallback)

    def block_read(self, run_id: str, document_hash: str, page: int, block: int, result: Result,
                   *, model: str = "", device: str = "", settings: dict | None = None) -> str:  # fmt: skip
        """A block was read: its result goes to ``results`` and its text to the run; the result id."""
        src = result.source
        rid = self.store.begin_result(task=result.task, document_hash=document_hash, page=page, region=src.region,
                                      model=model or result.model, device=device or result.device,
                                      settings=settings)  # fmt: skip
        self.store.finish_result(rid, result)
        content = result.text if result.ok else ""
        self._submit(lambda conn: conn.execute(
            "UPDATE doc_run_blocks SET content = ?, result_id = ? "
            "WHERE run_id = ? AND document_hash = ? AND page = ? AND block = ?",
            (content, rid, run_id, document_hash, page, block)))
        return rid

    def page_done(self, run_id: str, document_hash: str, page: int, page_input: PageInput,
                  fallback: str | None = None) -> None:  # fmt: skip
        """The page is complete: its final blocks (pictures included) replace the planned ones."""
        blocks = [
            RunBlock(b.index, b.label, b.native_label, None if b.label == "image" else task_from(b.label),
                     b.region, b.content)
            for b in page_input.blocks
        ]  # fmt: skip
        key = (run_id, document_hash, page)

        def op(conn: sqlite3.Connection) -> None:
            # the result ids written by block_read (queued before this, so already in the table)
            ids = dict(conn.execute("SELECT block, result_id FROM doc_run_blocks "
                                    "WHERE run_id = ? AND document_hash = ? AND page = ?", key).fetchall())
            for b in blocks:
                b.result_id = ids.get(b.block)
            conn.execute("DELETE FROM doc_run_blocks WHERE run_id = ? AND document_hash = ? AND page = ?", key)
            conn.executemany(_INSERT_BLOCK, block_rows(run_id, document_hash, page, blocks))

        self._submit(op)
        self._page_state(run_id, document_hash, page, "done", width=int(page_input.width),
                         height=int(page_input.height), fallback=fallback)  # fmt: skip

    def page_failed(self, run_id: str, document_hash: str, page: int, error: str) -> None:
        self._page_state(run_id, document_hash, page, "error", error=error)

    def finish(self, run_id: str, status: str) -> None:
        """The run ended: ``done`` (every page read or failed) or ``cancelled`` (by the user)."""
        if status not in RUN_STATES:
            raise ValueError(f"Unknown run status {status!r}.")
        now = time.time()
        self._submit(lambda conn: conn.execute(
            "UPDATE doc_runs SET status = ?, updated = ? WHERE id = ?", (status, now, run_id)))

    def forget(self, run_id: str) -> None:
        """Drop a run the user chose not to resume (its results stay in ``results``)."""

        def op(conn: sqlite3.Connection) -> None:
            for table, key in (("doc_run_blocks", "run_id"), ("doc_run_pages", "run_id"), ("doc_runs", "id")):
                conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (run_id,))

        self._submit(op)

    # --- reads (what has been committed) --------------------------------------------------------

    def blocks_of(self, run_id: str, document_hash: str, page: int) -> list[RunBlock]:
        rows = self.store._read(
            "SELECT block, label, native_label, task, x0, y0, x1, y1, content, result_id FROM doc_run_blocks "
            "WHERE run_id = ? AND document_hash = ? AND page = ? ORDER BY block",
            (run_id, document_hash, page),
        )
        return [_block(r) for r in rows]

    def get(self, run_id: str) -> StoredRun | None:
        rows = self.store._read(
            "SELECT id, status, owner, options, created, updated FROM doc_runs WHERE id = ?", (run_id,))
        if not rows:
            return None
        r = rows[0]
        run = StoredRun(r[0], r[1], r[2], loads_json(r[3], {}), r[4], r[5])
        pages = self.store._read(
            "SELECT position, document_hash, path, page, state, width, height, fallback, error "
            "FROM doc_run_pages WHERE run_id = ? ORDER BY position", (run_id,))
        by_key: dict[tuple[str, int], RunPage] = {}
        for p in pages:
            rp = RunPage(*p)
            run.pages.append(rp)
            by_key[(rp.document_hash, rp.page)] = rp
        for b in self.store._read(
            "SELECT document_hash, page, block, label, native_label, task, x0, y0, x1, y1, content, result_id "
            "FROM doc_run_blocks WHERE run_id = ? ORDER BY document_hash, page, block", (run_id,)):
            owner = by_key.get((b[0], b[1]))
            if owner is not None:
                owner.blocks.append(_block(b[2:]))
        return run

    def unfinished(self) -> list[StoredRun]:
        """Runs still marked running whose process is gone (newest first): what can be resumed."""
        rows = self.store._read("SELECT id, owner FROM doc_runs WHERE status = 'running' ORDER BY created DESC")
        runs = []
        for run_id, owner in rows:
            if run_id in self._mine or owner_alive(owner):
                continue
            run = self.get(run_id)
            if run is not None and any(not p.done and p.state != "error" for p in run.pages):
                runs.append(run)
        return runs


def _block(r: Sequence[Any]) -> RunBlock:
    region = region_from(*r[4:8]) or Region(0.0, 0.0, 1.0, 1.0)
    return RunBlock(r[0], r[1], r[2] or "", task_from(r[3]) if r[3] else None, region, r[8], r[9])
