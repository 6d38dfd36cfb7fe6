"""QtWebEngine setup: process flags, a locked-down profile and the request filter for the preview.

``prepare_webengine()`` must run before the ``QApplication`` exists (the app and the tests both call it).
The rest builds what :mod:`glmocr_desktop.gui.preview` uses to show untrusted model output: an
off-the-record profile whose every request outside ``resources/`` is blocked and recorded, and page
settings with windows, clipboard, plugins, storage and remote access all off.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from glmocr_desktop.resources import RESOURCES

_SANDBOX_FLAGS = ("--no-sandbox", "--disable-gpu")
#: Streaming replaces DOM subtrees many times a second. Chromium leaves the detached nodes to a full
#: garbage collection that, with the page's small JavaScript heap, it does not schedule on its own:
#: measured, the renderer grew ~150 KB per update (~0.5 GB over a long result). The preview's script
#: calls gc() now and then when it exists; with it the renderer stays flat. Only the page's own script
#: can call it (the Content-Security-Policy lets no other script run).
_GC_FLAGS = ("--js-flags=--expose-gc",)


#: Interpreter-wide singletons that C code may hand out without taking a reference.
_SINGLETONS: tuple[object, ...] = (None, True, False, Ellipsis, NotImplemented, (), "", b"", *range(-5, 257))


def guard_singleton_refcounts() -> bool:
    """Work around PySide6 6.12 dropping references to ``None``, ``True`` and ``False``.

    Under PySide6 6.12 every call of a void method (``setObjectName()``, ``processEvents()``) takes a
    reference from ``None`` and every ``Signal.emit()`` one from ``True``/``False``. On Python < 3.12
    these singletons are not immortal, so after a few thousand calls the interpreter aborts with
    "none_dealloc: deallocating None" / "bool_dealloc". Giving each singleton an unreachable reference
    count makes it immortal, as Python 3.12 does. Nothing happens on 3.12+ or other PySide6 versions.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    try:
        from importlib.metadata import version

        pyside = version("PySide6-Essentials")
    except Exception:  # noqa: BLE001
        return False
    if not pyside.startswith("6.12."):
        return False
    for obj in _SINGLETONS:
        refcnt = ctypes.c_ssize_t.from_address(id(obj))
        if refcnt.value < 1 << 60:
            refcnt.value += 1 << 60
    return True


def prepare_webengine() -> None:
    """Process-wide QtWebEngine setup; call once, before the QApplication is created.

    As root (CI, containers) Chromium refuses to start with its sandbox, so only then it runs without
    it (and without the GPU, which containers rarely have). A normal user keeps the sandbox.
    """
    guard_singleton_refcounts()
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    wanted = list(_GC_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        wanted += _SANDBOX_FLAGS
    for flag in wanted:
        if flag not in flags and not (
            flag.startswith("--js-flags=") and any(f.startswith("--js-flags=") for f in flags)
        ):
            flags.append(flag)
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)

    from PySide6.QtCore import QCoreApplication, Qt

    if QCoreApplication.instance() is None:
        # QtWebEngine shares OpenGL contexts with the widgets; it must be set before the app exists.
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts, True)
    import PySide6.QtWebEngineCore  # noqa: F401  (must be loaded before QApplication)
    import PySide6.QtWebEngineWidgets  # noqa: F401


# Everything below needs QtWebEngine, which prepare_webengine() has imported.
from PySide6.QtCore import QUrl  # noqa: E402
from PySide6.QtWebEngineCore import (  # noqa: E402
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)


@dataclass(frozen=True)
class BlockedRequest:
    url: str
    resource_type: str
    navigation_type: str


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


class ResourceOnlyInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks every request except ``file://`` URLs inside the resources folder, and records the rest.

    ``blocked`` lists what was refused (tests read it: hostile output must not reach the network).
    """

    def __init__(self, root: Path = RESOURCES, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._root = Path(os.path.realpath(root))
        self._lock = threading.Lock()
        self._blocked: list[BlockedRequest] = []
        self._allowed: list[str] = []

    def allows(self, url: QUrl) -> bool:
        if url.scheme() != "file" or url.host() not in ("", "localhost"):
            return False
        local = url.toLocalFile()
        if not local:
            return False
        return _inside(Path(os.path.realpath(local)), self._root)

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt override)
        url = info.requestUrl()
        if self.allows(url):
            with self._lock:
                self._allowed.append(url.toString())
            return
        info.block(True)
        record = BlockedRequest(
            url=url.toString(),
            resource_type=info.resourceType().name,
            navigation_type=info.navigationType().name,
        )
        with self._lock:
            self._blocked.append(record)

    @property
    def blocked(self) -> list[BlockedRequest]:
        with self._lock:
            return list(self._blocked)

    @property
    def allowed(self) -> list[str]:
        with self._lock:
            return list(self._allowed)

    def clear_records(self) -> None:
        with self._lock:
            self._blocked.clear()
            self._allowed.clear()


_A = QWebEngineSettings.WebAttribute

#: Page settings for untrusted content. JavaScript stays on for the page's own script (KaTeX and the
#: block updates); the Content-Security-Policy keeps any other script from running.
LOCKED_DOWN_SETTINGS: dict[QWebEngineSettings.WebAttribute, bool] = {
    _A.JavascriptEnabled: True,
    _A.JavascriptCanOpenWindows: False,
    _A.JavascriptCanAccessClipboard: False,
    _A.JavascriptCanPaste: False,
    _A.AllowWindowActivationFromJavaScript: False,
    _A.LocalContentCanAccessRemoteUrls: False,
    # The page loads its script, stylesheets and fonts from file:// next to it; the interceptor
    # confines those loads to resources/.
    _A.LocalContentCanAccessFileUrls: True,
    _A.LocalStorageEnabled: False,
    _A.PluginsEnabled: False,
    _A.PdfViewerEnabled: False,
    _A.AutoLoadImages: False,
    _A.AutoLoadIconsForPage: False,
    _A.TouchIconsEnabled: False,
    _A.AllowRunningInsecureContent: False,
    _A.AllowGeolocationOnInsecureOrigins: False,
    _A.HyperlinkAuditingEnabled: False,
    _A.DnsPrefetchEnabled: False,
    _A.ErrorPageEnabled: False,
    _A.FullScreenSupportEnabled: False,
    _A.ScreenCaptureEnabled: False,
    _A.WebGLEnabled: False,
    _A.WebRTCPublicInterfacesOnly: True,
    _A.NavigateOnDropEnabled: False,  # a file dropped on the preview goes to the window, not the page
    _A.FocusOnNavigationEnabled: False,
    _A.XSSAuditingEnabled: True,
}


def apply_settings(settings: QWebEngineSettings) -> None:
    for attribute, on in LOCKED_DOWN_SETTINGS.items():
        settings.setAttribute(attribute, on)


def create_locked_profile(
    parent=None, root: Path = RESOURCES
) -> tuple[QWebEngineProfile, ResourceOnlyInterceptor]:  # noqa: ANN001
    """An off-the-record profile (nothing on disk) that can load only the shipped resources."""
    profile = QWebEngineProfile(parent)  # no storage name: off the record
    profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
    profile.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
    profile.setSpellCheckEnabled(False)
    interceptor = ResourceOnlyInterceptor(root, profile)
    profile.setUrlRequestInterceptor(interceptor)
    profile.downloadRequested.connect(lambda download: download.cancel())
    apply_settings(profile.settings())
    return profile, interceptor
