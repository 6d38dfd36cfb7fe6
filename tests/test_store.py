"""ResultStore: persistence, coalesced streaming writes, recovery, migrations, search."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from glmocr_desktop.core import store as store_mod
from glmocr_desktop.core.jobs import Job
from glmocr_desktop.core.regions import WHOLE_PAGE, Region, TaskRegion
from glmocr_desktop.core.results import Result, Source, Timings
from glmocr_desktop.core.store import MIGRATIONS, SCHEMA_VERSION, ResultStore, migrate
from glmocr_desktop.core.store import schema as store_schema
from glmocr_desktop.core.tasks import Task


@pytest.fixture
def store(tmp_path):
    s = ResultStore(tmp_path / "results.sqlite3")
    yield s
    s.close()


def _result(text: str, **kw) -> Result:
    return Result(job_id="j1", task=kw.pop("task", Task.TEXT), text=text, raw_text=kw.pop("raw", text), **kw)


def test_location_from_env_and_arg(tmp_path, monkeypatch):
    monkeypatch.setenv("GLMOCR_DATA_DIR", str(tmp_path / "env"))
    assert store_mod.default_db_path() == tmp_path / "env" / "results.sqlite3"
    s = ResultStore()
    try:
        assert s.path == tmp_path / "env" / "results.sqlite3" and s.path.exists()
    finally:
        s.close()
    s = ResultStore(data_dir=tmp_path / "arg")
    s.close()
    assert (tmp_path / "arg" / "results.sqlite3").exists()


def test_wal_and_schema_version(store):
    store.flush()
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    conn.close()


def test_documents_regions_and_results_round_trip(tmp_path):
    path = tmp_path / "r.sqlite3"
    s = ResultStore(path)
    s.save_document("doc1", "/scans/a.pdf", page_count=4)
    s.save_document("doc1", "/copies/a-copy.pdf")
    tmpl = {"name": ""}
    s.set_regions("doc1", 0, [TaskRegion(Region(0.1, 0.2, 0.5, 0.6), Task.TABLE),
                              TaskRegion(WHOLE_PAGE, Task.EXTRACT, tmpl)])
    s.set_regions("doc1", 1, [TaskRegion(Region(0, 0, 1, 0.5))])
    s.set_regions("doc1", 0, [TaskRegion(Region(0.2, 0.2, 0.4, 0.4), Task.FORMULA)])  # replaces page 0
    with pytest.raises(TypeError):
        s.set_regions("doc1", 0, [(Region(0.2, 0.2, 0.4, 0.4), Task.FORMULA)])  # one shape only
    job = Job(image=None, task=Task.EXTRACT, template=tmpl,  # type: ignore[arg-type]
              source=Source(file="/scans/a.pdf", page=1, region=Region(0, 0, 1, 0.5), document_hash="doc1"))
    rid = s.begin_result(job, model="GLM-OCR", settings={"max_new_tokens": 4096})
    res = _result('{"name": "X"}', task=Task.EXTRACT, extraction={"name": "X"}, cut=True,
                  timings=Timings(total_s=1.5, generated_tokens=10, first_token_s=0.5), warnings=["w"])
    s.finish_result(rid, res)
    s.close()

    s = ResultStore(path)
    try:
        doc = s.document("doc1")
        assert doc.paths == ["/copies/a-copy.pdf", "/scans/a.pdf"] and doc.page_count == 4 and doc.name == "a-copy.pdf"
        regions = s.regions_for("doc1")
        assert [(page, r.task, r.region) for page, rs in regions.items() for r in rs] == [
            (0, Task.FORMULA, Region(0.2, 0.2, 0.4, 0.4)),
            (1, Task.TEXT, Region(0, 0, 1, 0.5)),
        ]
        (stored,) = s.results_for("doc1")
        assert stored.id == rid and stored.status == "done" and stored.page == 1
        assert stored.task is Task.EXTRACT and stored.template == tmpl and stored.extraction == {"name": "X"}
        assert stored.cut and not stored.cancelled and stored.settings == {"max_new_tokens": 4096}
        assert stored.timings.total_s == 1.5 and stored.warnings == ["w"] and stored.model == "GLM-OCR"
        back = stored
        assert back.text == '{"name": "X"}' and back.source.region == Region(0, 0, 1, 0.5)
        assert back.timings.generated_tokens == 10
    finally:
        s.close()


def test_status_from_result(store):
    ids = [store.begin_result(task="text", document_hash="d") for _ in range(3)]
    store.finish_result(ids[0], _result("a"))
    store.finish_result(ids[1], _result("b", cancelled=True))
    store.finish_result(ids[2], _result("", error="out of memory"))
    store.flush()
    assert [r.status for r in store.results_for("d")] == ["done", "cancelled", "error"]
    with pytest.raises(ValueError):
        store.finish_result(ids[0], _result("a"), status="weird")


def test_partial_writes_are_coalesced_and_never_override_final(tmp_path):
    s = ResultStore(tmp_path / "p.sqlite3", partial_interval=0.2)
    try:
        rid = s.begin_result(task="text", document_hash="d")
        text = ""
        t0 = time.monotonic()
        for i in range(3000):
            text += f"{i} "
            s.append_partial(rid, text)
            if i % 300 == 0:
                time.sleep(0.05)
        elapsed = time.monotonic() - t0
        s.flush()
        assert s.get_result(rid).text == text
        assert s.get_result(rid).status == "running"
        assert 1 <= s.partial_writes <= elapsed / 0.2 + 3  # a few writes per second, not 3000
        s.finish_result(rid, _result("final"))
        s.append_partial(rid, "late partial")  # ignored after finish
        s.flush()
        assert s.get_result(rid).text == "final"
    finally:
        s.close()


def test_append_partial_does_not_block(tmp_path):
    s = ResultStore(tmp_path / "b.sqlite3")
    try:
        rid = s.begin_result(task="text")
        assert s.flush(timeout=10)  # the begin_result write is done, so the blocker gets the lock
        blocker = sqlite3.connect(s.path, timeout=5)
        blocker.execute("BEGIN IMMEDIATE")  # the writer now waits on the database lock
        try:
            t0 = time.perf_counter()
            for i in range(2000):
                s.append_partial(rid, "x" * i)
            s.save_document("d", "/f.png")
            assert time.perf_counter() - t0 < 1.0
        finally:
            blocker.rollback()
            blocker.close()
        assert s.flush(timeout=10)
    finally:
        s.close()


def test_crash_leftovers_become_interrupted(tmp_path):
    path = tmp_path / "c.sqlite3"
    s = ResultStore(path)
    rid = s.begin_result(task="text", document_hash="d")
    s.append_partial(rid, "partial text")
    s.flush()
    # simulate a process that died: its owner is a pid that does not exist
    s._wconn.execute("UPDATE results SET owner = 'otherhost:1' WHERE id = ?", (rid,))
    s.close()
    s = ResultStore(path)
    try:
        r = s.get_result(rid)
        assert r.status == "interrupted" and r.text == "partial text"
        assert s.interrupted_on_open == 1
        assert r.cancelled
    finally:
        s.close()


def test_search_history_delete(store):
    a = store.begin_result(task="text", document_hash="d1")
    b = store.begin_result(task="table", document_hash="d2")
    c = store.begin_result(task="text", document_hash="d2")
    store.finish_result(a, _result("The Quick brown fox"))
    store.finish_result(b, _result("<table><tr><td>東京都 港区</td></tr></table>"))
    store.finish_result(c, _result("100% of 5_000 items"))
    store.flush()
    assert store.fts
    assert [r.id for r in store.search("quick BROWN")] == [a]
    assert [r.id for r in store.search("東京都")] == [b]
    assert [r.id for r in store.search("ox")] == [a]  # short query: LIKE
    assert [r.id for r in store.search("%")] == [c]  # LIKE wildcards are literal
    assert store.search("   ") == [] and store.search('"') == []
    assert [r.id for r in store.history(limit=2)] == [c, b]
    assert [r.id for r in store.history(limit=2, offset=2)] == [a]
    store.delete_result(b)
    store.flush()
    assert store.search("東京都") == [] and store.get_result(b) is None
    assert [r.id for r in store.results_for("d2")] == [c]


def test_like_fallback_without_fts(tmp_path, monkeypatch):
    monkeypatch.setattr(store_schema, "fts5_tokenizer", lambda conn: None)
    s = ResultStore(tmp_path / "nofts.sqlite3")
    try:
        assert not s.fts
        rid = s.begin_result(task="text")
        s.finish_result(rid, _result("Invoice number 42"))
        s.flush()
        assert [r.id for r in s.search("NUMBER 4")] == [rid]
    finally:
        s.close()


def test_migrates_from_v1(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    now = time.time()
    conn.execute("INSERT INTO documents(hash, name, paths, page_count, first_seen, last_opened) "
                 "VALUES ('d', 'old.pdf', '[\"/old.pdf\"]', 1, ?, ?)", (now, now))
    conn.execute("INSERT INTO results(id, document_hash, task, text, raw_text, status, created, updated) "
                 "VALUES ('r1', 'd', 'text', 'legacy searchable words', 'raw', 'done', ?, ?)", (now, now))
    conn.close()
    s = ResultStore(path)
    try:
        assert s.recovery_message is None
        v = s._rconn.execute("PRAGMA user_version").fetchone()[0]
        assert v == SCHEMA_VERSION
        assert [r.id for r in s.search("searchable")] == ["r1"]  # index built for old rows
        assert s.thumbnail("r1") is None
        s.set_thumbnail("r1", b"\x89PNG...")
        s.flush()
        assert s.thumbnail("r1") == b"\x89PNG..."
        assert s.results_for("d")[0].document_name == "old.pdf"
    finally:
        s.close()


def test_layout_regions_keep_label_order_kind_and_origin(tmp_path):
    path = tmp_path / "r.sqlite3"
    s = ResultStore(path)
    s.set_regions("doc", 0, [
        TaskRegion(Region(0.1, 0.05, 0.9, 0.1), Task.TEXT, label="doc_title", source="layout"),
        TaskRegion(Region(0.1, 0.2, 0.9, 0.5), Task.TEXT, label="image", kind="picture", source="layout",
                    edited=True),
        TaskRegion(Region(0.1, 0.6, 0.9, 0.9), Task.TABLE),
        TaskRegion(Region(0.2, 0.6, 0.3, 0.7), Task.TEXT, kind="nonsense", source="elsewhere"),
    ])  # fmt: skip
    s.close()
    s = ResultStore(path)
    try:
        page = s.regions_for("doc")[0]
        got = [(order, r.label, r.kind, r.source, r.edited, r.task) for order, r in enumerate(page)]
        assert got == [
            (0, "doc_title", "read", "layout", False, Task.TEXT),
            (1, "image", "picture", "layout", True, Task.TEXT),
            (2, "", "read", "drawn", False, Task.TABLE),
            (3, "", "read", "drawn", False, Task.TEXT),  # unknown values read as a drawn region
        ]
    finally:
        s.close()


def test_regions_of_a_v2_database_read_as_drawn_regions(tmp_path):
    path = tmp_path / "v2.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=2) == 2
    conn.execute("INSERT INTO regions(document_hash, page, x0, y0, x1, y1, task, template, ord) "
                 "VALUES ('d', 0, 0.1, 0.1, 0.5, 0.5, 'table', NULL, 0)")
    conn.close()
    s = ResultStore(path)
    try:
        assert s.recovery_message is None
        ((order, r),) = enumerate(s.regions_for("d")[0])
        assert (r.region, r.task, order) == (Region(0.1, 0.1, 0.5, 0.5), Task.TABLE, 0)
        assert (r.label, r.kind, r.source, r.edited) == ("", "read", "drawn", False)
    finally:
        s.close()


def test_garbage_file_is_moved_aside(tmp_path):
    path = tmp_path / "results.sqlite3"
    path.write_bytes(os.urandom(4096))
    s = ResultStore(path)
    try:
        assert s.recovery_message and "moved aside" in s.recovery_message
        assert s.moved_aside is not None and s.moved_aside.exists()
        assert s.moved_aside.name.startswith("results.sqlite3.broken-")
        assert s.path == path and not s.in_memory
        rid = s.begin_result(task="text")
        s.finish_result(rid, _result("works"))
        s.flush()
        assert s.get_result(rid).text == "works"
    finally:
        s.close()


def test_locked_file_is_moved_aside_within_busy_timeout(tmp_path):
    path = tmp_path / "results.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t(x)")
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    try:
        t0 = time.monotonic()
        s = ResultStore(path, busy_timeout=0.3)
        took = time.monotonic() - t0
        try:
            assert took < 5
            assert s.recovery_message and "locked" in s.recovery_message
            rid = s.begin_result(task="text")
            s.finish_result(rid, _result("fresh"))
            s.flush()
            assert s.get_result(rid).text == "fresh"
        finally:
            s.close()
    finally:
        holder.rollback()
        holder.close()


def test_unusable_folder_falls_back_to_memory(tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    s = ResultStore(blocker / "sub" / "results.sqlite3")
    try:
        assert s.in_memory and "memory" in s.recovery_message
        rid = s.begin_result(task="text")
        s.finish_result(rid, _result("kept for the session"))
        s.flush()
        assert s.get_result(rid).text == "kept for the session"
    finally:
        s.close()


def test_concurrent_writers_from_threads(store):
    ids: list[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(20):
            rid = store.begin_result(task="text", document_hash=f"t{n}")
            store.append_partial(rid, "p")
            store.finish_result(rid, _result(f"{n}-{i}"))
            with lock:
                ids.append(rid)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.flush()
    assert len(store.history(limit=1000)) == 80
    assert all(r.status == "done" for r in store.history(limit=1000))


def test_closed_store_refuses_writes(tmp_path):
    s = ResultStore(tmp_path / "x.sqlite3")
    assert not s.closed
    s.close()
    s.close()
    assert s.closed
    with pytest.raises(RuntimeError):
        s.begin_result(task="text")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_writer_loses_at_most_the_tail(tmp_path):
    db = tmp_path / "kill.sqlite3"
    log_path = tmp_path / "child.log"
    child = Path(__file__).with_name("store_writer_child.py")
    proc = subprocess.Popen([sys.executable, str(child), str(db), str(log_path)])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if log_path.exists() and log_path.read_text().count("\n") > 5:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the child never started streaming")
        time.sleep(1.5)
        kill_time = time.time()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    lines = log_path.read_text().splitlines()
    rid = lines[0].split()[1]
    stamps = {}
    for line in lines[1:]:
        parts = line.split()
        if len(parts) == 2:
            stamps[int(parts[0])] = float(parts[1])
    safe = max(i for i, t in stamps.items() if t <= kill_time - 0.5)

    s = ResultStore(db)
    try:
        r = s.get_result(rid)
        assert r is not None and r.status == "interrupted"
        stored_lines = r.text.splitlines()
        n = len(stored_lines)
        assert stored_lines == [f"{i:06d}" for i in range(n)]  # an exact prefix of what was streamed
        assert n >= safe + 1, (n, safe)  # nothing older than half a second is lost
    finally:
        s.close()
