"""``glmocr-desktop --self-check``: what works on this computer, one line per part, before anyone has to
read a log. Checks the real things: the preview page typesets a formula in QtWebEngine, torch imports
and sees the GPU, the model is found where the app would look for it.

Exit status 0 when everything the window needs works (a missing model is not a failure: the app offers
the download at first start), 1 otherwise.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass

from glmocr_desktop import APP_ID, APP_NAME, __version__


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True

    def line(self) -> str:
        mark = "ok  " if self.ok else ("FAIL" if self.required else "--  ")
        return f"{mark} {self.name}: {self.detail}"


def _check(name: str, probe: Callable[[], str], required: bool = True) -> Check:
    try:
        return Check(name, True, probe(), required)
    except Exception as exc:  # every failure becomes a line of the report, never a traceback
        return Check(name, False, f"{type(exc).__name__}: {exc}".strip(), required)


def _assets() -> str:
    from glmocr_desktop.resources import RESOURCES, resource

    needed = [resource("icons", f"{APP_ID}.svg"), resource("katex", "katex.min.js"),
              resource("preview", "preview.html"), resource("desktop", f"{APP_ID}.desktop")]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        raise FileNotFoundError("missing " + ", ".join(missing))
    return str(RESOURCES)


def _qt_and_preview(timeout_ms: int = 30_000) -> tuple[Check, Check]:
    """Qt itself, then the preview page typesetting ``$x^2$`` with KaTeX in QtWebEngine."""
    try:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a check over ssh needs no screen
        from glmocr_desktop.gui.webengine import prepare_webengine

        prepare_webengine()
        import PySide6
        from PySide6.QtCore import QEventLoop, QTimer, qVersion
        from PySide6.QtGui import QGuiApplication, QIcon
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is None:
            QApplication([APP_ID])
        from glmocr_desktop.resources import resource

        icon = QIcon(str(resource("icons", f"{APP_ID}.svg")))
        qt = Check("Qt", not icon.isNull(), f"Qt {qVersion()}, PySide6 {PySide6.__version__}, "
                   f"platform {QGuiApplication.platformName()}" + ("" if not icon.isNull() else ", the icon does not load"))
    except Exception as exc:
        failed = Check("Qt", False, f"{type(exc).__name__}: {exc}")
        return failed, Check("WebEngine preview", False, "needs Qt")

    def probe() -> str:
        import shiboken6

        from glmocr_desktop.gui.preview import PreviewView

        view = PreviewView()
        try:
            view.resize(400, 300)
            loop = QEventLoop()
            waited = 0
            while not view.is_ready and waited < timeout_ms:
                QTimer.singleShot(50, loop.quit)
                loop.exec()
                waited += 50
            if not view.is_ready:
                raise TimeoutError(f"the preview page did not load within {timeout_ms // 1000} s")
            view.set_text("Self-check: $x^2$")
            count = 0
            while waited < timeout_ms:
                count = int(view.evaluate("document.querySelectorAll('.katex').length") or 0)
                if count:
                    break
                QTimer.singleShot(100, loop.quit)
                loop.exec()
                waited += 100
            if not count:
                raise RuntimeError("the page loaded but KaTeX typeset nothing")
            return f"KaTeX typeset a formula ({count} node(s)), {len(view.blocked_requests)} request(s) blocked"
        finally:
            view.close()
            shiboken6.delete(view)

    return qt, _check("WebEngine preview", probe)


def _torch() -> tuple[Check, Check]:
    def probe() -> str:
        import torch

        return f"torch {torch.__version__}"

    torch_check = _check("torch", probe)
    if not torch_check.ok:
        return torch_check, Check("GPU", False, "needs torch", required=False)

    def gpu() -> str:
        import torch

        if torch.cuda.is_available():
            return f"CUDA {torch.version.cuda}: {torch.cuda.get_device_name(0)}"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "Apple MPS"
        raise RuntimeError("no CUDA or MPS device: the model runs on the CPU (slow; select regions)")

    return torch_check, _check("GPU", gpu, required=False)


def _model(spec: str) -> Check:
    def probe() -> str:
        from glmocr_desktop.engines.modelfiles import resolve_model

        return f"{spec} at {resolve_model(spec)}"

    found = _check("model", probe, required=False)
    if not found.ok:
        found.detail = f"{spec} is not on this computer yet: the app offers the download at first start"
    return found


def run(model: str | None = None, out: Callable[[str], None] = print) -> int:
    """Print the report through ``out``; returns the exit status."""
    from glmocr_desktop.core import paths

    out(f"{APP_NAME} {__version__} on Python {platform.python_version()}, {platform.platform()}")
    out(f"installed at {os.path.dirname(os.path.abspath(__file__))}"
        + (" (bundle)" if getattr(sys, "frozen", False) else ""))
    checks = [_check("assets", _assets)]
    checks += _qt_and_preview()
    checks += _torch()
    checks.append(_model(model or paths.default_model()))
    for c in checks:
        out(c.line())
    failed = [c for c in checks if c.required and not c.ok]
    out("Everything the window needs works." if not failed else
        "Not working: " + ", ".join(c.name for c in failed) + ".")
    return 1 if failed else 0
