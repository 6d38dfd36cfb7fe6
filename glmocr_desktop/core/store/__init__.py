"""ResultStore: every document, region and result the user made, kept in SQLite.

One module per concern: :mod:`.schema` (migrations), :mod:`.records` (columns, records, lenient decoding),
:mod:`.writer` (the writer thread), :mod:`.recovery` (opening a bad file, crashed runs),
:mod:`.queries` (reads and search) and :mod:`.result_store` (the object that ties them together).

Why it looks like this:

* **Nothing is lost.** A streaming result is written while it streams (:meth:`ResultStore.append_partial`,
  coalesced to a few writes a second), so a crash or a kill loses at most the last fraction of a second.
  On the next start, results still marked ``running`` by a process that no longer exists become
  ``interrupted`` and keep their partial text.
* **The caller never waits on the disk.** All writes go through one background writer thread fed by a
  queue, each batch in one transaction. Reads use their own connection (WAL lets them run beside the
  writer) and see what has been committed; :meth:`ResultStore.flush` waits for pending writes.
* **No write is dropped.** A batch that fails (disk full, read-only, damaged, locked, I/O: :mod:`.health`)
  is kept and retried; the reason goes to :meth:`ResultStore.health` and its listeners, and results not
  yet written stay in memory (:meth:`ResultStore.unsaved_results`, :meth:`ResultStore.save_unsaved`).
  :meth:`ResultStore.close` tries for about two seconds, then keeps the rest in a file beside the database
  (``results.sqlite3.pending-…``) that the next start adds back.
* **Start-up never fails, and never throws a healthy file away.** Only a database that fails its integrity
  check is renamed aside (``results.sqlite3.broken-YYYYmmdd-HHMMSS``) and a fresh one is created; it is
  offered back (:meth:`ResultStore.recoverable`, :meth:`ResultStore.recover_from`, read row by row by
  :mod:`.salvage`). A full or failing disk is retried and the file then used as it is; a read-only file
  opens in read-only mode; a file locked by another program is left alone and this session writes beside
  it. The reason is in :attr:`ResultStore.recovery_message` or the health for the GUI to show. If no file
  can be used at all, the store runs in memory for the session and says so.
* **Schema changes are migrations**: ``PRAGMA user_version`` counts the functions of :data:`MIGRATIONS`
  applied so far; each runs in its own transaction.

Durability: WAL with ``synchronous=NORMAL``. A committed write survives the app being killed; a power
cut can lose the last transactions but never corrupts the file.
"""

from glmocr_desktop.core.store.records import STATUSES, StoredDocument
from glmocr_desktop.core.store.result_store import (
    APP_NAME,
    DB_NAME,
    ENV_DATA_DIR,
    ResultStore,
    default_data_dir,
    default_db_path,
)
from glmocr_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION, fts5_tokenizer, migrate

__all__ = [
    "APP_NAME",
    "DB_NAME",
    "ENV_DATA_DIR",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "STATUSES",
    "ResultStore",
    "StoredDocument",
    "default_data_dir",
    "default_db_path",
    "fts5_tokenizer",
    "migrate",
]
