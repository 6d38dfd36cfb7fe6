"""Detect Layout: the layout model's blocks become ordinary regions (numbered in reading order, coloured
by task, labelled), edited by merge, relabel, reorder and delete, kept in the store, read with their own
tasks. The detector is the tiny random-weight PP-DocLayoutV3, so tests assert on structure (how many
blocks, their order and labels), never on particular boxes; hand-made blocks stand in where a test needs
given labels (page furniture, pictures)."""

from __future__ import annotations

import os
import threading

import pytest
from fake_engine import FakeEngine
from PySide6.QtCore import QSettings, QTimer

from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.core.layout import LayoutBlock, LayoutOptions, kind_of
from glmocr_desktop.core.regions import LAYOUT, PICTURE, READ, Region
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.controllers.persistence import NullPersistence, StorePersistence
from glmocr_desktop.gui.page_view import region_colour

pytest.importorskip("torch")

WAIT = 30_000


def block(label: str, box: tuple[float, float, float, float], order: int) -> LayoutBlock:
    return LayoutBlock(Region(*box), label, kind_of(label), 0.9, order)


#: A page as a layout model reads it: header, title, text, picture, table, formula, footer, page number.
PAGE_BLOCKS = [
    block("header", (0.1, 0.02, 0.9, 0.05), 0),
    block("doc_title", (0.1, 0.08, 0.9, 0.14), 1),
    block("text", (0.1, 0.16, 0.9, 0.3), 2),
    block("image", (0.1, 0.32, 0.5, 0.55), 3),
    block("table", (0.1, 0.58, 0.9, 0.75), 4),
    block("display_formula", (0.3, 0.77, 0.7, 0.83), 5),
    block("footer", (0.1, 0.93, 0.7, 0.96), 6),
    block("number", (0.85, 0.93, 0.9, 0.96), 7),
]


@pytest.fixture
def settings_store(tmp_path):
    from glmocr_desktop.gui.settings_store import SettingsStore

    return SettingsStore(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def layout_factory(tiny_layout_model_dir):
    """What the inference thread builds its detector with: the tiny checkpoint, on the device asked for."""
    from glmocr_desktop.engines.layout import LayoutDetector

    made: list[tuple[str, str]] = []

    def make(model: str, device: str):
        made.append((model, device))
        return LayoutDetector(tiny_layout_model_dir, device=device, options=LayoutOptions(keep_abandoned=True))

    make.made = made
    return make


@pytest.fixture
def window(qtbot, settings_store, errors_shown, layout_factory):
    """``make(engine=None, persistence=None, layout_factory=...)``: a window with a scripted OCR engine."""
    windows = []

    def make(engine=None, persistence=None, factory=layout_factory):
        from glmocr_desktop.gui.main_window import MainWindow

        engine = engine or FakeEngine()
        w = MainWindow(store=settings_store, engine_factory=lambda settings: engine,
                       persistence=persistence or NullPersistence(), layout_factory=factory)  # fmt: skip
        qtbot.addWidget(w)
        windows.append(w)
        return w

    yield make
    for w in windows:
        if w.isVisible() or not w._closing:
            w.close()
        assert not w.worker.isRunning()


@pytest.fixture
def paper(corpus_dir):
    return corpus_dir / "pdfs" / "docling_multi_page.pdf"


def _open(qtbot, w, path):
    assert w.open_paths([path]) == 1
    qtbot.waitUntil(lambda: w.current is not None and w.view.page is not None, timeout=WAIT)


def _specs(w):
    return w.current.regions[w.current.page]


def _expected(tiny_layout_model_dir, path, page=0, keep=False):
    """What the detector finds on the page rendered as the pipeline renders it."""
    from glmocr_desktop.core.documents import open_document
    from glmocr_desktop.engines.layout import LayoutDetector

    with open_document(path) as doc:
        image = doc.render_page(page)  # DEFAULT_DPI, DEFAULT_MAX_SIDE
    detector = LayoutDetector(tiny_layout_model_dir, options=LayoutOptions(keep_abandoned=keep))
    try:
        return detector.detect([image])[0]
    finally:
        detector.close()


def _detect(qtbot, w, page_only=True):
    ids = w.detect_layout_page() if page_only else w.detect_layout_document()
    assert ids
    qtbot.waitUntil(lambda: not w.layout.busy, timeout=WAIT)
    return ids


def test_detect_places_the_detectors_blocks_as_numbered_labelled_regions(qtbot, window, paper,
                                                                         tiny_layout_model_dir, layout_factory):
    w = window()
    _open(qtbot, w, paper)
    assert w.action_set.act_detect.shortcut().toString() == "Ctrl+L"
    assert w.action_set.act_detect_all.shortcut().toString() == "Ctrl+Shift+L"
    _detect(qtbot, w)
    expected = _expected(tiny_layout_model_dir, paper)
    assert expected, "the tiny checkpoint finds blocks on a text page"
    specs = _specs(w)
    assert [s.label for s in specs] == [b.native_label for b in expected]
    assert [s.task for s in specs] == [b.task or Task.TEXT for b in expected]
    assert [s.kind for s in specs] == [PICTURE if b.task is None else READ for b in expected]
    assert all(s.source == LAYOUT and not s.edited for s in specs)
    for s, b in zip(specs, expected):
        assert s.region.as_tuple() == pytest.approx(b.region.as_tuple(), abs=1e-4)
    items = w.view.region_items()
    assert [it.number for it in items] == list(range(1, len(expected) + 1))
    assert [it.spec.badge(it.number) for it in items] == [f"{b.order + 1} · {b.native_label}" for b in expected]
    # an empty setting follows GLMOCR_LAYOUT_MODEL; the OCR model is not loaded, so the CPU
    assert layout_factory.made == [(os.environ["GLMOCR_LAYOUT_MODEL"], "cpu")]
    assert "regions on page 1" in w.state_label.text()


def test_every_page_and_the_furniture_option(qtbot, window, paper, tiny_layout_model_dir):
    w = window()
    _open(qtbot, w, paper)
    act = w.action_set.act_keep_abandoned
    assert not act.isChecked() and act.text().replace("&", "") == "Keep Headers, Footers and Page Numbers"
    act.trigger()
    assert w.settings.keep_abandoned and act.isChecked()
    _detect(qtbot, w, page_only=False)
    st = w.current
    assert sorted(st.regions) == list(range(st.page_count))
    for page in range(st.page_count):
        expected = _expected(tiny_layout_model_dir, paper, page, keep=True)
        assert [s.label for s in st.regions[page]] == [b.native_label for b in expected]


def test_page_furniture_is_left_out_unless_kept_and_pictures_are_kept_not_read(qtbot, window, page_png):
    engine = FakeEngine()
    w = window(engine)
    _open(qtbot, w, page_png)
    st = w.current
    placed = w.regions.place_layout(st, 0, PAGE_BLOCKS, keep_abandoned=False)
    assert [s.label for s in placed] == ["doc_title", "text", "image", "table", "display_formula"]
    assert [s.task for s in placed] == [Task.TEXT, Task.TEXT, Task.TEXT, Task.TABLE, Task.FORMULA]
    picture = placed[2]
    assert picture.is_picture and picture.badge(3) == "3 · image"
    assert region_colour(picture) != region_colour(placed[0])  # a look of its own
    kept = w.regions.place_layout(st, 0, PAGE_BLOCKS, keep_abandoned=True)
    assert [s.label for s in kept] == [b.native_label for b in PAGE_BLOCKS] and len(_specs(w)) == 8
    # a run reads each region with its own task; the picture is kept, not read
    reqs = w.run_page()
    assert [r.task for r in reqs] == [Task.TEXT, Task.TEXT, Task.TEXT, Task.TABLE, Task.FORMULA, Task.TEXT, Task.TEXT]
    assert all(r.region != picture.region for r in reqs)
    assert reqs[0].label == "page.png · p.1 · #1 header Text" and reqs[3].label.endswith("#5 table Table")
    qtbot.waitUntil(lambda: all(w.results.entry(r.id).state is JobState.DONE for r in reqs), timeout=WAIT)
    assert [j.task for j in engine.jobs] == [r.task for r in reqs]


def test_merge_relabel_reorder_delete(qtbot, window, page_png):
    w = window()
    _open(qtbot, w, page_png)
    st = w.current
    w.regions.place_layout(st, 0, PAGE_BLOCKS)
    title, text, image, table, formula = _specs(w)
    # merge: the title and the text become one region at the title's place, with its task and label
    w.view.scene().clearSelection()
    for it in w.view.region_items():
        it.setSelected(it.spec in (text, title))
    merged = w.regions.merge_selected()
    assert merged is title and _specs(w) == [title, image, table, formula]
    assert title.region == Region(0.1, 0.08, 0.9, 0.3) and title.label == "doc_title" and title.edited
    assert [it.number for it in w.view.region_items()] == [1, 2, 3, 4]
    # relabel through the region's menu: the picture becomes a table, the formula a paragraph title
    w.view.select_spec(image)
    menu = w.regions.region_menu(image)
    tasks = {a.text(): a for a in menu.actions() if a.isCheckable()}
    assert list(tasks) == ["Text", "Table", "Formula", "Picture (kept, not read)"]
    assert tasks["Picture (kept, not read)"].isChecked()
    tasks["Table"].trigger()
    assert image.kind == READ and image.task is Task.TABLE and image.label == "table"
    w.view.select_spec(formula)
    labels = next(a.menu() for a in w.regions.region_menu(formula).actions() if a.menu() is not None)
    next(a for a in labels.actions() if a.text() == "paragraph_title").trigger()
    assert formula.label == "paragraph_title" and formula.task is Task.TEXT
    w.regions.set_choice([formula], PICTURE)
    assert formula.is_picture and formula.label == "image"
    # reorder: the table goes earlier, the numbers follow
    w.view.select_spec(table)
    assert w.regions.move_selected(-1)
    assert _specs(w) == [title, table, image, formula]
    assert w.view.region_items()[1].spec is table and w.view.region_items()[1].number == 2
    w.view.select_spec(title)
    assert not w.regions.move_selected(-1)  # already first
    w.action_set.act_move_later.trigger()
    assert _specs(w) == [table, title, image, formula]
    # delete
    w.view.select_spec(image)
    w.delete_regions()
    assert _specs(w) == [table, title, formula]
    assert [it.spec.badge(it.number) for it in w.view.region_items()] == [
        "1 · table", "2 · doc_title", "3 · image"]


def test_the_region_menu_opens_on_a_right_click(qtbot, window, page_png):
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication

    w = window()
    w.resize(1200, 900)
    w.show()
    _open(qtbot, w, page_png)
    w.regions.place_layout(w.current, 0, PAGE_BLOCKS)
    item = w.view.region_items()[3]  # the table
    pos = w.view.mapFromScene(item.sceneBoundingRect().center())
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, w.view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(w.view.viewport(), event)
    menu = w.regions.menu
    assert menu is not None and menu.objectName() == "regionMenu"
    qtbot.waitUntil(menu.isVisible, timeout=WAIT)
    assert w.view.selected_specs() == [item.spec]
    next(a for a in menu.actions() if a.text() == "Formula").trigger()
    assert item.spec.task is Task.FORMULA and item.spec.label == "display_formula"
    menu.close()


def test_detecting_again_asks_before_replacing_edited_regions(qtbot, window, page_png, monkeypatch):
    asked: list[tuple[list[int], int]] = []
    answer: list[str | None] = [None]
    monkeypatch.setattr(dialogs, "ask_replace_edited", lambda parent, pages, n: asked.append((pages, n)) or answer[0])
    w = window()
    _open(qtbot, w, page_png)
    _detect(qtbot, w)
    first = list(_specs(w))
    assert first and not asked  # nothing edited: no question
    drawn = w.view.add_region(Region(0.0, 0.0, 0.05, 0.05), Task.FORMULA)
    _detect(qtbot, w)  # drawn regions stay, detected ones are replaced without asking
    assert not asked and _specs(w)[-1] is drawn and not set(map(id, first)) & set(map(id, _specs(w)))
    w.view.select_spec(_specs(w)[0])
    w.regions.set_choice(w.view.selected_specs(), Task.TABLE)  # an edit
    before = list(_specs(w))
    assert w.detect_layout_page() == []  # the user cancels
    assert asked == [([1], 1)] and _specs(w) == before
    answer[0] = "replace"
    _detect(qtbot, w)
    assert len(asked) == 2 and _specs(w)[0] is not before[0] and _specs(w)[-1] is drawn


def test_detect_while_the_model_thread_is_busy_does_not_block(qtbot, window, page_png):
    gate = threading.Event()
    w = window(FakeEngine(lambda job: ["one ", "two"], gate=gate))
    _open(qtbot, w, page_png)
    (req,) = w.run_whole_page()
    entry = w.results.entry(req.id)
    qtbot.waitUntil(lambda: entry.text == "one ", timeout=WAIT)  # the inference thread is held mid-job
    ids = w.detect_layout_page()
    assert ids and w.layout.busy and w.action_set.act_stop.isEnabled()
    ticked = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    qtbot.waitUntil(lambda: bool(ticked), timeout=WAIT)  # the GUI thread goes on serving events
    assert w.layout.busy and _specs(w) == []  # the layout waits its turn behind the job
    gate.set()
    qtbot.waitUntil(lambda: not w.layout.busy, timeout=WAIT)
    assert entry.state is JobState.DONE and _specs(w)


def test_a_missing_layout_model_says_how_to_get_it_and_goes_on_once_chosen(qtbot, window, page_png,
                                                                           tiny_layout_model_dir, tmp_path):
    w = window(factory=None)  # the app's own factory: PP-DocLayoutV3 where the settings say
    w.settings.layout_model = str(tmp_path / "no-layout-model-here")
    _open(qtbot, w, page_png)
    w.detect_layout_page()
    qtbot.waitUntil(lambda: w.layout.dialog is not None and w.layout.dialog.isVisible(), timeout=WAIT)
    dlg = w.layout.dialog
    assert isinstance(dlg, dialogs.LayoutModelDialog) and dlg.windowTitle() == "Layout model needed"
    assert "hf download PaddlePaddle/PP-DocLayoutV3_safetensors" in dlg.body.text()
    assert not w.layout.busy and _specs(w) == []
    assert not dlg.use_folder(str(tmp_path))  # not a layout model: says why, stays open
    assert "config.json is missing" in dlg.status.text()
    assert dlg.use_folder(str(tiny_layout_model_dir))
    assert w.settings.layout_model == str(tiny_layout_model_dir)
    assert w.store.load().layout_model == str(tiny_layout_model_dir)
    qtbot.waitUntil(lambda: bool(_specs(w)) and not w.layout.busy, timeout=WAIT)
    assert all(s.source == LAYOUT for s in _specs(w))


def test_regions_come_back_with_numbers_labels_and_kinds(qtbot, window, page_png, tmp_path):
    data = tmp_path / "store"
    w = window(persistence=StorePersistence.open(str(data)))
    _open(qtbot, w, page_png)
    w.regions.place_layout(w.current, 0, PAGE_BLOCKS, keep_abandoned=True)
    specs = _specs(w)
    w.view.select_spec(specs[2])
    w.regions.move_selected(+1)  # text after the picture
    w.view.add_region(Region(0.6, 0.32, 0.9, 0.5), Task.FORMULA)  # drawn
    saved = [(s.label, s.kind, s.source, s.edited, s.task, s.region) for s in _specs(w)]
    w.close()

    again = window(persistence=StorePersistence.open(str(data)))
    _open(qtbot, again, page_png)
    back = [(s.label, s.kind, s.source, s.edited, s.task, s.region) for s in _specs(again)]
    assert back == saved
    assert [s.label for s in _specs(again)][:5] == ["header", "doc_title", "image", "text", "table"]
    assert [it.spec.badge(it.number) for it in again.view.region_items()][2:4] == ["3 · image", "4 · text"]
    assert again.view.region_items()[-1].spec.badge(9) == "9  Formula"


def test_the_layout_model_is_a_setting(qtbot):
    from glmocr_desktop.core.settings import Settings

    dlg = dialogs.SettingsDialog(Settings(layout_model="/models/pp-doclayout"))
    qtbot.addWidget(dlg)
    assert dlg.layout_model.text() == "/models/pp-doclayout"
    dlg.layout_model.setText("  PaddlePaddle/PP-DocLayoutV3_safetensors ")
    assert dlg.result_settings().layout_model == "PaddlePaddle/PP-DocLayoutV3_safetensors"
