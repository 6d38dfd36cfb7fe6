"""What the user does with results: copy, copy as, save, remove from the list, delete from the history,
run a region again; and the page's region selected with its result."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Slot
from PySide6.QtWidgets import QFileDialog

from glmocr_desktop.core.jobs import JobState, new_id
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui import clipboard, dialogs
from glmocr_desktop.gui.controllers.persistence import result_of
from glmocr_desktop.gui.controllers.undo import RemoveResult, SourceEdit
from glmocr_desktop.gui.worker import Request

if TYPE_CHECKING:
    from glmocr_desktop.gui.main_window import MainWindow
    from glmocr_desktop.gui.result_pane import ResultEntry


class ResultCommands(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        res = window.results
        res.save_requested.connect(self.save_results)
        res.selection_changed.connect(self._on_result_selected)
        res.text_edited.connect(window.persistence.job_finished)
        res.source_edited.connect(self._on_source_edited)
        res.remove_requested.connect(self._remove_entry)
        res.rerun_requested.connect(self.run_again)
        res.finished.connect(self._auto_copy)

    # --- removing -------------------------------------------------------------------------------
    @Slot(object)
    def _remove_entry(self, entry: ResultEntry) -> None:
        self.remove_result(entry)

    def remove_result(self, entry: ResultEntry | None = None) -> bool:
        """Take the selected result off the list (Del in the list, the trash button); the store keeps it
        and Undo brings it back."""
        w = self.w
        entry = entry or w.results.current()
        if entry is None or entry.state.active:
            w.show_message(self.tr("Select a finished result to remove it from the list."))
            return False
        w.undo.push(RemoveResult(w.results, entry))
        if w.persistence.store is not None:
            text = self.tr("Removed {label} from the list (the history keeps it; Undo brings it back)")
        else:
            text = self.tr("Removed {label} from the list (Undo brings it back)")
        w.show_message(text.format(label=entry.label))
        return True

    def delete_result_from_history(self) -> bool:
        """Delete the selected result from the history for good, after asking."""
        w = self.w
        entry = w.results.current()
        if entry is None or entry.state.active:
            w.show_message(self.tr("Select a finished result to delete it from the history."))
            return False
        if w.persistence.store is None or entry.meta.get("store_id") is None:
            w.show_message(self.tr("{label} is not in the history (Del removes it from the list).")
                           .format(label=entry.label))  # fmt: skip
            return False
        if not dialogs.confirm_delete_from_history(w, entry.label):
            return False
        w.persistence.result_deleted(entry)
        w.results.remove(entry)
        w.show_message(self.tr("Deleted {label} from the history").format(label=entry.label))
        return True

    @Slot(object, str, bool)
    def _on_source_edited(self, entry: ResultEntry, text: str, edited: bool) -> None:
        self.w.undo.push(SourceEdit(self.w.results, entry, (text, edited), (entry.text, entry.edited)))

    # --- copying --------------------------------------------------------------------------------
    @Slot(object)
    def _auto_copy(self, entry: ResultEntry) -> None:
        """Edit > Copy Each Result When Done: a result that finished well goes to the clipboard."""
        if self.w.settings.auto_copy and entry.state is JobState.DONE and entry.text:
            self.w.results.copy_as(None, entry)

    def copy_result(self) -> bool:
        return self.w.results.copy_natural()

    def copy_options(self) -> list[tuple[str, str]]:
        entry = self.w.results.current()
        return [] if entry is None else list(clipboard.copy_options(entry.task, entry.text))

    def copy_as(self, key: str) -> None:
        self.w.results.copy_as(key)

    # --- saving ---------------------------------------------------------------------------------
    def document_to_save(self) -> Any:
        """The document Save writes: the one shown, else the one of the selected result."""
        st = self.w.current
        return st.doc if st is not None else self.w.results.document_of_row()

    def save_results(self, document: Any = None) -> None:
        """Save one document's results (the latest run of each region), in a file named after it."""
        w = self.w
        document = document or self.document_to_save()
        entries = [e for e in w.results.document_entries(document) if e.text] if document is not None else []
        if not entries:
            w.show_message(self.tr("There is no result of this document to save yet.") if document is not None
                           else self.tr("There is no result to save yet."))  # fmt: skip
            return
        stem = Path(str(getattr(document, "name", "") or "results")).stem or "results"
        start = str(Path(w.settings.last_dir or Path.home()) / f"{stem}.md")
        path, chosen = QFileDialog.getSaveFileName(w, self.tr("Save results of {name}").format(name=stem), start,
                                                   self.tr("Markdown (*.md);;JSON (*.json)"))  # fmt: skip
        if path:
            fmt = "json" if path.lower().endswith(".json") or "JSON" in chosen else "md"
            self.save_results_to(path, fmt, document)

    def save_results_to(self, path: str, fmt: str, document: Any = None) -> None:
        """Write ``document``'s results (every listed result when None) to ``path``: Markdown under the
        document's name with a heading per page, or JSON."""
        from glmocr_desktop.core.exports import atomic_write_text, result_markdown, save_result

        w = self.w
        entries = w.results.document_entries(document) if document is not None else w.results.entries
        entries = sorted((e for e in entries if e.text), key=lambda e: (e.page, self._reading_place(e)))
        results = [result_of(e) for e in entries]
        try:
            if fmt == "md" and document is not None:
                atomic_write_text(path, document_markdown(str(getattr(document, "name", "")), entries,
                                                          [result_markdown(r) for r in results]))  # fmt: skip
            else:
                save_result(path, results, fmt)
        except Exception as exc:
            w.show_message(self.tr("Could not save {path}: {error}").format(path=path, error=exc),
                           error=True, dialog=True)  # fmt: skip
            return
        w.show_message(self.tr("Saved %n result(s) to {path}", "", len(results)).format(path=path))

    def _reading_place(self, entry: ResultEntry) -> int:
        """The entry's region's place in its page's reading order (whole-page results first)."""
        st = next((d for d in self.w.docs if d.doc is entry.document), None)
        specs = st.regions.get(entry.page, []) if st is not None else []
        return next((i + 1 for i, spec in enumerate(specs) if spec.id == entry.spec_id), 0)

    # --- the region of a result -----------------------------------------------------------------
    @Slot(object)
    def _on_result_selected(self, entry: ResultEntry | None) -> None:
        st = self.w.current
        if entry is None or st is None or entry.document is not st.doc or entry.page != st.page:
            return
        for spec in st.regions.get(st.page, []):
            if spec.id == entry.spec_id:
                self.w.view.select_spec(spec)

    @Slot(object, int)
    def run_again(self, entry: Any, limit: int) -> list[Request]:
        """Read a cut result's region again, with its task and template, with the token limit ``limit``;
        the new result goes right after it (the banner's "Run again with more tokens")."""
        w = self.w
        st = next((d for d in w.docs if entry.document is not None and d.doc is entry.document), None)
        if st is None:
            w.show_message(self.tr("Open its document again to run this result again."))
            return []
        req = entry.meta.get("request")
        if req is None:  # a result from the history: its region, read as it was
            spec = next((s for s in st.regions.get(entry.page, []) if s.id == entry.spec_id), None)
            template = (spec.template if spec else None) or w.regions.template()
            req = Request(document=st.doc, page=entry.page, region=entry.meta.get("region"), task=entry.task,
                          template=template if entry.task is Task.EXTRACT else None,
                          rotation=st.rotation.get(entry.page, 0), dpi=w.settings.render_dpi,
                          label=entry.label, spec_id=entry.spec_id)  # fmt: skip
        again = dataclasses.replace(req, id=new_id(), max_new_tokens=limit,
                                    label=f"{req.label.split(' · again')[0]} · again, {limit:,} tokens")  # fmt: skip
        reqs = w.runs.submit([again], batch=False, after=entry)
        w._update_actions()
        return reqs


def document_markdown(name: str, entries: list[ResultEntry], parts: list[str]) -> str:
    """One document's results as Markdown: its name as the title, a heading for each page when it has
    several, each result's Markdown (``parts``, one per entry) in reading order."""
    pages = {e.page for e in entries}
    out = [f"# {name}"] if name else []
    page = None
    for entry, part in zip(entries, parts):
        if len(pages) > 1 and entry.page != page:
            page = entry.page
            out.append("## " + QCoreApplication.translate("ResultCommands", "Page {n}").format(n=page + 1))
        if part:
            out.append(part)
    return "\n\n".join(out) + "\n"
