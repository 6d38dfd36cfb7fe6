"""Persistence of documents, regions and results through :class:`ResultStore`, and the History dock.

Writes go through the store's own writer thread (the GUI thread only enqueues them); reads are short
indexed SQLite queries.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from glmocr_desktop.core.jobs import JobState, Result, Source
from glmocr_desktop.core.store import ResultStore, SavedRegion
from glmocr_desktop.gui.icons import icon
from glmocr_desktop.gui.page_view import TASK_COLOURS, RegionSpec
from glmocr_desktop.gui.result_pane import ResultEntry

log = logging.getLogger(__name__)

#: How long opening the store waits on a database another program holds locked before moving it aside.
STORE_BUSY_TIMEOUT_S = 5.0


def _hash(doc: Any) -> str:
    return str(getattr(doc, "content_hash", "") or "")


class HistoryDock(QDockWidget):
    """Past results of every document, newest first; searchable and deletable."""

    def __init__(self, window) -> None:
        super().__init__("History", window)
        self.setObjectName("historyDock")
        self.window_ = window
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search results…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.list = QListWidget()
        self.list.itemActivated.connect(self._open_item)
        self.list.itemDoubleClicked.connect(self._open_item)
        self.delete_button = QToolButton()
        self.delete_button.setIcon(icon("delete"))
        self.delete_button.setToolTip("Delete the selected result from the history")
        self.delete_button.setAutoRaise(True)
        self.delete_button.clicked.connect(self.delete_selected)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 1)
        top.addWidget(self.delete_button)
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(top)
        lay.addWidget(self.list, 1)
        self.setWidget(box)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.refresh)

    def schedule_refresh(self, delay_ms: int = 400) -> None:
        self._timer.start(delay_ms)

    @Slot()
    def refresh(self) -> None:
        store = self.window_.result_store
        if store is None or store.closed:
            return
        query = self.search.text().strip()
        try:
            rows = store.search(query, limit=200) if query else store.history(limit=200)
        except Exception as exc:  # noqa: BLE001 - a bad FTS query, a closed store
            log.debug("history query failed: %s", exc)
            rows = []
        self.list.clear()
        for r in rows:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.updated))
            first = " ".join((r.text or "").split())[:70] or f"({r.status})"
            item = QListWidgetItem(icon(r.task.value, TASK_COLOURS[r.task]), f"{r.document_name or '?'} · p.{r.page + 1}\n{first}")
            item.setToolTip(f"{when} · {r.task.label} · {r.status}")
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            self.list.addItem(item)

    def _open_item(self, item: QListWidgetItem) -> None:
        store = self.window_.result_store
        rid = item.data(Qt.ItemDataRole.UserRole)
        if store is None or not rid:
            return
        r = store.get_result(rid)
        if r is None:
            return
        for e in self.window_.results.entries:
            if e.meta.get("store_id") == rid:
                self.window_.results.select(e)
                return
        entry = _entry_from_stored(r, None)
        self.window_.results.add(entry)

    def delete_selected(self) -> None:
        store = self.window_.result_store
        item = self.list.currentItem()
        if store is None or item is None:
            return
        rid = item.data(Qt.ItemDataRole.UserRole)
        store.delete_result(rid)
        for e in list(self.window_.results.entries):
            if e.meta.get("store_id") == rid and not e.state.active:
                self.window_.results.remove(e)
        self.list.takeItem(self.list.row(item))


#: A stored row as the result list shows it: a job that never finished here is a stopped one.
_SHOWN_AS = {
    JobState.DONE: JobState.DONE,
    JobState.CANCELLED: JobState.CANCELLED,
    JobState.ERROR: JobState.ERROR,
    JobState.RUNNING: JobState.CANCELLED,
    JobState.INTERRUPTED: JobState.CANCELLED,
}


def _entry_from_stored(r, document) -> ResultEntry:
    where = f"{r.task.label}" if r.region is None else f"region {r.task.label}"
    entry = ResultEntry(
        id=f"stored-{r.id}",
        label=f"{r.document_name or '?'} · p.{r.page + 1} · {where}",
        task=r.task,
        text=r.text or "",
        state=_SHOWN_AS.get(r.status, JobState.ERROR if r.error else JobState.DONE),
        document=document,
        page=r.page,
    )
    try:
        entry.result = r.to_result()
    except Exception:  # noqa: BLE001
        entry.result = None
    entry.meta["store_id"] = r.id
    entry.meta["region"] = r.region
    return entry


def attach_store(window) -> None:
    """Open the store and give the window its persistence hooks and the History dock."""
    data_dir = os.environ.get("GLMOCR_DATA_DIR")
    store = ResultStore(data_dir=data_dir, busy_timeout=STORE_BUSY_TIMEOUT_S)
    window.result_store = store
    if store.recovery_message:
        window.notify_startup(store.recovery_message)
    dock = HistoryDock(window)
    window.history_dock = dock
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    toggle = dock.toggleViewAction()
    toggle.setShortcut("Ctrl+H")
    toggle.setData("history")
    toggle.setIcon(icon("history"))
    toggle.setToolTip("History of results (Ctrl+H)")
    window.view_menu.addSeparator()
    window.view_menu.addAction(toggle)
    window.toolbar.insertAction(window.act_settings, toggle)
    window.addAction(toggle)
    toggle.toggled.connect(lambda on: on and dock.refresh())

    def restore(st) -> None:
        h = _hash(st.doc)
        if not h:
            return
        store.save_document(h, st.path, st.name, int(getattr(st.doc, "page_count", 0)))
        for saved in store.regions_for(h):
            if saved.region is None or saved.page >= st.doc.page_count:
                continue
            st.regions.setdefault(saved.page, []).append(
                RegionSpec(region=saved.region, task=saved.task, template=saved.template)
            )
        for r in store.results_for(h)[-50:]:
            if r.status == "running":
                continue
            entry = _entry_from_stored(r, st.doc)
            page_specs = st.regions.get(r.page, [])
            for spec in page_specs:
                if r.region is not None and spec.region == r.region:
                    entry.spec_id = spec.id
            window.results.add(entry, select=False)

    def regions(st) -> None:
        h = _hash(st.doc)
        if h:
            specs = st.regions.get(st.page, [])
            store.set_regions(h, st.page, [SavedRegion(s.region, s.task, s.template) for s in specs])

    def start(entry: ResultEntry) -> None:
        h = _hash(entry.document)
        info = window.worker.info
        entry.meta["store_id"] = store.begin_result(
            task=entry.task,
            document_hash=h,
            page=entry.page,
            region=entry.meta.get("region"),
            model=str(getattr(info, "model", "") or window.settings.model),
            device=str(getattr(info, "device", "")),
            settings={"dpi": window.settings.render_dpi, "max_new_tokens": window.settings.max_new_tokens},
        )

    def partial(entry: ResultEntry) -> None:
        rid = entry.meta.get("store_id")
        if rid:
            store.append_partial(rid, entry.text)

    def finish(entry: ResultEntry) -> None:
        rid = entry.meta.get("store_id")
        if not rid:
            return
        result = entry.result
        if result is None:
            result = Result(
                job_id=entry.id, task=entry.task, text=entry.text, raw_text=entry.text,
                source=Source(page=entry.page, region=entry.meta.get("region"), document_hash=_hash(entry.document)),
                cancelled=entry.state is JobState.CANCELLED, error=entry.error or None,
            )  # fmt: skip
        elif entry.edited:
            result = dataclasses.replace(result, text=entry.text)
        store.finish_result(rid, result)
        dock.schedule_refresh()

    def close() -> None:
        dock._timer.stop()  # no history query after the store has closed
        try:
            store.close()
        except Exception:  # noqa: BLE001
            log.exception("closing the result store failed")

    def guarded(fn):
        def call(*args):
            if store.closed:  # late signals after close
                return None
            try:
                return fn(*args)
            except Exception:  # noqa: BLE001 - history must never break the app
                log.exception("result store: %s failed", fn.__name__)
                return None

        return call

    restore, regions, start, partial, finish = map(guarded, (restore, regions, start, partial, finish))
    window.store_restore = restore
    window.store_regions = regions
    window.store_start = start
    window.store_partial = partial
    window.store_finish = finish
    window.store_close = close
