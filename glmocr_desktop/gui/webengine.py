"""QtWebEngine setup: process flags, a locked-down profile and the request filter for the preview.

``prepare_webengine()`` must run before the ``QApplication`` exists (the app and the tests both call it).
The rest builds what :mod:`glmocr_desktop.gui.preview` uses to show untrusted model output: an
off-the-record profile whose every request outside ``assets/`` is blocked and recorded, and page
settings with windows, clipboard, plugins, storage and remote access all off.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from glmocr_desktop import workarounds
from glmocr_desktop.resources import RESOURCES


def prepare_webengine() -> None:
    """Process-wide QtWebEngine setup; call once, before the QApplication is created.

    The workarounds that must precede Qt (:func:`glmocr_desktop.workarounds.before_qt`: Chromium flags,
    the PySide6 refcount guard) run here too, so tests that start from this hook get them as well.
    """
    workarounds.before_qt()

    from PySide6.QtCore import QCoreApplication, Qt

    if QCoreApplication.instance() is None:
        # QtWebEngine shares OpenGL contexts with the widgets; it must be set before the app exists.
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts, True)
    import PySide6.QtWebEngineCore
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

    def __init__(self, root: Path | Sequence[Path] = RESOURCES, parent=None) -> None:
        super().__init__(parent)
        roots = [root] if isinstance(root, Path) else list(root)
        self._roots = [Path(os.path.realpath(r)) for r in roots]
        self._lock = threading.Lock()
        self._blocked: list[BlockedRequest] = []
        self._allowed: list[str] = []

    def allows(self, url: QUrl) -> bool:
        if url.scheme() != "file" or url.host() not in ("", "localhost"):
            return False
        local = url.toLocalFile()
        if not local:
            return False
        real = Path(os.path.realpath(local))
        return any(_inside(real, root) for root in self._roots)

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
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
    # confines those loads to the assets folder.
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


#: What the preview page may load: its own folder and KaTeX, nothing else of the disk (the page's
#: ``'self'`` would cover every local file).
PREVIEW_ROOTS = (RESOURCES / "preview", RESOURCES / "katex")


def create_locked_profile(
    parent=None, root: Path | Sequence[Path] = PREVIEW_ROOTS
) -> tuple[QWebEngineProfile, ResourceOnlyInterceptor]:
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
