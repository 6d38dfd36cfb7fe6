"""RemoteEngine: GLM-OCR on one or more servers (vLLM, SGLang, Ollama, ``glmocr-desktop serve``...).

The same Engine API as the local engine: ``stream`` / ``stream_many`` yield delta chunks and one done
chunk per job with a Result made by core's ``finish_result`` (so clean-up, flags and extraction are the
same). Up to ``concurrency`` requests are in flight; results come back in job order.

A request that fails on the way (no connection, a dropped stream, 429/502/503/504) is tried again with
backoff, on another server when there is one; the failing server is benched for a while. Text already
streamed to the caller is not streamed twice: a retried job's deltas resume after what was shown, and
its Result holds only the attempt that finished. Errors that concern every job (wrong API key, model not
served, no server reachable) are raised; one job's own failure (its image too large, a server error on
it) ends that job with ``Result.error`` and the others go on.

No Qt and no torch here: the window can make this engine on any thread.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from glmocr_desktop.core import model_limits
from glmocr_desktop.core.errors import OcrError
from glmocr_desktop.core.jobs import Chunk, Job
from glmocr_desktop.core.loops import RepetitionGuard
from glmocr_desktop.core.results import Generation, Result, Timings, finish_result
from glmocr_desktop.engines.base import EngineInfo, ProgressCallback
from glmocr_desktop.engines.remote import protocol as wire
from glmocr_desktop.engines.remote.errors import (
    AuthenticationError,
    ModelNotServedError,
    ProtocolMismatchError,
    RemoteError,
    RemoteImageTooLargeError,
    ServerBusyError,
    ServerError,
    ServerUnreachableError,
    excerpt,
)
from glmocr_desktop.engines.remote.pool import Server, ServerPool
from glmocr_desktop.engines.remote.protocol import Delta, Protocol

log = logging.getLogger(__name__)

#: Encoded images larger than this are refused before sending (vLLM's default request limit is
#: generous; proxies often stop at tens of MB).
DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024
RETRY_STATUSES = frozenset({429, 502, 503, 504})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def normalise_url(url: str, proto: Protocol = Protocol.OPENAI) -> str:
    """The server's base URL: scheme and host kept, a trailing ``/v1`` (or ``/api``) dropped."""
    url = str(url).strip().rstrip("/")
    if not url:
        raise ValueError("A server URL is empty.")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL of a server.")
    for tail in ("/v1", "/api"):
        if url.endswith(tail):
            url = url[: -len(tail)]
    return url


def is_plain_http_to_remote_host(url: str) -> bool:
    """True for ``http://`` to a host other than this computer: the key and the pages travel in clear."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower()
    return parts.scheme == "http" and host not in LOCAL_HOSTS and not host.startswith("127.")


@dataclass
class ServerCheck:
    """What ``check_servers`` found about one server."""

    url: str
    ok: bool
    models: list[str] = field(default_factory=list)
    round_trip_s: float | None = None
    error: str = ""


@dataclass
class _Run:
    """One job on its way: the attempt under way and what the caller has already been shown."""

    index: int
    job: Job
    text: list[str] = field(default_factory=list)  # this attempt's text
    chars: int = 0  # characters in ``text``
    shown: int = 0  # characters already streamed to the caller (across attempts)
    chunks: int = 0  # pieces received in this attempt (a token count when the server gives none)
    guard: RepetitionGuard = field(default_factory=RepetitionGuard)
    cut: bool = False
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    first_token_s: float | None = None
    started: float = field(default_factory=time.perf_counter)
    attempts: int = 0
    server: str = ""
    finished: bool = False
    error: OcrError | None = None
    failed_before: str = ""  # why the first attempt that failed did (said with a retried result)

    def reset(self) -> None:
        self.text, self.chars, self.chunks = [], 0, 0
        self.guard = RepetitionGuard()
        self.cut, self.finish_reason = False, None
        self.prompt_tokens = self.completion_tokens = None

    @property
    def tokens(self) -> int:
        return self.completion_tokens if self.completion_tokens is not None else self.chunks


class RemoteEngine:
    """GLM-OCR served elsewhere, over HTTP."""

    def __init__(
        self,
        base_urls: str | Sequence[str],
        model: str = "glm-ocr",
        protocol: str | Protocol = Protocol.OPENAI,
        *,
        api_key: str | None = None,
        concurrency: int = 8,
        connect_timeout: float = 10.0,
        chunk_timeout: float = 120.0,
        retries: int = 3,
        backoff_s: float = 0.25,
        max_backoff_s: float = 8.0,
        bench_s: float = 5.0,
        verify: bool | str = True,
        image_format: str = "PNG",
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
        check_model: bool = True,
    ) -> None:
        self.protocol = Protocol.parse(protocol)
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self.pool = ServerPool([normalise_url(u, self.protocol) for u in urls], bench_s=bench_s)
        self.model = str(model).strip()
        if not self.model:
            raise ValueError("A model name is needed (the server's served model name, e.g. glm-ocr).")
        self.api_key = api_key or None
        self.concurrency = max(1, int(concurrency))
        self.connect_timeout = connect_timeout
        self.chunk_timeout = chunk_timeout
        self.retries = max(0, int(retries))
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.verify = verify
        self.image_format = image_format
        self.max_image_bytes = max_image_bytes
        self.check_model = check_model
        hosts = ", ".join(urlsplit(s.url).netloc for s in self.pool.servers)
        self.info = EngineInfo(model=self.model, device=f"remote ({hosts})", dtype="", attention=self.protocol.value)
        self._client: httpx.Client | None = None
        self._calls: set[threading.Event] = set()  # stop events of the stream_many calls under way
        self._calls_lock = threading.Lock()

    #: The document pipeline sends this many jobs at once (keeps every request slot busy).
    @property
    def MAX_BATCH(self) -> int:
        return self.concurrency

    @property
    def image_pixel_cap(self) -> int:
        """The model's own limit: the server resizes within it as the local engine on a GPU does."""
        return model_limits.MAX_PIXELS

    # --- connection ------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json, text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.chunk_timeout, connect=self.connect_timeout),
                limits=httpx.Limits(max_connections=self.concurrency + 4,
                                    max_keepalive_connections=self.concurrency),
                headers=self._headers(),
                verify=self.verify,
                follow_redirects=False,
            )
        return self._client

    def load(self, progress: ProgressCallback | None = None) -> None:
        """Check that the servers answer and serve the model; benches the ones that do not answer."""
        if progress is not None:
            progress(None, f"Connecting to {len(self.pool)} server(s)")
        checks = [self._check(server.url) for server in self.pool.servers]
        reachable = [c for c in checks if c.ok]
        for server, check in zip(self.pool.servers, checks):
            if not check.ok:
                log.warning("OCR server %s: %s", server.url, check.error)
                self.pool.bench(server)
        if not reachable:
            raise ServerUnreachableError(
                "No OCR server answered: " + "; ".join(f"{c.url}: {c.error}" for c in checks),
                hint="Check the URL, that the server runs, and any firewall between.")
        if progress is not None:
            progress(1.0, f"Connected to {len(reachable)} of {len(checks)} server(s)")

    def _check(self, url: str) -> ServerCheck:
        try:
            models, rtt = self._list_models(url)
        except (AuthenticationError, ProtocolMismatchError, ModelNotServedError):
            raise
        except RemoteError as exc:
            return ServerCheck(url, False, error=exc.message)
        if models is not None and self.check_model and not wire.model_matches(self.protocol, self.model, models):
            raise ModelNotServedError(
                f"The server at {url} does not serve the model {self.model!r}; it serves: "
                + (", ".join(models) or "nothing"),
                hint="Set the model name to one of these (vLLM: --served-model-name).", served=models, url=url)
        return ServerCheck(url, True, models or [], rtt)

    def _list_models(self, url: str) -> tuple[list[str] | None, float]:
        """The models a server serves (None when it has no such list) and the round trip in seconds."""
        path = "/api/tags" if self.protocol is Protocol.OLLAMA else "/v1/models"
        started = time.perf_counter()
        try:
            resp = self.client.get(url + path, timeout=httpx.Timeout(self.connect_timeout * 3,
                                                                      connect=self.connect_timeout))
        except httpx.HTTPError as exc:
            raise _transport_error(exc, url, self.chunk_timeout) from None
        rtt = time.perf_counter() - started
        if resp.status_code == 404:
            return None, rtt
        if resp.status_code != 200:
            raise _status_error(resp.status_code, resp.text, url, dict(resp.headers))
        try:
            return wire.served_models(self.protocol, resp.json()), rtt
        except ValueError:
            raise ProtocolMismatchError(
                f"{url}{path} did not answer with JSON: is this an {self.protocol.value} server?", url=url
            ) from None

    # --- public API ------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop every request under way; each ends at its next chunk, its connection closed."""
        with self._calls_lock:
            for stop in self._calls:
                stop.set()

    def close(self) -> None:
        self.cancel()
        if self._client is not None:
            self._client.close()
            self._client = None

    def stream(self, job: Job) -> Iterator[Chunk]:
        return self.stream_many([job])

    def stream_many(self, jobs: Iterable[Job]) -> Iterator[Chunk]:
        jobs = list(jobs)
        if not jobs:
            return iter(())
        stop = threading.Event()
        with self._calls_lock:
            self._calls.add(stop)
        return self._stream(jobs, stop)

    def _stream(self, jobs: list[Job], stop: threading.Event) -> Iterator[Chunk]:
        runs = [_Run(i, job) for i, job in enumerate(jobs)]
        todo: queue.Queue[_Run] = queue.Queue()
        for run in runs:
            todo.put(run)
        events: queue.Queue[tuple[str, _Run, Any]] = queue.Queue()
        lock = threading.Lock()  # guards each run's text against the consumer's snapshot on cancel

        def work() -> None:
            while not stop.is_set():
                try:
                    run = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    self._run_job(run, stop, events, lock)
                    events.put(("done", run, None))
                except BaseException as exc:  # every failure reaches the caller
                    events.put(("error", run, exc))

        threads = [threading.Thread(target=work, name="remote-ocr", daemon=True)
                   for _ in range(min(self.concurrency, len(jobs)))]
        for t in threads:
            t.start()
        started = time.perf_counter()
        results: dict[int, Chunk] = {}
        next_out = 0
        fatal: BaseException | None = None
        try:
            while next_out < len(runs):
                if stop.is_set():
                    break
                try:
                    kind, run, payload = events.get(timeout=0.05)
                except queue.Empty:
                    continue
                if kind == "delta":
                    yield Chunk(job_id=run.job.id, text=payload, generated_tokens=run.chunks)
                elif kind == "done":
                    results[run.index] = self._finish(run, cancelled=False, started=started)
                elif kind == "error":
                    if isinstance(payload, (AuthenticationError, ModelNotServedError, ProtocolMismatchError,
                                            ServerUnreachableError, ServerBusyError)) or \
                            not isinstance(payload, OcrError):
                        fatal = payload
                        break
                    run.error = payload
                    results[run.index] = self._finish(run, cancelled=False, started=started)
                while next_out in results:
                    yield results.pop(next_out)
                    next_out += 1
        finally:
            cancelled = stop.is_set() and fatal is None
            stop.set()
            with self._calls_lock:
                self._calls.discard(stop)
        if fatal is not None:
            for run in runs[next_out:]:  # what finished before the failure is not lost
                if run.index in results:
                    yield results.pop(run.index)
            raise fatal
        if cancelled:
            # Within one chunk: the workers stop at their next piece; the caller does not wait for them.
            with lock:
                for run in runs[next_out:]:
                    done = results.pop(run.index, None)
                    yield done if done is not None else self._finish(run, cancelled=True, started=started)

    # --- one job ---------------------------------------------------------------------------------

    def _run_job(self, run: _Run, stop: threading.Event, events: queue.Queue, lock: threading.Lock) -> None:
        run.started = time.perf_counter()  # timings count from here, not from the wait for a request slot
        mime, b64 = wire.encode_image(run.job.image, self.image_format)
        if len(b64) > self.max_image_bytes:
            raise RemoteImageTooLargeError(
                f"The image is {len(b64) / 1e6:.1f} MB encoded, more than the {self.max_image_bytes / 1e6:.0f} MB "
                "sent to a server. Select a smaller region or lower the recognition DPI.")
        if self.protocol is Protocol.OLLAMA:
            payload, path = wire.ollama_payload(run.job, self.model, b64), "/api/generate"
        else:
            payload, path = wire.chat_payload(run.job, self.model, mime, b64), "/v1/chat/completions"
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        del b64, payload
        attempts = self.retries + len(self.pool)
        last: Server | None = None
        while True:
            server = self.pool.acquire(avoid=last)
            run.attempts += 1
            run.server = server.url
            ok = False
            try:
                self._attempt(server.url + path, body, run, stop, events, lock)
                ok = True
                return
            except (ServerUnreachableError, ServerBusyError) as exc:
                if stop.is_set():
                    return
                if isinstance(exc, ServerUnreachableError) or exc.retry_after is None:
                    pause = self.pool.bench(server) if isinstance(exc, ServerUnreachableError) else 0.0
                    log.warning("%s (%s); benched for %.0f s", exc.message, server.url, pause)
                if run.attempts >= attempts:
                    if run.attempts > 1:
                        exc.message += f" (tried {run.attempts} times)"
                    raise
                wait = self._backoff(run.attempts, exc, other_server=not self.pool.all_benched()
                                     and len(self.pool) > 1)
                last = server
                run.failed_before = run.failed_before or exc.message
                with lock:
                    run.reset()
                if stop.wait(wait):
                    return
            finally:
                self.pool.release(server, ok=ok)

    def _backoff(self, attempt: int, exc: RemoteError, *, other_server: bool) -> float:
        if isinstance(exc, ServerBusyError) and exc.retry_after is not None:
            return min(self.max_backoff_s * 4, max(0.0, exc.retry_after))
        if other_server and isinstance(exc, ServerUnreachableError):
            return 0.0  # another server can take it at once
        pause = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        return pause * random.uniform(0.8, 1.2)

    def _attempt(self, url: str, body: bytes, run: _Run, stop: threading.Event, events: queue.Queue,
                 lock: threading.Lock) -> None:
        parse = wire.ollama_deltas if self.protocol is Protocol.OLLAMA else wire.openai_deltas
        complete = False
        try:
            with self.client.stream("POST", url, content=body,
                                    headers={"Content-Type": "application/json"}) as resp:
                if resp.status_code != 200:
                    text = resp.read().decode("utf-8", "replace")
                    exc = _status_error(resp.status_code, text, url, dict(resp.headers))
                    if isinstance(exc, ModelNotServedError):
                        exc = self._not_served(url, exc)
                    raise exc
                if "html" in resp.headers.get("content-type", ""):
                    raise ProtocolMismatchError(f"{url} answered with a web page, not a stream of "
                                                f"{self.protocol.value} results: is the URL right?", url=url)
                for delta in parse(resp.iter_lines()):
                    if stop.is_set():
                        return
                    complete = self._take(run, delta, events, lock) or complete
                    if run.cut:
                        return  # a repetition loop: stop generating (closing the stream ends it server-side)
                    if delta.done:
                        complete = True
                        break
        except httpx.HTTPError as exc:
            if stop.is_set():
                return
            raise _transport_error(exc, url, self.chunk_timeout) from None
        if not complete and not stop.is_set():
            raise ServerUnreachableError(f"The server at {url} ended the answer before it was complete.", url=url)

    def _take(self, run: _Run, delta: Delta, events: queue.Queue, lock: threading.Lock) -> bool:
        """Add one event to the job; queues the part the caller has not seen; True once it has ended."""
        if delta.prompt_tokens is not None:
            run.prompt_tokens = delta.prompt_tokens
        if delta.completion_tokens is not None:
            run.completion_tokens = delta.completion_tokens
        if delta.finish_reason:
            run.finish_reason = delta.finish_reason
        if delta.text:
            if run.first_token_s is None:
                run.first_token_s = time.perf_counter() - run.started
            with lock:
                if run.guard.feed(delta.text):
                    run.cut = True
                    return True
                run.text.append(delta.text)
                run.chars += len(delta.text)
                run.chunks += 1
                if run.chars > run.shown:  # a retried job resumes after what was shown
                    before = run.chars - len(delta.text)
                    events.put(("delta", run, delta.text[max(0, run.shown - before):]))
                    run.shown = run.chars
        return bool(delta.finish_reason)

    def _not_served(self, url: str, exc: ModelNotServedError) -> ModelNotServedError:
        base = url.split("/v1/")[0].split("/api/")[0]
        try:
            models, _ = self._list_models(base)
        except RemoteError:
            return exc
        if models is None:
            return exc
        return ModelNotServedError(
            f"The server at {base} does not serve the model {self.model!r}; it serves: {', '.join(models) or 'nothing'}",
            hint="Set the model name to one of these (vLLM: --served-model-name).", served=models, url=base)

    def _finish(self, run: _Run, *, cancelled: bool, started: float) -> Chunk:
        raw = run.guard.text if run.cut else "".join(run.text)
        generation = Generation(raw_text=raw, budget_hit=run.finish_reason == "length",
                                cancelled=cancelled and not run.finished)
        timings = Timings(
            first_token_s=run.first_token_s,
            total_s=time.perf_counter() - run.started if run.attempts else 0.0,
            prompt_tokens=run.prompt_tokens or 0,
            generated_tokens=run.tokens,
        )
        result: Result = finish_result(run.job, generation, model=self.model, device=run.server or self.info.device,
                                       timings=timings)
        if run.error is not None:
            result.error = run.error.message
        if run.attempts > 1 and not cancelled:
            result.warnings.append(f"Read on the {_ordinal(run.attempts)} attempt ({run.server}); "
                                   f"first: {run.failed_before}")
        run.finished = True
        return Chunk(job_id=run.job.id, done=True, result=result, generated_tokens=run.tokens)


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"{n}th")


def _retry_after(headers: dict[str, str]) -> float | None:
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _status_error(status: int, body: str, url: str, headers: dict[str, str] | None = None) -> RemoteError:
    """The typed error for an HTTP status and the body that came with it."""
    piece = excerpt(_error_text(body))
    if status in (401, 403):
        return AuthenticationError(
            f"The server at {url} refused the API key ({status}): {piece}",
            hint="Check the API key (Settings › Engine, or the variable named by --api-key-env).", url=url)
    if status in RETRY_STATUSES:
        words = {429: "is busy (429 Too Many Requests)", 502: "is not reachable behind its proxy (502)",
                 503: "is unavailable (503)", 504: "timed out behind its proxy (504)"}[status]
        return ServerBusyError(f"The server at {url} {words}: {piece}", url=url,
                               retry_after=_retry_after(headers or {}) if status == 429 else None)
    lowered = piece.lower()
    if status == 404 and "model" in lowered:
        return ModelNotServedError(f"The server at {url} does not serve the model asked for: {piece}", url=url)
    if status == 404:
        return ProtocolMismatchError(f"{url} does not exist on that server (404): is it the right kind of "
                                     f"server and URL? {piece}", url=url)
    if status == 413 or (status == 400 and "image" in lowered
                         and any(w in lowered for w in ("large", "size", "pixel", "exceed"))):
        return RemoteImageTooLargeError(f"The server at {url} refused the image as too large ({status}): {piece}",
                                        hint="Select a smaller region or lower the recognition DPI.", url=url)
    return ServerError(f"The server at {url} answered {status}: {piece}", url=url)


def _error_text(body: str) -> str:
    """The message inside an OpenAI / vLLM / Ollama error body, else the body itself."""
    try:
        obj = json.loads(body)
    except (ValueError, TypeError):
        return body
    if isinstance(obj, dict):
        err = obj.get("error", obj.get("message", obj.get("detail")))
        if isinstance(err, dict):
            err = err.get("message", err)
        if err is not None:
            return str(err)
    return body


def _transport_error(exc: httpx.HTTPError, url: str, chunk_timeout: float) -> RemoteError:
    if isinstance(exc, httpx.ConnectTimeout):
        return ServerUnreachableError(f"The server at {url} did not accept a connection in time.", url=url)
    if isinstance(exc, httpx.ConnectError):
        why = str(exc) or type(exc).__name__
        if "CERTIFICATE" in why.upper() or "SSL" in why.upper():
            return RemoteError(f"The TLS certificate of {url} could not be verified: {excerpt(why)}",
                               hint="Use the server's proper certificate; verification stays on.", url=url)
        return ServerUnreachableError(f"Cannot connect to the server at {url}: {excerpt(why)}", url=url)
    if isinstance(exc, httpx.ReadTimeout):
        return ServerUnreachableError(
            f"The server at {url} sent nothing for {chunk_timeout:.0f} s and was given up on.", url=url)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.CloseError)):
        return ServerUnreachableError(f"The connection to {url} was lost mid-answer: {excerpt(str(exc))}", url=url)
    if isinstance(exc, httpx.TimeoutException):
        return ServerUnreachableError(f"The server at {url} timed out: {excerpt(str(exc))}", url=url)
    return ServerError(f"Talking to {url} failed: {type(exc).__name__}: {excerpt(str(exc))}", url=url)


def check_servers(
    urls: Sequence[str], model: str = "", protocol: str | Protocol = Protocol.OPENAI, *,
    api_key: str | None = None, verify: bool | str = True, timeout: float = 10.0,
) -> list[ServerCheck]:
    """Each server's models and round trip (Settings › Engine › Test connection); never raises."""
    proto = Protocol.parse(protocol)
    out = []
    for url in urls:
        try:
            engine = RemoteEngine(url, model or "?", proto, api_key=api_key, verify=verify,
                                  connect_timeout=timeout, chunk_timeout=timeout, check_model=False)
        except ValueError as exc:
            out.append(ServerCheck(str(url), False, error=str(exc)))
            continue
        base = engine.pool.servers[0].url
        try:
            models, rtt = engine._list_models(base)
            check = ServerCheck(base, True, models or [], rtt)
            if models is None:
                check.error = "the server has no model list"
            elif model and not wire.model_matches(proto, model, models):
                check.error = f"{model!r} is not among the served models"
            out.append(check)
        except OcrError as exc:
            out.append(ServerCheck(base, False, error=exc.message))
        finally:
            engine.close()
    return out
