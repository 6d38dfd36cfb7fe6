"""The window as used every day, driven through the scripted engine: results grouped per document with
re-runs as versions, Save per document, copying (while streaming, the preview's selection, MathML,
auto-copy), the right-click menus, the toolbar at 1229 px, the whole-window theme, the model dialog's
details, and one log line per failure."""

from __future__ import annotations

import itertools
import logging
import threading

import pytest
from fake_engine import FakeEngine
from PySide6.QtCore import QPoint, QSize
from PySide6.QtWidgets import QApplication

from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.core.regions import Region
from glmocr_desktop.core.tasks import Task
from tests.gui.test_controllers import fake_window, settings_store  # noqa: F401  (fixtures)

WAIT = 15_000


def _open(qtbot, w, path):
    before = len(w.docs)
    assert w.open_paths([path]) == 1
    qtbot.waitUntil(lambda: len(w.docs) == before + 1 and w.view.page is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: w.current is w.docs[-1], timeout=WAIT)


def _run_whole(qtbot, w, task=None):
    (req,) = w.run_whole_page(task)
    entry = w.results.entry(req.id)
    qtbot.waitUntil(lambda: not entry.state.active, timeout=WAIT)
    return entry


def _numbered_engine():
    counter = itertools.count(1)
    return FakeEngine(lambda job: [f"Result {next(counter)} ", "of the page"])


def _clipboard_text():
    return QApplication.clipboard().text()


def test_results_are_grouped_per_document_with_reruns_as_versions_and_saved_per_document(
        qtbot, fake_window, page_png, black_png, tmp_path):  # noqa: F811
    w = fake_window(_numbered_engine())
    _open(qtbot, w, page_png)
    first = _run_whole(qtbot, w)
    _open(qtbot, w, black_png)
    other = _run_whole(qtbot, w)
    again = _run_whole(qtbot, w)  # the same page read again: a version of the same result
    tree = w.results.list
    heads = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    assert [h.text(0) for h in heads] == ["page.png", "black.png"]
    assert heads[0].childCount() == 1 and heads[1].childCount() == 1  # the re-run is not a row of its own
    latest = heads[1].child(0)
    assert latest.childCount() == 1 and "2 versions" in w.results.row_text(again)
    assert "earlier run" in w.results.row_text(other)
    assert w.results.versions(again) == [other, again]
    assert w.results.document_entries(w.current.doc) == [again]

    out = tmp_path / "black.md"
    w.save_results_to(str(out), "md", w.current.doc)  # Save writes the shown document, named after it
    saved = out.read_text(encoding="utf-8")
    assert saved.startswith("# black.png")
    assert again.text.strip() in saved and other.text.strip() not in saved and first.text.strip() not in saved
    assert w.messages[-1] == f"Saved 1 result(s) to {out}"


def test_a_reopened_document_does_not_list_its_results_twice(qtbot, fake_window, page_png):  # noqa: F811
    from glmocr_desktop.gui.result_pane import ResultEntry

    w = fake_window()
    pane = w.results
    entry = ResultEntry(id="stored-7", label="page.png · p.1 · Text", task=Task.TEXT, text="kept")
    pane.add(entry)
    pane.add(ResultEntry(id="stored-7", label="page.png · p.1 · Text", task=Task.TEXT, text="kept"))
    assert pane.entries == [entry] and pane.list.topLevelItemCount() == 1


def test_copy_while_streaming_copies_what_has_arrived(qtbot, fake_window, page_png):  # noqa: F811
    gate = threading.Event()
    w = fake_window(FakeEngine(lambda job: ["Arrived ", "later"], gate=gate))
    _open(qtbot, w, page_png)
    (req,) = w.run_whole_page()
    entry = w.results.entry(req.id)
    qtbot.waitUntil(lambda: entry.text == "Arrived ", timeout=WAIT)
    assert entry.state.active and w.results.copy_button.isEnabled()
    assert w.copy_result()
    assert _clipboard_text() == "Arrived " and "so far" in w.messages[-1]
    gate.set()
    qtbot.waitUntil(lambda: not entry.state.active, timeout=WAIT)


def test_auto_copy_is_off_by_default_and_copies_each_finished_result_when_on(
        qtbot, fake_window, page_png, settings_store):  # noqa: F811
    w = fake_window(_numbered_engine())
    _open(qtbot, w, page_png)
    assert not w.settings.auto_copy and not w.action_set.act_auto_copy.isChecked()
    QApplication.clipboard().setText("untouched")
    _run_whole(qtbot, w)
    assert _clipboard_text() == "untouched"
    w.action_set.act_auto_copy.trigger()  # Edit > Copy Each Result When Done
    assert w.settings.auto_copy and settings_store.load().auto_copy
    entry = _run_whole(qtbot, w)
    assert entry.state is JobState.DONE and _clipboard_text() == entry.text


def test_copy_of_the_preview_selection_gives_its_markdown_source(qtbot, fake_window, page_png):  # noqa: F811
    source = "# Heading\n\nSome **bold** words."
    w = fake_window(FakeEngine(lambda job: [source]))
    w.resize(1200, 800)
    w.show()
    _open(qtbot, w, page_png)
    _run_whole(qtbot, w)
    preview = w.results.preview
    qtbot.waitUntil(lambda: preview.is_ready and "bold" in (preview.evaluate(
        "document.getElementById('content').innerText") or ""), timeout=WAIT)  # fmt: skip
    preview.evaluate("(() => { const r = document.createRange();"
                     " r.selectNodeContents(document.getElementById('content'));"
                     " const s = window.getSelection(); s.removeAllRanges(); s.addRange(r); return true; })()")
    qtbot.waitUntil(lambda: "bold" in w.results.selected_text(), timeout=WAIT)
    assert w.copy_result()
    mime = QApplication.clipboard().mimeData()
    assert mime.text() == source  # the Markdown the selected lines were made of, not the rendered text
    assert "<strong>bold</strong>" in mime.html() and "the selection of" in w.messages[-1]
    QApplication.clipboard().setText("before")
    preview.view.customContextMenuRequested.emit(QPoint(20, 20))  # the preview's own right-click menu
    menu = w.results.preview_menu
    assert menu is not None and menu.isVisible() and menu.objectName() == "previewMenu"
    copy = next(a for a in menu.actions() if a.text() == "&Copy")
    menu.close()
    copy.trigger()
    assert _clipboard_text() == source


def test_formula_results_copy_as_mathml_from_the_result_menu(qtbot, fake_window, page_png):  # noqa: F811
    w = fake_window(FakeEngine(lambda job: ["$$\n\\frac{a}{b}\n$$"]))
    _open(qtbot, w, page_png)
    entry = _run_whole(qtbot, w, Task.FORMULA)
    w.results.select(entry)
    menu = w.context_menus.result_menu()
    copy_as = next(a.menu() for a in menu.actions() if a.menu() is not None and "Copy" in a.text())
    mathml = next(a for a in copy_as.actions() if a.text() == "MathML")
    mathml.trigger()
    mime = QApplication.clipboard().mimeData()
    assert mime.text().startswith("<math") and "<mfrac>" in mime.text() and "<math" in mime.html()


def test_context_menus_of_pages_documents_and_results(qtbot, fake_window, page_png):  # noqa: F811
    w = fake_window(FakeEngine(budget_hit=lambda job: True))
    w.resize(1200, 800)
    w.show()
    _open(qtbot, w, page_png)
    a = w.action_set
    page = w.context_menus.page_menu()
    assert {a.act_run, a.act_run_page, a.act_run_whole, a.act_whole, a.act_detect, a.act_rotate} <= set(page.actions())
    assert any(act.text() == "Copy Page &Image" for act in page.actions())

    docs = w.context_menus.document_menu()
    texts = {act.text(): act for act in docs.actions()}
    assert a.act_run_doc in docs.actions() and a.act_export_doc in docs.actions() and a.act_close_doc in docs.actions()
    assert texts["Show in &Folder"].isEnabled() and texts["Copy &Path"].isEnabled()
    texts["Copy &Path"].trigger()
    assert _clipboard_text() == str(page_png)

    cut = _run_whole(qtbot, w)  # the scripted engine says its token limit ended it
    w.results.select(cut)
    tree = w.results.list
    rect = tree.visualItemRect(tree.currentItem())
    tree.customContextMenuRequested.emit(rect.center())  # a right-click on the row
    menu = w.context_menus.menu
    assert menu is not None and menu.isVisible() and menu.objectName() == "resultMenu"
    labels = [act.text() for act in menu.actions()]
    assert "Run &Again" in labels and "Show on &Page" in labels and a.act_remove_result in menu.actions()
    more = next(act for act in menu.actions() if act.text().startswith("Run Again with &More Tokens"))
    menu.close()
    more.trigger()
    qtbot.waitUntil(lambda: len(w.results.entries) == 2 and not w.results.entries[1].state.active, timeout=WAIT)
    assert w.results.versions(cut) == w.results.entries and w.results.current() is w.results.entries[1]

    from PySide6.QtGui import QContextMenuEvent

    w.view.scene().clearSelection()
    corner = w.view.mapFromScene(w.view.page.sceneBoundingRect().topLeft()) + QPoint(3, 3)  # no region there
    right_click = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, corner, w.view.viewport().mapToGlobal(corner))
    QApplication.sendEvent(w.view.viewport(), right_click)
    assert w.context_menus.menu.objectName() == "pageMenu" and w.context_menus.menu.isVisible()
    w.context_menus.menu.close()
    row = w.doc_list.visualItemRect(w.doc_list.item(0)).center()
    w.doc_list.customContextMenuRequested.emit(row)
    assert w.context_menus.menu.objectName() == "documentMenu" and w.context_menus.menu.isVisible()
    w.context_menus.menu.close()


def test_the_toolbar_keeps_its_last_buttons_in_view(qtbot, fake_window):  # noqa: F811
    w = fake_window()
    w.resize(QSize(1229, 800))
    w.show()
    qtbot.waitExposed(w)
    a = w.action_set
    qtbot.waitUntil(lambda: a.toolbar.width() == w.width(), timeout=WAIT)
    QApplication.processEvents()
    assert not a.toolbar_overflows()
    run = a.toolbar.widgetForAction(a.act_run)
    assert run.toolButtonStyle().name == "ToolButtonTextBesideIcon"  # wide enough for the labels
    assert a.toolbar.widgetForAction(a.act_settings).isVisible()
    w.resize(QSize(980, 800))
    qtbot.waitUntil(lambda: a.toolbar.width() == w.width() and not a.toolbar_overflows(), timeout=WAIT)
    assert run.toolButtonStyle().name == "ToolButtonIconOnly"  # the words stay in the tooltips
    assert a.toolbar.widgetForAction(a.act_settings).isVisible()
    assert {a.act_zoom_in, a.act_fit_page, a.act_rotate} <= set(a.page_menu_button.menu().actions())


@pytest.fixture
def restore_theme():
    yield
    for w in QApplication.topLevelWidgets():
        theme = getattr(w, "theme", None)
        if theme is not None and hasattr(w, "set_theme"):
            w.set_theme("system")
            break


def test_the_theme_darkens_the_whole_window_and_follows_the_menu(qtbot, fake_window, page_png, restore_theme):  # noqa: F811
    w = fake_window()
    _open(qtbot, w, page_png)
    assert w.settings.theme == "system" and w.action_set.theme_actions["system"].isChecked()
    w.action_set.theme_actions["dark"].trigger()  # View > Theme > Dark
    assert w.settings.theme == "dark" and w.action_set.theme_actions["dark"].isChecked()
    assert QApplication.palette().window().color().lightness() < 100
    assert w.results.list.palette().base().color().lightness() < 100
    assert w.doc_list.palette().text().color().lightness() > 180
    assert w.view.backgroundBrush().color().lightness() < 100
    assert w.preview._dark is True and "#4a3b12" in w.results.cut_box.styleSheet()
    w.action_set.theme_actions["light"].trigger()
    assert QApplication.palette().window().color().lightness() > 180
    assert w.results.list.palette().base().color().lightness() > 200
    assert w.preview._dark is False


def test_the_model_dialog_says_what_is_loaded_and_how_fast_it_read(qtbot, fake_window, page_png):  # noqa: F811
    from glmocr_desktop.gui.model_details import ModelDetailsDialog

    w = fake_window()
    _open(qtbot, w, page_png)
    _run_whole(qtbot, w)
    dlg = w.show_model_dialog()  # Run > Model…
    assert isinstance(dlg, ModelDetailsDialog)
    values = {label: shown.text() for label, shown in dlg.value_labels.items()}
    assert values["Model"] == "fake-engine" and values["Device"] == "cpu" and values["Precision"] == "float32"
    assert "tokens/s" in values["Speed"] and "1 results" in values["Speed"]
    assert values["Folder"]
    dlg.reject()


def test_one_log_line_per_failure(qtbot, fake_window, page_png, caplog):  # noqa: F811
    w = fake_window(FakeEngine(fail_with=RuntimeError("the device went away")))
    _open(qtbot, w, page_png)
    view = w.view
    view.add_region(Region(0.1, 0.1, 0.5, 0.4))
    view.add_region(Region(0.1, 0.5, 0.5, 0.9))
    with caplog.at_level(logging.INFO):
        reqs = w.run_page()
        entries = [w.results.entry(r.id) for r in reqs]
        qtbot.waitUntil(lambda: all(not e.state.active for e in entries), timeout=WAIT)
    assert len(entries) == 2 and all(e.state is JobState.ERROR for e in entries)
    about = [r for r in caplog.records if "the device went away" in r.getMessage() or
             (r.exc_info and "the device went away" in str(r.exc_info[1]))]  # fmt: skip
    assert len(about) == 1, [r.getMessage()[:80] for r in about]
    assert w.last_error.endswith("RuntimeError: the device went away")


def test_ctrl_c_in_the_preview_copies_the_selection_as_markdown(qtbot, fake_window, page_png):  # noqa: F811
    from PySide6.QtCore import Qt

    source = "# Heading\n\nSome **bold** words."
    w = fake_window(FakeEngine(lambda job: [source]))
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    _open(qtbot, w, page_png)
    _run_whole(qtbot, w)
    preview = w.results.preview
    qtbot.waitUntil(lambda: "bold" in (preview.evaluate("document.getElementById('content').innerText") or ""),
                    timeout=WAIT)  # fmt: skip
    preview.evaluate("(() => { const r = document.createRange();"
                     " r.selectNodeContents(document.getElementById('content'));"
                     " const s = window.getSelection(); s.removeAllRanges(); s.addRange(r); return true; })()")
    qtbot.waitUntil(lambda: "bold" in w.results.selected_text(), timeout=WAIT)
    QApplication.clipboard().setText("before")
    target = preview.view.focusProxy() or preview.view
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _clipboard_text() != "before", timeout=WAIT)
    assert _clipboard_text() == source


def _tree_rows(tree) -> list[tuple[int, str]]:
    rows: list[tuple[int, str]] = []

    def walk(item, depth):
        rows.append((depth, item.text(0)))
        for i in range(item.childCount()):
            walk(item.child(i), depth + 1)

    for i in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(i), 0)
    return rows


def test_results_added_one_by_one_give_the_tree_a_rebuild_gives(qtbot):
    """A long document run adds its results one at a time without building the tree again; the tree is
    the same as one built from scratch, the shown result stays shown."""
    from glmocr_desktop.gui.result_pane import ResultEntry, ResultPane

    class Doc:
        def __init__(self, name):
            self.name, self.path = name, f"/scans/{name}"

    pane = ResultPane(preview_factory=None)
    qtbot.addWidget(pane)
    a, b = Doc("a.pdf"), Doc("b.pdf")
    first = ResultEntry(id="a0", label="a.pdf · p.1 · region", task=Task.TEXT, document=a, spec_id="s0")
    pane.add(first)
    for n in range(1, 150):
        doc = a if n % 3 else b
        pane.add(ResultEntry(id=f"e{n}", label=f"{doc.name} · p.{n} · region", task=Task.TEXT, document=doc,
                             page=n, spec_id=f"s{n}"), select=False)  # fmt: skip
    pane.select(first)
    again = [ResultEntry(id=f"again{k}", label="a.pdf · p.1 · region", task=Task.TEXT, document=a, spec_id="s0")
             for k in range(2)]  # fmt: skip
    for e in again:
        pane.add(e, select=False)
    assert pane.current() is first and pane.versions(first) == [first, *again]
    assert "3 versions" in pane.row_text(again[-1]) and "earlier run" in pane.row_text(first)
    incremental = _tree_rows(pane.list)
    pane._rebuild(pane.current())
    assert _tree_rows(pane.list) == incremental and pane.current() is first
    assert pane.list.topLevelItemCount() == 2 and len(pane.document_entries(a)) == 101  # s0 and the 100 of a among e1..e149
