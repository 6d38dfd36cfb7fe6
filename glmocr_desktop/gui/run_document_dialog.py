"""Run Document: which pages to read, all of this document, a page range, or every open document."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

ALL_PAGES, PAGE_RANGE, ALL_DOCUMENTS = "all", "range", "documents"


class RunDocumentDialog(QDialog):
    def __init__(self, name: str, page_count: int, open_documents: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Run Document"))
        self.page_count = page_count
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("Pages with regions are read in their regions; the others through the "
                                     "layout model (or whole when it is not installed).")))  # fmt: skip
        self.group = QButtonGroup(self)
        every = (self.tr("All 1 page of {0}") if page_count == 1 else
                 self.tr("All %n pages of {0}", "", page_count))  # fmt: skip
        self.all_pages = QRadioButton(every.format(name))
        self.range = QRadioButton(self.tr("Pages:"))
        self.range_edit = QLineEdit()
        self.range_edit.setPlaceholderText(self.tr("e.g. 1-3,7 (1 to {0})").format(page_count))
        self.documents = QRadioButton(self.tr("Every open document ({0})").format(open_documents))
        self.documents.setEnabled(open_documents > 1)
        row = QHBoxLayout()
        row.addWidget(self.range)
        row.addWidget(self.range_edit, 1)
        for i, b in enumerate((self.all_pages, self.range, self.documents)):
            self.group.addButton(b, i)
        lay.addWidget(self.all_pages)
        lay.addLayout(row)
        lay.addWidget(self.documents)
        self.error = QLabel("")
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        self.all_pages.setChecked(True)
        self.range_edit.textEdited.connect(lambda _t: self.range.setChecked(True))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Run"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.pages: list[int] | None = None

    @property
    def scope(self) -> str:
        if self.documents.isChecked():
            return ALL_DOCUMENTS
        return PAGE_RANGE if self.range.isChecked() else ALL_PAGES

    def _accept(self) -> None:
        if self.scope == PAGE_RANGE:
            from glmocr_desktop.core.documents import parse_page_range
            from glmocr_desktop.core.errors import PageRangeError

            try:
                self.pages = parse_page_range(self.range_edit.text(), self.page_count)
            except PageRangeError as exc:
                self.error.setText(str(exc))
                return
        self.accept()
