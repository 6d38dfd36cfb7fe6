"""Real faults for the results store's tests: a small filesystem that fills up, a file made read-only,
pages of a real database overwritten, and connections whose writes fail (a wrapper of the store's
connection factory, the store itself unchanged)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from glmocr_desktop.core.store.recovery import connect


@contextlib.contextmanager
def small_filesystem(where: Path, size: str = "3m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` (skips when mounting is not permitted here)."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("a small filesystem needs root on Linux (mount -t tmpfs)")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill_up(folder: Path) -> Path:
    """Fill the filesystem of ``folder`` to the last byte; the filler file to delete later."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for size in (1 << 16, 1 << 10, 1):
            while True:
                try:
                    if os.write(fd, b"\0" * size) < size:
                        break
                except OSError:
                    break
    finally:
        os.close(fd)
    return filler


def free_up(filler: Path) -> None:
    filler.unlink()


@contextlib.contextmanager
def read_only_file(path: Path) -> Iterator[None]:
    """``path`` read-only, its folder left writable: a read-only bind mount of the file as root (root
    ignores file modes), ``chmod a-w`` otherwise."""
    if os.geteuid() == 0:
        done = subprocess.run(
            f"mount --bind '{path}' '{path}' && mount -o remount,ro,bind '{path}'",
            shell=True, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            subprocess.run(["umount", str(path)], capture_output=True)
            pytest.skip(f"a read-only bind mount is not permitted here: {done.stderr.strip()}")
        try:
            yield
        finally:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)
        return
    mode = path.stat().st_mode
    path.chmod(0o444)
    try:
        yield
    finally:
        path.chmod(mode)


def make_writable(path: Path) -> None:
    """End :func:`read_only_file` early (what a user would do about it)."""
    if os.geteuid() == 0:  # lazily: the store's open connections keep the mount busy
        subprocess.run(["umount", "-l", str(path)], capture_output=True)
    else:
        path.chmod(0o644)


def pages_of(path: Path, name: str) -> list[int]:
    """The page numbers of a table or index, from SQLite's own dbstat table."""
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno", (name,))]
    except sqlite3.OperationalError as exc:
        pytest.skip(f"this SQLite cannot list a table's pages (no dbstat): {exc}")
    finally:
        conn.close()


def damage_pages(path: Path, pages: list[int]) -> None:
    """Overwrite the given pages past their header bytes with a pattern (what a bad sector leaves)."""
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    for page in pages:
        start = (page - 1) * size
        data[start + 8:start + size] = bytes((i * 37 + 11) % 256 for i in range(size - 8))
    path.write_bytes(bytes(data))


def copy_db(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


class FaultyConnection(sqlite3.Connection):
    """A real connection whose statements fail with a disk I/O error while ``faults.on`` says so."""

    faults: Faults

    def execute(self, sql, *args):  # type: ignore[override]
        self.faults.maybe_fail(sql)
        return super().execute(sql, *args)


class Faults:
    """Connection factory for the store: ``broken_opens`` connections fail on every statement, and while
    ``writes_fail`` every write fails; the database underneath is real."""

    WRITES = ("BEGIN", "INSERT", "UPDATE", "DELETE", "PRAGMA JOURNAL_MODE", "PRAGMA USER_VERSION =")

    def __init__(self, broken_opens: int = 0, writes_fail: bool = False) -> None:
        self.broken_opens = broken_opens
        self.writes_fail = writes_fail
        self.opened = 0
        self.failed = 0
        self._broken: set[int] = set()

    def maybe_fail(self, sql: str) -> None:
        head = " ".join(sql.split()).upper()
        if self.writes_fail and head.startswith(self.WRITES):
            self.failed += 1
            raise sqlite3.OperationalError("disk I/O error")

    def connect(self, target: str, busy_timeout: float, uri: bool = False) -> sqlite3.Connection:
        self.opened += 1
        if self.opened <= self.broken_opens:
            self.failed += 1
            raise sqlite3.OperationalError("disk I/O error")
        conn = sqlite3.connect(target, timeout=busy_timeout, isolation_level=None, check_same_thread=False,
                               uri=uri, factory=FaultyConnection)  # fmt: skip
        conn.faults = self
        reference = connect(":memory:", busy_timeout)  # the store's own settings on the real connection
        conn.text_factory = reference.text_factory
        reference.close()
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        return conn
