"""The results store under real faults: a disk that fills up, a read-only file, damaged pages, I/O errors
at start-up, a slow trigger and a lock at close. Nothing is dropped silently: every failure is retried,
reported with its reason, and what was not written stays in memory, goes to a file, or comes back."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from store_faults import (
    Faults,
    damage_pages,
    fill_up,
    free_up,
    make_writable,
    pages_of,
    read_only_file,
    small_filesystem,
)

from glmocr_desktop.core.results import Result
from glmocr_desktop.core.store import ResultStore
from glmocr_desktop.core.store import recovery as store_recovery
from glmocr_desktop.core.store.health import Problem
from glmocr_desktop.core.tasks import Task


def _result(text: str) -> Result:
    return Result(job_id="j", task=Task.TEXT, text=text, raw_text=text)


def _run(store: ResultStore, n: int, text: str = "page text ", size: int = 1) -> list[str]:
    ids = []
    for i in range(n):
        rid = store.begin_result(task="text", document_hash="doc")
        store.append_partial(rid, f"{i} partial")
        store.finish_result(rid, _result(f"{i} " + text * size))
        ids.append(rid)
    return ids


def _wait(cond, timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or cond}")
        time.sleep(0.02)


def _healthy_db(path: Path, n: int = 40) -> list[str]:
    s = ResultStore(path)
    ids = _run(s, n, "some words of a page ", 20)
    s.save_document("doc", "/scans/doc.pdf", page_count=3)
    assert s.close().unsaved_results == 0
    return ids


# --- a disk that fills up -------------------------------------------------------------------------


def test_a_disk_that_fills_up_loses_nothing(tmp_path):
    with small_filesystem(tmp_path / "small") as disk:
        store = ResultStore(disk / "results.sqlite3")
        try:
            _run(store, 2)
            assert store.flush(5) and store.health().ok
            filler = fill_up(disk)
            ids = _run(store, 12, "x" * 2000, 20)  # 40 KB each: the WAL must grow
            _wait(lambda: store.health().problem is Problem.FULL, what="the full disk to be reported")
            health = store.health()
            assert health.unsaved_results == 12 and "disk is full" in health.message()
            assert "12 results not saved yet" in health.message()
            assert not store.flush(0.3)  # not written, and not claimed to be
            assert store._writer._thread.is_alive()
            kept = {r["id"]: r for r in store.unsaved_results()}
            assert set(kept) == set(ids) and all(r["status"] == "done" for r in kept.values())
            free_up(filler)
            _wait(lambda: store.health().ok and store.health().unsaved_results == 0, 15,
                  "the kept results to be written once there is room")  # fmt: skip
        finally:
            report = store.close()
        assert report.unsaved_results == 0 and store.saved_aside is None
        again = ResultStore(disk / "results.sqlite3")
        try:
            stored = {r.id: r for r in again.results_for("doc")}
            assert set(ids) <= set(stored) and len(stored) == 14
            assert all(stored[i].status == "done" and stored[i].text.startswith(f"{k} ") for k, i in enumerate(ids))
        finally:
            again.close()


def test_disk_full_at_start_up_is_not_damage(tmp_path):
    with small_filesystem(tmp_path / "small") as disk:
        path = disk / "results.sqlite3"
        ids = _healthy_db(path, 10)
        crashed = ResultStore(path)
        rid = crashed.begin_result(task="text", document_hash="doc")
        crashed.append_partial(rid, "half a page")
        assert crashed.flush(5)
        crashed._wconn.execute("UPDATE results SET owner = 'elsewhere:1' WHERE id = ?", (rid,))  # a dead run
        crashed.close()
        filler = fill_up(disk)
        store = ResultStore(path)  # marking the dead run needs a write: the disk says no
        try:
            assert store.moved_aside is None and not store.recoverable()
            assert not list(disk.glob("results.sqlite3.broken-*"))
            assert store.recovery_message is None or "damaged" not in store.recovery_message
            assert {r.id for r in store.results_for("doc")} >= set(ids)  # the history still reads
            new = _run(store, 2, "y" * 3000, 10)
            _wait(lambda: store.health().problem is Problem.FULL, what="the full disk to be reported")
            assert store.health().unsaved_results == 2
            free_up(filler)
            _wait(lambda: store.health().unsaved_results == 0, 15, "writes once there is room")
            assert store.get_result(rid).status == "interrupted"  # what opening could not write, done now
            assert all(store.get_result(i).status == "done" for i in new)
        finally:
            store.close()


# --- I/O errors at start-up (fault injection in the connection factory) ---------------------------------


def test_a_transient_io_error_at_start_up_is_retried_not_moved_aside(tmp_path):
    path = tmp_path / "results.sqlite3"
    ids = _healthy_db(path, 5)
    faults = Faults(broken_opens=2)
    store = ResultStore(path, connect_with=faults.connect)
    try:
        assert faults.failed == 2 and store.recovery_message is None and store.moved_aside is None
        assert store.health().ok and [r.id for r in store.results_for("doc")] == ids
        assert not list(tmp_path.glob("*.broken-*"))
    finally:
        store.close()


def test_a_failing_disk_at_start_up_opens_the_file_as_it_is_and_writes_once_it_works(tmp_path):
    path = tmp_path / "results.sqlite3"
    ids = _healthy_db(path, 5)
    faults = Faults(writes_fail=True)
    store = ResultStore(path, connect_with=faults.connect)
    try:
        assert store.moved_aside is None and not list(tmp_path.glob("*.broken-*"))
        assert store.health().problem is Problem.IO
        assert "disk reported an error" in store.health().message()
        assert [r.id for r in store.results_for("doc")] == ids  # read as it is
        new = _run(store, 3)
        _wait(lambda: store.health().unsaved_results == 3, what="three unsaved results")
        assert not store.flush(0.2)
        faults.writes_fail = False  # the disk is back
        _wait(lambda: store.health().ok and store.health().unsaved_results == 0, 15, "the writes to go through")
        assert [store.get_result(i).status for i in new] == ["done"] * 3
    finally:
        store.close()


# --- a read-only file --------------------------------------------------------------------------------


def test_a_read_only_file_opens_in_read_only_mode_and_keeps_new_results(tmp_path):
    path = tmp_path / "results.sqlite3"
    ids = _healthy_db(path, 3)
    with read_only_file(path):
        store = ResultStore(path)
        try:
            health = store.health()
            assert health.problem is Problem.READ_ONLY  # said at once, before any write
            assert "read-only mode" in health.message() and str(path) in health.message()
            assert [r.id for r in store.results_for("doc")] == ids
            new = _run(store, 2)
            _wait(lambda: store.health().unsaved_results == 2, what="two unsaved results")
            assert "2 results not saved yet" in store.health().message()
            out = tmp_path / "unsaved.json"
            assert store.save_unsaved(out) == 2
            saved = json.loads(out.read_text())
            assert sorted(r["id"] for r in saved["results"]) == sorted(new)
            assert {r["status"] for r in saved["results"]} == {"done"}
            assert saved["results"][0]["timings"]["generated_tokens"] == 0
            make_writable(path)  # the user fixes the permissions: the kept results are written
            _wait(lambda: store.health().ok and store.health().unsaved_results == 0, 15, "writes after the fix")
        finally:
            store.close()
    again = ResultStore(path)
    try:
        assert {r.id for r in again.results_for("doc")} == set(ids) | set(new)
    finally:
        again.close()


def test_unsaved_results_saved_as_a_database_come_back(tmp_path):
    faults = Faults(writes_fail=True)
    store = ResultStore(tmp_path / "results.sqlite3", connect_with=faults.connect)
    try:
        store.save_document("doc", "/scans/a long name " + "ü" * 200 + ".pdf", page_count=2)
        ids = _run(store, 3)
        _wait(lambda: store.health().unsaved_results == 3)
        out = tmp_path / "kept.sqlite3"
        assert store.save_unsaved(out) == 3
    finally:
        store.close(timeout=0.3)
    other = ResultStore(tmp_path / "other" / "results.sqlite3")
    try:
        done = threading.Event()
        other.recover_from(out, on_done=lambda merged: done.set(), rename=False)
        assert done.wait(5) and other.flush(5)
        assert {r.id for r in other.results_for("doc")} == set(ids)
        assert other.document("doc").name.endswith("ü" * 200 + ".pdf")
    finally:
        other.close()


# --- damaged pages -------------------------------------------------------------------------------------


def test_a_damaged_page_is_moved_aside_offered_and_recovered_row_by_row(tmp_path):
    path = tmp_path / "results.sqlite3"
    ids = _healthy_db(path, 120)
    leaves = pages_of(path, "results")
    damage_pages(path, pages_of(path, "sqlite_autoindex_results_1") + leaves[2:3])  # an index and one leaf
    store = ResultStore(path)
    try:
        assert store.moved_aside is not None and "damaged" in store.recovery_message
        assert store.recoverable() == [store.moved_aside]
        assert store.results_for("doc") == []  # a fresh file
        _run(store, 1)
        merged = []
        found = store.recover_from(store.moved_aside, on_done=merged.append)
        assert store.flush(10) and merged
        back = {r.id for r in store.results_for("doc")}
        assert 60 < merged[0].results == len(found.results) < 120  # the rows of the damaged leaf are gone
        assert back - set(ids) and len(back & set(ids)) == merged[0].results
        assert store.document("doc").paths == ["/scans/doc.pdf"]
        assert store.recoverable() == []  # recovered once, not offered again
        assert list(tmp_path.glob("results.sqlite3.recovered-*"))
    finally:
        store.close()


def test_damage_found_during_a_session_keeps_the_writer_and_the_results(tmp_path, monkeypatch):
    path = tmp_path / "results.sqlite3"
    _healthy_db(path, 50)
    damage_pages(path, pages_of(path, "sqlite_autoindex_results_1"))
    monkeypatch.setattr(store_recovery, "QUICK_CHECK_MAX_BYTES", 0)  # a big file: not checked at start
    store = ResultStore(path)
    try:
        assert store.moved_aside is None
        ids = _run(store, 2)
        _wait(lambda: store.health().problem is Problem.DAMAGED, what="the damage to be reported")
        assert store._writer._thread.is_alive() and store.health().unsaved_results == 2
        assert "moved aside at the next start" in store.health().message()
        _run(store, 1)  # still taken, still kept
        _wait(lambda: store.health().unsaved_results == 3)
    finally:
        report = store.close(timeout=0.5)
    assert store.saved_aside is not None and store.saved_aside.exists() and report.unsaved_results == 0
    monkeypatch.setattr(store_recovery, "QUICK_CHECK_MAX_BYTES", 1 << 30)
    again = ResultStore(path)  # damaged: moved aside; what the last session kept aside comes back
    try:
        assert again.moved_aside is not None and again.merged_on_open == 3
        assert again.flush(5)
        assert set(ids) <= {r.id for r in again.results_for("doc")}
        assert not store.saved_aside.exists()
    finally:
        again.close()


# --- exit never waits long -------------------------------------------------------------------------------


def test_a_slow_trigger_does_not_block_close(tmp_path):
    path = tmp_path / "results.sqlite3"
    _healthy_db(path, 1)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TRIGGER slow AFTER UPDATE ON results BEGIN SELECT count(*) FROM (WITH RECURSIVE "
                 "c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10000000000) SELECT i FROM c); END")
    conn.close()
    store = ResultStore(path)
    ids = _run(store, 2)
    t0 = time.monotonic()
    report = store.close(timeout=1.0)
    took = time.monotonic() - t0
    assert took < 4, took
    assert report.unsaved_results == 0 and store.saved_aside is not None  # kept aside, and said so
    assert {r.id for r in _read_pending(store.saved_aside)} == set(ids)


def test_a_locked_database_does_not_block_close(tmp_path):
    path = tmp_path / "results.sqlite3"
    _healthy_db(path, 1)
    store = ResultStore(path)  # the default five-second busy timeout
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        ids = _run(store, 2)
        t0 = time.monotonic()
        store.close(timeout=1.0)
        assert time.monotonic() - t0 < 4
        assert store.saved_aside is not None
        assert {r.id for r in _read_pending(store.saved_aside)} == set(ids)
    finally:
        holder.rollback()
        holder.close()


def _read_pending(path: Path):
    s = ResultStore(path)
    try:
        return s.results_for("doc")
    finally:
        s.close()


# --- what a hostile or damaged file holds ----------------------------------------------------------------


def test_hostile_rows_and_long_names_never_raise(tmp_path):
    path = tmp_path / "results.sqlite3"
    long_name = "N" * 255
    long_path = "/" + "/".join(["d" * 250] * 16) + "/" + long_name + ".pdf"
    s = ResultStore(path)
    s.save_document("doc", long_path, page_count=1)
    rid = s.begin_result(task="text", document_hash="doc")
    s.finish_result(rid, _result("fine"))
    s.close()
    conn = sqlite3.connect(path, isolation_level=None)
    now = time.time()
    conn.execute("INSERT INTO results(id, document_hash, page, task, text, raw_text, status, created, updated, "
                 "timings, settings, warnings) VALUES (?, 'doc', 'page?', 'nonsense', CAST(? AS TEXT), x'00ff', "
                 "'weird', 'yesterday', ?, '[1]', 'not json', '{\"a\": 1}')", ("h1", b"\xff\xfe bad utf-8", 1e308))
    conn.execute("INSERT INTO results(id, document_hash, task, text, raw_text, status, created, updated) "
                 "VALUES (x'0102', 'doc', 'text', 42, '', 'done', ?, ?)", (now, now))
    conn.close()
    store = ResultStore(path)
    try:
        doc = store.document("doc")
        assert doc.paths == [long_path] and doc.name == long_name + ".pdf"
        rows = store.history(limit=10)
        assert len(rows) == 3
        odd = next(r for r in rows if r.id == "h1")
        assert odd.task is Task.TEXT and odd.status == "done" and odd.updated == 0.0
        assert "bad utf-8" in odd.text and odd.warnings == [] and odd.settings == {}
        assert time.strftime("%Y", time.localtime(odd.updated))  # a listing can format every row
        assert any(r.text == "42" for r in rows)
        assert [r.id for r in store.search("bad utf")] == ["h1"]
    finally:
        store.close()


def test_a_write_that_breaks_its_transaction_does_not_hold_back_the_others(tmp_path):
    """What a damaged page did to the writer: the transaction ended under a write, its rollback failed
    with "no such savepoint: op", and the thread died. Now that write is refused, the rest are saved."""
    store = ResultStore(tmp_path / "results.sqlite3")
    try:
        before = _run(store, 1)

        def breaks_the_transaction(conn: sqlite3.Connection) -> None:
            conn.execute("ROLLBACK")
            raise ValueError("bad write")

        store._writer.submit(breaks_the_transaction)
        assert store.flush(10)  # the refused write is the last one: flushing does not wait on it for ever
        after = _run(store, 2)
        assert store.flush(10)
        assert store._writer._thread.is_alive() and store._writer.refused == 1
        assert "no such savepoint" in (store.last_error or "")
        assert all(store.get_result(i).status == "done" for i in before + after)
        assert store.health().ok and store.health().unsaved_results == 0
    finally:
        store.close()


def test_a_result_begun_before_the_disk_failed_comes_back_finished(tmp_path):
    """Its start was written, its end was not: the next start has it finished, not interrupted."""
    path = tmp_path / "results.sqlite3"
    faults = Faults()
    store = ResultStore(path, connect_with=faults.connect)
    rid = store.begin_result(task="text", document_hash="doc", settings={"dpi": 200})
    store.append_partial(rid, "half")
    assert store.flush(5)
    faults.writes_fail = True
    store.finish_result(rid, _result("the whole page"))
    _wait(lambda: store.health().unsaved_results == 1)
    (row,) = store.unsaved_results()
    assert row["settings"] == '{"dpi": 200}' and row["status"] == "done"  # kept whole, not rebuilt
    store.close(timeout=0.3)
    assert store.saved_aside is not None
    again = ResultStore(path)
    try:
        assert again.flush(5)
        got = again.get_result(rid)
        assert (got.status, got.text, got.settings) == ("done", "the whole page", {"dpi": 200})
    finally:
        again.close()
