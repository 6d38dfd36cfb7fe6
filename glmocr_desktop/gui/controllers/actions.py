"""Every command of the window as a QAction (text, shortcut, icon, tooltip), its menus and its toolbar.

The actions call a :class:`Commands` object (the window) and the page view; nothing here knows how a
command is carried out, so the keyboard map can be read and tested on its own.

Keys act on what has focus (:meth:`Actions.scope_shortcuts`): Del and 1-4 on the page view delete or
retask its selected regions, Del in the results list takes the selected result off the list. Undo and
Redo (Ctrl+Z; Ctrl+Shift+Z, Ctrl+Y) are the undo group's, named after what they undo.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QToolBar, QToolButton, QWidget

from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui.icons import icon
from glmocr_desktop.gui.page_view import TASK_COLOURS
from glmocr_desktop.gui.task_names import task_name

TASK_KEYS = {Task.TEXT: "1", Task.FORMULA: "2", Task.TABLE: "3", Task.EXTRACT: "4"}
THEME_MODES = ("system", "light", "dark")


class Commands(Protocol):
    """What the actions trigger (the window implements it)."""

    def open_dialog(self) -> None: ...
    def open_paths(self, paths: list[str]) -> int: ...
    def paste(self) -> bool: ...
    def snip_screen(self) -> None: ...
    def save_results(self) -> None: ...
    def close_current_document(self) -> None: ...
    def close(self) -> bool: ...
    def copy_result(self) -> bool: ...
    def rotate_page(self) -> None: ...
    def go_page(self, step: int) -> None: ...
    def add_whole_page_region(self) -> None: ...
    def delete_regions(self) -> None: ...
    def remove_result(self) -> bool: ...
    def delete_result_from_history(self) -> bool: ...
    def detect_layout_page(self) -> list: ...
    def detect_layout_document(self) -> list: ...
    def set_keep_abandoned(self, keep: bool) -> None: ...
    def merge_regions(self) -> None: ...
    def move_regions(self, step: int) -> None: ...
    def edit_template(self) -> bool: ...
    def run_selected(self) -> list: ...
    def run_page(self) -> list: ...
    def run_whole_page(self, task: Task | None = None) -> list: ...
    def run_document(self) -> bool: ...
    def export_document(self) -> bool: ...
    def cancel(self) -> None: ...
    def open_settings(self) -> None: ...
    def show_model_dialog(self) -> object: ...
    def load_model(self) -> None: ...
    def recent_files(self) -> list[str]: ...
    def clear_recent(self) -> None: ...
    def copy_options(self) -> list[tuple[str, str]]: ...
    def copy_as(self, key: str) -> None: ...
    def set_theme(self, mode: str) -> None: ...
    def set_auto_copy(self, on: bool) -> None: ...


class Actions(QObject):
    """The window's actions; ``task_chosen`` fires for keys 1-4 and the task buttons."""

    task_chosen = Signal(object)  # Task

    def __init__(self, owner: QMainWindow, commands: Commands, view) -> None:
        super().__init__(owner)
        self.owner = owner
        self.commands = commands
        c, v, A = commands, view, self._action
        self.act_open = A(self.tr("&Open…"), c.open_dialog, QKeySequence.StandardKey.Open, "open", self.tr("Open files"))
        self.act_paste = A(self.tr("&Paste Image"), c.paste, QKeySequence.StandardKey.Paste, "paste",
                           self.tr("Paste an image from the clipboard"))  # fmt: skip
        self.act_snip = A(self.tr("S&nip Screen…"), c.snip_screen, "Ctrl+Shift+S", "snip",
                          self.tr("Capture a rectangle of the screen as a new document, ready to run"))  # fmt: skip
        self.act_save = A(self.tr("&Save Results…"), c.save_results, QKeySequence.StandardKey.Save, "save",
                          self.tr("Save the shown document's results (the latest run of each region), "
                                  "named after it"))  # fmt: skip
        self.act_close_doc = A(self.tr("&Close Document"), c.close_current_document, QKeySequence.StandardKey.Close)
        self.act_quit = A(self.tr("&Quit"), c.close, QKeySequence.StandardKey.Quit)
        self.act_copy = A(self.tr("&Copy Result"), c.copy_result, QKeySequence.StandardKey.Copy, "copy",
                          self.tr("Copy the text selected in the preview, else the whole result (also while "
                                  "it is still arriving)"))  # fmt: skip
        self.act_auto_copy = A(self.tr("Copy Each Result When &Done"), c.set_auto_copy, None, None,
                               self.tr("Put every result on the clipboard as soon as it is finished"))  # fmt: skip
        self.act_auto_copy.setCheckable(True)
        names = {"system": self.tr("&System"), "light": self.tr("&Light"), "dark": self.tr("&Dark")}
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for mode in THEME_MODES:
            act = A(names[mode], lambda _=False, m=mode: c.set_theme(m), None, None,
                    self.tr("Follow the system's light or dark setting") if mode == "system" else "")  # fmt: skip
            act.setCheckable(True)
            self.theme_group.addAction(act)
            self.theme_actions[mode] = act
        self.act_zoom_in = A(self.tr("Zoom &In"), lambda: v.zoom_in(), QKeySequence.StandardKey.ZoomIn, "zoom-in")
        self.act_zoom_out = A(self.tr("Zoom &Out"), lambda: v.zoom_out(), QKeySequence.StandardKey.ZoomOut, "zoom-out")
        self.act_fit_width = A(self.tr("Fit &Width"), lambda: v.fit_width(), "Ctrl+2", "fit-width")
        self.act_fit_page = A(self.tr("Fit &Page"), lambda: v.fit_page(), "Ctrl+0", "fit-page")
        self.act_rotate = A(self.tr("&Rotate Page"), c.rotate_page, "Ctrl+R", "rotate", self.tr("Rotate the page clockwise"))
        self.act_prev = A(self.tr("Previous Page"), lambda: c.go_page(-1), "PgUp")
        self.act_next = A(self.tr("Next Page"), lambda: c.go_page(+1), "PgDown")
        self.act_whole = A(self.tr("&Whole Page Region"), c.add_whole_page_region, "Ctrl+A", "page",
                           self.tr("Make the whole page one region"))  # fmt: skip
        self.act_delete = A(self.tr("&Delete Selected Regions"), c.delete_regions, [QKeySequence.StandardKey.Delete],
                            "delete", self.tr("Delete the selected regions from the page (Undo brings them back)"))  # fmt: skip
        self.act_remove_result = A(self.tr("&Remove Result from List"), c.remove_result, [QKeySequence.StandardKey.Delete],
                                   "delete", self.tr("Take the selected result off the list; the history keeps it "
                                                     "(Undo brings it back)"))  # fmt: skip
        self.act_delete_history = A(self.tr("Delete Result from &History…"), c.delete_result_from_history, None, None,
                                    self.tr("Delete the selected result from the history for good (asks first)"))  # fmt: skip
        self.act_detect = A(self.tr("Detect &Layout"), c.detect_layout_page, "Ctrl+L", "layout",
                            self.tr("Find this page's titles, paragraphs, tables, formulas and pictures as regions"))  # fmt: skip
        self.act_detect_all = A(self.tr("Detect Layout of &Every Page"), c.detect_layout_document, "Ctrl+Shift+L",
                                "layout-all", self.tr("Find the layout of every page of the document"))  # fmt: skip
        self.act_keep_abandoned = A(self.tr("&Keep Headers, Footers and Page Numbers"), c.set_keep_abandoned, None, None,
                                    self.tr("Detect Layout also places page headers, footers, page numbers and notes"))  # fmt: skip
        self.act_keep_abandoned.setCheckable(True)
        self.act_merge = A(self.tr("&Merge Regions"), c.merge_regions, "Ctrl+M", "merge",
                           self.tr("Make the selected regions one region (their bounding box)"))  # fmt: skip
        self.act_move_earlier = A(self.tr("Move &Earlier"), lambda: c.move_regions(-1), "Alt+Up", None,
                                  self.tr("Move the selected regions earlier in the reading order"))  # fmt: skip
        self.act_move_later = A(self.tr("Move &Later"), lambda: c.move_regions(+1), "Alt+Down", None,
                                self.tr("Move the selected regions later in the reading order"))  # fmt: skip
        self.act_template = A(self.tr("Extraction &Template…"), c.edit_template, "Ctrl+T", "template",
                              self.tr("Edit the JSON template for extraction"))  # fmt: skip
        self.act_run = A(self.tr("&Run Selected"), c.run_selected, ["Ctrl+Return", "Ctrl+Enter"], "run",
                         self.tr("Recognise the selected regions"))  # fmt: skip
        self.act_run_page = A(self.tr("Run &All Regions"), c.run_page, ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
                              "run-all", self.tr("Recognise every region of this page"))  # fmt: skip
        self.act_run_whole = A(self.tr("Run &Whole Page"), lambda: c.run_whole_page(), "Ctrl+Alt+Return", "page",
                               self.tr("Recognise the whole page as text (Run Whole Page As for another task)"))  # fmt: skip
        self.whole_page_actions: dict[Task, QAction] = {
            task: A(task_name(task), lambda _=False, t=task: c.run_whole_page(t), None, task.value,
                    self.tr("Recognise the whole page with the {0} task").format(task_name(task)))
            for task in Task
        }  # fmt: skip
        self.act_run_doc = A(self.tr("Run &Document…"), c.run_document, "Ctrl+Shift+D", "run-all",
                             self.tr("Read whole documents: every page, a page range or every open document"))  # fmt: skip
        self.act_export_doc = A(self.tr("&Export Document…"), c.export_document, "Ctrl+Shift+E", "save",
                                self.tr("Save the assembled document as Markdown, JSON, Word or searchable PDF"))  # fmt: skip
        self.act_stop = A(self.tr("&Stop"), c.cancel, "Esc", "stop", self.tr("Stop recognition"))
        self.act_settings = A(self.tr("&Settings…"), c.open_settings, ["Ctrl+,"], "settings")
        self.act_model = A(self.tr("&Model…"), lambda: c.show_model_dialog(), None, None, self.tr("Choose or download the model"))
        self.act_reload = A(self.tr("&Reload Model"), c.load_model)
        self.needs_document = (self.act_zoom_in, self.act_zoom_out, self.act_fit_width, self.act_fit_page,
                               self.act_rotate, self.act_whole, self.act_run, self.act_run_page,
                               self.act_run_whole, self.act_close_doc, self.act_prev, self.act_next,
                               self.act_detect, self.act_detect_all, self.act_run_doc,
                               *self.whole_page_actions.values())  # fmt: skip

        self.task_group = QActionGroup(self)
        self.task_group.setExclusive(True)
        self.task_actions: dict[Task, QAction] = {}
        for task in Task:
            act = A(task_name(task), lambda _=False, t=task: self.task_chosen.emit(t), TASK_KEYS[task], task.value,
                    self.tr("{0}: the task for new regions; with regions selected, they are read as {0} too")
                    .format(task_name(task)))  # fmt: skip
            act.setCheckable(True)
            self.task_group.addAction(act)
            self.task_actions[task] = act

    def _action(self, text: str, slot: Callable, shortcut=None, icon_name: str | None = None,
                tip: str = "") -> QAction:  # fmt: skip
        act = QAction(text, self.owner)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                act.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                act.setShortcut(QKeySequence(shortcut))
        act.setData(icon_name)
        if tip or shortcut:
            keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            act.setToolTip(f"{tip or text.replace('&', '').rstrip('…')}" + (f"  ({keys})" if keys else ""))
        act.triggered.connect(slot)
        self.owner.addAction(act)
        return act

    # --- state -------------------------------------------------------------------------------------
    def current_task(self) -> Task:
        for task, act in self.task_actions.items():
            if act.isChecked():
                return task
        return Task.TEXT

    def show_task(self, task: Task) -> None:
        """Check the task's button (the task for new regions) without choosing it."""
        self.task_actions[task].setChecked(True)

    def scope_shortcuts(self, view: QWidget, result_list: QWidget) -> None:
        """Keys act on what has focus: Del and 1-4 on the page view, Del in the results list (whose
        context menu also offers its actions)."""
        for act, widget in ((self.act_delete, view), *((a, view) for a in self.task_actions.values()),
                            (self.act_remove_result, result_list), (self.act_delete_history, result_list)):
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.owner.removeAction(act)  # a window-wide association would make it active everywhere
            widget.addAction(act)
        result_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def install_undo(self, group: QUndoGroup) -> None:
        """Undo and Redo at the top of the Edit menu, their text naming the command ("Undo Delete Region")."""
        self.act_undo = group.createUndoAction(self.owner, self.tr("&Undo"))
        self.act_undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.act_redo = group.createRedoAction(self.owner, self.tr("&Redo"))
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for act in (self.act_undo, self.act_redo):
            self.owner.addAction(act)
        first = self.edit_menu.actions()[0]
        self.edit_menu.insertActions(first, [self.act_undo, self.act_redo])
        self.edit_menu.insertSeparator(first)

    def update(self, has_document: bool, can_stop: bool) -> None:
        for a in self.needs_document:
            a.setEnabled(has_document)
        self.act_stop.setEnabled(can_stop)

    def refresh_icons(self) -> None:
        """After a theme change: icons are drawn in the palette's colours."""
        for act in self.owner.findChildren(QAction):
            name = act.data()
            if isinstance(name, str) and name:
                act.setIcon(icon(name))
        for task, act in self.task_actions.items():
            act.setIcon(icon(task.value, TASK_COLOURS[task]))
        for button in self.owner.findChildren(QToolButton):
            name = button.property("icon_name")
            if isinstance(name, str) and name:
                button.setIcon(icon(name))

    # --- menus and toolbar -------------------------------------------------------------------------
    def build_menus(self) -> None:
        mb = self.owner.menuBar()
        for ext in mb.findChildren(QToolButton, "qt_menubar_ext_button"):  # Qt's arrow for menus that do not fit
            ext.setAccessibleName(self.tr("More menus"))
        m = mb.addMenu(self.tr("&File"))
        m.addAction(self.act_open)
        self.recent_menu = m.addMenu(self.tr("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        _add(m, (self.act_paste, self.act_snip))
        m.addSeparator()
        _add(m, (self.act_save, self.act_export_doc, self.act_close_doc))
        m.addSeparator()
        _add(m, (self.act_settings, self.act_quit))
        m = self.edit_menu = mb.addMenu(self.tr("&Edit"))
        m.addAction(self.act_copy)
        self.copy_as_menu = m.addMenu(self.tr("Copy &As"))
        self.copy_as_menu.aboutToShow.connect(self._fill_copy_as)
        m.addAction(self.act_auto_copy)
        m.addSeparator()
        _add(m, (self.act_remove_result, self.act_delete_history))
        self.view_menu = mb.addMenu(self.tr("&View"))
        _add(self.view_menu, (self.act_zoom_in, self.act_zoom_out, self.act_fit_width, self.act_fit_page,
                              self.act_rotate, self.act_prev, self.act_next))  # fmt: skip
        self.view_menu.addSeparator()
        self.theme_menu = self.view_menu.addMenu(self.tr("&Theme"))
        _add(self.theme_menu, self.theme_actions.values())
        m = mb.addMenu(self.tr("&Region"))
        _add(m, self.task_actions.values())
        m.addSeparator()
        _add(m, (self.act_detect, self.act_detect_all, self.act_keep_abandoned))
        m.addSeparator()
        _add(m, (self.act_whole, self.act_merge, self.act_move_earlier, self.act_move_later, self.act_delete,
                 self.act_template))  # fmt: skip
        m = mb.addMenu(self.tr("&Run"))
        _add(m, (self.act_run, self.act_run_page, self.act_run_whole))
        whole = m.addMenu(self.tr("Run Whole Page &As"))
        _add(whole, self.whole_page_actions.values())
        _add(m, (self.act_run_doc, self.act_stop))
        m.addSeparator()
        _add(m, (self.act_model, self.act_reload))

    def build_toolbar(self) -> QToolBar:
        tb = QToolBar(self.tr("Main"))
        tb.setObjectName("mainToolbar")
        for ext in tb.findChildren(QToolButton, "qt_toolbar_ext_button"):  # Qt's arrow for buttons that do not fit
            ext.setAccessibleName(self.tr("More tools"))
        tb.setMovable(False)
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.toolbar = tb
        self.owner.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        _add(tb, (self.act_open, self.act_paste, self.act_snip))
        tb.addSeparator()
        self.page_menu_button = self._menu_button(
            self.tr("Page view"), "fit-page", self.tr("Zoom, fit and rotate the page"),
            (self.act_zoom_in, self.act_zoom_out, self.act_fit_width, self.act_fit_page, self.act_rotate))  # fmt: skip
        tb.addWidget(self.page_menu_button)
        tb.addSeparator()
        self.new_regions_label = QLabel(self.tr(" New regions: "))
        self.new_regions_label.setToolTip(self.tr("The task buttons set the task for new regions; with regions "
                                                  "selected, they set those regions' task too (keys 1-4 on the page)"))  # fmt: skip
        tb.addWidget(self.new_regions_label)
        _add(tb, self.task_actions.values(), text_beside=True)
        tb.addAction(self.act_template)
        tb.addSeparator()
        _add(tb, (self.act_detect,), text_beside=True)
        tb.addAction(self.act_whole)
        _add(tb, (self.act_run, self.act_run_page, self.act_run_doc), text_beside=True)
        tb.addAction(self.act_stop)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().Policy.Expanding, spacer.sizePolicy().Policy.Preferred)
        tb.addWidget(spacer)
        tb.addAction(self.act_settings)
        self.act_run.setText(self.tr("Run"))
        self.act_run_page.setText(self.tr("Run all"))
        self.act_run_doc.setIconText(self.tr("Document"))
        self.act_detect.setIconText(self.tr("Layout"))
        self._compact_width = 0
        tb.installEventFilter(self)
        return tb

    def _menu_button(self, text: str, icon_name: str, tip: str, actions: Iterable[QAction]) -> QToolButton:
        """A toolbar button whose menu holds actions used less often (they keep their keys)."""
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setProperty("icon_name", icon_name)
        button.setIcon(icon(icon_name))
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(text, button)
        _add(menu, actions)
        button.setMenu(menu)
        return button

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        """A toolbar too narrow for its labels shows icons only (tooltips keep the words), so its last
        buttons never hide behind Qt's overflow arrow. The toolbar's width is the window's: showing fewer
        words never changes it, so this cannot go back and forth."""
        if obj is self.toolbar and event.type() == QEvent.Type.Resize:
            self._fit_toolbar()
        return False

    def _fit_toolbar(self) -> None:
        tb = self.toolbar
        labelled = [b for b in tb.findChildren(QToolButton) if b.property("labelled")]
        if not self._compact_width:
            self._set_labels(labelled, True)
            self._compact_width = tb.sizeHint().width()  # the width the labels need
        self._set_labels(labelled, tb.width() >= self._compact_width)

    @staticmethod
    def _set_labels(buttons: list[QToolButton], on: bool) -> None:
        style = Qt.ToolButtonStyle.ToolButtonTextBesideIcon if on else Qt.ToolButtonStyle.ToolButtonIconOnly
        for b in buttons:
            if b.toolButtonStyle() != style:
                b.setToolButtonStyle(style)

    def toolbar_overflows(self) -> bool:
        """Whether some of the toolbar's buttons are hidden behind its overflow arrow."""
        ext = self.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
        return ext is not None and ext.isVisible()

    def add_history_toggle(self, toggle: QAction) -> None:
        """The History dock's show/hide action: Ctrl+H, in the View menu and the toolbar."""
        toggle.setShortcut("Ctrl+H")
        toggle.setData("history")
        toggle.setIcon(icon("history"))
        toggle.setToolTip(self.tr("History of results (Ctrl+H)"))
        self.view_menu.addSeparator()
        self.view_menu.addAction(toggle)
        self.toolbar.insertAction(self.act_settings, toggle)
        self.owner.addAction(toggle)

    def _fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = [p for p in self.commands.recent_files() if Path(p).exists()]
        if not files:
            menu.addAction(self.tr("No recent files")).setEnabled(False)
            return
        for p in files:
            menu.addAction(Path(p).name, functools.partial(self.commands.open_paths, [p])).setToolTip(p)
        menu.addSeparator()
        menu.addAction(self.tr("Clear list"), self.commands.clear_recent)

    def _fill_copy_as(self) -> None:
        menu = self.copy_as_menu
        menu.clear()
        options = self.commands.copy_options()
        if not options:
            menu.addAction(self.tr("No result selected")).setEnabled(False)
            return
        for key, label in options:
            menu.addAction(label, functools.partial(self.commands.copy_as, key))


def _add(target: QMenu | QToolBar, actions: Iterable[QAction], text_beside: bool = False) -> None:
    for a in actions:
        target.addAction(a)
        if text_beside and isinstance(target, QToolBar):
            btn = target.widgetForAction(a)
            if isinstance(btn, QToolButton):
                btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
                btn.setProperty("labelled", True)
