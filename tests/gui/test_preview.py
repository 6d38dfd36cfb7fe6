"""The real PreviewView in a real QWebEngineView (offscreen): KaTeX, tables, streaming, links, themes."""

from __future__ import annotations

import os
import threading

import pytest
import shiboken6

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()  # before pytest-qt creates the QApplication

from PySide6.QtCore import QUrl

from glmocr_desktop.core.render import render_markdown
from glmocr_desktop.gui.preview import PreviewView, js_call, js_literal

pytestmark = pytest.mark.gui

DOC = r"""# Measurements

The area is $x^2$ and the ratio is

$$\frac{a}{b}$$

| Item | Count |
|------|------:|
| pens | 3 |
| ink | 12 |

<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>

Done.
"""


def dispose(view: PreviewView) -> None:
    """Delete now, children in order (view, page, then profile): a deleteLater() left for the end of
    the session would release the profile while its page still exists."""
    view.close()
    shiboken6.delete(view)


def js(qtbot, view: PreviewView, script: str, timeout: int = 10_000):
    box: list = []
    view.query(script, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=timeout)
    return box[0]


def state(qtbot, view):
    return js(qtbot, view, "previewState()")


def test_katex_renders_inline_and_display_math(qtbot, preview):
    preview.set_text(DOC)
    qtbot.waitUntil(lambda: state(qtbot, preview)["katex"] >= 2)
    assert js(qtbot, preview, "document.querySelectorAll('span.math.inline .katex').length") == 1
    assert js(qtbot, preview, "document.querySelectorAll('div.math.display .katex-display').length") == 1
    # the fraction was typeset, not shown as source
    assert js(qtbot, preview, "document.querySelectorAll('.katex .mfrac').length") == 1
    assert state(qtbot, preview)["errors"] == 0


def test_tables_have_their_cells(qtbot, preview):
    preview.set_text(DOC)
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] == len(render_markdown(DOC)))
    cells = js(qtbot, preview, "[...document.querySelectorAll('td, th')].map(c => c.textContent.trim())")
    assert cells == ["Item", "Count", "pens", "3", "ink", "12", "A", "B", "1", "2"]
    assert js(qtbot, preview, "getComputedStyle(document.querySelector('td')).borderTopStyle") == "solid"
    assert (
        js(qtbot, preview, "getComputedStyle(document.querySelector('td.align-right')).textAlign") == "right"
    )


def test_streaming_ends_with_the_final_text(qtbot, preview):
    sent: list[tuple[int, int]] = []
    preview.updated.connect(lambda start, total: sent.append((start, total)))
    for i in range(1, len(DOC) + 1, 3):
        preview.stream_text(DOC[:i])
        if i % 30 == 1:
            qtbot.wait(5)
    preview.stream_text(DOC)
    expected = len(render_markdown(DOC))
    qtbot.waitUntil(lambda: bool(sent) and sent[-1][1] == expected)
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] == expected)
    streamed = js(qtbot, preview, "document.getElementById('content').innerHTML")
    assert state(qtbot, preview)["katex"] == 2
    # throttled: far fewer page updates than stream_text calls
    assert len(sent) < len(DOC) // 3
    # later updates only touched the tail
    assert any(start > 0 for start, _ in sent)

    preview.clear()
    preview.set_text(DOC)
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] == expected)
    assert js(qtbot, preview, "document.getElementById('content').innerHTML") == streamed


def test_a_burst_of_stream_calls_is_one_update(qtbot, preview):
    sent: list[tuple[int, int]] = []
    preview.updated.connect(lambda start, total: sent.append((start, total)))
    for i in range(200):
        preview.stream_text(f"word {i} " * 3)
    qtbot.waitUntil(lambda: len(sent) >= 1)
    qtbot.wait(100)
    assert len(sent) == 1
    assert (
        js(qtbot, preview, "document.getElementById('content').textContent.trim()")
        == ("word 199 " * 3).strip()
    )


def test_clear(qtbot, preview):
    preview.set_text(DOC)
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] > 0)
    preview.clear()
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] == 0)
    assert preview.blocks == []
    preview.stream_text("after clear")
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] == 1)


def test_formula_task(qtbot, preview):
    preview.set_text(r"$$\int_0^1 x^2\,dx = \frac{1}{3}$$", "formula")
    qtbot.waitUntil(lambda: state(qtbot, preview)["katex"] == 1)
    assert js(qtbot, preview, "document.querySelectorAll('.katex-display').length") == 1


def test_bad_tex_shows_source_not_an_exception(qtbot, preview):
    preview.set_text(r"Broken $\frac{a}{$ and fine $y$")
    qtbot.waitUntil(lambda: state(qtbot, preview)["katex"] >= 1)
    assert js(qtbot, preview, "1 + 1") == 2


def test_text_set_before_the_page_is_ready_is_shown(qtbot):
    view = PreviewView()
    try:
        view.set_text(DOC)  # page still loading
        qtbot.waitUntil(lambda: view.is_ready, timeout=30_000)
        qtbot.waitUntil(lambda: state(qtbot, view)["katex"] == 2)
    finally:
        dispose(view)


def test_dark_and_light(qtbot, preview):
    preview.set_dark(True)
    qtbot.waitUntil(lambda: js(qtbot, preview, "document.documentElement.className") == "dark")
    dark_bg = js(qtbot, preview, "getComputedStyle(document.documentElement).backgroundColor")
    preview.set_dark(False)
    qtbot.waitUntil(lambda: js(qtbot, preview, "document.documentElement.className") == "light")
    light_bg = js(qtbot, preview, "getComputedStyle(document.documentElement).backgroundColor")
    assert dark_bg != light_bg
    preview.set_dark(None)
    qtbot.waitUntil(lambda: js(qtbot, preview, "document.documentElement.className") == "")


def test_link_click_is_reported_not_followed(qtbot, preview):
    preview.set_text("[site](https://example.com/page)")
    qtbot.waitUntil(lambda: js(qtbot, preview, "document.querySelectorAll('a').length") == 1)
    with qtbot.waitSignal(preview.link_clicked, timeout=10_000) as blocker:
        preview.run_js("document.querySelector('a').click()")
    assert blocker.args[0] == QUrl("https://example.com/page")
    qtbot.wait(200)
    assert preview.page.url().scheme() == "file"
    assert js(qtbot, preview, "typeof setBlocks") == "function"
    assert "https://example.com/page" in preview.page.refused
    assert preview.blocked_requests == []  # refused before any request was made


def test_follow_the_end_until_the_user_scrolls_up(qtbot, preview):
    text = ""
    for i in range(60):
        text += f"Paragraph {i} with some words.\n\n"
        preview.set_text(text)
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] == 60)
    at_end = "(() => { const d = document.scrollingElement; return d.scrollTop + d.clientHeight >= d.scrollHeight - 30; })()"
    qtbot.waitUntil(lambda: js(qtbot, preview, at_end) is True)
    preview.run_js("window.scrollTo(0, 0)")
    qtbot.waitUntil(lambda: state(qtbot, preview)["follow"] is False)
    preview.set_text(text + "One more.\n")
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] == 61)
    assert js(qtbot, preview, "document.scrollingElement.scrollTop") == 0


def test_only_shipped_files_were_loaded(qtbot, preview):
    preview.set_text(DOC)
    qtbot.waitUntil(lambda: state(qtbot, preview)["katex"] == 2)
    assert preview.blocked_requests == []
    loaded = preview.interceptor.allowed
    assert any(u.endswith("/preview/preview.html") for u in loaded)
    assert any(u.endswith("/katex/katex.min.js") for u in loaded)
    assert all(u.startswith("file://") and "/glmocr_desktop/assets/" in u for u in loaded)


def test_no_csp_violations_from_the_page_itself(qtbot, preview):
    preview.set_text(DOC)
    qtbot.waitUntil(lambda: state(qtbot, preview)["katex"] == 2)
    messages = [m for _, m, _, _ in preview.page.console]
    assert not [m for m in messages if "Content Security Policy" in m or "Trusted Type" in m], messages


def test_grab_png(qtbot, preview, tmp_path):
    preview.set_text(DOC)
    qtbot.waitUntil(lambda: state(qtbot, preview)["katex"] == 2)
    out = tmp_path / "shot.png"
    assert preview.grab_png(out)
    assert out.stat().st_size > 0


def test_calls_from_a_worker_thread_are_refused(preview):
    errors: list[BaseException] = []

    def worker():
        try:
            preview.stream_text("from the wrong thread")
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert errors and "GUI thread" in str(errors[0])


def test_js_literals_cannot_break_out():
    hostile = "</script><script>alert(1)</script>\u2028'\"`${x}"
    lit = js_literal([hostile])
    assert "<" not in lit and ">" not in lit and "\u2028" not in lit
    assert js_call("setBlocks", 0, [hostile], 1).startswith("setBlocks(0, [")
    with pytest.raises(ValueError):
        js_call("alert(1);x", 1)


def test_scripts_cannot_open_windows(qtbot, preview):
    # even the page's own world cannot open a window or a tab
    assert js(qtbot, preview, "window.open('https://example.com/') === null") is True
    assert preview.page.url().scheme() == "file"


def test_the_page_comes_back_after_its_renderer_dies(qtbot, preview):
    import signal

    preview.set_text(DOC)
    qtbot.waitUntil(lambda: state(qtbot, preview)["katex"] == 2)
    pid = preview.page.renderProcessPid()
    assert pid > 0
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: not preview.is_ready, timeout=10_000)
    qtbot.waitUntil(lambda: preview.is_ready, timeout=30_000)
    qtbot.waitUntil(lambda: state(qtbot, preview)["katex"] == 2, timeout=10_000)
    assert state(qtbot, preview)["blocks"] == len(render_markdown(DOC))


def test_confirm_and_open(qtbot, monkeypatch):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QMessageBox

    from glmocr_desktop.gui.preview import confirm_and_open

    opened: list[QUrl] = []
    asked: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    answer = {"value": QMessageBox.StandardButton.Cancel}

    def question(parent, title, text, *args):
        asked.append(text)
        return answer["value"]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    assert confirm_and_open(QUrl("javascript:alert(1)")) is False
    assert confirm_and_open(QUrl("file:///etc/passwd")) is False
    assert asked == [] and opened == []
    assert confirm_and_open(QUrl("https://bücher.example/ä")) is False  # cancelled
    assert "xn--bcher-kva.example" in asked[0]  # the real host is shown, not a look-alike
    answer["value"] = QMessageBox.StandardButton.Open
    assert confirm_and_open(QUrl("https://example.com/")) is True
    assert opened == [QUrl("https://example.com/")]


def test_real_preview_shows_numbers_line_breaks_and_leaders_as_written(qtbot, preview):
    """What the model wrote, through final_text, into the real page: numbers, breaks, leader dots."""
    from glmocr_desktop.core.postprocess import final_text

    raw = (
        "7.4.1 Scope of the agreement\n7.4.2 Terms\n\n"
        "3. first\n5. second\n9. third\n\n"
        "Jane Doe\n12 Harbour Road\nSpringfield\n\n"
        "1 Chapter A ........ 7\n2 Chapter B ............ 19"
    )
    preview.set_text(final_text("text", raw))
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] == 4)
    text = js(qtbot, preview, "document.getElementById('content').innerText")
    assert "7.4.1 Scope of the agreement\n7.4.2 Terms" in text
    # list items keep the numbers on the page, as the browser shows them
    markers = js(qtbot, preview, "[...document.querySelectorAll('ol li')].map(li => li.value)")
    assert markers == [3, 5, 9]
    assert "Jane Doe\n12 Harbour Road\nSpringfield" in text
    assert "1 Chapter A ... 7\n2 Chapter B ... 19" in text
    assert js(qtbot, preview, "document.querySelectorAll('#content ol').length") == 1


def test_streaming_waits_for_the_page_to_finish_each_update(qtbot, preview, monkeypatch):
    """Back-pressure: never more than one streamed update in the page's queue; the newest text wins."""
    outstanding = {"now": 0, "most": 0, "sent": 0}
    run_js = preview.run_js

    def counting(script, callback=None):
        if "setBlocks" in script and callback is not None:
            outstanding["now"] += 1
            outstanding["sent"] += 1
            outstanding["most"] = max(outstanding["most"], outstanding["now"])

            def done(value):
                outstanding["now"] -= 1
                callback(value)

            return run_js(script, done)
        return run_js(script, callback)

    monkeypatch.setattr(preview, "run_js", counting)
    heavy = "$$" + " + ".join(f"\\frac{{x_{{{i}}}}}{{y_{{{i}}}}}" for i in range(150)) + "$$\n\n"
    text = ""
    for i in range(150):
        text += heavy if i % 10 == 0 else f"line {i}\n"
        preview.stream_text(text)
        preview.flush()
        qtbot.wait(1)
    qtbot.waitUntil(lambda: outstanding["now"] == 0, timeout=30_000)
    preview.flush()
    qtbot.waitUntil(lambda: outstanding["now"] == 0, timeout=30_000)
    assert outstanding["most"] == 1
    assert outstanding["sent"] < 150  # updates made while the page was busy were merged
    qtbot.waitUntil(lambda: state(qtbot, preview)["blocks"] == len(preview.blocks), timeout=30_000)
    last = js(qtbot, preview, "document.getElementById('content').lastElementChild.textContent")
    assert "line 149" in last
