"""One window per user and display: a second start hands its files to the running window and exits.

Opening a scan from the file manager while the app runs must not start a second process that loads the
model again. The first start listens on a local socket (a Unix socket in the user's runtime folder, a
named pipe on Windows) named after the user, the display and the data folder; a later start connects,
sends its files as one JSON line and waits for the answer. A socket left by a crashed instance refuses
connections and is removed before listening, so it never blocks a start.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from glmocr_desktop import APP_ID
from glmocr_desktop.core.paths import data_dir_override

log = logging.getLogger(__name__)

CONNECT_MS = 1500  # a live instance answers at once; a stale socket refuses at once
ANSWER_MS = 5000  # the running window may be busy painting a page
MAX_MESSAGE = 1 << 20  # a megabyte of paths is plenty; more is not from us
ACK = b"ok\n"


def _display() -> str:
    """The display this start shows on: windows of one user on two displays are two instances."""
    if sys.platform == "win32":
        return os.environ.get("SESSIONNAME", "console")
    return os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY") or ""


def server_name() -> str:
    """The socket of this user, display and data folder (tests and portable installs have their own)."""
    try:
        user = getpass.getuser()
    except Exception:
        user = ""
    uid = str(os.getuid()) if hasattr(os, "getuid") else ""
    data = str(data_dir_override() or "")
    key = hashlib.sha256("\0".join((user, uid, _display(), data)).encode()).hexdigest()[:16]
    name = f"{APP_ID}-{key}"
    if sys.platform == "win32":
        return name  # a named pipe, \\.\pipe\<name>
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    return str(folder / f"{name}.sock")


def _message(files: Sequence[str | os.PathLike]) -> bytes:
    paths = [str(Path(f).expanduser().absolute()) for f in files]  # the receiver has another cwd
    return json.dumps({"files": paths}).encode() + b"\n"


def hand_over(files: Sequence[str | os.PathLike], name: str | None = None) -> bool:
    """Give ``files`` to the instance already running here; False when there is none (or it is stuck).

    Works before a QApplication exists, so a second start costs no more than this.
    """
    sock = QLocalSocket()
    sock.connectToServer(name or server_name())
    if not sock.waitForConnected(CONNECT_MS):
        return False
    sock.write(_message(files))
    sock.flush()
    answer = b""
    while sock.state() == QLocalSocket.LocalSocketState.ConnectedState and not answer.endswith(b"\n"):
        if not sock.waitForReadyRead(ANSWER_MS):
            break
        answer += bytes(sock.readAll().data())
    sock.disconnectFromServer()
    if answer != ACK:
        log.warning("the running instance did not take the files (answer %r)", answer[:40])
        return False
    return True


class InstanceServer(QObject):
    """The first instance's end: ``files_received`` fires (in the GUI thread) for each later start."""

    files_received = Signal(list)  # list[str], absolute paths; may be empty (then just raise the window)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening, replacing a stale socket; False when another live instance holds the name."""
        # asked first: with socket options set, Qt binds elsewhere and renames over the name, which would
        # take it from a live instance as readily as from a dead one
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(CONNECT_MS):
            probe.disconnectFromServer()
            return False
        if self._server.listen(self.name):
            return True
        if self._server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
            log.warning("single instance: cannot listen on %s: %s", self.name, self._server.errorString())
            return False
        log.info("removing the stale single-instance socket %s", self.name)
        QLocalServer.removeServer(self.name)
        if self._server.listen(self.name):
            return True
        log.warning("single instance: cannot listen on %s: %s", self.name, self._server.errorString())
        return False

    def is_listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        self._server.close()

    @Slot()
    def _on_connection(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            self._buffers[sock] = b""
            # bound to the socket (sender() is not reliable here); the socket lives in this thread
            sock.readyRead.connect(partial(self._read, sock))
            sock.disconnected.connect(partial(self._forget, sock))
            if sock.bytesAvailable():
                self._read(sock)

    def _forget(self, sock: QLocalSocket) -> None:
        self._buffers.pop(sock, None)
        if shiboken6.isValid(sock):  # at exit the server deletes its sockets before they disconnect
            sock.deleteLater()

    def _read(self, sock: QLocalSocket) -> None:
        if sock not in self._buffers:
            return  # answered already, or dropped
        data = self._buffers.get(sock, b"") + bytes(sock.readAll().data())
        if len(data) > MAX_MESSAGE:
            log.warning("single instance: message too long, dropped")
            self._buffers.pop(sock, None)
            sock.abort()
            return
        if b"\n" not in data:
            self._buffers[sock] = data
            return
        line = data.split(b"\n", 1)[0]
        self._buffers[sock] = b""
        try:
            files = json.loads(line.decode("utf-8"))["files"]
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                raise ValueError("files is not a list of strings")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("single instance: unreadable message (%s)", exc)
            sock.write(b"error\n")
            sock.flush()
            return
        sock.write(ACK)
        sock.flush()
        log.info("another start handed over %d file(s)", len(files))
        self.files_received.emit(files)


def bring_to_front(window) -> None:
    """Show ``window`` above the others (the desktop may only flash its task bar entry instead)."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()


def serve(window, name: str | None = None) -> InstanceServer | None:
    """Listen for later starts: their files open in ``window``, which comes to the front.

    None when another live instance holds the name (this one was started with ``--new-instance``).
    """
    server = InstanceServer(name, parent=window)
    if not server.listen():
        server.deleteLater()
        return None

    def receive(files: list) -> None:  # the server lives in the GUI thread: this runs there
        if files:
            window.open_paths(files)
        bring_to_front(window)

    server.files_received.connect(receive)
    return server
