"""Entry point: ``glmocr-desktop [FILES...]`` starts the window; ``glmocr-desktop ocr ...`` runs the CLI.

``create_app`` builds the application and the window without entering the event loop, so tests drive
the very same objects a user gets.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from typing import cast

from glmocr_desktop import APP_ID, APP_NAME, __version__

log = logging.getLogger(__name__)


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog=APP_ID, description=f"{APP_NAME}: scans, photos and PDFs to text.")
    ap.add_argument("files", nargs="*", help="images or PDFs to open")
    ap.add_argument("--model", help="model folder or hub id (remembered)")
    ap.add_argument("--no-autoload", action="store_true", help="load the model only when first needed")
    ap.add_argument("--language", choices=["system", "en", "de", "zh_CN"],
                    help="the window's language for this start (the setting is kept)")
    ap.add_argument("--new-instance", action="store_true", help="a window of its own, even when one is open")
    ap.add_argument("--self-check", action="store_true", help="print what works here (Qt, preview, torch, GPU, model)")
    ap.add_argument("--install-desktop-entry", action="store_true",
                    help="add the app to the desktop's menu and to \"Open with\" for PDFs and images (Linux)")
    ap.add_argument("--uninstall-desktop-entry", action="store_true", help="remove that menu entry again")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return ap.parse_args(list(argv))


_log_handlers: list[logging.Handler] = []


def _setup_logging() -> str:
    """The rotating log file (core.logs); a later call for another folder replaces our handlers."""
    from glmocr_desktop.core import logs, paths

    level = paths.log_level()
    root = logging.getLogger()
    if _log_handlers and logs.log_file() != logs._configured:
        for h in _log_handlers:
            root.removeHandler(h)
            h.close()
        _log_handlers.clear()
    before = set(root.handlers)
    path = logs.setup_logging(level)
    _log_handlers.extend(h for h in root.handlers if h not in before)
    return str(path)


#: The start-up reports asked for, kept alive with the process.
_startup_reports: list[_StartupReport] = []


class _StartupReport:
    """Opt-in (``GLMOCR_STARTUP_REPORT=path``, see core.paths): write when the window was first exposed
    and painted.

    Used by ``benchmarks/app_bench.py`` to time a cold start from outside the process.
    """

    def __init__(self, window, path: str) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer

        self.path = path
        self.done = False
        report = self

        class Filter(QObject):
            def eventFilter(self, obj, event):
                if not report.done and event.type() == QEvent.Type.Expose and obj.isExposed():
                    report.done = True
                    exposed = time.time()
                    # the expose is painted synchronously; the next loop turn is after the first paint
                    QTimer.singleShot(0, lambda: report.write(exposed))
                return False

        self.filter = Filter(window)
        self.window = window
        window.winId()  # creates the QWindow so the filter sees its first expose
        window.windowHandle().installEventFilter(self.filter)

    def write(self, exposed: float) -> None:
        import json

        data = {
            "exposed": exposed,
            "painted": time.time(),
            "torch_imported": "torch" in sys.modules,
            "transformers_imported": "transformers" in sys.modules,
            "modules": len(sys.modules),
            "pid": os.getpid(),
        }
        try:
            with open(self.path, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
        except OSError:
            log.warning("cannot write the start-up report %s", self.path)


def create_app(argv: Sequence[str] | None = None, *, engine_factory=None, show: bool = True):
    """Build (or reuse) the QApplication and a MainWindow; returns ``(app, window)`` without exec()."""
    from glmocr_desktop import workarounds

    args = _parse(argv or [])
    log_path = _setup_logging()
    workarounds.before_qt()  # first: before any Qt library loads
    from glmocr_desktop.core import paths
    from glmocr_desktop.gui.webengine import prepare_webengine

    prepare_webengine()
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    app = cast("QApplication | None", QApplication.instance())  # this process only ever makes a QApplication
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        # argv[0] is X11's WM_CLASS instance name: the desktop file's StartupWMClass, however we were started
        app = QApplication([APP_ID])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    from glmocr_desktop.resources import resource

    icon_path = resource("icons", "glmocr-desktop.svg")
    if icon_path.is_file():
        app.setWindowIcon(QIcon(str(icon_path)))

    from glmocr_desktop.gui.i18n import TRANSLATIONS
    from glmocr_desktop.gui.settings_store import SettingsStore

    TRANSLATIONS.install(app, args.language or SettingsStore().load().language)
    from glmocr_desktop.gui.controllers.persistence import StorePersistence
    from glmocr_desktop.gui.main_window import MainWindow

    window = MainWindow(engine_factory=engine_factory, persistence=StorePersistence.open())
    from glmocr_desktop.gui.crash import install_exception_handler

    window.exception_handler = install_exception_handler(window, log_path)
    report_path = paths.startup_report_path()
    if report_path and show:
        _startup_reports.append(_StartupReport(window, report_path))
    if args.model:
        window.settings.model = args.model
        window.store.save(window.settings)
    if show:
        window.show()
    autoload = window.settings.autoload_model
    if args.no_autoload:
        window.settings.autoload_model = False  # for this start only: never saved into the settings
    window.start(args.files)
    window.settings.autoload_model = autoload
    return app, window


def main(argv: Sequence[str] | None = None) -> int:
    from glmocr_desktop.workarounds import ensure_std_streams

    ensure_std_streams()  # a Windows gui-script has no stdout/stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "ocr":
        from glmocr_desktop import cli

        return int(cli.main(argv[1:]) or 0)
    if argv and argv[0] == "serve":  # the OpenAI-compatible server (cli hands it to glmocr_desktop.server)
        from glmocr_desktop import cli

        return int(cli.main(argv) or 0)
    args = _parse(argv)
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        from glmocr_desktop.desktop_entry import main_install

        return main_install(uninstall=args.uninstall_desktop_entry)
    if args.self_check:
        from glmocr_desktop import self_check

        return self_check.run(args.model)
    if not args.new_instance:  # the files go to the window already open here, if there is one
        from glmocr_desktop import workarounds

        workarounds.before_qt()
        from glmocr_desktop.gui.single_instance import hand_over

        if hand_over(args.files):
            return 0
    app, window = create_app(argv)
    from glmocr_desktop.gui.single_instance import serve

    serve(window)  # later starts hand their files over (the server is the window's child)
    try:
        return app.exec()
    finally:
        _dispose(app, window)


def _dispose(app, window) -> None:
    """Delete the window (and its web page) while the QApplication still exists.

    A web page that outlives the application makes QtWebEngine warn and can crash the process at exit.
    """
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    if shiboken6.isValid(window):
        window.close()
        worker = getattr(window, "worker", None)
        if worker is not None and worker.isRunning():
            # stuck in native code past every stop: everything is saved by now, and destroying a running
            # QThread would abort the process
            log.error("the inference thread did not stop; exiting without waiting for it")
            logging.shutdown()
            os._exit(0)
        shiboken6.delete(window)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


if __name__ == "__main__":
    raise SystemExit(main())
