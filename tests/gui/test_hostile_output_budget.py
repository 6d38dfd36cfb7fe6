"""Hostile output, round 2, against the real preview: what sanitised content may cost, flow control, crashes.

Every payload here passed the sanitiser unchanged and froze or crashed the app before (span bombs, KaTeX
amplification, a flood of updates, preconnects). Each test bounds the time it may take (generously: a
freeze shows as tens of seconds) and, where the finding was memory, the renderer's resident memory.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time

import pytest

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()  # before pytest-qt creates the QApplication

from PySide6.QtCore import QUrl

from glmocr_desktop.core.budget import LIMITS
from glmocr_desktop.gui.preview import CRASH_NOTICE, js_call, link_question, link_refusal

pytestmark = pytest.mark.gui

SPAN_CELL = '<td colspan="1000" rowspan="1000">x</td>'
ROW_BOMB = "<table>" + f"<tr>{SPAN_CELL}</tr>" * 200 + "</table>"  # 9.8 KB: froze 24-47 s at 1.7 GB
BIG_ROW_BOMB = "<table>" + f"<tr>{SPAN_CELL}</tr>" * 1500 + "</table>"  # 73 KB: crashed it at ~3 GB
#: Macro amplification that a 1.1 KB formula used: tens of thousands of nodes from a few expansions.
KATEX_BOMB = (
    r"\def\a{\frac{x}{y}\frac{x}{y}\frac{x}{y}\frac{x}{y}\frac{x}{y}}\def\b{\a\a\a\a\a\a\a\a\a\a}"
    r"\def\c{\b\b\b\b\b\b\b\b\b\b}\c\c\c\c"
)


def js(qtbot, view, expression: str, timeout: int = 30_000):
    box: list = []
    view.query(expression, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=timeout)
    return box[0]


def renderer_rss_mb(view) -> float:
    """Resident memory of the page's renderer process (what grew to gigabytes before)."""
    pid = view.page.renderProcessPid()
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def alive(qtbot, view) -> None:
    assert js(qtbot, view, "1 + 1") == 2
    assert js(qtbot, view, "typeof setBlocks") == "function"


class Outstanding:
    """Counts page updates sent and not yet answered (wraps the view's run_js; the page is real)."""

    def __init__(self, view, monkeypatch) -> None:
        self.now = self.most = self.sent = 0
        self.scripts: list[str] = []
        run_js = view.run_js

        def counting(script, callback=None):
            self.scripts.append(script)
            if "setBlocks" in script and callback is not None:
                self.now += 1
                self.sent += 1
                self.most = max(self.most, self.now)

                def done(value):
                    self.now -= 1
                    callback(value)

                return run_js(script, done)
            return run_js(script, callback)

        monkeypatch.setattr(view, "run_js", counting)


@pytest.mark.parametrize("payload", [ROW_BOMB, BIG_ROW_BOMB], ids=["9.8-KB", "73-KB"])
def test_span_bomb_shows_a_notice_quickly_and_small(qtbot, preview, payload):
    started = time.monotonic()
    preview.set_text(f"Before.\n\n{payload}\n\nAfter.", "table")
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") == 3, timeout=20_000)
    assert time.monotonic() - started < 20  # was 24-47 s, or a crash
    notice = js(qtbot, preview, "document.querySelector('.over-budget .notice').textContent")
    assert "cells" in notice and "plain text" in notice
    assert js(qtbot, preview, "document.querySelectorAll('#content td').length") == 0
    assert "colspan" in js(qtbot, preview, "document.querySelector('.over-budget pre').textContent")
    assert renderer_rss_mb(preview) < 700  # was 1.7-3 GB
    alive(qtbot, preview)


def test_katex_amplification_is_refused_before_the_page(qtbot, preview):
    preview.set_text(f"Formula: ${KATEX_BOMB}$ done.")
    qtbot.waitUntil(lambda: js(qtbot, preview, "document.querySelectorAll('code.math-source').length") == 1)
    assert js(qtbot, preview, "previewState().katex") == 0
    assert "defines macros" in js(qtbot, preview, "document.querySelector('#content .notice').textContent")


def test_katex_output_is_counted_in_the_page_before_it_is_attached(qtbot, preview):
    """The sanitiser and the budget bypassed: the page's own node check still holds."""
    started = time.monotonic()
    preview.run_js(js_call("setBlocks", 0, [f'<p><span class="math inline">{KATEX_BOMB}</span> ok</p>'], 1))
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().overBudget") == 1, timeout=30_000)
    assert time.monotonic() - started < 30  # was 38-51 s
    assert js(qtbot, preview, "previewState().katexNodes") == 0
    assert js(qtbot, preview, "document.querySelectorAll('#content *').length") < 50
    assert "elements" in js(qtbot, preview, "document.querySelector('.math-over-budget .notice').textContent")
    alive(qtbot, preview)
    preview.set_text("Fine: $x^2$")
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().katex") == 1)


def test_tex_colours_cannot_hide_or_cover_text(qtbot, preview):
    preview.set_text(
        r"A $\color{white}{hidden}$ B $\colorbox{black}{boxed}$ C $\textcolor{#ffffff}{white}$ "
        r"D $\color{transparent}{gone}$ E $\llap{over}x$"
    )
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().katex") == 3)
    text_colour = js(qtbot, preview, "getComputedStyle(document.querySelector('#content p')).color")
    colours = js(
        qtbot,
        preview,
        "[...document.querySelectorAll('.katex-html .mord')].filter(e => !e.children.length)"
        ".map(e => getComputedStyle(e).color)",
    )
    assert colours and set(colours) == {text_colour}
    backgrounds = js(
        qtbot, preview,
        "[...document.querySelectorAll('.katex-html *')].map(e => getComputedStyle(e).backgroundColor)",
    )
    assert set(backgrounds) <= {"rgba(0, 0, 0, 0)"}
    # transparent colour and overlap are refused: shown as source, with the notice
    assert js(qtbot, preview, "document.querySelectorAll('code.math-source').length") == 2


def test_updates_wait_for_the_page_and_only_the_newest_waits(qtbot, preview, monkeypatch):
    """Streaming and whole-result updates alike: never more than one in the page's queue."""
    counter = Outstanding(preview, monkeypatch)
    heavy = "$$" + " + ".join(f"\\frac{{x_{{{i}}}}}{{y_{{{i}}}}}" for i in range(300)) + "$$\n\n"
    text = ""
    for i in range(120):
        text += heavy if i % 20 == 0 else f"line {i}\n"
        if i % 7 == 0:
            preview.set_text(text)
        else:
            preview.stream_text(text)
        qtbot.wait(1)
    final = text + "The end.\n"
    started = time.monotonic()
    preview.set_text(final)
    qtbot.waitUntil(lambda: counter.now == 0 and preview.text == final, timeout=30_000)
    qtbot.waitUntil(
        lambda: "The end." in js(qtbot, preview, "document.getElementById('content').lastElementChild.textContent"),
        timeout=30_000,
    )
    assert time.monotonic() - started < 30  # the finished result was 52-121 s late
    assert counter.most == 1
    assert counter.sent < 120
    assert js(qtbot, preview, "previewState().blocks") == len(preview.blocks)


def test_a_renderer_crash_shows_that_content_as_plain_text_and_never_sends_it_again(qtbot, preview, monkeypatch):
    counter = Outstanding(preview, monkeypatch)
    crashes: list[str] = []
    preview.renderer_crashed.connect(crashes.append)
    preview.set_text("Intro.")
    qtbot.waitUntil(lambda: counter.now == 0 and js(qtbot, preview, "previewState().blocks") == 1)
    # heavy enough (KaTeX) that the page is still working on it when the renderer is killed
    heavy = " + ".join(f"\\frac{{x_{{{i}}}}}{{y_{{{i}}}}}" for i in range(400))
    culprit = f"A table: <table><tr><td>deadly</td><td>cell</td></tr></table> ${heavy}$"
    preview.set_text("Intro.\n\n" + culprit)
    assert preview._awaiting_ack  # the update is in the page's hands now
    os.kill(preview.page.renderProcessPid(), signal.SIGKILL)
    qtbot.waitUntil(lambda: bool(crashes), timeout=10_000)
    qtbot.waitUntil(lambda: preview.is_ready, timeout=30_000)
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") == 2, timeout=10_000)
    assert len(crashes) == 1 and "plain text" in crashes[0]
    assert CRASH_NOTICE in js(qtbot, preview, "document.querySelector('.over-budget .notice').textContent")
    assert "deadly\tcell" in js(qtbot, preview, "document.querySelector('.over-budget pre').textContent")
    assert js(qtbot, preview, "document.querySelectorAll('.over-budget').length") == 1  # "Intro." is kept
    assert js(qtbot, preview, "document.querySelectorAll('#content td').length") == 0
    crash_at = len(counter.scripts)
    preview.set_text("Intro.\n\n" + culprit + "\n\nMore.")
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") == 3, timeout=10_000)
    assert not [s for s in counter.scripts[crash_at:] if "deadly\\u003c/td\\u003e" in s]
    assert len(crashes) == 1


def test_a_second_crash_soon_after_shows_everything_as_plain_text(qtbot, preview):
    crashes: list[str] = []
    preview.renderer_crashed.connect(crashes.append)
    preview.set_text("Some $x^2$ math.")
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().katex") == 1)
    for n in (1, 2):
        qtbot.waitUntil(lambda: not preview._awaiting_ack, timeout=10_000)
        os.kill(preview.page.renderProcessPid(), signal.SIGKILL)
        qtbot.waitUntil(lambda n=n: len(crashes) == n, timeout=10_000)
        qtbot.waitUntil(lambda: preview.is_ready, timeout=30_000)
    qtbot.waitUntil(lambda: js(qtbot, preview, "document.querySelectorAll('.over-budget').length") == 1)
    assert js(qtbot, preview, "previewState().katex") == 0
    assert "reloaded" in crashes[0] and "plain text" in crashes[1]


@pytest.fixture
def listener():
    """A TCP port that counts every connection made to it (a preconnect sends no request at all)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(0.2)
    accepted: list = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, addr = srv.accept()
            except OSError:
                continue
            accepted.append(addr)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield srv.getsockname()[1], accepted
    stop.set()
    thread.join(2)
    srv.close()


def test_no_connection_of_any_kind_even_past_the_sanitiser(qtbot, preview, listener):
    port, accepted = listener
    hosts = [f"127.0.0.1:{port}", f"localhost:{port}", f"attacker.example:{port}"]
    rels = ["preconnect", "dns-prefetch", "prefetch", "preload", "prerender", "modulepreload", "stylesheet"]
    markup = "".join(f'<link rel="{r}" href="http://{h}/{r}" as="script">' for r in rels for h in hosts)
    markup += f'<a href="http://{hosts[0]}/a" ping="http://{hosts[0]}/ping">a</a>'
    preview.run_js(js_call("setBlocks", 0, [markup + "<p>after</p>"], 1))
    preview.run_js("document.querySelectorAll('#content a').forEach(a => a.click())")
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") == 1)
    qtbot.wait(1500)
    assert accepted == []
    alive(qtbot, preview)


def test_local_files_outside_the_preview_assets_are_not_loaded(qtbot, preview):
    from glmocr_desktop.resources import RESOURCES

    icon = next(p for p in (RESOURCES / "icons").rglob("*") if p.is_file())
    urls = [QUrl.fromLocalFile(str(icon)).toString(), "file:///etc/passwd"]
    preview.run_js(js_call("setBlocks", 0, [''.join(f'<link rel="stylesheet" href="{u}">' for u in urls)], 1))
    qtbot.waitUntil(lambda: len(preview.blocked_requests) >= 2, timeout=10_000)
    blocked = {b.url for b in preview.blocked_requests}
    assert set(urls) <= blocked
    assert not [u for u in preview.interceptor.allowed if "/icons/" in u or "passwd" in u]


def test_streaming_a_14_kb_formula_leaves_no_memory_behind(qtbot, preview):
    formula = "$$" + " + ".join(f"\\frac{{a_{{{i}}}}}{{b_{{{i}}}}}" for i in range(700)) + "$$"
    assert len(formula) > 14_000
    before = renderer_rss_mb(preview)
    for i in range(200, len(formula) + 1, 200):
        preview.stream_text(formula[:i], "formula")
        qtbot.wait(5)
    preview.set_text(formula, "formula")
    qtbot.waitUntil(lambda: not preview._awaiting_ack, timeout=60_000)
    state = js(qtbot, preview, "previewState()")
    assert state["cacheNodes"] <= LIMITS.katex_cache_nodes
    preview.clear()
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") == 0)
    preview.run_js("window.gc && window.gc()")
    qtbot.wait(500)
    after = renderer_rss_mb(preview)
    assert after - before < 300, (before, after)  # was ~800 MB kept


def test_the_link_dialog_shows_the_real_site_and_refuses_attachments(qtbot, monkeypatch):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QMessageBox

    from glmocr_desktop.gui.preview import confirm_and_open

    asked: list[str] = []
    told: list[str] = []
    opened: list[QUrl] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda p, t, text, *a: asked.append(text)
                                                              or QMessageBox.StandardButton.Cancel))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda p, t, text, *a: told.append(text)))
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    bank = QUrl("http://www.bank.example.com@evil/login")
    assert confirm_and_open(bank) is False
    assert "site:\n\n    evil\n" in asked[0] and "is not the site" in asked[0]
    assert link_question(bank).index("evil") < link_question(bank).index("www.bank.example.com")
    for mail in ("mailto:a@b.example?attach=/etc/passwd", "mailto:a@b.example?subject=x&ATTACHMENT=~/.ssh/id_rsa"):
        assert link_refusal(QUrl(mail)) is not None
        assert confirm_and_open(QUrl(mail)) is False
    assert len(told) == 2 and len(asked) == 1 and opened == []
    assert link_refusal(QUrl("mailto:a@b.example?subject=hello")) is None


# --- fuzz -----------------------------------------------------------------------------------------

FUZZ_PIECES = [
    ROW_BOMB,
    SPAN_CELL * 20,
    f"${KATEX_BOMB}$",
    "\\(" * 3000,
    "\\[\n" * 500,
    "$" * 2001,
    "<div>" * 300 + "deep" + "</div>" * 300,
    r"$\color{white}{x}\colorbox{black}{y}$",
    '<link rel="preconnect" href="http://127.0.0.1:9/">',
    "<table>" + "<tr><td>a</td><td>b</td></tr>" * 300 + "</table>",
    "$$" + "x^{" * 200 + "1" + "}" * 200 + "$$",
    "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 200,
    "Plain words and $x_i$ math.",
    "<script>window.__pwned=1</script>",
    '<img src="http://127.0.0.1:9/p.gif">',
]


def test_fuzz_random_hostile_combinations_streamed(qtbot, preview, listener, monkeypatch):
    port, accepted = listener
    counter = Outstanding(preview, monkeypatch)
    rng = random.Random(16)
    pieces = FUZZ_PIECES + [f'<link rel="preconnect" href="http://127.0.0.1:{port}/">']
    deadline = time.monotonic() + 8
    rounds = 0
    while time.monotonic() < deadline:
        text = "\n\n".join(rng.choice(pieces) for _ in range(rng.randint(2, 6)))
        task = rng.choice(["text", "text", "table", "formula"])
        step = max(1, len(text) // 15)
        for i in range(step, len(text) + step, step):
            preview.stream_text(text[:i], task)
            qtbot.wait(rng.choice([0, 1, 5]))
        preview.set_text(text, task)
        rounds += 1
    qtbot.waitUntil(lambda: counter.now == 0, timeout=60_000)  # the page catches up, bounded
    assert counter.most == 1
    assert rounds >= 3
    assert js(qtbot, preview, "previewState().blocks") == len(preview.blocks)
    assert js(qtbot, preview, "typeof window.__pwned") == "undefined"
    assert accepted == []
    assert renderer_rss_mb(preview) < 1000
    alive(qtbot, preview)


def test_result_pane_copies_a_span_bomb_at_once_and_says_why_cells_are_not_merged(qtbot):
    """Ctrl+C on a Table result holding the 64-character bomb (it locked the GUI thread for 26 s)."""
    from PySide6.QtWidgets import QApplication

    from glmocr_desktop.core.jobs import JobState
    from glmocr_desktop.core.tasks import Task
    from glmocr_desktop.gui.result_pane import ResultEntry, ResultPane

    pane = ResultPane()
    qtbot.addWidget(pane)
    messages: list[str] = []
    pane.message.connect(messages.append)
    bomb = f"<table><tr>{SPAN_CELL}</tr></table>"
    entry = ResultEntry(id="r1", label="bomb", task=Task.TABLE, text=bomb, state=JobState.DONE)
    pane.add(entry)
    started = time.monotonic()
    assert pane.copy_as(None)
    assert pane.copy_as("markdown_table") and pane.copy_as("tsv") and pane.copy_as("text")
    assert time.monotonic() - started < 10
    assert QApplication.clipboard().text() == "x"
    assert any("too large to expand its merged cells" in m for m in messages)
    # a crash of the pane's preview is said in the pane's messages
    pane.preview.renderer_crashed.emit("The preview stopped while showing this result; it was reloaded.")
    assert messages[-1].startswith("The preview stopped")
