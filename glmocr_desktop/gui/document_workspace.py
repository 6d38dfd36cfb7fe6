"""The window's whole-document parts put together: Run Document and Export Document, the progress
panel, the assembled document view, and the mapping between the view's blocks and the page's regions.

:class:`DocumentRuns` (a controller, no widgets) does the work; this module only builds the docks and
dialogs and connects them, so the main window adds one object.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer, Slot
from PySide6.QtWidgets import QFileDialog

from glmocr_desktop.gui.controllers.document_runs import DocOutput, DocumentRuns, doc_key
from glmocr_desktop.gui.document_view import DocumentView, RegionHighlight, page_fraction
from glmocr_desktop.gui.page_view import MIN_DRAG_PX
from glmocr_desktop.gui.progress_panel import ProgressPanel

if TYPE_CHECKING:  # pragma: no cover
    from glmocr_desktop.gui.main_window import MainWindow

#: File dialog filters of Export Document (in English; shown translated), and the format each one writes.
EXPORT_FILTERS = {
    QT_TRANSLATE_NOOP("DocumentWorkspace", "Markdown, pictures in a folder beside it (*.md)"): "md",
    QT_TRANSLATE_NOOP("DocumentWorkspace", "JSON, the GLM-OCR SDK's layout (*.json)"): "json",
    QT_TRANSLATE_NOOP("DocumentWorkspace", "Word (*.docx)"): "docx",
    QT_TRANSLATE_NOOP("DocumentWorkspace", "Searchable PDF (*.pdf)"): "pdf",
}


def export_filters() -> dict[str, str]:
    """The filters as the file dialog shows them (in the window's language), and their formats."""
    return {QCoreApplication.translate("DocumentWorkspace", str(name)): fmt for name, fmt in EXPORT_FILTERS.items()}


class DocumentWorkspace(QObject):
    def __init__(self, window: MainWindow, preview_factory: Callable | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.controller = DocumentRuns(window.runs, window.documents, window.results, window.persistence,
                                       lambda: window.settings, window)  # fmt: skip
        c = self.controller
        self.panel = ProgressPanel(window)
        self.view = DocumentView(preview_factory, window)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.view)
        self.panel.hide()
        self.view.hide()
        self.highlight = RegionHighlight()
        c.message.connect(window.show_message)
        c.status.connect(window.state_label.setText)
        c.progress.connect(self.panel.show_progress)
        c.document_changed.connect(self._on_document_changed)
        c.state_changed.connect(window._update_actions)
        self.panel.pause_requested.connect(c.pause)
        self.panel.resume_requested.connect(c.resume_run)
        self.panel.cancel_requested.connect(c.cancel)
        self.view.block_clicked.connect(self.show_block_region)
        window.documents.current_changed.connect(self._on_current_changed)
        self._press: QPoint | None = None
        window.view.viewport().installEventFilter(self)
        for dock, key in ((self.panel, "Ctrl+Shift+P"), (self.view, "Ctrl+Shift+M")):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(key)
            window.action_set.view_menu.addAction(toggle)

    # --- commands ----------------------------------------------------------------------------------
    def run_document(self) -> bool:
        """Ask what to read (this document, a range, every open document) and start."""
        from glmocr_desktop.gui.run_document_dialog import ALL_DOCUMENTS, PAGE_RANGE, RunDocumentDialog

        w = self.window
        st = w.current
        if st is None:
            w.show_message(self.tr("Open a document first."))
            return False
        dlg = RunDocumentDialog(st.name, st.page_count, len(w.docs), w)
        if dlg.exec() != dlg.DialogCode.Accepted:
            return False
        if dlg.scope == ALL_DOCUMENTS:
            return self.start(list(w.docs))
        return self.start([st], {id(st): dlg.pages} if dlg.scope == PAGE_RANGE else None)

    def start(self, docs, pages=None) -> bool:
        started = self.controller.start(docs, pages)
        if started:
            self.view.ensure_preview()  # its page loads while the first page is read
            self.panel.show()
            self.panel.raise_()
            QTimer.singleShot(0, self._size_docks)
        return started

    @Slot()
    def _size_docks(self) -> None:
        """Docks just shown get room for what they hold: the panel its few lines, the document a third."""
        w = self.window
        if self.panel.isVisible():
            w.resizeDocks([self.panel], [self.panel.widget().sizeHint().height() + 28], Qt.Orientation.Vertical)
        if self.view.isVisible() and self.view.width() < 380:
            w.resizeDocks([self.view], [max(420, w.width() // 3)], Qt.Orientation.Horizontal)

    def export_document(self) -> bool:
        w = self.window
        st = w.current
        if st is None or self.controller.output_for(st) is None:
            w.show_message(self.tr("Run Document first: there is no assembled document to export yet."), dialog=True)
            return False
        start = str(Path(w.settings.last_dir or Path.home()) / f"{Path(st.name).stem}.md")
        filters = export_filters()
        path, chosen = QFileDialog.getSaveFileName(w, self.tr("Export document"), start, ";;".join(filters))
        if not path:
            return False
        fmt = filters.get(chosen) or Path(path).suffix.lstrip(".").lower() or "md"
        if not Path(path).suffix:
            path += f".{fmt}"
        w.settings.last_dir = str(Path(path).parent)
        return self.controller.export(st, path, fmt)

    # --- the assembled view ------------------------------------------------------------------------
    @Slot(object)
    def _on_document_changed(self, out: DocOutput) -> None:
        current = self.window.current
        if current is not None and doc_key(current) == doc_key(out.st):
            self.view.set_blocks(doc_key(out.st), out.blocks_html())
            if not self.view.isVisible():
                self.view.show()
                QTimer.singleShot(0, self._size_docks)

    @Slot(object)
    def _on_current_changed(self, st) -> None:
        self.highlight.clear()
        out = self.controller.output_for(st)
        if out is None:
            self.view.clear()
        else:
            self.view.set_blocks(doc_key(st), out.blocks_html())

    @Slot(int, int)
    def show_block_region(self, page: int, block: int) -> list:
        """A block of the view was clicked: its regions are outlined on its page (turned to if need be)."""
        w = self.window
        st = w.current
        out = self.controller.output_for(st)
        if out is None or page not in out.assembled:
            return []
        blocks = out.assembled[page].blocks
        if not 0 <= block < len(blocks):
            return []
        if st.page != page:
            w.show_page(page)
        regions = blocks[block].regions
        for spec in st.regions.get(page, []):
            if spec.region in regions:
                w.view.select_spec(spec)
        return self.highlight.show(w.view, regions)

    def show_region_block(self, page: int, x: float, y: float) -> int | None:
        """A point of the page was clicked: the block under it is scrolled to in the view."""
        out = self.controller.output_for(self.window.current)
        if out is None:
            return None
        block = out.block_at(page, x, y)
        if block is not None:
            self.view.show_block(page, block)
            self.highlight.show(self.window.view, out.assembled[page].blocks[block].regions)
        return block

    def eventFilter(self, obj, event) -> bool:
        t = event.type()
        if t == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        elif t == QEvent.Type.MouseButtonRelease and self._press is not None:
            press, self._press = self._press, None
            pos = event.position().toPoint()
            st = self.window.current
            if (pos - press).manhattanLength() <= MIN_DRAG_PX and st is not None and self.view.isVisible():
                where = page_fraction(self.window.view, pos)
                if where is not None:
                    self.show_region_block(st.page, where.x(), where.y())
        return False
