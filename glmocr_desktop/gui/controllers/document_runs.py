"""Whole-document runs, seen from the GUI thread: starting one (all pages, a range, every open
document), following its events, keeping it in the store so it survives a crash, resuming it, the
assembled document of each document and exporting it.

The pipeline runs on the inference thread (:mod:`glmocr_desktop.gui.document_runner`); its events come
here in batches. Per batch this does bookkeeping only: counters, queued store writes, at most a few
result-list rows; the progress panel and the document view are refreshed on timers, so a 500-page run
keeps the event loop free. Each page is assembled once, when it is done, and its HTML blocks rendered
once; only new blocks go to the view.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from glmocr_desktop.core.assembly import AssembledPage, PageInput, assemble
from glmocr_desktop.core.errors import ExportError, user_message
from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.core.regions import TaskRegion
from glmocr_desktop.core.run_progress import RunProgress
from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.base import ModelState
from glmocr_desktop.gui.controllers.documents import DocState, Documents
from glmocr_desktop.gui.controllers.persistence import Persistence
from glmocr_desktop.gui.controllers.runs import Runs
from glmocr_desktop.gui.document_runner import (
    DocEvent,
    DocumentItem,
    DocumentRunRequest,
    PageReady,
    RunEnded,
    RunNotice,
    regions_of,
)
from glmocr_desktop.gui.loaders import _Task
from glmocr_desktop.gui.result_pane import ResultEntry, ResultPane

if TYPE_CHECKING:  # pragma: no cover
    from glmocr_desktop.core.store.runs import RunLog

log = logging.getLogger(__name__)

#: How often the progress panel and the document view are refreshed while a run goes on (ms).
REFRESH_MS = 250


def doc_key(st: DocState) -> str:
    """How a run names a document: its content hash (what the store keys documents by)."""
    return str(getattr(st.doc, "content_hash", "") or f"unsaved-{id(st):x}")


@dataclass(eq=False)
class DocOutput:
    """What has been read of one document: its pages for assembly, each page's assembled blocks and the
    HTML blocks the document view shows."""

    st: DocState
    pages: dict[int, PageInput] = field(default_factory=dict)
    assembled: dict[int, AssembledPage] = field(default_factory=dict)
    html: dict[int, list[str]] = field(default_factory=dict)
    markdowns: dict[int, str] = field(default_factory=dict)

    def add(self, ready: PageReady) -> None:
        self.pages[ready.page.index] = ready.page
        self.assembled[ready.page.index] = ready.assembled
        self.html[ready.page.index] = ready.html
        self.markdowns[ready.page.index] = ready.markdown

    def blocks_html(self) -> list[str]:
        return [h for p in sorted(self.html) for h in self.html[p]]

    def block_at(self, page: int, x: float, y: float) -> int | None:
        """The block of ``page`` under the point (the smallest one holding it), or None."""
        found = self.assembled.get(page)
        if found is None:
            return None
        best, area = None, 2.0
        for b in found.blocks:
            for r in b.regions:
                if r.x0 <= x <= r.x1 and r.y0 <= y <= r.y1 and r.width * r.height < area:
                    best, area = b.index, r.width * r.height
        return best

    def markdown(self) -> str:
        return assemble([self.pages[p] for p in sorted(self.pages)]).to_markdown()[0]


@dataclass(eq=False)
class ActiveRun:
    request: DocumentRunRequest
    docs: dict[str, DocState]
    progress: RunProgress
    stored: bool  # recorded in the store (resumable)
    resumed: dict[tuple[str, int], Any] = field(default_factory=dict)  # (key, page) -> RunPage begun before
    waiting_for_model: bool = False
    title: str = ""

    @property
    def id(self) -> str:
        return self.request.id


class DocumentRuns(QObject):
    message = Signal(str, bool, bool)  # text, error, also as a dialog
    status = Signal(str)
    state_changed = Signal()  # a run started or ended (actions may change)
    progress = Signal(str, object)  # title, RunProgress (throttled)
    document_changed = Signal(object)  # DocOutput with new pages (throttled)
    exported = Signal(str)  # path written
    export_failed = Signal(str)  # message

    def __init__(self, runs: Runs, documents: Documents, results: ResultPane, persistence: Persistence,
                 settings: Callable[[], Settings], parent: QObject | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.runs, self.documents, self.results = runs, documents, results
        self._settings = settings
        self.log: RunLog | None = None
        if persistence.store is not None:
            from glmocr_desktop.core.store.runs import RunLog

            self.log = RunLog(persistence.store)
        self.active: ActiveRun | None = None
        self.last: ActiveRun | None = None
        self.outputs: dict[str, DocOutput] = {}
        self.closing = False
        self._said: set[str] = set()
        self._dirty: set[str] = set()  # documents with pages the view has not had
        self._resume: dict[str, Any] | None = None  # {run, waiting: {hash: path}, docs: {hash: DocState}}
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._publish)
        self.export_pool = QThreadPool(self)
        self.export_pool.setMaxThreadCount(1)
        self.exported.connect(self._on_exported)
        self.export_failed.connect(self._on_export_failed)
        runs.worker.document_events.connect(self._on_events)
        runs.model_changed.connect(self._on_model_state)
        documents.added.connect(self._on_doc_added)
        documents.opener.failed.connect(self._on_open_failed)
        #: Asked before resuming a run at start-up; tests replace it.
        self.ask_resume: Callable[[Any], bool] = self._ask_resume

    # --- starting ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.active is not None

    def start(self, docs: list[DocState], pages: dict[int, list[int]] | None = None) -> bool:
        """Run ``docs`` (``pages``: by ``id(DocState)``, default every page)."""
        if self.active is not None:
            self.message.emit(self.tr("A document run is already under way."), False, False)
            return False
        docs = [st for st in docs if st.page_count > 0]
        if not docs:
            self.message.emit(self.tr("Open a document first."), False, False)
            return False
        items, plan = [], []
        for st in docs:
            chosen = (pages or {}).get(id(st)) or list(range(st.page_count))
            key = doc_key(st)
            regions = {p: r for p in chosen if (r := regions_of(st.regions.get(p, [])))}
            items.append(DocumentItem(key, st.doc, list(chosen), regions))
            plan += [(key, st.path, p) for p in chosen]
            self.outputs[key] = DocOutput(st)  # a new run of a document replaces what was read before
        run_id = self.log.create(plan, {"documents": len(docs)}) if self.log is not None else uuid.uuid4().hex
        progress = RunProgress(pages_total=len(plan))
        return self._launch(ActiveRun(self._request(run_id, items), {doc_key(st): st for st in docs}, progress,
                                      stored=self.log is not None))  # fmt: skip

    def _request(self, run_id: str, items: list[DocumentItem]) -> DocumentRunRequest:
        s = self._settings()
        return DocumentRunRequest(id=run_id, items=items, layout_model=getattr(s, "layout_model", ""),
                                  keep_abandoned=bool(getattr(s, "keep_abandoned", False)), dpi=s.render_dpi,
                                  max_new_tokens=s.max_new_tokens or None)  # fmt: skip

    def _launch(self, run: ActiveRun) -> bool:
        names = [st.name for st in run.docs.values()]
        run.title = names[0] if len(names) == 1 else self.tr("%n documents", "", len(names))
        self.active = run
        run.progress.start()
        self._refresh.start()
        state = self.runs.model_state
        if state is ModelState.READY:
            self.runs.worker.submit_document(run.request)
        else:
            run.waiting_for_model = True
            if state in (ModelState.IDLE, ModelState.ERROR):
                self.runs.load_model()
            elif state is ModelState.MISSING:
                self.runs.model_needed.emit(self.tr("The model is needed to read the document."))
        self.status.emit(self.tr("Reading {0}: %n page(s)", "", run.progress.pages_total).format(run.title))
        self.state_changed.emit()
        self._publish()
        return True

    @Slot(object, str)
    def _on_model_state(self, state: ModelState, detail: str) -> None:
        run = self.active
        if run is None or not run.waiting_for_model:
            return
        if state is ModelState.READY:
            run.waiting_for_model = False
            self.runs.worker.submit_document(run.request)
        elif state in (ModelState.ERROR, ModelState.MISSING):
            self._end(run, RunEnded(False, detail or self.tr("The model is not loaded.")))

    # --- control -----------------------------------------------------------------------------------
    def pause(self) -> None:
        if self.active is not None and not self.active.progress.paused:
            self.active.request.control.pause()
            self.active.progress.set_paused(True)
            self.status.emit(self.tr("Pausing: the regions under way finish, no new one starts"))
            self._publish()

    def resume_run(self) -> None:
        if self.active is not None and self.active.progress.paused:
            self.active.request.control.resume()
            self.active.progress.set_paused(False)
            self.status.emit(self.tr("Reading {0}…").format(self.active.title))
            self._publish()

    def cancel(self) -> None:
        run = self.active
        if run is None:
            return
        run.request.control.cancel()
        if run.waiting_for_model:
            self._end(run, RunEnded(True))
        else:
            self.status.emit(self.tr("Stopping the document run…"))

    def shutdown(self) -> None:
        """The window closes: stop the run without ending it in the store, so the next start resumes it."""
        self.closing = True
        self._refresh.stop()
        if self.active is not None:
            self.active.request.control.cancel()
        self.export_pool.waitForDone(30_000)

    # --- events from the inference thread ----------------------------------------------------------
    @Slot(str, object)
    def _on_events(self, run_id: str, events: list) -> None:
        run = self.active
        if run is None or run.id != run_id:
            return
        entries: list[ResultEntry] = []
        for item in events:
            if isinstance(item, DocEvent):
                self._on_event(run, item.key, item.event, entries)
            elif isinstance(item, RunNotice):
                if item.text not in self._said:
                    self._said.add(item.text)
                    self.message.emit(item.text, False, False)
            elif isinstance(item, PageReady):  # (also while closing: what was read before the stop is kept)
                self._on_page_ready(run, item, entries)
            elif isinstance(item, RunEnded):
                self._end(run, item)
        if entries and not self.closing:
            for entry in entries:
                self.results.add(entry, select=False)

    def _on_event(self, run: ActiveRun, key: str, ev: Any, entries: list[ResultEntry]) -> None:
        from glmocr_desktop.core import pipeline as pl

        p = run.progress
        st = run.docs.get(key)
        name = st.name if st is not None else "?"
        if isinstance(ev, pl.PageStarted):
            p.current = self.tr("{0} · page {1}").format(name, ev.page + 1)
        elif isinstance(ev, pl.LayoutFound):
            p.regions_total += ev.regions_to_read
            if (key, ev.page) not in run.resumed and run.stored and self.log is not None:
                self.log.page_planned(run.id, key, ev.page, planned_blocks(ev), ev.fallback)
        elif isinstance(ev, pl.RegionDone):
            p.regions_done += 1
            p.tokens += ev.tokens
            block = ev.block.index
            begun = run.resumed.get((key, ev.page))
            if begun is not None:
                block = begun.remaining()[block].block
            if run.stored and self.log is not None:
                info = self.runs.info
                self.log.block_read(run.id, key, ev.page, block, ev.result, model=str(getattr(info, "model", "")),
                                    device=str(getattr(info, "device", "")))  # fmt: skip
        elif isinstance(ev, pl.PageDone):
            run.resumed.pop((key, ev.page.index), None)
            for w in ev.warnings:
                log.info("%s page %d: %s", name, ev.page.index + 1, w)
        elif isinstance(ev, pl.PageFailed):
            p.pages_failed += 1
            if run.stored and self.log is not None:
                self.log.page_failed(run.id, key, ev.page, user_message(ev.error))
            self.message.emit(self.tr("{0} page {1}: {2}").format(name, ev.page + 1, user_message(ev.error)), True,
                              False)  # fmt: skip

    def _on_page_ready(self, run: ActiveRun, ready: PageReady, entries: list[ResultEntry]) -> None:
        """A page is done (assembled and rendered on the inference thread): store it, count it, show it."""
        restored = ready.restored
        if run.stored and not restored and self.log is not None:
            self.log.page_done(run.id, ready.key, ready.page.index, ready.page, ready.fallback)
        if not restored:
            run.progress.pages_done += 1
        out = self.outputs.get(ready.key)
        if out is not None:
            out.add(ready)
            self._dirty.add(ready.key)
            if not restored:
                entries.append(self._page_entry(run, out, ready.page.index))

    def _page_entry(self, run: ActiveRun, out: DocOutput, page: int) -> ResultEntry:
        text = out.markdowns[page]
        where, what = self.tr("p.{0}").format(page + 1), self.tr("document")
        label = f"{out.st.name} · {where} · {what}"
        entry = ResultEntry(id=f"{run.id[:8]}-{id(out):x}-{page}", label=label,
                            task=Task.TEXT, text=text, state=JobState.DONE, document=out.st.doc, page=page)  # fmt: skip
        entry.meta["document_run"] = run.id
        return entry

    def _end(self, run: ActiveRun, ended: RunEnded) -> None:
        if self.active is not run:
            return
        p = run.progress
        p.finished = True
        p.cancelled = ended.cancelled
        p.set_paused(False)
        p.current = ""
        self.active, self.last = None, run
        if run.stored and not self.closing and not ended.error and self.log is not None:
            self.log.finish(run.id, "cancelled" if ended.cancelled else "done")
        self._refresh.stop()
        if ended.error:
            self.message.emit(self.tr("The document run stopped: {0}").format(ended.error), True, False)
        elif not self.closing:
            what = (self.tr("Stopped {0}: {1} of {2} page(s)") if ended.cancelled else
                    self.tr("Read {0}: {1} of {2} page(s)"))  # fmt: skip
            failed = self.tr(", {0} failed").format(p.pages_failed) if p.pages_failed else ""
            self.status.emit(what.format(run.title, p.pages_done, p.pages_total) + failed)
        self._publish()
        self.state_changed.emit()

    @Slot()
    def _publish(self) -> None:
        """Refresh the panel and the document view (on a timer while a run goes on)."""
        if self.closing:
            return
        run = self.active or self.last
        if run is not None:
            self.progress.emit(run.title, run.progress)
        dirty, self._dirty = self._dirty, set()
        for key in dirty:
            out = self.outputs.get(key)
            if out is not None:
                self.document_changed.emit(out)

    # --- the assembled document --------------------------------------------------------------------
    def output_for(self, st: DocState | None) -> DocOutput | None:
        if st is None:
            return None
        out = self.outputs.get(doc_key(st))
        return out if out is not None and out.pages else None

    def export(self, st: DocState, path: str, fmt: str | None = None) -> bool:
        """Write ``st``'s assembled document to ``path`` off the GUI thread (``exported`` / ``export_failed``)."""
        out = self.output_for(st)
        if out is None:
            self.message.emit(self.tr("{0} has not been read as a document yet: Run Document first.").format(st.name),
                              False, True)  # fmt: skip
            return False
        pages = [_bare_copy(out.pages[p]) for p in sorted(out.pages)]
        fmt = (fmt or Path(path).suffix.lstrip(".") or "md").lower()
        doc = st.doc

        def work() -> None:
            from glmocr_desktop.core.document_export import write_document
            from glmocr_desktop.core.documents import DEFAULT_DPI, DEFAULT_MAX_SIDE

            try:
                for page in pages:
                    pictures = any(b.label == "image" for b in page.blocks)
                    if fmt == "pdf" or pictures:
                        image = doc.render_page(page.index, dpi=DEFAULT_DPI, max_side=DEFAULT_MAX_SIDE)
                        page.width, page.height = image.size
                        if fmt == "pdf":
                            page.image = image
                        else:  # only the crops are kept
                            for b in page.blocks:
                                if b.label == "image":
                                    b.image = image.crop(b.region.to_pixels(*image.size))
                written = write_document(assemble(pages), path, fmt)
            except Exception as exc:
                if not isinstance(exc, ExportError):
                    log.exception("document export failed")
                self.export_failed.emit(self.tr("Could not export {0}: {1}").format(Path(path).name,
                                                                                    user_message(exc)))  # fmt: skip
                return
            self.exported.emit(str(written))

        self.status.emit(self.tr("Exporting {0}…").format(st.name))
        self.export_pool.start(_Task(work))
        return True

    @Slot(str)
    def _on_exported(self, path: str) -> None:
        self.message.emit(self.tr("Exported the document to {0}").format(path), False, False)

    @Slot(str)
    def _on_export_failed(self, text: str) -> None:
        self.message.emit(text, True, True)

    # --- resuming a run a crash or a restart left unfinished ---------------------------------------
    def offer_resume(self) -> bool:
        """At start-up: offer the newest unfinished run; True when it is being resumed."""
        if self.log is None or self.active is not None:
            return False
        unfinished = self.log.unfinished()
        if not unfinished:
            return False
        run = unfinished[0]
        if not self.ask_resume(run):
            self.log.finish(run.id, "cancelled")  # not offered again
            return False
        return self.resume_stored(run)

    def _ask_resume(self, run) -> bool:
        from PySide6.QtWidgets import QMessageBox, QWidget

        names = ", ".join(Path(path).name for _, path in run.documents[:3])
        more = self.tr(" and {0} more").format(len(run.documents) - 3) if len(run.documents) > 3 else ""
        answer = QMessageBox.question(
            parent if isinstance(parent := self.parent(), QWidget) else None,
            self.tr("Resume the document run?"),
            self.tr("A document run did not finish ({0}{1}: {2} of {3} pages read).\n\nResume it? Pages and "
                    "regions already read are kept and not read again.")
            .format(names, more, run.pages_done, len(run.pages)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    def resume_stored(self, run) -> bool:
        """Open the run's documents (those not open yet) and go on where it stopped."""
        waiting = {}
        docs = {}
        for h, path in run.documents:
            st = next((d for d in self.documents.docs if doc_key(d) == h), None)
            if st is not None:
                docs[h] = st
            elif Path(path).exists():
                waiting[h] = path
            else:
                self.message.emit(self.tr("{0} is no longer there; its pages are left out.").format(Path(path).name),
                                  True, False)  # fmt: skip
        self._resume = {"run": run, "waiting": waiting, "docs": docs}
        if waiting:
            self.status.emit(self.tr("Opening the documents of the unfinished run…"))
            self.documents.open_paths(list(waiting.values()))
        else:
            self._start_resumed()
        return True

    @Slot(object)
    def _on_doc_added(self, st: DocState) -> None:
        pending = self._resume
        if pending is None:
            return
        h = doc_key(st)
        if pending["waiting"].pop(h, None) is not None:
            pending["docs"][h] = st
            if not pending["waiting"]:
                self._start_resumed()

    @Slot(str, object)
    def _on_open_failed(self, path: str, exc: object) -> None:
        pending = self._resume
        if pending is None:
            return
        for h, p in list(pending["waiting"].items()):
            if p == path:
                del pending["waiting"][h]
        if not pending["waiting"]:
            self._start_resumed()

    def _start_resumed(self) -> None:
        pending, self._resume = self._resume, None
        if pending is None or self.log is None:
            return
        run, docs = pending["run"], pending["docs"]
        if not docs:
            self.message.emit(self.tr("None of the unfinished run's documents could be opened."), True, False)
            return
        self.log.adopt(run.id)
        progress = RunProgress(pages_total=sum(len(run.pages_of(h)) for h in docs))
        items, resumed, restored = [], {}, []
        for h, st in docs.items():
            self.outputs[h] = DocOutput(st)
            pages, regions = [], {}
            for rp in run.pages_of(h):
                if rp.done:  # assembled again on the inference thread, not read again
                    restored.append((h, rp))
                    progress.pages_done += 1
                    progress.pages_resumed += 1
                    continue
                pages.append(rp.page)
                if rp.planned:  # begun before: only what was left is read, in those regions
                    resumed[(h, rp.page)] = rp
                    regions[rp.page] = [TaskRegion(b.region, b.task or Task.TEXT) for b in rp.remaining()]
                    read = sum(1 for b in rp.blocks if b.task is not None and b.content is not None)
                    progress.regions_done += read
                    progress.regions_total += read
                elif r := regions_of(st.regions.get(rp.page, [])):
                    regions[rp.page] = r
            items.append(DocumentItem(h, st.doc, pages, regions))
        request = self._request(run.id, items)
        request.begun, request.restored = dict(resumed), restored
        self._launch(ActiveRun(request, docs, progress, stored=True, resumed=resumed))


def planned_blocks(ev) -> list:
    """A page's blocks as the run records them when its layout is known (before any is read)."""
    from glmocr_desktop.core.layout import IMAGE
    from glmocr_desktop.core.regions import WHOLE_PAGE
    from glmocr_desktop.core.store.runs import RunBlock

    if ev.fallback:
        return [RunBlock(0, Task.TEXT.value, "text", Task.TEXT, WHOLE_PAGE)]
    return [RunBlock(b.order, IMAGE if b.task is None else b.task.value, b.native_label, b.task, b.region)
            for b in ev.blocks]  # fmt: skip


def _bare_copy(page: PageInput) -> PageInput:
    """A page for an export thread: its own block objects (it adds crops and the page image to them)."""
    from dataclasses import replace

    return replace(page, blocks=[replace(b) for b in page.blocks], image=None)
