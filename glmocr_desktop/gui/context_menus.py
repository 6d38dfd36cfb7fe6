"""Right-click menus on the page, the document list and the result list, with what people expect there:
run, copy, copy as, run again, save, export, show in folder, remove, delete.

Each menu is built when asked (``page_menu``, ``document_menu``, ``result_menu``: tests read them) and
popped up without a nested event loop; it deletes itself once closed. They reuse the window's actions,
so a menu entry, its menu-bar twin and its key do the same thing.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu

from glmocr_desktop.gui import clipboard
from glmocr_desktop.gui.result_pane import rerun_limit, token_limit

if TYPE_CHECKING:
    from glmocr_desktop.gui.main_window import MainWindow
    from glmocr_desktop.gui.result_pane import ResultEntry


def show_in_folder(path: str | Path) -> bool:
    """Open the file manager on the folder that holds ``path``."""
    folder = Path(path).parent
    return folder.is_dir() and QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class ContextMenus(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.menu: QMenu | None = None  # the menu last shown
        for widget, slot in ((window.doc_list, self._on_document_menu), (window.results.list, self._on_result_menu)):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            widget.customContextMenuRequested.connect(slot)
        window.view.page_menu_requested.connect(self._on_page_menu)

    def _popup(self, menu: QMenu, pos: QPoint) -> QMenu:
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(pos)
        self.menu = menu
        return menu

    # --- the page -------------------------------------------------------------------------------
    def page_menu(self) -> QMenu:
        a = self.w.action_set
        menu = QMenu(self.w)
        menu.setObjectName("pageMenu")
        for act in (a.act_run, a.act_run_page, a.act_run_whole):
            menu.addAction(act)
        whole = menu.addMenu(self.tr("Run Whole Page &As"))
        for act in a.whole_page_actions.values():
            whole.addAction(act)
        menu.addSeparator()
        for act in (a.act_whole, a.act_detect, a.act_paste):
            menu.addAction(act)
        menu.addAction(self.tr("Copy Page &Image"), self.copy_page_image)
        menu.addSeparator()
        for act in (a.act_rotate, a.act_fit_page, a.act_fit_width):
            menu.addAction(act)
        return menu

    @Slot(QPoint)
    def _on_page_menu(self, pos: QPoint) -> None:
        self._popup(self.page_menu(), pos)

    def copy_page_image(self) -> bool:
        """The shown page's picture, as rendered for the screen, on the clipboard."""
        page = self.w.view.page
        pixmap = page.pixmap_item.pixmap() if page is not None else None
        if pixmap is None or pixmap.isNull():
            self.w.show_message(self.tr("The page's picture is not ready yet."))
            return False
        QGuiApplication.clipboard().setPixmap(pixmap)
        self.w.show_message(self.tr("Copied the page's picture"))
        return True

    # --- documents ------------------------------------------------------------------------------
    def document_menu(self) -> QMenu:
        """The current document's menu (a right-click makes the clicked document the current one)."""
        w, a = self.w, self.w.action_set
        st = w.current
        menu = QMenu(w)
        menu.setObjectName("documentMenu")
        menu.addAction(a.act_run_doc)
        menu.addAction(a.act_export_doc)
        save = menu.addAction(self.tr("&Save Results…"), w.save_results)
        save.setEnabled(st is not None and any(e.text for e in w.results.document_entries(st.doc)))
        menu.addSeparator()
        path = Path(st.path) if st is not None and st.path else None
        on_disk = path is not None and path.exists()
        folder = menu.addAction(self.tr("Show in &Folder"), lambda: path is not None and show_in_folder(path))
        folder.setEnabled(on_disk)
        copy_path = menu.addAction(self.tr("Copy &Path"), lambda: clipboard.put_on_clipboard({"text/plain": str(path)}))
        copy_path.setEnabled(on_disk)
        menu.addSeparator()
        menu.addAction(a.act_close_doc)
        return menu

    @Slot(QPoint)
    def _on_document_menu(self, pos: QPoint) -> None:
        item = self.w.doc_list.itemAt(pos)
        if item is None:
            return
        self.w.doc_list.setCurrentItem(item)
        self._popup(self.document_menu(), self.w.doc_list.viewport().mapToGlobal(pos))

    # --- results --------------------------------------------------------------------------------
    def result_menu(self) -> QMenu:
        """The selected result's menu; a document's row gets its Save and Export."""
        w, a = self.w, self.w.action_set
        entry = w.results.current()
        menu = QMenu(w)
        menu.setObjectName("resultMenu")
        if entry is None:
            document = w.results.document_of_row()
            save = menu.addAction(self.tr("&Save Results of This Document…"), lambda: w.save_results(document))
            save.setEnabled(document is not None)
            return menu
        copy = menu.addAction(a.act_copy.icon(), self.tr("&Copy"), w.results.copy_natural)
        copy.setEnabled(bool(entry.text))
        copy_as = menu.addMenu(self.tr("Copy &As"))
        for key, label in clipboard.copy_options(entry.task, entry.text):
            copy_as.addAction(label, partial(w.results.copy_as, key, entry))
        copy_as.setEnabled(bool(entry.text))
        menu.addSeparator()
        self._add_run_again(menu, entry)
        show = menu.addAction(self.tr("Show on &Page"), lambda: self.show_on_page(entry))
        show.setEnabled(any(d.doc is entry.document for d in w.docs))
        menu.addSeparator()
        menu.addAction(self.tr("&Save Results of This Document…"), lambda: w.save_results(entry.document))
        menu.addSeparator()
        menu.addAction(a.act_remove_result)
        menu.addAction(a.act_delete_history)
        return menu

    def _add_run_again(self, menu: QMenu, entry: ResultEntry) -> None:
        finished = not entry.state.active
        limit = token_limit(entry)
        again = menu.addAction(self.tr("Run &Again"), lambda: self.w.run_again(entry, limit))
        again.setEnabled(finished)
        more = rerun_limit(entry)
        if more is not None and more > token_limit(entry):
            bigger: int = more
            menu.addAction(self.tr("Run Again with &More Tokens ({n:,})").format(n=bigger),
                           lambda: self.w.run_again(entry, bigger))  # fmt: skip

    def show_on_page(self, entry: ResultEntry) -> bool:
        """Bring the result's document and page up, its region selected."""
        w = self.w
        st = next((d for d in w.docs if d.doc is entry.document), None)
        if st is None:
            return False
        w.doc_list.setCurrentRow(w.docs.index(st))
        w.show_page(entry.page)
        spec = next((s for s in st.regions.get(entry.page, []) if s.id == entry.spec_id), None)
        w.view.select_spec(spec)
        return True

    @Slot(QPoint)
    def _on_result_menu(self, pos: QPoint) -> Any:
        tree = self.w.results.list
        item = tree.itemAt(pos)
        if item is None:
            return None
        tree.setCurrentItem(item)
        return self._popup(self.result_menu(), tree.viewport().mapToGlobal(pos))
