"""The result pane: results grouped by document, a region's re-runs as versions under its latest, with a
live preview and editable source."""

from __future__ import annotations

import functools
import html
import json
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from glmocr_desktop.core.extraction import flatten_fields
from glmocr_desktop.core.jobs import JobState, Result
from glmocr_desktop.core.tasks import DEFAULT_MAX_NEW_TOKENS, Task
from glmocr_desktop.gui import clipboard
from glmocr_desktop.gui.icons import icon
from glmocr_desktop.gui.page_view import TASK_COLOURS

#: A result's state as its row says it (shown translated).
STATE_TEXT = {
    JobState.QUEUED: QT_TRANSLATE_NOOP("ResultPane", "queued"),
    JobState.RUNNING: QT_TRANSLATE_NOOP("ResultPane", "running"),
    JobState.DONE: QT_TRANSLATE_NOOP("ResultPane", "done"),
    JobState.CANCELLED: QT_TRANSLATE_NOOP("ResultPane", "stopped"),
    JobState.INTERRUPTED: QT_TRANSLATE_NOOP("ResultPane", "stopped"),
    JobState.ERROR: QT_TRANSLATE_NOOP("ResultPane", "failed"),
}


def cut_notice(result: Result | None) -> tuple[str, str] | None:
    """``(short tag, sentence)`` when the result is not all the model would have written, else None."""
    if result is None:
        return None
    if result.cut:
        return (QCoreApplication.translate("ResultPane", "loop cut"), result.cut_reason or QCoreApplication.translate(
            "ResultPane", "The model started repeating itself; the repeated part was removed."))
    if result.truncated:
        return (QCoreApplication.translate("ResultPane", "token limit reached"), result.truncated_reason or
                QCoreApplication.translate("ResultPane", "The output reached its token limit and may be incomplete."))
    return None


#: The most tokens "Run again with more tokens" asks for.
RERUN_MAX_TOKENS = 16_384


def token_limit(entry: ResultEntry) -> int:
    """The token limit the entry's run had (``meta["token_limit"]``, set when it was queued), else its
    task's default (a result from the history)."""
    return int(entry.meta.get("token_limit") or DEFAULT_MAX_NEW_TOKENS[entry.task])


def rerun_limit(entry: ResultEntry | None) -> int | None:
    """The limit a re-run of a cut result gets: twice the one it reached (up to 16,384) when the token
    limit ended it, the same one after a loop cut; None when there is nothing to re-run it for."""
    if entry is None or entry.state.active or entry.result is None:
        return None
    limit = token_limit(entry)
    if entry.result.cut:
        return limit
    if entry.result.truncated and limit < RERUN_MAX_TOKENS:
        return min(2 * limit, RERUN_MAX_TOKENS)
    return None


@dataclass(eq=False)
class ResultEntry:
    id: str
    label: str
    task: Task
    text: str = ""
    state: JobState = JobState.QUEUED
    result: Result | None = None
    error: str = ""
    tokens: int = 0
    started: float = 0.0
    first_token: float = 0.0
    document: Any = None
    page: int = 0
    spec_id: str = ""
    edited: bool = False
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.state = JobState(self.state)

    @property
    def extraction(self) -> Any:
        if self.result is not None and self.result.extraction is not None and not self.edited:
            return self.result.extraction
        if self.task is not Task.EXTRACT:
            return None
        try:
            from glmocr_desktop.core.extraction import parse_extraction

            parsed = parse_extraction(self.text)
            return getattr(parsed, "data", parsed) if not isinstance(parsed, tuple) else parsed[0]
        except Exception:
            try:
                return json.loads(self.text)
            except ValueError:
                return None

    def tokens_per_s(self) -> float:
        if self.result is not None and self.result.timings.tokens_per_s:
            return self.result.timings.tokens_per_s
        if self.tokens > 1 and self.first_token:
            dt = time.monotonic() - self.first_token
            return (self.tokens - 1) / dt if dt > 0 else 0.0
        return 0.0


def flatten(data: Any) -> list[tuple[str, str]]:
    return [(str(k), "" if v is None else str(v)) for k, v in flatten_fields(data)]


#: Where a tree row keeps the id of its entry ("" for a document's row).
ENTRY_ROLE = Qt.ItemDataRole.UserRole


def document_key(document: Any) -> object:
    """Results of one file group together, also across a close and a reopen (a new Document object)."""
    path = getattr(document, "path", None)
    return str(path) if path else id(document)


def document_name(document: Any) -> str:
    return str(getattr(document, "name", "") or "")


def version_key(entry: ResultEntry) -> tuple:
    """Runs of one region are versions of one result: the page's region, or the whole page read with one
    task. Results of documents not open (from the history) keep apart by their document's name."""
    if entry.spec_id:
        return (entry.page, entry.spec_id)
    region = entry.meta.get("region")
    where = entry.label.split(" · ")[0] if entry.document is None else ""
    return (where, entry.page, tuple(region) if region else None, entry.task.value)


def task_icon(task: Task) -> QIcon:
    """The task's icon in its colour, drawn in the highlighted-text colour on a selected row (a blue icon
    would vanish into a blue selection). Made once per task and palette: rows refresh on every token."""
    app = QApplication.instance()
    selected = app.palette().highlightedText().color() if isinstance(app, QApplication) else QColor("white")
    return _task_icon(task, selected.name())


@functools.lru_cache(maxsize=64)
def _task_icon(task: Task, selected: str) -> QIcon:
    out = QIcon(icon(task.value, TASK_COLOURS.get(task, QColor("#888"))))
    for size in (16, 18, 20):
        out.addPixmap(icon(task.value, selected).pixmap(size, size), QIcon.Mode.Selected)
    return out


def group_versions(entries: list[ResultEntry]) -> list[tuple[Any, list[list[ResultEntry]]]]:
    """``[(document, [versions of a region, oldest first], ...)]`` in the order each first appears."""
    docs: dict[object, tuple[Any, dict[tuple, list[ResultEntry]]]] = {}
    for e in entries:
        doc = docs.setdefault(document_key(e.document), (e.document, {}))
        doc[1].setdefault(version_key(e), []).append(e)
    return [(document, list(groups.values())) for document, groups in docs.values()]


class ResultPane(QWidget):
    """Lists results; shows the selected one rendered (PreviewView), as source, and as fields."""

    selection_changed = Signal(object)  # ResultEntry or None
    text_edited = Signal(object)  # ResultEntry whose text changed by the user (an edit, its undo): store it
    source_edited = Signal(object, str, bool)  # ResultEntry the user edited, its text and edited flag before
    message = Signal(str)
    save_requested = Signal()
    remove_requested = Signal(object)  # ResultEntry to take off the list (the trash button)
    rerun_requested = Signal(object, int)  # ResultEntry cut short, the token limit to run it again with
    finished = Signal(object)  # ResultEntry whose run settled (done, stopped, failed)

    def __init__(self, preview_factory=None, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[ResultEntry] = []
        self._by_id: dict[str, ResultEntry] = {}
        self._updating_source = False
        self._pending_edit: tuple[ResultEntry, str, bool] | None = None  # before the edit being typed

        header = QHBoxLayout()
        header.setContentsMargins(10, 6, 6, 2)
        title = QLabel(self.tr("Results"))
        f = title.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.1)
        title.setFont(f)
        header.addWidget(title)
        header.addStretch(1)
        self.copy_button = QToolButton()
        self.copy_button.setText(self.tr("Copy"))
        self.copy_button.setToolTip(self.tr("Copy the text selected in the preview, else the selected result in "
                                            "its natural format, also while it arrives (Ctrl+C)"))  # fmt: skip
        self.copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.copy_menu = QMenu(self.tr("Copy As"), self)
        self.copy_menu.aboutToShow.connect(self._fill_copy_menu)
        self.copy_button.setMenu(self.copy_menu)
        self.copy_button.clicked.connect(self.copy_natural)
        self.save_button = QToolButton()
        self.save_button.setText(self.tr("Save…"))
        self.save_button.setToolTip(self.tr("Save the shown document's results (the latest run of each region) "
                                            "as Markdown or JSON, named after it"))  # fmt: skip
        self.save_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.save_button.clicked.connect(self.save_requested)
        self.clear_button = QToolButton()
        self.clear_button.setToolTip(self.tr("Remove the selected result from the list; the history keeps it "
                                             "(Del; Undo brings it back)"))  # fmt: skip
        self.clear_button.setAccessibleName(self.tr("Remove result from list"))
        self.clear_button.clicked.connect(self._remove_current)
        for b in (self.copy_button, self.save_button, self.clear_button):
            b.setAutoRaise(True)
            b.setIconSize(QSize(18, 18))
            header.addWidget(b)

        self.list = QTreeWidget()
        self.list.setObjectName("resultList")
        self.list.setHeaderHidden(True)
        self.list.setUniformRowHeights(True)
        self.list.setIndentation(14)
        self.list.currentItemChanged.connect(self._on_row)
        self._items: dict[str, QTreeWidgetItem] = {}  # entry id -> its row
        self._head_items: dict[object, QTreeWidgetItem] = {}  # document key -> its row
        self._latest: dict[tuple, str] = {}  # (document key, version key) -> the latest entry's id
        self._rebuilding = False
        self.empty_hint = QLabel(
            self.tr("No results yet.\nDraw a region on the page (Ctrl+A: whole page), pick a task (1-4)\n"
                    "and press Run (Ctrl+Enter)."),
            self.list.viewport(),
        )
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)  # translations run longer than the English lines
        self.empty_hint.setEnabled(False)  # drawn in the palette's disabled (muted) colour
        self.list.viewport().installEventFilter(self)

        from glmocr_desktop.gui.preview import PreviewView

        self.preview = (preview_factory or PreviewView)()
        link_clicked = getattr(self.preview, "link_clicked", None)
        if link_clicked is not None:
            link_clicked.connect(self._open_link)
        renderer_crashed = getattr(self.preview, "renderer_crashed", None)
        if renderer_crashed is not None:  # said once per crash; the content is then shown as plain text
            renderer_crashed.connect(self.message)
        self.preview_menu: QMenu | None = None  # the preview's right-click menu last shown
        view = getattr(self.preview, "view", None)
        if view is not None:  # the preview's Copy is this pane's: the selection as Markdown, Copy As
            try:
                view.customContextMenuRequested.disconnect()
            except (RuntimeError, TypeError):
                pass
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(self._show_preview_menu)
        self.fields = QTableWidget(0, 2)
        self.fields.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.fields.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.fields.horizontalHeader().setStretchLastSection(True)
        self.fields.verticalHeader().setVisible(False)
        self.fields.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.fields.setAlternatingRowColors(True)
        self.fields.hide()
        preview_split = QSplitter(Qt.Orientation.Horizontal)
        preview_split.addWidget(self.fields)
        preview_split.addWidget(self.preview)
        preview_split.setStretchFactor(0, 1)
        preview_split.setStretchFactor(1, 1)

        self.source = QPlainTextEdit()
        self.source.setObjectName("source")
        self.source.setPlaceholderText(self.tr("The recognised text appears here; edit it and the preview follows."))
        mono = self.source.font()
        mono.setFamily("monospace")
        mono.setStyleHint(mono.StyleHint.Monospace)
        self.source.setFont(mono)
        self.source.textChanged.connect(self._on_source_changed)
        self._rerender = QTimer(self)
        self._rerender.setSingleShot(True)
        self._rerender.setInterval(250)
        self._rerender.timeout.connect(self._render_current)

        self.cut_box = QFrame()
        self.cut_box.setObjectName("cutBanner")
        self.set_dark(False)
        self.cut_banner = QLabel()
        self.cut_banner.setWordWrap(True)
        self.cut_banner.setContentsMargins(8, 4, 4, 4)
        self.rerun_button = QPushButton(self.tr("Run again with more tokens"))
        self.rerun_button.setObjectName("rerunButton")
        self.rerun_button.clicked.connect(self._rerun_current)
        cut_layout = QHBoxLayout(self.cut_box)
        cut_layout.setContentsMargins(0, 2, 8, 2)
        cut_layout.addWidget(self.cut_banner, 1)
        cut_layout.addWidget(self.rerun_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.cut_box.hide()

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(preview_split, self.tr("Preview"))
        self.tabs.addTab(self.source, self.tr("Source"))

        result_box = QWidget()
        result_layout = QVBoxLayout(result_box)
        result_layout.setContentsMargins(0, 0, 0, 0)
        result_layout.setSpacing(0)
        result_layout.addWidget(self.cut_box)
        result_layout.addWidget(self.tabs, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.list)
        split.addWidget(result_box)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([130, 600])
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(split, 1)
        self.refresh_icons()
        self._update_buttons()

    def set_dark(self, dark: bool) -> None:
        """The banner over the preview in the theme's colours (amber on dark, pale yellow on light)."""
        back, line, text = ("#4a3b12", "#8a6d1f", "#ffe6a3") if dark else ("#fff4ce", "#e0c060", "#5c4400")
        self.cut_box.setStyleSheet(f"#cutBanner {{ background: {back}; border-bottom: 1px solid {line}; }}"
                                   f"#cutBanner QLabel {{ color: {text}; background: transparent; }}")  # fmt: skip

    def refresh_icons(self) -> None:
        self.copy_button.setIcon(icon("copy"))
        self.save_button.setIcon(icon("save"))
        self.clear_button.setIcon(icon("delete"))

    # entries ------------------------------------------------------------------------------------
    def entry(self, entry_id: str) -> ResultEntry | None:
        return self._by_id.get(entry_id)

    def current(self) -> ResultEntry | None:
        item = self.list.currentItem()
        return self._by_id.get(item.data(0, ENTRY_ROLE) or "") if item is not None else None

    def add(self, entry: ResultEntry, select: bool = True) -> None:
        self.insert(len(self.entries), entry, select)

    def insert(self, row: int, entry: ResultEntry, select: bool = True) -> None:
        """The entry at ``row`` of the results (a re-run next to its first run, a removal undone). A result
        already listed (its document opened again) is not listed twice: it now belongs to that document."""
        known = self._by_id.get(entry.id)
        if known is not None:
            if entry.document is not None:
                known.document = entry.document
            if select:
                self.select(known)
            return
        row = min(max(0, row), len(self.entries))
        self.entries.insert(row, entry)
        self._by_id[entry.id] = entry
        if row == len(self.entries) - 1:  # the usual case: a new result, the latest of its region
            self._append_item(entry)
            if select:
                self.select(entry)
        else:
            self._rebuild(entry if select else self.current())
        self._update_buttons()

    def remove(self, entry: ResultEntry) -> None:
        """Take the entry off the list (the store is not touched)."""
        if entry.id not in self._by_id:
            return
        self._flush_edit()
        was_current = entry is self.current()
        row = self.entries.index(entry)
        self.entries.remove(entry)
        del self._by_id[entry.id]
        self._rebuild(None if was_current else self.current())
        if was_current and self.entries:  # another version of it, else the result after it
            left = self.versions(entry)
            self.select(left[-1] if left else self.entries[min(row, len(self.entries) - 1)])
        if not self.entries:
            self._show(None)
        self._update_buttons()

    def clear(self) -> None:
        self.entries.clear()
        self._by_id.clear()
        self._rebuild(None)
        self._show(None)

    # the tree ----------------------------------------------------------------------------------
    def versions(self, entry: ResultEntry) -> list[ResultEntry]:
        """Every run of the entry's region, oldest first (the entry itself among them)."""
        key, doc = version_key(entry), document_key(entry.document)
        return [e for e in self.entries if version_key(e) == key and document_key(e.document) == doc]

    def document_entries(self, document: Any) -> list[ResultEntry]:
        """The latest version of each of ``document``'s results, in the order they were first run."""
        for doc, groups in group_versions(self.entries):
            if document_key(doc) == document_key(document):
                return [versions[-1] for versions in groups]
        return []

    def document_of_row(self) -> Any:
        """The document of the selected row (a document's row or a result's)."""
        item = self.list.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        return item.data(0, Qt.ItemDataRole.UserRole + 1) if item is not None else None

    def show_document(self, document: Any) -> None:
        """The document now shown in the window: its results are expanded and scrolled to."""
        for item in self._heads():
            doc = item.data(0, Qt.ItemDataRole.UserRole + 1)
            if document is not None and document_key(doc) == document_key(document):
                item.setExpanded(True)
                self.list.scrollToItem(item)

    def _heads(self) -> list[QTreeWidgetItem]:
        """The documents' rows."""
        items = (self.list.topLevelItem(i) for i in range(self.list.topLevelItemCount()))
        return [item for item in items if item is not None]

    def _rebuild(self, keep: ResultEntry | None) -> None:
        """The tree again from ``entries`` (dozens of rows: cheap), ``keep`` selected."""
        collapsed = {document_key(h.data(0, Qt.ItemDataRole.UserRole + 1)) for h in self._heads() if not h.isExpanded()}
        before = self.current()
        self._rebuilding = True
        self.list.clear()
        self._items.clear()
        self._head_items.clear()
        self._latest.clear()
        for document, groups in group_versions(self.entries):
            head = self._new_head(document)
            for versions in groups:
                latest = self._new_item(versions[-1], head)
                self._latest[(document_key(document), version_key(versions[-1]))] = versions[-1].id
                for older in reversed(versions[:-1]):
                    self._new_item(older, latest)
                if len(versions) > 1:
                    self._refresh_item(versions[-1])  # "· n versions"
            head.setExpanded(document_key(document) not in collapsed)
        self._rebuilding = False
        item = self._items.get(keep.id) if keep is not None else None
        if item is not None and keep is before:  # still the one shown: nothing to show again
            self.list.blockSignals(True)
            self.list.setCurrentItem(item)
            self.list.blockSignals(False)
        elif item is not None:
            self.list.setCurrentItem(item)
        elif before is not None:
            self._on_row()

    def _new_head(self, document: Any) -> QTreeWidgetItem:
        head = QTreeWidgetItem([document_name(document) or self.tr("Other results")])
        head.setData(0, ENTRY_ROLE, "")
        head.setData(0, Qt.ItemDataRole.UserRole + 1, document)
        head.setIcon(0, icon("page"))
        bold = QFont(head.font(0))
        bold.setBold(True)
        head.setFont(0, bold)
        self.list.addTopLevelItem(head)
        head.setExpanded(True)
        self._head_items[document_key(document)] = head
        return head

    def _append_item(self, entry: ResultEntry) -> None:
        """The newest entry into the tree without building it again (a 500-page run adds 500 of them): under
        its document, as the latest version of its region, the one it replaces moved under it."""
        doc = document_key(entry.document)
        head = self._head_items.get(doc) or self._new_head(entry.document)
        key = (doc, version_key(entry))
        before = self._items.get(self._latest.get(key, ""))
        self._latest[key] = entry.id
        if before is None:
            self._new_item(entry, head)
            return
        current = self.list.currentItem()
        self._rebuilding = True
        index = head.indexOfChild(before)
        head.takeChild(index)
        item = QTreeWidgetItem()
        item.setData(0, ENTRY_ROLE, entry.id)
        self._items[entry.id] = item
        head.insertChild(index, item)
        older = before.takeChildren()
        item.addChild(before)
        item.addChildren(older)
        self._rebuilding = False
        if current is not None:
            self.list.blockSignals(True)
            self.list.setCurrentItem(current)
            self.list.blockSignals(False)
        for e in (entry, self._by_id.get(before.data(0, ENTRY_ROLE) or "")):
            if e is not None:
                self._refresh_item(e)

    def row_text(self, entry: ResultEntry) -> str:
        """What the entry's row in the list says."""
        item = self._items.get(entry.id)
        return item.text(0) if item is not None else ""

    def _new_item(self, entry: ResultEntry, parent: QTreeWidgetItem) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent)
        item.setData(0, ENTRY_ROLE, entry.id)
        self._items[entry.id] = item
        self._refresh_item(entry)
        return item

    def _remove_current(self) -> None:
        entry = self.current()
        if entry is not None and not entry.state.active:
            self.remove_requested.emit(entry)

    def _rerun_current(self) -> None:
        entry = self.current()
        limit = rerun_limit(entry)
        if entry is not None and limit is not None:
            self.rerun_requested.emit(entry, limit)

    def set_text(self, entry: ResultEntry, text: str, edited: bool) -> None:
        """The entry's text as the user's edit (or its undo) has it: shown, and ``text_edited`` to store it."""
        entry.text, entry.edited = text, edited
        if entry is self.current():
            self._rerender.stop()
            self._pending_edit = None
            self._updating_source = True
            self.source.setPlainText(text)
            self._updating_source = False
            self.preview.set_text(entry.text, entry.task)
            self._show_fields(entry)
        self._refresh_item(entry)
        self.text_edited.emit(entry)

    def _refresh_item(self, entry: ResultEntry) -> None:
        item = self._items.get(entry.id)
        if item is None:
            return
        state = QCoreApplication.translate("ResultPane", str(STATE_TEXT[entry.state])) if entry.state in STATE_TEXT \
            else str(entry.state)
        extra = ""
        cut = cut_notice(entry.result) if not entry.state.active else None
        if entry.state is JobState.RUNNING and entry.tokens:
            extra = self.tr(" · {0} tokens").format(entry.tokens)
        elif entry.state is JobState.ERROR and entry.error:
            extra = f" · {entry.error.splitlines()[0][:80]}"
        elif cut is not None:
            extra = f" · {cut[0]}"
        name = document_name(entry.document)
        label = entry.label[len(name) + 3:] if name and entry.label.startswith(f"{name} · ") else entry.label
        parent = item.parent()
        if parent is not None and parent.parent() is not None:  # an earlier version
            label = self.tr("earlier run: {label}").format(label=label)
        elif item.childCount():
            extra += self.tr(" · {n} versions").format(n=item.childCount() + 1)
        item.setText(0, f"{label} — {state}{extra}")
        item.setIcon(0, task_icon(entry.task))
        item.setToolTip(0, entry.error or (cut[1] if cut else entry.label))

    def set_state(self, entry: ResultEntry, state: JobState, error: str = "") -> None:
        entry.state = JobState(state)
        entry.error = error
        if state is JobState.RUNNING and not entry.started:
            entry.started = time.monotonic()
        self._refresh_item(entry)
        if entry is self.current():
            self._show(entry)
        self._update_buttons()

    def append(self, entry: ResultEntry, delta: str, tokens: int) -> None:
        if delta and not entry.first_token:
            entry.first_token = time.monotonic()
        first_text = bool(delta) and not entry.text
        entry.text += delta
        if first_text:
            self._update_buttons()  # Copy works on what has arrived
        entry.tokens = max(entry.tokens, tokens)
        self._refresh_item(entry)
        if entry is self.current():
            if delta:
                self._updating_source = True
                cursor = self.source.textCursor()
                cursor.movePosition(QTextCursor.MoveOperation.End)
                cursor.insertText(delta)
                self._updating_source = False
            self.preview.stream_text(entry.text, entry.task)

    def finish(self, entry: ResultEntry, result: Result) -> None:
        entry.result = result
        entry.text = result.text
        entry.tokens = result.timings.generated_tokens or entry.tokens
        self.set_state(entry, JobState.of_result(result), result.error or "")
        self.finished.emit(entry)

    # showing ------------------------------------------------------------------------------------
    def select(self, entry: ResultEntry) -> None:
        item = self._items.get(entry.id)
        if item is not None:
            self.list.setCurrentItem(item)

    def _open_link(self, url) -> None:
        """A link in recognised text opens only on the user's click, after confirmation."""
        from glmocr_desktop.gui.preview import confirm_and_open

        confirm_and_open(url, self)

    def _on_row(self, *_: object) -> None:
        if self._rebuilding:
            return
        self._flush_edit()
        entry = self.current()
        self._show(entry)
        self._update_buttons()
        self.selection_changed.emit(entry)

    def _show_cut_banner(self, entry: ResultEntry | None) -> None:
        cut = cut_notice(entry.result) if entry is not None and not entry.state.active else None
        if entry is None or cut is None:
            self.cut_box.hide()
            return
        tag, sentence = cut
        self.cut_banner.setText("<b>" + html.escape(self.tr("Incomplete: {0}.").format(tag)) + "</b> "
                                + html.escape(sentence))
        limit, before = rerun_limit(entry), token_limit(entry)
        more = entry.result is not None and not entry.result.cut
        self.rerun_button.setText(self.tr("Run again with more tokens") if more else self.tr("Run again"))
        self.rerun_button.setEnabled(limit is not None)
        if limit is None:
            tip = self.tr("It already had {0:,} tokens, the most a re-run asks for ({1:,})").format(
                before, RERUN_MAX_TOKENS)
        elif more:
            tip = self.tr("Read this region again with a limit of {0:,} tokens (twice {1:,}); the new result goes "
                          "next to this one").format(limit, before)  # fmt: skip
        else:
            tip = self.tr("Read this region again (limit {0:,} tokens); the new result goes next to this "
                          "one").format(limit)  # fmt: skip
        self.rerun_button.setToolTip(tip)
        self.cut_box.show()

    def _show(self, entry: ResultEntry | None) -> None:
        self._show_cut_banner(entry)
        self._updating_source = True
        if entry is None:
            self.source.setPlainText("")
            self.source.setReadOnly(True)
            self.preview.clear()
            self.fields.hide()
        else:
            if self.source.toPlainText() != entry.text:
                self.source.setPlainText(entry.text)
            self.source.setReadOnly(entry.state.active)
            if entry.state is JobState.RUNNING:
                self.preview.stream_text(entry.text, entry.task)
            else:
                self.preview.set_text(entry.text, entry.task)
            self._show_fields(entry)
        self._updating_source = False

    def _show_fields(self, entry: ResultEntry) -> None:
        if entry.task is not Task.EXTRACT or entry.state is JobState.RUNNING:
            self.fields.setVisible(entry.task is Task.EXTRACT)
            return
        data = entry.extraction
        rows = flatten(data) if isinstance(data, (dict, list)) else []
        self.fields.setRowCount(len(rows))
        for i, (k, v) in enumerate(rows):
            self.fields.setItem(i, 0, QTableWidgetItem(k))
            self.fields.setItem(i, 1, QTableWidgetItem(v))
        self.fields.setVisible(True)

    def _on_source_changed(self) -> None:
        if self._updating_source:
            return
        entry = self.current()
        if entry is None or entry.state.active:
            return
        if self._pending_edit is None or self._pending_edit[0] is not entry:
            self._flush_edit()
            self._pending_edit = (entry, entry.text, entry.edited)
        entry.text = self.source.toPlainText()
        entry.edited = True
        self._rerender.start()

    def _flush_edit(self) -> None:
        """An edit still waiting for its re-render is reported now (the row is about to change)."""
        if self._pending_edit is not None:
            self._rerender.stop()
            self._render_current()

    def _render_current(self) -> None:
        pending, self._pending_edit = self._pending_edit, None
        entry = pending[0] if pending is not None else self.current()
        if entry is None:
            return
        if entry is self.current():
            self.preview.set_text(entry.text, entry.task)
            self._show_fields(entry)
        self.text_edited.emit(entry)
        if pending is not None and (pending[1], pending[2]) != (entry.text, entry.edited):
            self.source_edited.emit(entry, pending[1], pending[2])

    def eventFilter(self, obj, event):
        if obj is self.list.viewport() and event.type() == event.Type.Resize:
            self.empty_hint.setGeometry(self.list.viewport().rect())
        return super().eventFilter(obj, event)

    def _update_buttons(self) -> None:
        self.empty_hint.setVisible(not self.entries)
        entry = self.current()
        has = entry is not None and bool(entry.text)
        self.copy_button.setEnabled(has)
        self.save_button.setEnabled(any(e.text for e in self.entries))
        self.clear_button.setEnabled(entry is not None and not entry.state.active)

    # copying ------------------------------------------------------------------------------------
    def _fill_copy_menu(self) -> None:
        self.copy_menu.clear()
        entry = self.current()
        if entry is None:
            return
        for key, label in clipboard.copy_options(entry.task, entry.text):
            action = QAction(label, self.copy_menu)
            action.triggered.connect(lambda _=False, k=key: self.copy_as(k))
            self.copy_menu.addAction(action)

    def selected_text(self) -> str:
        """The text selected in the preview ("" when none, or when the preview cannot say)."""
        view = getattr(self.preview, "view", None)
        text = view.selectedText() if view is not None and hasattr(view, "selectedText") else ""
        return str(text or "")

    def selection_payload(self, entry: ResultEntry, selected: str) -> dict[str, str]:
        """What copying the preview's selection puts on the clipboard: its Markdown source with HTML when
        the selection covers whole lines of it (the LaTeX for a formula), else the selected text."""
        from glmocr_desktop.core.selection import source_of_selection

        if entry.task is Task.FORMULA:
            return clipboard.payload(None, entry.task, entry.text)
        source = source_of_selection(entry.text, selected) if entry.task is Task.TEXT else None
        if source is None:
            return {"text/plain": selected}
        rich = clipboard.payload("rich", Task.TEXT, source)
        return {"text/html": rich["text/html"], "text/plain": source}

    def _show_preview_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setObjectName("previewMenu")
        entry = self.current()
        copy = menu.addAction(icon("copy"), self.tr("&Copy"), self.copy_natural)
        copy.setEnabled(entry is not None and bool(entry.text))
        copy_as = menu.addMenu(self.tr("Copy &As"))
        for key, label in clipboard.copy_options(entry.task, entry.text) if entry is not None else []:
            copy_as.addAction(label, partial(self.copy_as, key, entry))
        copy_as.setEnabled(copy.isEnabled())
        page = getattr(self.preview, "page", None)
        if page is not None:
            from PySide6.QtWebEngineCore import QWebEnginePage

            menu.addAction(self.tr("Select &All"), lambda: page.triggerAction(QWebEnginePage.WebAction.SelectAll))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view = getattr(self.preview, "view", None)
        menu.popup(view.mapToGlobal(pos) if view is not None else pos)
        self.preview_menu = menu

    def copy_natural(self) -> bool:
        """Ctrl+C: the preview's selection when there is one, else the whole result (what has arrived of
        it while it streams)."""
        entry = self.current()
        selected = self.selected_text() if entry is not None and entry.text else ""
        if entry is not None and selected.strip():
            return self._put(entry, self.selection_payload(entry, selected), self.tr("the selection of "))
        return self.copy_as(None)

    def copy_as(self, key: str | None, entry: ResultEntry | None = None) -> bool:
        """Copy ``entry`` (the selected one when None) in the format ``key`` (None: its natural one)."""
        entry = entry or self.current()
        if entry is None or not entry.text:
            return False
        try:
            data = clipboard.payload(key, entry.task, entry.text, entry.extraction)
        except Exception as exc:
            self.message.emit(self.tr("Could not copy: {error}").format(error=exc))
            return False
        copied = self._put(entry, data)
        if copied and "<table" in entry.text.lower():
            from glmocr_desktop.core.tables import tables_over_budget

            if tables_over_budget(entry.text):  # never silently: say why the cells are not merged
                self.message.emit(self.tr("A table of {label} is too large to expand its merged cells; "
                                          "each cell was copied once.").format(label=entry.label))
        return copied

    def _put(self, entry: ResultEntry, data: dict[str, str], what: str = "") -> bool:
        clipboard.put_on_clipboard(data)
        kinds = ", ".join(sorted(k.split("/")[-1] for k in data))
        partial = self.tr(", so far") if entry.state.active else ""
        self.message.emit(self.tr("Copied {what}{label} ({kinds}{partial})")
                          .format(what=what, label=entry.label, kinds=kinds, partial=partial))  # fmt: skip
        return True
