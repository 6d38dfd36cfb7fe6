"""Which document and page the window shows: the document list, the page strip, turning pages, the
window title, and documents arriving, asking for a password or closing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QListWidgetItem

from glmocr_desktop import APP_NAME
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.controllers.documents import DocState
from glmocr_desktop.gui.icons import icon

if TYPE_CHECKING:
    from glmocr_desktop.gui.main_window import MainWindow


class Navigation(QObject):
    """Keeps the document list, the page strip, the page view and the status bar's page box in step with
    ``Documents``' current document and page."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        d = window.documents
        window.doc_list.currentRowChanged.connect(self._on_doc_row)
        window.thumbs.currentRowChanged.connect(self._on_thumb_row)
        d.added.connect(self._on_doc_added)
        d.focus.connect(window.doc_list.setCurrentRow)
        d.current_changed.connect(self._on_current_changed)
        d.page_image.connect(lambda _st, _page, image: window.view.set_image(image))
        d.thumb_ready.connect(self._on_thumb_ready)
        d.page_slow.connect(self._on_page_slow)
        d.password_needed.connect(self._ask_password)

    @Slot(object)
    def _on_doc_added(self, st: DocState) -> None:
        w = self.w
        item = QListWidgetItem(icon("page"), st.name)
        pages = st.page_count
        count = self.tr("1 page") if pages == 1 else self.tr("{n} pages").format(n=pages)
        item.setToolTip(f"{st.path}\n{count}")
        w.doc_list.addItem(item)
        if Path(st.path).exists():
            w.settings.add_recent(st.path)
        for entry in w.persistence.restore(st) or []:
            w.results.add(entry, select=False)
        w.doc_list.setCurrentRow(len(w.docs) - 1)

    @Slot(str, bool)
    def _ask_password(self, path: str, wrong: bool) -> None:
        name = Path(path).name
        password = dialogs.ask_password(self.w, name, wrong=wrong)
        if password:
            self.w.documents.open_path(path, password)
        else:
            self.w.show_message(self.tr("{name} was not opened (it needs a password).").format(name=name))

    def close_document(self, st: DocState | None = None) -> None:
        """Close ``st`` (the current document when None): off the list, its undo stack forgotten."""
        st = st or self.w.current
        if st is not None:
            self.w.doc_list.takeItem(self.w.documents.close_document(st))
            self.w.undo.forget(st)

    @Slot(int)
    def _on_doc_row(self, row: int) -> None:
        docs = self.w.docs
        self.w.documents.show(docs[row] if 0 <= row < len(docs) else None)

    @Slot(object)
    def _on_current_changed(self, st: DocState | None) -> None:
        w = self.w
        w.undo.activate(st)
        if st is None:
            w.thumbs.clear_pages()
            w.view.clear_page()
            w.centre.setCurrentWidget(w.empty)
            w.status.clear_page()
            w.setWindowTitle(APP_NAME)
            w._update_actions()
            return
        w.thumbs.set_pages(st.page_count, st.thumbs)
        w.setWindowTitle(f"{st.name} — {APP_NAME}")
        w.centre.setCurrentWidget(w.view)
        self.show_page(st.page)

    @Slot(int)
    def _on_thumb_row(self, row: int) -> None:
        st = self.w.current
        if st is not None and row >= 0 and row != st.page:
            self.show_page(row)

    def go_to_page(self, index: int) -> None:
        """Page ``index`` (0-based) of the current document, unless it is the one shown."""
        st = self.w.current
        if st is not None and 0 <= index < st.page_count and index != st.page:
            self.show_page(index)

    def go_page(self, step: int) -> None:
        st = self.w.current
        if st is not None:
            self.show_page(min(max(0, st.page + step), st.page_count - 1))

    def show_page(self, index: int) -> None:
        w = self.w
        st = w.current
        size = w.documents.turn_to(index) if st is not None else None
        if st is None or size is None:
            return
        w.view.new_task = w.current_task()
        w.view.set_page(size, st.thumbs.get(index), st.regions.setdefault(index, []), st.rotation.get(index, 0))
        w.regions.page_shown()
        w.thumbs.select_quietly(index)
        w.status.show_page(index, st.page_count)
        w.status.show_zoom(w.view.zoom())
        w._update_actions()

    @Slot(object, int, bool)
    def _on_page_slow(self, st: DocState, page: int, slow: bool) -> None:
        if st is self.w.current:
            self.w.thumbs.mark_slow(page, slow)

    @Slot(object, int, QImage)
    def _on_thumb_ready(self, st: DocState, page: int, image: QImage) -> None:
        w = self.w
        if st is not w.current:
            return
        w.thumbs.set_thumb(page, image)
        if page == st.page and w.view.page is not None and w.view.page.pixmap_item.pixmap().isNull():
            w.view.set_image(image)
