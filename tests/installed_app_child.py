"""Run by tests/test_packaging.py with the interpreter of a fresh environment the built wheel was
installed into (not editable, not this checkout): the window opens a page, shows its icon, and the
preview typesets math. Prints one JSON line with what it saw; exits non-zero when something is off.

    python installed_app_child.py PAGE.png
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import glmocr_desktop

    seen: dict = {"package": glmocr_desktop.__file__, "prefix": sys.prefix}
    from glmocr_desktop.app import _dispose, create_app
    from glmocr_desktop.resources import RESOURCES

    app, window = create_app([sys.argv[1], "--no-autoload", "--new-instance"])
    seen["resources"] = str(RESOURCES)
    seen["window_icon"] = not app.windowIcon().isNull()
    seen["desktop_file_name"] = app.desktopFileName()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (window.docs and window.view.page is not None):
        app.processEvents()
        time.sleep(0.02)
    seen["documents"] = len(window.docs)
    seen["visible"] = window.isVisible()
    preview = window.preview
    while time.monotonic() < deadline and not preview.is_ready:
        app.processEvents()
        time.sleep(0.02)
    seen["preview_ready"] = preview.is_ready
    katex = 0
    if preview.is_ready:
        preview.set_text("Installed: $E = mc^2$\n\n$$\\frac{a}{b}$$")
        while time.monotonic() < deadline and not katex:
            katex = int(preview.evaluate("document.querySelectorAll('.katex').length") or 0)
            app.processEvents()
        seen["katex_font_loaded"] = bool(preview.evaluate(
            "document.fonts.check('16px KaTeX_Main') || document.fonts.size > 0"))
        seen["blocked_requests"] = len(preview.blocked_requests)
    seen["katex_nodes"] = katex
    _dispose(app, window)
    print(json.dumps(seen))
    ok = (seen["window_icon"] and seen["documents"] == 1 and seen["preview_ready"] and katex >= 2
          and seen["package"].startswith(sys.prefix) and seen["resources"].startswith(sys.prefix))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
