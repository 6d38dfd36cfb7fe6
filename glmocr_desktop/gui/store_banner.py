"""The results store's banner: shown at the top of the window while results cannot be saved (with the
reason, how many, and "Save unsaved results to…"), and when a damaged database was moved aside, to add
back what can still be read from it.

Why a module of its own: the store reports from its writer thread; this widget turns that into something
a person sees at once, on the GUI thread, without a dialog in the way. The questions at close live here
too, so the window's close path stays one call (:meth:`StorePersistence.close`).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:  # pragma: no cover
    from glmocr_desktop.core.store.health import StoreHealth
    from glmocr_desktop.gui.controllers.persistence import StorePersistence

log = logging.getLogger(__name__)

SAVE_FILTER = QT_TRANSLATE_NOOP("StoreBanner", "Results database (*.sqlite3);;JSON (*.json)")


def ask_save_path(parent: QWidget | None, count: int) -> str:
    """Where to write ``count`` unsaved results ("" when the user declines)."""
    translate = QCoreApplication.translate
    title = (translate("StoreBanner", "Save 1 unsaved result to") if count == 1 else
             translate("StoreBanner", "Save %n unsaved results to", None, count))  # fmt: skip
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / "unsaved-results.sqlite3"),
                                          translate("StoreBanner", str(SAVE_FILTER)))  # fmt: skip
    return path


class StoreBanner(QFrame):
    """Says what the store cannot do now, and offers what can be done about it."""

    health_changed = Signal(object)  # StoreHealth, emitted from the writer thread
    recovered = Signal(object, str)  # salvage.Merged, the file's name
    recover_failed = Signal(str)

    def __init__(self, persistence: StorePersistence, window: QWidget) -> None:
        super().__init__(window)
        self.persistence = persistence
        self.window_ = window
        self.setObjectName("storeBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#storeBanner { background: #fdecea; border: 1px solid #e0a0a0; }"
                           "#storeBanner QLabel { color: #5f1010; }")  # fmt: skip
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setObjectName("storeBannerText")
        self.save_button = QPushButton(self.tr("Save unsaved results to…"))
        self.save_button.clicked.connect(self.save_unsaved)
        self.recover_button = QPushButton(self.tr("Recover results"))
        self.recover_button.clicked.connect(self.recover)
        self.later_button = QPushButton(self.tr("Not now"))
        self.later_button.clicked.connect(self.not_now)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.text, 1)
        for b in (self.save_button, self.recover_button, self.later_button):
            lay.addWidget(b)
        self.mode = ""  # "", "problem" or "offer"
        self._offer: list[Path] = list(persistence.recoverable())
        self._declined = False
        self._recovering = False
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self.health_changed.connect(self.refresh)
        self.recovered.connect(self._on_recovered)
        self.recover_failed.connect(self._on_recover_failed)
        persistence.store.health_listeners.append(self._from_writer)
        self.hide()
        self.refresh()

    @classmethod
    def install(cls, persistence: StorePersistence, window: QMainWindow) -> StoreBanner:
        """Put a banner above the window's central widget."""
        banner = cls(persistence, window)
        central = window.takeCentralWidget()
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(banner)
        if central is not None:
            lay.addWidget(central, 1)
        window.setCentralWidget(box)
        return banner

    def _from_writer(self, health: StoreHealth) -> None:
        self.health_changed.emit(health)  # queued to the GUI thread

    def stop(self) -> None:
        """The store is closing: no more reads or listeners."""
        self._timer.stop()
        try:
            self.persistence.store.health_listeners.remove(self._from_writer)
        except ValueError:
            pass

    # --- what it shows ------------------------------------------------------------------------------

    @Slot()
    def refresh(self, _health: Any = None) -> None:
        if self.persistence.store.closed:
            return
        health = self.persistence.health()
        if health is not None and not health.ok:
            self._show("problem", health.message())
            self._timer.start()  # the count grows while the disk says no
            return
        self._timer.stop()
        if self._offer and not self._declined:
            aside = self._offer[0]
            older = len(self._offer) - 1
            more = ("" if not older else self.tr(" (and 1 older file)") if older == 1 else
                    self.tr(" (and %n older files)", "", older))  # fmt: skip
            text = (self.tr("Recovering results…") if self._recovering else
                    self.tr("An earlier results database was damaged and moved aside as {0}{1}. What can still "
                            "be read from it can be added back to your history.").format(aside.name, more))  # fmt: skip
            self._show("offer", text)
            return
        self.mode = ""
        self.hide()

    def _show(self, mode: str, text: str) -> None:
        self.mode = mode
        self.text.setText(text)
        self.setToolTip(text)
        self.save_button.setVisible(mode == "problem")
        self.recover_button.setVisible(mode == "offer")
        self.recover_button.setEnabled(not self._recovering)
        self.later_button.setVisible(mode == "offer")
        self.show()

    # --- what it does --------------------------------------------------------------------------------

    @Slot()
    def save_unsaved(self) -> None:
        count = self.persistence.unsaved_count()
        if not count:
            self._say(self.tr("Nothing is waiting to be saved."))
            return
        path = ask_save_path(self.window_, count)
        if path:
            self._say(self.persistence.save_unsaved_to(path))

    @Slot()
    def not_now(self) -> None:
        self._declined = True
        self.refresh()

    @Slot()
    def recover(self) -> None:
        if not self._offer or self._recovering:
            return
        path = self._offer[0]
        self._recovering = True
        self.refresh()
        store = self.persistence.store

        def work() -> None:
            try:
                store.recover_from(path, on_done=lambda merged: self.recovered.emit(merged, path.name))
            except Exception as exc:
                log.exception("recovering %s failed", path)
                self.recover_failed.emit(self.tr("Nothing could be recovered from {0}: {1}").format(path.name, exc))

        threading.Thread(target=work, name="store-recover", daemon=True).start()

    @Slot(object, str)
    def _on_recovered(self, merged: Any, name: str) -> None:
        self._recovering = False
        self._offer = [p for p in self._offer if p.name != name]
        bad = merged.unreadable
        lost = ("" if not bad else self.tr("; 1 damaged row could not be read") if bad == 1 else
                self.tr("; %n damaged rows could not be read", "", bad))  # fmt: skip
        said = (self.tr("1 result recovered from {0} and added to the history{1}.") if merged.results == 1 else
                self.tr("%n results recovered from {0} and added to the history{1}.", "", merged.results))  # fmt: skip
        self._say(said.format(name, lost))
        self.persistence.refresh_history()
        self.refresh()

    @Slot(str)
    def _on_recover_failed(self, text: str) -> None:
        self._recovering = False
        self._offer = self._offer[1:]
        self._say(text, error=True)
        self.refresh()

    def _say(self, text: str, error: bool = False) -> None:
        show = getattr(self.window_, "show_message", None)
        if show is not None:
            show(text, error=error)
        else:
            log.info("%s", text)
