"""What the window keeps across sessions (documents' regions, results while they stream, history), behind
one small interface: :class:`StorePersistence` writes through :class:`ResultStore`, :class:`NullPersistence`
keeps nothing (tests, or a store that cannot be opened at all).

The store's own writer thread does the writing; these calls only enqueue. Persistence must never break
the app, so every call of :class:`StorePersistence` logs and swallows its failures. What cannot be written
is never hidden: the store keeps it and reports why, the window's banner (:mod:`..store_banner`) says so
at once, and closing says how many results were not saved and where they went.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QCoreApplication

from glmocr_desktop.core.jobs import JobState, Result, Source
from glmocr_desktop.gui.result_pane import ResultEntry
from glmocr_desktop.gui.task_names import task_name

if TYPE_CHECKING:  # pragma: no cover
    from PySide6.QtWidgets import QDockWidget, QWidget

    from glmocr_desktop.core.settings import Settings
    from glmocr_desktop.core.store import ResultStore
    from glmocr_desktop.core.store.health import StoreHealth
    from glmocr_desktop.engines.base import EngineInfo
    from glmocr_desktop.gui.controllers.documents import DocState
    from glmocr_desktop.gui.history import HistoryDock
    from glmocr_desktop.gui.result_pane import ResultPane
    from glmocr_desktop.gui.store_banner import StoreBanner

log = logging.getLogger(__name__)

#: How long opening the store waits on a database another program holds locked before moving it aside.
STORE_BUSY_TIMEOUT_S = 5.0

#: A stored row as the result list shows it: a job that never finished here is a stopped one.
SHOWN_AS = {
    JobState.DONE: JobState.DONE,
    JobState.CANCELLED: JobState.CANCELLED,
    JobState.ERROR: JobState.ERROR,
    JobState.RUNNING: JobState.CANCELLED,
    JobState.INTERRUPTED: JobState.CANCELLED,
}

#: How many of a document's past results come back when it is opened again.
RESTORED_RESULTS = 50


class Persistence(Protocol):
    """What the window and the run controller call; each call returns at once."""

    @property
    def store(self) -> ResultStore | None:
        """The store behind it (the History dock and tests read it), or None."""

    #: Something the user must hear about opening it (a damaged database moved aside), or "".
    recovery_message: str

    def restore(self, doc: DocState) -> list[ResultEntry]:
        """Record an opened document; add its saved regions to ``doc``; return its past results."""

    def save_regions(self, doc: DocState) -> None:
        """The regions of ``doc``'s current page changed."""

    def save_page_regions(self, doc: DocState, page: int) -> None:
        """The regions of ``page`` changed (the layout of pages not shown can be found too)."""

    def job_started(self, entry: ResultEntry, info: EngineInfo | None, settings: Settings) -> None: ...

    def job_partial(self, entry: ResultEntry) -> None:
        """More text streamed in (the store coalesces these writes)."""

    def job_finished(self, entry: ResultEntry) -> None:
        """Settled (done, cancelled, failed) or edited by the user afterwards."""

    def result_deleted(self, entry: ResultEntry) -> None: ...

    def history_dock(self, results: ResultPane, parent: QWidget) -> QDockWidget | None:
        """The History dock over this store, or None when there is no history."""

    def close(self) -> None: ...


class NullPersistence:
    """Keeps nothing: a window that works without a database."""

    store = None
    recovery_message = ""

    def restore(self, doc: DocState) -> list[ResultEntry]:
        return []

    def save_regions(self, doc: DocState) -> None:
        pass

    def save_page_regions(self, doc: DocState, page: int) -> None:
        pass

    def job_started(self, entry: ResultEntry, info: EngineInfo | None, settings: Settings) -> None:
        pass

    def job_partial(self, entry: ResultEntry) -> None:
        pass

    def job_finished(self, entry: ResultEntry) -> None:
        pass

    def result_deleted(self, entry: ResultEntry) -> None:
        pass

    def history_dock(self, results: ResultPane, parent: QWidget) -> QDockWidget | None:
        return None

    def health(self) -> StoreHealth | None:
        return None

    def unsaved_count(self) -> int:
        return 0

    def close(self) -> None:
        pass


def _content_hash(doc: Any) -> str:
    return str(getattr(doc, "content_hash", "") or "")


def result_of(entry: ResultEntry) -> Result:
    """The result an entry stands for, with the user's edits (for the store, exports and saving)."""
    result = entry.result
    if result is None:
        return Result(
            job_id=entry.id, task=entry.task, text=entry.text, raw_text=entry.text,
            source=Source(file=str(getattr(entry.document, "path", "") or ""), page=entry.page,
                          region=entry.meta.get("region"), document_hash=_content_hash(entry.document)),
            cancelled=entry.state is JobState.CANCELLED, error=entry.error or None,
        )  # fmt: skip
    if entry.edited:
        return dataclasses.replace(result, text=entry.text, extraction=entry.extraction)
    return result


def entry_from_stored(row, document: Any) -> ResultEntry:
    """A result list entry for a stored result (``document`` is None when it is not open)."""
    translate = QCoreApplication.translate
    where = task_name(row.task) if row.region is None else translate("StorePersistence", "region {0}").format(task_name(row.task))
    page = translate("StorePersistence", "p.{0}").format(row.page + 1)
    entry = ResultEntry(
        id=f"stored-{row.id}",
        label=f"{row.document_name or '?'} · {page} · {where}",
        task=row.task,
        text=row.text or "",
        state=SHOWN_AS.get(row.status, JobState.ERROR if row.error else JobState.DONE),
        document=document,
        page=row.page,
    )
    entry.result = row
    entry.meta["store_id"] = row.id
    entry.meta["region"] = row.region
    return entry


def _never_raises(fn):
    """History must never break the app: log a failure and go on; do nothing once the store is closed."""

    @functools.wraps(fn)
    def call(self, *args):
        if self.store.closed:  # late signals after close
            return None
        try:
            return fn(self, *args)
        except Exception:
            log.exception("result store: %s failed", fn.__name__)
            return None

    return call


class StorePersistence:
    """Persistence through a :class:`ResultStore`."""

    def __init__(self, store: ResultStore) -> None:
        self.store = store
        self.recovery_message = store.recovery_message or ""
        self._dock: HistoryDock | None = None
        self.banner: StoreBanner | None = None  # made with the History dock
        self._window: QWidget | None = None

    @classmethod
    def open(cls, data_dir: str | None = None) -> StorePersistence | NullPersistence:
        """The store in ``data_dir`` (default ``$GLMOCR_DATA_DIR`` or the user data folder); a
        :class:`NullPersistence` if even a fresh database cannot be made."""
        from glmocr_desktop.core.store import ResultStore

        try:
            store = ResultStore(data_dir=data_dir, busy_timeout=STORE_BUSY_TIMEOUT_S)
        except Exception:
            log.exception("result store unavailable")
            return NullPersistence()
        return cls(store)

    @_never_raises
    def restore(self, doc: DocState) -> list[ResultEntry]:
        h = _content_hash(doc.doc)
        if not h:
            return []
        page_count = int(getattr(doc.doc, "page_count", 0))
        self.store.save_document(h, doc.path, doc.name, page_count)
        for page, saved in self.store.regions_for(h).items():
            if page < page_count:
                doc.regions.setdefault(page, []).extend(saved)
        entries = []
        for row in self.store.results_for(h)[-RESTORED_RESULTS:]:
            if row.status == JobState.RUNNING:  # another window's job, still streaming
                continue
            entry = entry_from_stored(row, doc.doc)
            for spec in doc.regions.get(row.page, []):
                if row.region is not None and spec.region == row.region:
                    entry.spec_id = spec.id
            entries.append(entry)
        return entries

    def save_regions(self, doc: DocState) -> None:
        self.save_page_regions(doc, doc.page)

    @_never_raises
    def save_page_regions(self, doc: DocState, page: int) -> None:
        h = _content_hash(doc.doc)
        if h:
            self.store.set_regions(h, page, list(doc.regions.get(page, [])))

    @_never_raises
    def job_started(self, entry: ResultEntry, info: EngineInfo | None, settings: Settings) -> None:
        entry.meta["store_id"] = self.store.begin_result(
            task=entry.task,
            document_hash=_content_hash(entry.document),
            page=entry.page,
            region=entry.meta.get("region"),
            model=str(getattr(info, "model", "") or settings.model),
            device=str(getattr(info, "device", "")),
            settings={"dpi": settings.render_dpi, "max_new_tokens": settings.max_new_tokens},
        )

    @_never_raises
    def job_partial(self, entry: ResultEntry) -> None:
        rid = entry.meta.get("store_id")
        if rid:
            self.store.append_partial(rid, entry.text)

    @_never_raises
    def job_finished(self, entry: ResultEntry) -> None:
        rid = entry.meta.get("store_id")
        if not rid:
            return
        self.store.finish_result(rid, result_of(entry))
        if self._dock is not None:
            self._dock.schedule_refresh()

    @_never_raises
    def result_deleted(self, entry: ResultEntry) -> None:
        rid = entry.meta.get("store_id")
        if rid is not None:
            self.store.delete_result(rid)

    def history_dock(self, results: ResultPane, parent: QWidget) -> QDockWidget | None:
        """The History dock, and the store's banner above the window's central widget: the window's two
        views of this store."""
        from glmocr_desktop.gui.history import HistoryDock
        from glmocr_desktop.gui.store_banner import StoreBanner

        self._dock = HistoryDock(self.store, results, parent)
        self._window = parent
        try:
            self.banner = StoreBanner.install(self, parent)  # type: ignore[arg-type]
        except Exception:
            log.exception("the results store's banner could not be made")
        return self._dock

    def refresh_history(self) -> None:
        if self._dock is not None:
            self._dock.schedule_refresh(0)

    # --- what the banner, the crash dialog and closing ask -------------------------------------------

    def health(self) -> StoreHealth | None:
        try:
            return self.store.health()
        except Exception:
            log.exception("result store: health failed")
            return None

    def unsaved_count(self) -> int:
        try:
            return len(self.store.unsaved_ids())
        except Exception:
            return 0

    def recoverable(self) -> list:
        try:
            return self.store.recoverable()
        except Exception:
            log.exception("result store: listing moved-aside files failed")
            return []

    def save_unsaved_to(self, path: str) -> str:
        """Write the unsaved results to ``path``; what to tell the user."""
        translate = QCoreApplication.translate
        try:
            n = self.store.save_unsaved(path)
        except Exception as exc:
            log.exception("saving unsaved results to %s failed", path)
            return translate("StorePersistence", "The unsaved results could not be saved to {0}: {1}").format(path, exc)
        still = "" if self.store.closed else translate(
            "StorePersistence", " They are also still written to the results database once it works.")  # fmt: skip
        saved = (translate("StorePersistence", "1 unsaved result saved to {0}.{1}") if n == 1 else
                 translate("StorePersistence", "%n unsaved results saved to {0}.{1}", None, n))  # fmt: skip
        return saved.format(path, still)

    def close(self) -> None:
        """Close the store (writing what it can for about two seconds, never longer) and say plainly what
        was not saved: where it was kept, or, if nowhere, ask where to save it."""
        if self._dock is not None:
            self._dock.stop()  # no history query after the store has closed
        if self.banner is not None:
            self.banner.stop()
        report: StoreHealth | None
        try:
            report = self.store.close()
        except Exception:
            log.exception("closing the result store failed")
            report = self.health()
        unsaved = self.unsaved_count()
        if not unsaved:
            return
        translate = QCoreApplication.translate
        reason = ((report.reason() if report is not None else "")
                  or translate("StorePersistence", "the results database could not be written"))  # fmt: skip
        aside = self.store.saved_aside
        if aside is not None:
            if unsaved == 1:
                kept = translate("StorePersistence", "1 result could not be written to the results database ({0}). "
                                 "They were kept in {1} and are added back at the next start.")  # fmt: skip
            else:
                kept = translate("StorePersistence", "%n results could not be written to the results database "
                                 "({0}). They were kept in {1} and are added back at the next start.", None,
                                 unsaved)  # fmt: skip
            self._tell(kept.format(reason, aside))
            return
        from glmocr_desktop.gui import store_banner

        text = (translate("StorePersistence", "1 result could not be saved ({0}).") if unsaved == 1 else
                translate("StorePersistence", "%n results could not be saved ({0}).", None, unsaved))  # fmt: skip
        text = text.format(reason)
        # asked only of a person looking at the window (a hidden or headless one cannot answer)
        visible = self._window is not None and self._window.isVisible()
        path = store_banner.ask_save_path(self._window, unsaved) if visible else ""
        not_saved = translate("StorePersistence", "They were not saved.")
        self._tell(f"{text} {self.save_unsaved_to(path)}" if path else f"{text} {not_saved}")

    def _tell(self, text: str) -> None:
        log.warning("%s", text)
        show = getattr(self._window, "show_message", None)
        if show is not None:
            try:
                show(text, error=True)
            except Exception:
                log.exception("showing the close-time message failed")
