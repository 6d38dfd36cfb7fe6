"""The History dock: past results of every document, from the :class:`ResultStore`.

Reads are short indexed SQLite queries on the store's read connection, each bounded in time; writes
(deleting) go through the store's writer thread. Nothing a database holds or raises reaches the GUI as an
exception: a failed query shows an empty list, a row that cannot be shown a placeholder. Persistence
itself is :mod:`glmocr_desktop.gui.controllers.persistence`.
"""

from __future__ import annotations

import logging
import time

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

from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.controllers.persistence import entry_from_stored
from glmocr_desktop.gui.icons import icon
from glmocr_desktop.gui.page_view import TASK_COLOURS
from glmocr_desktop.gui.task_names import task_name

log = logging.getLogger(__name__)


class HistoryDock(QDockWidget):
    """Past results of every document, newest first; searchable and deletable."""

    _timer: QTimer  # made below the widgets whose signals start it

    def __init__(self, store, results, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("History"))
        self.setObjectName("historyDock")
        self.store = store
        self.results = results  # the ResultPane an opened history item goes to
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search results…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.list = QListWidget()
        self.list.itemActivated.connect(self._open_item)
        self.list.itemDoubleClicked.connect(self._open_item)
        self.delete_button = QToolButton()
        self.delete_button.setIcon(icon("delete"))
        self.delete_button.setToolTip(self.tr("Delete the selected result from the history for good (asks first)"))
        self.delete_button.setAutoRaise(True)
        self.delete_button.setAccessibleName(self.tr("Delete result from history"))
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

    def stop(self) -> None:
        """No more queries: the store is closing."""
        self._timer.stop()

    @Slot()
    def refresh(self) -> None:
        store = self.store
        if store.closed:
            return
        query = self.search.text().strip()
        try:
            rows = store.search(query, limit=200) if query else store.history(limit=200)
        except Exception as exc:
            log.debug("history query failed: %s", exc)
            rows = []
        self.list.clear()
        for r in rows:
            try:
                item = self._item(r)
            except Exception as exc:  # a row of a damaged or foreign file
                log.warning("a history row cannot be shown: %r", exc)
                item = QListWidgetItem(self.tr("(a stored result that cannot be shown)"))
                item.setData(Qt.ItemDataRole.UserRole, None)
            self.list.addItem(item)

    def _item(self, r) -> QListWidgetItem:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.updated))
        first = " ".join((r.text or "").split())[:70] or f"({r.status})"
        where = self.tr("{0} · p.{1}").format(r.document_name or "?", r.page + 1)
        item = QListWidgetItem(icon(r.task.value, TASK_COLOURS[r.task]), f"{where}\n{first}")
        item.setToolTip(f"{when} · {task_name(r.task)} · {r.status}")
        item.setData(Qt.ItemDataRole.UserRole, r.id)
        return item

    def _open_item(self, item: QListWidgetItem) -> None:
        rid = item.data(Qt.ItemDataRole.UserRole)
        if not rid or self.store.closed:
            return
        try:
            r = self.store.get_result(rid)
            if r is None:
                return
            for e in self.results.entries:
                if e.meta.get("store_id") == rid:
                    self.results.select(e)
                    return
            self.results.add(entry_from_stored(r, None))
        except Exception as exc:
            log.warning("history result %s cannot be opened: %r", rid, exc)

    def delete_selected(self) -> None:
        """Delete the selected result from the store for good, and from the result list, after asking."""
        item = self.list.currentItem()
        if item is None or self.store.closed:
            return
        if not dialogs.confirm_delete_from_history(self, item.text().splitlines()[0]):
            return
        rid = item.data(Qt.ItemDataRole.UserRole)
        if rid:
            self.store.delete_result(rid)
        for e in list(self.results.entries):
            if e.meta.get("store_id") == rid and not e.state.active:
                self.results.remove(e)
        self.list.takeItem(self.list.row(item))
