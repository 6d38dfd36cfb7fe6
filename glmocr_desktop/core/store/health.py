"""Whether the store's writes reach the disk, and if not why: what the window's banner says.

Why a module of its own: the writer thread, the opening code and the GUI all speak of the same few
reasons a write can fail (disk full, read-only, damaged, locked, an I/O error); each is told apart here
once, from SQLite's own error code, and worded once for the user.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from enum import Enum


class Problem(str, Enum):
    """Why writes do not reach the database. Each of these is retried; none is a reason to drop a write."""

    FULL = "full"
    READ_ONLY = "read_only"
    DAMAGED = "damaged"
    LOCKED = "locked"
    IO = "io"


# SQLite's primary result codes (the low byte of the extended code)
_CODES = {
    13: Problem.FULL,  # SQLITE_FULL
    8: Problem.READ_ONLY,  # SQLITE_READONLY
    23: Problem.READ_ONLY,  # SQLITE_AUTH (a file the OS will not let us write)
    11: Problem.DAMAGED,  # SQLITE_CORRUPT
    26: Problem.DAMAGED,  # SQLITE_NOTADB
    5: Problem.LOCKED,  # SQLITE_BUSY
    6: Problem.LOCKED,  # SQLITE_LOCKED
    10: Problem.IO,  # SQLITE_IOERR
    14: Problem.IO,  # SQLITE_CANTOPEN
    15: Problem.IO,  # SQLITE_PROTOCOL
    9: Problem.IO,  # SQLITE_INTERRUPT (a statement stopped because the store was closing)
}

# for errors raised without a code (a wrapper, an older Python)
_WORDS = (
    ("full", Problem.FULL),
    ("readonly", Problem.READ_ONLY),
    ("read-only", Problem.READ_ONLY),
    ("malformed", Problem.DAMAGED),
    ("not a database", Problem.DAMAGED),
    ("corrupt", Problem.DAMAGED),
    ("locked", Problem.LOCKED),
    ("busy", Problem.LOCKED),
    ("i/o error", Problem.IO),
    ("unable to open", Problem.IO),
    ("interrupted", Problem.IO),
)


def classify(exc: BaseException) -> Problem | None:
    """The :class:`Problem` behind ``exc``, or None when it is not the disk's or the file's fault (a write
    the database refuses, e.g. a constraint: retrying it cannot help)."""
    if isinstance(exc, OSError):
        return Problem.FULL if getattr(exc, "errno", None) == 28 else Problem.IO
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _CODES:
        return _CODES[code & 0xFF]
    text = str(exc).lower()
    for word, problem in _WORDS:
        if word in text:
            return problem
    if isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)):
        return None
    return Problem.IO if isinstance(exc, sqlite3.OperationalError) else None


#: a folder with less free space than this is full, whatever SQLite called the error
NEARLY_FULL_BYTES = 256 * 1024


def refine(problem: Problem | None, folder: str | os.PathLike[str] | None) -> Problem | None:
    """An I/O error on a disk without free space is a full disk (SQLite reports a shared-memory file it
    could not grow as an I/O error)."""
    if problem is Problem.IO and folder is not None:
        try:
            if shutil.disk_usage(folder).free < NEARLY_FULL_BYTES:
                return Problem.FULL
        except OSError:
            pass
    return problem


_WHAT = {
    Problem.FULL: "the disk is full",
    Problem.READ_ONLY: "the results database is read-only (read-only mode)",
    Problem.DAMAGED: "the results database is damaged",
    Problem.LOCKED: "the results database is locked by another program",
    Problem.IO: "the disk reported an error",
}

_WHEN = {
    Problem.FULL: "they are written as soon as there is room again (free some disk space)",
    Problem.READ_ONLY: "they are written as soon as the file can be written again",
    Problem.DAMAGED: (
        "the damaged file is moved aside at the next start, and what can be read from it is offered back"
    ),
    Problem.LOCKED: "they are written as soon as the other program lets go of the file",
    Problem.IO: "they are written as soon as the disk works again",
}


@dataclass(frozen=True)
class StoreHealth:
    """A snapshot of the store's state, for the banner, the close-time message and the crash dialog."""

    problem: Problem | None = None
    detail: str = ""  # SQLite's or the OS's own words
    unsaved_results: int = 0  # results whose latest state is not in the database
    pending_writes: int = 0  # every write still waiting (results, regions, documents)
    path: str = ""
    in_memory: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.in_memory

    def reason(self) -> str:
        """A few words: why nothing is written (empty when all is well)."""
        if self.problem is not None:
            return _WHAT[self.problem]
        if self.in_memory:
            return "no results database could be opened"
        return ""

    def message(self) -> str:
        """The whole sentence for the banner."""
        if self.ok:
            return ""
        n = self.unsaved_results
        what = f"{n} result{'s' if n != 1 else ''} not saved yet" if n else (
            "changes not saved yet" if self.pending_writes else "new results cannot be saved")
        detail = f" ({self.detail})" if self.detail and self.problem is not Problem.READ_ONLY else ""
        if self.problem is None:  # in memory
            return (f"Results are kept in memory only: {self.reason()}{detail}. {what[0].upper() + what[1:]}; "
                    "save them to a file before you quit.")
        head = self.reason()
        where = f" {self.path}" if self.path and self.problem in (Problem.READ_ONLY, Problem.DAMAGED) else ""
        if where:
            head = head.replace("the results database", f"the results database{where}")
        return (f"{head[0].upper() + head[1:]}{detail}: {what}. They are kept in memory; "
                f"{_WHEN[self.problem]}, or save them to a file now.")
