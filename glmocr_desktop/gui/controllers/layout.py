"""Detect Layout: the layout model finds a page's blocks, which become ordinary regions the user edits.

The model runs on the inference thread (``InferenceThread.request_layout``), behind any recognition
already queued there; this controller only sends pages and places what comes back, so the GUI thread
never waits. Detecting again over regions the user edited asks first. Where the layout model is not on
this computer, the missing-model dialog says how to get it and the detection goes on once it is chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import cast

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from glmocr_desktop.core import paths
from glmocr_desktop.core.errors import ModelLoadError, ModelNotFoundError, user_message
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.controllers.documents import DocState, Documents
from glmocr_desktop.gui.controllers.regions import Regions
from glmocr_desktop.gui.worker import InferenceThread, LayoutRequest


class LayoutDetection(QObject):
    changed = Signal()  # a detection started or ended (the Stop action may change)
    placed = Signal(object, int, int)  # DocState, page, regions placed
    status = Signal(str)
    message = Signal(str, bool, bool)  # text, error, also as a dialog

    def __init__(self, worker: InferenceThread, documents: Documents, regions: Regions,
                 settings: Callable[[], Settings], save_settings: Callable[[], None],
                 dialog_parent: QWidget) -> None:  # fmt: skip
        super().__init__(dialog_parent)
        self.worker, self.documents, self.regions = worker, documents, regions
        self._settings, self._save_settings, self._parent = settings, save_settings, dialog_parent
        self.pending: dict[str, tuple[DocState, int]] = {}  # request id -> the page it is for
        self.waiting: list[tuple[DocState, int]] = []  # pages held back until the model is chosen
        self.dialog: dialogs.LayoutModelDialog | None = None
        self._placed = 0  # regions placed by the detection under way
        worker.layout_found.connect(self._on_found)
        worker.layout_failed.connect(self._on_failed)
        worker.layout_cancelled.connect(self._on_cancelled)

    @property
    def busy(self) -> bool:
        return bool(self.pending)

    def model(self) -> str:
        """The layout model the settings name: a folder or hub id ("" follows GLMOCR_LAYOUT_MODEL)."""
        return self._settings().layout_model or paths.layout_model("")

    # --- starting -------------------------------------------------------------------------------
    def detect_page(self) -> list[str]:
        st = self.documents.current
        return [] if st is None else self.detect(st, [st.page])

    def detect_document(self) -> list[str]:
        """Every page, the one shown first."""
        st = self.documents.current
        if st is None:
            return []
        return self.detect(st, [st.page] + [p for p in range(st.page_count) if p != st.page])

    def detect(self, st: DocState, pages: Sequence[int]) -> list[str]:
        """Send ``pages`` of ``st`` to the layout model; returns the request ids (none if the user
        declined to replace edited regions)."""
        queued = {(id(s), p) for s, p in self.pending.values()}
        pages = [p for p in dict.fromkeys(pages) if 0 <= p < st.page_count and (id(st), p) not in queued]
        edited = [p for p in pages if any(s.from_layout and s.edited for s in st.regions.get(p, []))]
        if edited:
            answer = dialogs.ask_replace_edited(self._parent, sorted(p + 1 for p in edited), len(pages))
            if answer is None:
                self.status.emit(self.tr("Layout detection cancelled: the edited regions stay"))
                return []
            if answer == "skip":
                pages = [p for p in pages if p not in edited]
        return self._send(st, pages)

    def _send(self, st: DocState, pages: Sequence[int]) -> list[str]:
        if not pages:
            return []
        model = self.model()
        reqs = [LayoutRequest(st.doc, p, st.rotation.get(p, 0), model) for p in pages]
        if not self.pending:
            self._placed = 0
        for r in reqs:
            self.pending[r.id] = (st, r.page)
        self.worker.request_layout(reqs)
        self.status.emit(self.tr("Finding the layout of page {0}…").format(pages[0] + 1) if len(pages) == 1 else
                         self.tr("Finding the layout of %n pages…", "", len(pages)))  # fmt: skip
        self.changed.emit()
        return [r.id for r in reqs]

    def cancel(self) -> None:
        """Stop: pages not started yet are dropped (the page under way still lands)."""
        self.waiting.clear()
        if self.pending:
            self.worker.cancel_all()

    # --- what comes back ------------------------------------------------------------------------
    def _take(self, request_id: str) -> tuple[DocState, int] | None:
        where = self.pending.pop(request_id, None)
        if where is not None and not self.pending:
            self.changed.emit()
        if where is None or where[0] not in self.documents.docs:
            return None  # closed meanwhile
        return where

    @Slot(str, object)
    def _on_found(self, request_id: str, blocks: list) -> None:
        where = self._take(request_id)
        if where is None:
            return
        st, page = where
        if not blocks:
            self.status.emit(self.tr("Page {0}: the layout model found no regions; its regions stay as they were")
                             .format(page + 1))  # fmt: skip
            return
        keep = self._settings().keep_abandoned
        placed = self.regions.place_layout(st, page, blocks, keep_abandoned=keep)
        self._placed += len(placed)
        left_out = len(blocks) - len(placed)
        note = self.tr(" (%n header, footer or page-number block(s) left out)", "", left_out) if left_out else ""
        if self.pending:
            self.status.emit(self.tr("Page {0}: {1} regions{2}; {3} page(s) to go…")
                             .format(page + 1, len(placed), note, len(self.pending)))  # fmt: skip
        else:
            self.status.emit(self.tr("Layout: {0} regions on page {1}{2}").format(len(placed), page + 1, note))
        self.placed.emit(st, page, len(placed))

    @Slot(str, object)
    def _on_failed(self, request_id: str, exc: BaseException) -> None:
        where = self._take(request_id)
        if where is None:
            return
        if isinstance(exc, (ModelNotFoundError, ModelLoadError)):
            self.waiting.append(where)
            self.show_model_dialog(user_message(exc).splitlines()[0])
            return
        self.message.emit(self.tr("Page {0}: {1}").format(where[1] + 1, user_message(exc)), True, False)

    @Slot(str)
    def _on_cancelled(self, request_id: str) -> None:
        if self._take(request_id) is not None and not self.pending:
            self.status.emit(self.tr("Layout detection stopped"))

    # --- the missing model ----------------------------------------------------------------------
    def show_model_dialog(self, message: str) -> dialogs.LayoutModelDialog:
        make = partial(dialogs.LayoutModelDialog, message, self._parent)
        self.dialog = cast(dialogs.LayoutModelDialog, dialogs.open_once(self.dialog, make, self._on_dialog_finished))
        return self.dialog

    @Slot(int)
    def _on_dialog_finished(self, code: int) -> None:
        waiting, self.waiting = self.waiting, []
        dlg = self.dialog
        if dlg is None or not dlg.chosen:
            if waiting:
                self.status.emit(self.tr("The layout was not detected: the layout model is not on this computer"))
            return
        self._settings().layout_model = dlg.chosen
        self._save_settings()
        by_doc: dict[int, tuple[DocState, list[int]]] = {}
        for st, page in waiting:
            by_doc.setdefault(id(st), (st, []))[1].append(page)
        for st, pages in by_doc.values():
            if st in self.documents.docs:
                self._send(st, pages)
