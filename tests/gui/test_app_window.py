"""The real window, driven through real events: open, drop, paste, draw, choose a task, run on the tiny
checkpoint, watch chunks arrive in the preview, cancel, copy, close during a run."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()  # before pytest-qt creates the QApplication

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from glmocr_desktop.core.tasks import Task
from glmocr_desktop.gui import dialogs

pytestmark = pytest.mark.gui

MODEL_WAIT = 90_000


def wait_doc(qtbot, window, n=1):
    qtbot.waitUntil(lambda: len(window.docs) >= n and window.view.page is not None, timeout=20_000)


def view_point(window, fx: float, fy: float) -> QPoint:
    page = window.view.page
    r = page.rect()
    scene = page.mapToScene(QPointF(r.width() * fx, r.height() * fy))
    return window.view.mapFromScene(scene)


def draw_region(qtbot, window, a=(0.1, 0.1), b=(0.6, 0.4)):
    vp = window.view.viewport()
    p0, p1 = view_point(window, *a), view_point(window, *b)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=p0)
    mid = QPoint((p0.x() + p1.x()) // 2, (p0.y() + p1.y()) // 2)
    qtbot.mouseMove(vp, pos=mid)
    qtbot.mouseMove(vp, pos=p1)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=p1)


def drop(window, mime: QMimeData) -> QDropEvent:
    pos = QPointF(window.width() / 2, window.height() / 2)
    event = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    return event


def test_open_image_and_drop_pdf(qtbot, make_window, corpus_dir):
    w = make_window(corpus_dir / "images" / "tesseract_phototest.tif", autoload=False)
    wait_doc(qtbot, w)
    assert w.current.doc.page_count == 1
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(corpus_dir / "pdfs" / "ocrmypdf_multipage.pdf"))])
    drop(w, mime)
    qtbot.waitUntil(lambda: len(w.docs) == 2, timeout=20_000)
    assert w.doc_list.count() == 2
    assert w.current.doc.page_count > 1
    assert w.thumbs.count() == w.current.doc.page_count
    # thumbnails arrive lazily, the current page first
    qtbot.waitUntil(lambda: 0 in w.current.thumbs, timeout=20_000)
    qtbot.waitUntil(lambda: len(w.current.thumbs) == w.current.doc.page_count, timeout=30_000)
    # the page image arrives in the view
    qtbot.waitUntil(lambda: not w.view.page.pixmap_item.pixmap().isNull(), timeout=20_000)
    # next page
    w.go_page(1)
    assert w.current.page == 1 and w.thumbs.currentRow() == 1


def test_drop_folder_opens_each_file(qtbot, make_window, tmp_path, page_png, black_png):
    w = make_window(autoload=False)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path))])
    drop(w, mime)
    qtbot.waitUntil(lambda: len(w.docs) == 2, timeout=20_000)
    assert sorted(st.name for st in w.docs) == ["black.png", "page.png"]


def test_refuses_non_files_politely(qtbot, make_window, tmp_path):
    w = make_window(autoload=False)
    text = QMimeData()
    text.setText("just some words")
    drop(w, text)
    web = QMimeData()
    web.setUrls([QUrl("https://example.com/scan.pdf")])
    drop(w, web)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    w.open_paths([notes])
    assert not w.docs
    joined = " ".join(w.messages)
    assert "Only files" in joined and "web" in joined and "notes.txt" in joined


def test_unreadable_file_shows_message_and_app_carries_on(qtbot, make_window, corpus_dir, errors_shown, page_png):
    w = make_window(autoload=False)
    w.open_paths([corpus_dir / "edge" / "pillow_broken.png"])
    qtbot.waitUntil(lambda: bool(errors_shown), timeout=20_000)
    assert "pillow_broken.png" in errors_shown[0]
    w.open_paths([page_png])
    wait_doc(qtbot, w)
    assert w.current.name == "page.png"


def test_password_dialog(qtbot, make_window, corpus_dir, monkeypatch):
    asked = []

    def fake_ask(parent, name, wrong=False):
        asked.append(wrong)
        return "wrong-one" if len(asked) == 1 else "asdfzxcv"

    monkeypatch.setattr(dialogs, "ask_password", fake_ask)
    w = make_window(autoload=False)
    w.open_paths([corpus_dir / "pdfs" / "pypdf_r6-user-password.pdf"])
    wait_doc(qtbot, w)
    assert asked == [False, True]
    assert w.current.doc.page_count >= 1


def test_paste_image(qtbot, make_window):
    w = make_window(autoload=False)
    img = QImage(320, 200, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    QApplication.clipboard().setImage(img)
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5_000)
    qtbot.keyClick(w.doc_list, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(w.docs) or bool(w.messages), timeout=20_000)
    assert w.docs, w.messages
    wait_doc(qtbot, w)
    assert w.current.name.startswith("Pasted image")


def test_regions_zoom_rotate_delete(qtbot, make_window, page_png):
    w = make_window(page_png, autoload=False)
    wait_doc(qtbot, w)
    draw_region(qtbot, w, (0.1, 0.1), (0.5, 0.3))
    draw_region(qtbot, w, (0.2, 0.5), (0.8, 0.9))
    specs = w.current.regions[0]
    assert len(specs) == 2
    r = specs[0].region
    assert r.x0 == pytest.approx(0.1, abs=0.02) and r.y1 == pytest.approx(0.3, abs=0.02)
    # the second one is selected; key 3 makes it a table
    qtbot.keyClick(w.view, Qt.Key.Key_3)
    assert specs[1].task is Task.TABLE and specs[0].task is Task.TEXT
    # move it by dragging its middle
    before = specs[1].region
    c = view_point(w, 0.5, 0.7)
    qtbot.mousePress(w.view.viewport(), Qt.MouseButton.LeftButton, pos=c)
    qtbot.mouseMove(w.view.viewport(), pos=c + QPoint(20, 10))
    qtbot.mouseMove(w.view.viewport(), pos=c + QPoint(40, 20))
    qtbot.mouseRelease(w.view.viewport(), Qt.MouseButton.LeftButton, pos=c + QPoint(40, 20))
    assert specs[1].region.x0 > before.x0
    # resize with the bottom-right handle
    before = specs[1].region
    h = view_point(w, before.x1, before.y1)
    qtbot.mousePress(w.view.viewport(), Qt.MouseButton.LeftButton, pos=h)
    qtbot.mouseMove(w.view.viewport(), pos=h - QPoint(30, 30))
    qtbot.mouseRelease(w.view.viewport(), Qt.MouseButton.LeftButton, pos=h - QPoint(30, 30))
    assert specs[1].region.x1 < before.x1 and specs[1].region.x0 == pytest.approx(before.x0)
    # zoom, fit, rotate keep the regions normalised
    z = w.view.zoom()
    w.view.zoom_in()
    assert w.view.zoom() > z
    w.action_set.act_rotate.trigger()
    assert w.view.rotation() == 90 and w.current.rotation[0] == 90
    assert specs[0].region == r
    w.view.fit_width()
    # Del removes the selected one
    w.view.select_spec(specs[0])
    w.action_set.act_delete.trigger()
    assert len(specs) == 1 and specs[0].task is Task.TABLE
    # whole page is one click
    w.action_set.act_whole.trigger()
    assert specs[-1].region.as_tuple() == (0.0, 0.0, 1.0, 1.0)


def test_draw_run_stream_copy(qtbot, make_window, page_png):
    w = make_window(page_png)
    wait_doc(qtbot, w)
    draw_region(qtbot, w, (0.05, 0.05), (0.9, 0.5))
    qtbot.keyClick(w.view, Qt.Key.Key_2)  # formula
    spec = w.current.regions[0][0]
    assert spec.task is Task.FORMULA
    qtbot.waitUntil(lambda: w.model_state == "ready", timeout=MODEL_WAIT)
    assert "cpu" in w.model_label.text()
    chunks = []
    w.worker.chunk.connect(lambda jid, delta, n: chunks.append(n))  # recorded in the GUI thread (queued)
    qtbot.keyClick(w.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    entry = w.results.entries[-1]
    assert entry.task is Task.FORMULA
    qtbot.waitUntil(lambda: entry.state in ("done", "cancelled", "error"), timeout=60_000)
    assert entry.state == "done", entry.error
    assert chunks and entry.text
    assert "tok/s" in w.speed_label.text()
    # the preview shows it
    qtbot.waitUntil(lambda: w.preview.is_ready, timeout=20_000)
    w.preview.flush()
    qtbot.waitUntil(
        lambda: len(w.preview.evaluate("document.body.innerText") or "") > 0, timeout=10_000
    )
    # copy
    QApplication.clipboard().clear()
    assert w.copy_result()
    formats = QApplication.clipboard().mimeData().formats()
    assert "text/plain" in formats
    assert QApplication.clipboard().text()
    # the source is editable and edits re-render
    w.results.tabs.setCurrentIndex(1)
    w.results.source.setPlainText("E = mc^2")
    qtbot.waitUntil(lambda: entry.text == "E = mc^2" and entry.edited, timeout=5_000)


def test_table_copy_puts_html_and_tsv(qtbot, make_window, page_png):
    pytest.importorskip("glmocr_desktop.core.exports")
    from glmocr_desktop.gui.result_pane import ResultEntry

    w = make_window(autoload=False)
    entry = ResultEntry(id="t1", label="table", task=Task.TABLE, state="done",
                        text="<table><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>2</td></tr></table>")
    w.results.add(entry)
    assert w.copy_result()
    formats = QApplication.clipboard().mimeData().formats()
    assert "text/html" in formats and "text/plain" in formats
    assert "\t" in QApplication.clipboard().text()


def test_run_all_regions_batched(qtbot, make_window, page_png):
    w = make_window(page_png)
    wait_doc(qtbot, w)
    w.settings.max_new_tokens = 16
    draw_region(qtbot, w, (0.05, 0.05), (0.5, 0.3))
    draw_region(qtbot, w, (0.05, 0.4), (0.5, 0.7))
    reqs = w.run_page()
    assert len(reqs) == 2
    entries = w.results.entries[-2:]
    qtbot.waitUntil(lambda: all(e.state == "done" for e in entries), timeout=MODEL_WAIT)
    assert [e.label.split("#")[1][0] for e in entries] == ["1", "2"]


def test_escape_cancels_long_run(qtbot, make_window, black_png):
    w = make_window(black_png)
    wait_doc(qtbot, w)
    w.settings.max_new_tokens = 8000
    qtbot.waitUntil(lambda: w.model_state == "ready", timeout=MODEL_WAIT)
    w.run_whole_page()
    entry = w.results.entries[-1]
    qtbot.waitUntil(lambda: entry.state == "running", timeout=30_000)
    qtbot.keyClick(w.view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: entry.state in ("cancelled", "done", "error"), timeout=10_000)
    assert entry.state == "cancelled"
    assert not w.is_busy()
    assert entry.result is not None and entry.result.cancelled


def test_close_during_run_joins_thread(qtbot, make_window, black_png, qtlog):
    w = make_window(black_png)
    wait_doc(qtbot, w)
    w.settings.max_new_tokens = 8000
    qtbot.waitUntil(lambda: w.model_state == "ready", timeout=MODEL_WAIT)
    w.run_whole_page()
    entry = w.results.entries[-1]
    qtbot.waitUntil(lambda: entry.state == "running", timeout=30_000)
    w.close()
    assert w.worker.isFinished()
    bad = [m.message for m in qtlog.records if "Destroyed while thread" in m.message]
    assert not bad


def test_missing_model_dialog_offers_folder(qtbot, make_window, tmp_path, tiny_model_dir, page_png):
    w = make_window(page_png, model=tmp_path / "no-such-model")
    qtbot.waitUntil(lambda: w.model_state == "missing", timeout=MODEL_WAIT)
    dlg = w._model_dialog
    assert dlg is not None and dlg.isVisible()
    assert not dlg.use_folder(str(tmp_path))  # not a model folder: says so, stays open
    assert "config.json" in dlg.status.text()
    assert dlg.use_folder(str(tiny_model_dir))
    qtbot.waitUntil(lambda: w.model_state == "ready", timeout=MODEL_WAIT)
    assert w.settings.model == str(tiny_model_dir)
    assert w.store.load().model == str(tiny_model_dir)  # remembered


def test_model_download_progress_and_cancel(qtbot, make_window, tmp_path):
    import threading

    from glmocr_desktop.engines.hub import DownloadCancelled

    w = make_window(autoload=False, model=tmp_path / "none")
    dlg = w.show_model_dialog("missing")
    release = threading.Event()

    def fake_download(repo_id, progress, cancel):
        progress(50, 100, "50 B of 100 B")
        release.wait(5)
        if cancel.is_set():
            raise DownloadCancelled("stopped")
        return tmp_path

    dlg.start_download(fake_download)
    qtbot.waitUntil(lambda: dlg.progress.value() == 500, timeout=5_000)
    dlg.cancel()
    release.set()
    qtbot.waitUntil(lambda: "Resume" in dlg.download_button.text(), timeout=5_000)
    assert dlg.isVisible()
    dlg.reject()


def test_results_and_regions_persist(qtbot, make_window, page_png):
    w = make_window(page_png)
    wait_doc(qtbot, w)
    w.settings.max_new_tokens = 12
    draw_region(qtbot, w, (0.1, 0.1), (0.6, 0.4))
    qtbot.waitUntil(lambda: w.model_state == "ready", timeout=MODEL_WAIT)
    w.run_selected()
    entry = w.results.entries[-1]
    qtbot.waitUntil(lambda: entry.state == "done", timeout=MODEL_WAIT)
    text = entry.text
    w.close()
    w2 = make_window(page_png, autoload=False)
    wait_doc(qtbot, w2)
    specs = w2.current.regions.get(0, [])
    assert len(specs) == 1 and specs[0].region.x0 == pytest.approx(0.1, abs=0.02)
    assert any(e.text == text for e in w2.results.entries)
    w2.history_dock.show()
    w2.history_dock.refresh()
    assert w2.history_dock.list.count() >= 1


def test_settings_and_geometry_restored(qtbot, make_window):
    w = make_window(autoload=False)
    w.resize(1000, 700)
    s = w.settings
    s.render_dpi = 300
    w.apply_settings(s)
    w.close()
    w2 = make_window(autoload=False)
    assert w2.settings.render_dpi == 300
    geometry, _state = w2.store.window_state()
    assert geometry is not None and w2.width() < 1440  # restored, not the default size


def test_preview_link_opens_only_after_confirmation(make_window, monkeypatch):
    from PySide6.QtCore import QUrl

    from glmocr_desktop.gui import preview as preview_mod

    asked = []
    monkeypatch.setattr(preview_mod, "confirm_and_open", lambda url, parent: asked.append(url.toString()))
    window = make_window(autoload=False)
    window.results.preview.link_clicked.emit(QUrl("https://example.org/x"))
    assert asked == ["https://example.org/x"]
    assert window.action_set.act_settings.shortcut().toString() == "Ctrl+,"


def test_cut_and_truncated_results_say_so_in_the_list_and_above_the_preview(qtbot, make_window):
    from glmocr_desktop.core.jobs import Job, Timings
    from glmocr_desktop.core.results import Generation, finish_result
    from glmocr_desktop.core.tasks import Task
    from glmocr_desktop.gui.result_pane import ResultEntry

    w = make_window()
    pane = w.results
    looped = finish_result(Job(image=None, task=Task.TEXT), Generation(raw_text="Total\n" + "0." * 3000),
                           model="m", device="cpu", timings=Timings())
    limited = finish_result(Job(image=None, task=Task.TEXT, max_new_tokens=64),
                            Generation(raw_text="The first lines", budget_hit=True),
                            model="m", device="cpu", timings=Timings())
    for i, result in enumerate((looped, limited)):
        entry = ResultEntry(id=f"r{i}", label=f"Region {i + 1}", task=Task.TEXT)
        pane.add(entry)
        pane.finish(entry, result)
    assert "loop cut" in pane.row_text(pane.entries[0])
    assert "token limit reached" in pane.row_text(pane.entries[1])
    pane.select(pane.entries[0])
    assert pane.cut_banner.isVisibleTo(pane) and "repeating" in pane.cut_banner.text()
    pane.select(pane.entries[1])
    assert pane.cut_banner.isVisibleTo(pane) and "64" in pane.cut_banner.text()
