"""Page renders in worker processes, each with a time limit and a memory cap.

Why processes: MuPDF holds the GIL for a whole page render and neither MuPDF nor Pillow can be stopped
from outside, so a hostile page (thousands of strokes, a gigapixel image) rendered in the app's own
interpreter freezes every thread and can exhaust the machine. Here a render runs in a small pool of warm
worker processes (``forkserver`` on Linux, ``spawn`` elsewhere: the GUI process has Qt threads, so never
a plain fork). The caller's thread waits without holding the GIL; a render that runs past its time limit
is killed and reported (:class:`RenderTimeoutError`); a worker's address space is capped
(``RLIMIT_AS`` on Linux), so a page that needs more memory fails there (:class:`ImageTooLargeError`)
instead of in the app. A killed or crashed worker is replaced on the next render.

Budget in total: at most :data:`MAX_WORKERS` renders run at once, and their estimated peak bytes
together stay under :data:`TOTAL_RENDER_BYTES` (a render waits for room rather than start).

The worker opens the document itself (from its path, or from bytes sent once) and keeps it open, so an
ordinary page costs one message and one copy of its pixels. The worker side calls the very same
:class:`~glmocr_desktop.core.documents.Document` methods, rendering in-process there.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from PIL import Image

from glmocr_desktop.core.errors import ImageTooLargeError, OcrError, RenderError, RenderTimeoutError

log = logging.getLogger(__name__)

#: Worker processes kept warm, and the most that run at once (one stuck page cannot block the others).
WARM_WORKERS = 2
MAX_WORKERS = 4
#: A page render stopped after this long (the window says "taking unusually long" well before).
RENDER_TIME_LIMIT_S = 60.0
#: Address space a worker may use beyond what it has when it starts (Python, PyMuPDF, Pillow, NumPy).
WORKER_MEMORY_BYTES = 3 << 30
#: Estimated peak bytes of all renders running at once.
TOTAL_RENDER_BYTES = 6 << 30
#: Documents a worker keeps open.
OPEN_DOCUMENTS_PER_WORKER = 8

_IN_WORKER = False


def in_worker() -> bool:
    """True inside a render worker: there, documents render in-process."""
    return _IN_WORKER


@dataclass(frozen=True)
class SourceSpec:
    """How a worker opens a document: the same file (or bytes) and password as the app's."""

    key: str  # unique per open document in this process
    name: str
    path: str | None = None
    data: bytes | None = None
    password: str | None = None


# --- the worker process ------------------------------------------------------------------------


def _limit_memory(extra: int) -> None:
    if not sys.platform.startswith("linux") or extra <= 0:
        return
    import resource

    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = current + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError) as exc:  # pragma: no cover - a platform without /proc or the limit
        log.debug("no memory cap for the render worker: %s", exc)


def _open_in_worker(spec: SourceSpec) -> Any:
    from glmocr_desktop.core import documents

    if spec.path is not None:
        doc = documents.open_document(spec.path, password=spec.password)
    else:
        doc = documents.open_bytes_as(spec.data or b"", spec.name, spec.password)
    doc.name = spec.name
    return doc


def _reply_error(conn: Any, exc: BaseException) -> None:
    if isinstance(exc, MemoryError):
        exc = ImageTooLargeError("There is not enough memory to render this page.")
    try:
        conn.send(("err", exc))
    except Exception:  # an exception that does not pickle: keep its words
        conn.send(("err", RenderError(f"The page could not be rendered: {exc}")))


def _worker_main(conn: Any, memory_bytes: int) -> None:
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it kills us
    _limit_memory(memory_bytes)
    docs: OrderedDict[str, Any] = OrderedDict()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "quit":
            return
        _, spec_key, spec, method, args, kwargs = message
        try:
            doc = docs.get(spec_key)
            if doc is None:
                if spec is None:
                    conn.send(("need-source",))
                    continue
                doc = docs[spec_key] = _open_in_worker(spec)
                while len(docs) > OPEN_DOCUMENTS_PER_WORKER:
                    docs.popitem(last=False)[1].close()
            docs.move_to_end(spec_key)
            seen = len(doc.warnings)
            image = getattr(doc, method)(*args, **kwargs)
            if image.mode != "RGB":
                image = image.convert("RGB")
            size, data = image.size, image.tobytes()
            del image
            conn.send(("ok", list(doc.warnings[seen:]), "RGB", size))
            conn.send_bytes(data)
            del data
        except BaseException as exc:
            _reply_error(conn, exc)


# --- the pool ----------------------------------------------------------------------------------


def _context() -> Any:
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        # the server imports the renderers once; every worker forked from it starts warm
        ctx.set_forkserver_preload(["glmocr_desktop.core.documents"])
        return ctx
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, ctx: Any, memory_bytes: int) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child, memory_bytes), name="glmocr-render",
                                   daemon=True)
        self.process.start()
        child.close()
        self.keys: set[str] = set()
        self.stops = 0

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(timeout=0.5)
        except Exception:  # pragma: no cover - already gone
            pass
        try:
            self.conn.close()
        except OSError:  # pragma: no cover
            pass

    def stop(self) -> None:
        try:
            self.conn.send(("quit",))
        except OSError:
            pass
        self.process.join(timeout=0.5)
        if self.process.is_alive():
            self.kill()


class RenderPool:
    """Warm worker processes that render pages; :meth:`call` blocks the calling thread only."""

    def __init__(self, *, warm: int = WARM_WORKERS, max_workers: int = MAX_WORKERS,
                 memory_bytes: int = WORKER_MEMORY_BYTES, total_bytes: int = TOTAL_RENDER_BYTES) -> None:
        self.warm = max(0, warm)
        self.max_workers = max(1, max_workers)
        self.memory_bytes = memory_bytes
        self.total_bytes = total_bytes
        self._ctx: Any = None
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._count = 0  # workers alive (idle or busy)
        self._reserved = 0  # estimated bytes of the renders running
        self._closed = False
        self._stops = 0  # bumped by stop_running(): renders begun before it end at once
        self.stats = {"started": 0, "killed": 0}

    def _new_worker(self) -> _Worker:
        if self._ctx is None:
            self._ctx = _context()
        self.stats["started"] += 1
        return _Worker(self._ctx, self.memory_bytes)

    def prestart(self) -> None:
        """Start the warm workers in the background, so the first page does not wait for them."""
        def run() -> None:
            with self._cond:
                missing = self.warm - self._count
                self._count += max(0, missing)
            for _ in range(max(0, missing)):
                try:
                    worker = self._new_worker()
                except Exception:
                    log.exception("cannot start a render worker")
                    with self._cond:
                        self._count -= 1
                        self._cond.notify_all()
                    continue
                with self._cond:
                    if self._closed:
                        worker.stop()
                    else:
                        self._idle.append(worker)
                    self._cond.notify_all()

        threading.Thread(target=run, name="render-pool-start", daemon=True).start()

    def _acquire(self, key: str, cost: int) -> _Worker:
        cost = min(cost, self.total_bytes)
        with self._cond:
            while True:
                if self._closed:
                    raise RenderError("The app is closing; the page was not rendered.")
                room = self._reserved + cost <= self.total_bytes or self._reserved == 0
                if room and self._idle:
                    worker = next((w for w in reversed(self._idle) if key in w.keys), self._idle[-1])
                    self._idle.remove(worker)
                    self._reserved += cost
                    return worker
                if room and self._count < self.max_workers:
                    self._count += 1
                    self._reserved += cost
                    break
                self._cond.wait(0.5)
        try:
            return self._new_worker()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._reserved -= cost
                self._cond.notify_all()
            raise

    def _release(self, worker: _Worker, cost: int, healthy: bool) -> None:
        cost = min(cost, self.total_bytes)
        with self._cond:
            self._reserved -= cost
            if healthy and not self._closed:
                self._idle.append(worker)
            else:
                self._count -= 1
            self._cond.notify_all()
        if not healthy:
            self.stats["killed"] += 1
            worker.kill()
        elif self._closed:
            worker.stop()

    def call(self, spec: SourceSpec, method: str, args: tuple, kwargs: dict, *, what: str,
             time_limit_s: float = RENDER_TIME_LIMIT_S, cost_bytes: int = 0) -> tuple[Image.Image, list[str]]:
        """Run ``Document.<method>(*args, **kwargs)`` on ``spec``'s document in a worker.

        Returns the picture and the warnings the render added. ``what`` names the page in messages.
        Over ``time_limit_s`` the worker is killed and :class:`RenderTimeoutError` raised; a worker that
        dies (out of memory, a crash in the renderer) gives :class:`ImageTooLargeError`.
        """
        worker = self._acquire(spec.key, cost_bytes)
        healthy = False
        try:
            reply = self._exchange(worker, spec, method, args, kwargs, what, time_limit_s)
            healthy = True
        finally:
            self._release(worker, cost_bytes, healthy)
        return reply

    def _exchange(self, worker: _Worker, spec: SourceSpec, method: str, args: tuple, kwargs: dict,
                  what: str, time_limit_s: float) -> tuple[Image.Image, list[str]]:
        deadline = time.monotonic() + max(0.01, time_limit_s)
        worker.stops = self._stops
        send_spec = spec if spec.key not in worker.keys else None
        worker.conn.send(("render", spec.key, send_spec, method, args, kwargs))
        reply = self._wait(worker, deadline, what, time_limit_s)
        if reply[0] == "need-source":  # the worker dropped the document: send it again
            worker.conn.send(("render", spec.key, spec, method, args, kwargs))
            reply = self._wait(worker, deadline, what, time_limit_s)
        worker.keys.add(spec.key)
        if reply[0] == "err":
            exc = reply[1]
            if isinstance(exc, OcrError):
                raise exc
            raise RenderError(f"{what} could not be rendered: {exc}")
        _, warnings, mode, (width, height) = reply
        self._ready(worker, deadline, what, time_limit_s)
        try:
            data = worker.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise ImageTooLargeError(f"{what} stopped the renderer before it finished.") from exc
        return Image.frombytes(mode, (int(width), int(height)), data), warnings

    def _ready(self, worker: _Worker, deadline: float, what: str, limit: float) -> None:
        while not worker.conn.poll(0.05):
            if worker.stops != self._stops:
                raise RenderError(f"{what} was not rendered: the app is closing.")
            if not worker.process.is_alive():
                raise ImageTooLargeError(
                    f"{what} stopped the renderer before it finished (it ran out of memory or crashed).")
            if time.monotonic() > deadline:
                raise RenderTimeoutError(
                    f"{what} took longer than {limit:.0f} s to render and was stopped.",
                    hint="The page is unusually complex; the other pages can still be used.")

    def _wait(self, worker: _Worker, deadline: float, what: str, limit: float) -> tuple:
        self._ready(worker, deadline, what, limit)
        try:
            return worker.conn.recv()
        except (EOFError, OSError) as exc:
            raise ImageTooLargeError(
                f"{what} stopped the renderer before it finished (it ran out of memory or crashed).") from exc

    def stop_running(self) -> None:
        """End the renders running now (their workers are killed; the pool stays usable), so a window
        that closes never waits for a page."""
        with self._cond:
            self._stops += 1

    def close(self) -> None:
        """Stop every worker (running renders end with an error)."""
        with self._cond:
            self._closed = True
            self._stops += 1
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.stop()


_shared: RenderPool | None = None
_shared_lock = threading.Lock()


def shared() -> RenderPool:
    """The process's pool (made on first use, stopped at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = RenderPool()
            atexit.register(_shared.close)
        return _shared
