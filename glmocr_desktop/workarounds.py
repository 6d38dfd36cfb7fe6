"""Process-wide workarounds for the libraries underneath: each one named, dated and explained, in one place.

Why a module of its own: these change global state (interpreter singletons, environment variables,
library globals) that every part of the process shares, so where and when they run matters and must be
seen at a glance. Every function is idempotent and imports its library only when called, so any layer
may call it without pulling in Qt or torch.

Who calls what: ``app.create_app`` calls :func:`before_qt` first thing; ``gui.webengine.prepare_webengine``
(the hook tests use before their QApplication) calls it too. The Pillow and MuPDF guards protect
decoding itself, so the core modules that decode (``core.imaging``, ``core.documents``) apply them when
imported: the CLI, the window, tests and benchmarks all get them without remembering to.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

log = logging.getLogger(__name__)

__all__ = [
    "before_qt",
    "ensure_std_streams",
    "guard_singleton_refcounts",
    "limit_pillow_decoding",
    "preload_triton",
    "quiet_mupdf",
    "set_chromium_flags",
]


def preload_triton() -> bool:
    """Load Triton's compiler library before Qt brings in the system OpenGL driver (Linux).

    Applies to: Linux with Mesa OpenGL drivers and a torch build that ships Triton (torch 2.x).
    Mesa's drivers link the system LLVM; Triton ships its own. When Triton is loaded second (torch
    imports it lazily on the inference thread), the two clash and the process crashes. Loading the
    small Triton package first (~0.2 s, no torch) avoids that; skipped where Triton is absent or when
    ``GLMOCR_NO_TRITON_PRELOAD`` is set. Returns whether Triton was loaded.
    """
    from glmocr_desktop.core import paths

    if not sys.platform.startswith("linux") or not paths.triton_preload_wanted():
        return False
    import importlib.util

    try:
        if importlib.util.find_spec("triton") is None:
            return False
        import triton  # noqa: F401
    except Exception:
        log.debug("triton preload failed", exc_info=True)
        return False
    return True


#: Interpreter-wide singletons that C code may hand out without taking a reference.
_SINGLETONS: tuple[object, ...] = (None, True, False, Ellipsis, NotImplemented, (), "", b"", *range(-5, 257))


def guard_singleton_refcounts() -> bool:
    """Work around PySide6 6.12 dropping references to ``None``, ``True`` and ``False``.

    Applies to: PySide6 6.12.x on CPython < 3.12 (3.12 made these singletons immortal itself). The
    declared dependencies no longer install that pair (pyproject.toml: PySide6 6.8-6.11 below Python
    3.12, 6.12 from 3.12 on), so the guard is a no-op in a fresh install and stays only for
    environments that already hold 6.12 on an older Python (it checks the installed version).
    Under PySide6 6.12 every call of a void method (``setObjectName()``, ``processEvents()``) takes a
    reference from ``None`` and every ``Signal.emit()`` one from ``True``/``False``; after a few
    thousand calls the interpreter aborts with "none_dealloc: deallocating None" / "bool_dealloc".
    Giving each singleton an unreachable reference count makes it immortal, as Python 3.12 does.
    Returns whether the guard is in place.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    try:
        from importlib.metadata import version

        pyside = version("PySide6-Essentials")
    except Exception:
        return False
    if not pyside.startswith("6.12."):
        return False
    import ctypes

    for obj in _SINGLETONS:
        refcnt = ctypes.c_ssize_t.from_address(id(obj))
        if refcnt.value < 1 << 60:
            refcnt.value += 1 << 60
    return True


#: Streaming replaces DOM subtrees many times a second. Chromium leaves the detached nodes to a full
#: garbage collection that, with the page's small JavaScript heap, it does not schedule on its own:
#: measured, the renderer grew ~150 KB per update (~0.5 GB over a long result). The preview's script
#: calls gc() now and then when it exists; with it the renderer stays flat. Only the page's own script
#: can call it (the Content-Security-Policy lets no other script run).
_GC_FLAGS = ("--js-flags=--expose-gc",)
#: The preview never needs a host name or an address, so Chromium may resolve none: ``<link
#: rel=preconnect>`` and DNS prefetching open connections without a request that the request
#: interceptor or the Content-Security-Policy would see. With every name (IP literals included) mapped
#: to "not found" no connection of any kind can be made, whatever markup gets past the sanitiser.
#: Qt splits the variable like a shell, so the quoted rule stays one argument.
_NO_NETWORK_FLAGS = ('--host-resolver-rules="MAP * ~NOTFOUND"', "--dns-prefetch-disable")
_SANDBOX_FLAGS = ("--no-sandbox", "--disable-gpu")


def set_chromium_flags() -> str:
    """Add what the preview needs to ``QTWEBENGINE_CHROMIUM_FLAGS``; must run before QtWebEngine starts.

    Applies to: QtWebEngine of Qt 6 (its Chromium reads the variable once, at start-up).
    ``--js-flags=--expose-gc`` lets the preview free detached DOM (see above); a ``--js-flags`` the user
    set is kept as it is. The preview may resolve no host at all (``_NO_NETWORK_FLAGS``). As root (CI, containers) Chromium refuses to start with its sandbox, so only
    then it runs without it (and without the GPU, which containers rarely have); a normal user keeps
    the sandbox. Flags already present are not repeated. Returns the resulting value.
    """
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    wanted = list(_GC_FLAGS) + list(_NO_NETWORK_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        wanted += _SANDBOX_FLAGS
    for flag in wanted:
        name = flag.split("=", 1)[0] + ("=" if "=" in flag else "")
        if flag not in flags and not (
            "=" in flag and any(f.startswith(name) for f in flags)  # the user's own value is kept
        ):
            flags.append(flag)
    value = " ".join(flags)
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = value
    return value


def ensure_std_streams() -> bool:
    """Give the process a standard output and error when it has none; returns whether it changed them.

    Applies to: a Windows gui-script (``glmocr-desktop.exe`` from pip, a windowed bundle) and any start
    with closed descriptors, where Python sets ``sys.stdout``/``sys.stderr`` to ``None`` and the first
    ``print`` (argparse's ``--help``, the CLI's progress) raises. On Windows the console of the parent
    (``cmd``, PowerShell) is attached, so ``glmocr-desktop ocr ...`` typed there prints there; without
    one, or elsewhere, output goes to the null device (the log file still records errors).
    """
    if sys.stdout is not None and sys.stderr is not None:
        return False
    console = None
    if sys.platform == "win32":  # pragma: no cover - Windows only
        try:
            import ctypes

            if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
                console = "CONOUT$"
        except Exception:
            console = None
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            try:
                stream = open(console or os.devnull, "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            except OSError:
                stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
            setattr(sys, name, stream)
    return True


def before_qt() -> None:
    """Everything that must happen before the first Qt library loads and the QApplication exists."""
    preload_triton()
    guard_singleton_refcounts()
    set_chromium_flags()


def limit_pillow_decoding(max_pixels: int) -> None:
    """Put Pillow's decompression-bomb guard at our own page cap and make its warning an error.

    Applies to: every Pillow (its default warns above ~89 MP and refuses above twice that).
    We refuse larger pictures ourselves with a clear message; with Pillow's guard at the same place its
    warning becomes an exception that the image loader turns into a typed error, instead of a warning
    that lets a bomb decode.
    """
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


def quiet_mupdf() -> None:
    """Stop MuPDF printing repair notes and errors to stderr.

    Applies to: PyMuPDF 1.19+ (``TOOLS.mupdf_display_errors`` / ``mupdf_display_warnings``; builds
    without them are left alone). The same notes reach us as exceptions and document warnings, which
    the app reports in its own words; a terminal full of MuPDF lines helps nobody.
    """
    try:  # pragma: no cover - depends on the PyMuPDF build
        import pymupdf

        pymupdf.TOOLS.mupdf_display_errors(False)
        pymupdf.TOOLS.mupdf_display_warnings(False)
    except Exception:
        log.debug("MuPDF messages could not be silenced", exc_info=True)
