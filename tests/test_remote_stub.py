"""The remote engine against a small local stub that replays recorded vLLM, SGLang and Ollama answers.

The stub is a real HTTP server on 127.0.0.1 (a thread of this process, stopped after each test). It
writes the recorded bytes in pieces that split SSE lines, JSON objects and UTF-8 characters, as a
network can, and answers with the error bodies those servers send. ``ReplayServer`` is also used by
the Engine settings page's test.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image, ImageDraw

from glmocr_desktop.core.jobs import Job
from glmocr_desktop.core.postprocess import final_text
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.remote import (
    AuthenticationError,
    ModelNotServedError,
    RemoteEngine,
    ServerUnreachableError,
    check_servers,
)

# --- recorded answers (shapes as vLLM 0.11, SGLang 0.5 and Ollama 0.12 send them) -------------------


def vllm_sse(pieces: list[str], *, finish: str = "stop", prompt_tokens: int = 431) -> bytes:
    head = {"id": "chatcmpl-7f3c", "object": "chat.completion.chunk", "created": 1760000000, "model": "glm-ocr"}
    events = [{**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
                                    "finish_reason": None}], "prompt_token_ids": None}]
    events += [{**head, "choices": [{"index": 0, "delta": {"content": p}, "logprobs": None, "finish_reason": None,
                                     "token_ids": None}]} for p in pieces]
    events.append({**head, "choices": [{"index": 0, "delta": {"content": ""}, "logprobs": None,
                                        "finish_reason": finish, "stop_reason": None}]})
    events.append({**head, "choices": [], "usage": {"prompt_tokens": prompt_tokens,
                                                    "total_tokens": prompt_tokens + len(pieces),
                                                    "completion_tokens": len(pieces),
                                                    "prompt_tokens_details": None}})
    return b"".join(b"data: " + json.dumps(e, ensure_ascii=False).encode() + b"\n\n" for e in events) + \
        b"data: [DONE]\n\n"


def sglang_sse(pieces: list[str], *, finish: str = "stop") -> bytes:
    head = {"id": "0d9a8c", "object": "chat.completion.chunk", "created": 1760000001, "model": "glm-ocr"}
    events = [{**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": p,
                                                          "reasoning_content": None, "tool_calls": None},
                                    "logprobs": None, "finish_reason": None, "matched_stop": None}],
               "usage": None} for p in pieces]
    events.append({**head, "choices": [{"index": 0, "delta": {"role": None, "content": None,
                                                              "reasoning_content": None, "tool_calls": None},
                                        "logprobs": None, "finish_reason": finish, "matched_stop": 59246}],
                   "usage": None})
    events.append({**head, "choices": [], "usage": {"prompt_tokens": 402, "total_tokens": 402 + len(pieces),
                                                    "completion_tokens": len(pieces)}})
    # SGLang ends its events with \r\n line breaks
    return b"".join(b"data: " + json.dumps(e, ensure_ascii=False).encode() + b"\r\n\r\n" for e in events) + \
        b"data: [DONE]\r\n\r\n"


def ollama_ndjson(pieces: list[str]) -> bytes:
    rows = [{"model": "glm-ocr:latest", "created_at": "2025-10-01T10:00:00.1Z", "response": p, "done": False}
            for p in pieces]
    rows.append({"model": "glm-ocr:latest", "created_at": "2025-10-01T10:00:01.9Z", "response": "", "done": True,
                 "done_reason": "stop", "context": [1, 2, 3], "total_duration": 1866000000,
                 "load_duration": 12000000, "prompt_eval_count": 389, "prompt_eval_duration": 90000000,
                 "eval_count": len(pieces), "eval_duration": 1700000000})
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows)


VLLM_MODELS = {"object": "list", "data": [{"id": "glm-ocr", "object": "model", "created": 1760000000,
                                           "owned_by": "vllm", "root": "zai-org/GLM-OCR", "max_model_len": 16384}]}
OLLAMA_TAGS = {"models": [{"name": "glm-ocr:latest", "model": "glm-ocr:latest", "size": 2200000000}]}
VLLM_NOT_FOUND = {"object": "error", "message": "The model `glm-ocr-v2` does not exist.", "type": "NotFoundError",
                  "param": None, "code": 404}
NGINX_500 = ("<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 "
             "Internal Server Error</h1></center>\r\n" + "<!-- padding -->\r\n" * 60 + "</body>\r\n</html>\r\n")
PIECES = ["# Invoice", " №", " 42\n\n", "Total: ", "12", "3,45 €", "\n\n| a | b |", "\n|---|---|\n| 1 | 2 |"]


def split_badly(data: bytes) -> list[bytes]:
    """Pieces of 1 to 7 bytes: lines, JSON and multi-byte characters all cut somewhere."""
    out, i, n = [], 0, 0
    while i < len(data):
        step = 1 + (n * 5) % 7
        out.append(data[i:i + step])
        i, n = i + step, n + 1
    return out


# --- the stub -------------------------------------------------------------------------------------


class Reply:
    def __init__(self, status: int = 200, body: bytes | str | dict = b"", *, content_type: str = "application/json",
                 split: bool = False, gap_s: float = 0.0, cut_after: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        if isinstance(body, dict):
            body = json.dumps(body)
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.content_type = content_type
        self.split, self.gap_s, self.cut_after = split, gap_s, cut_after
        self.headers = headers or {}


class ReplayServer:
    """Answers each path with the next of its replies (the last one repeats); records every request."""

    def __init__(self, routes: dict[str, list[Reply]]) -> None:
        self.routes = {k: list(v) for k, v in routes.items()}
        self.requests: list[tuple[str, str, bytes, dict[str, str]]] = []
        self.disconnected = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.requests.append((method, self.path, body, dict(self.headers)))
                replies = stub.routes.get(self.path)
                if not replies:
                    reply = Reply(404, {"detail": "Not Found"})
                else:
                    reply = replies.pop(0) if len(replies) > 1 else replies[0]
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                streaming = reply.split or reply.gap_s or reply.cut_after is not None
                if streaming:
                    self.send_header("Connection", "close")  # the body ends when the connection does
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                parts = split_badly(reply.body) if reply.split else (
                    reply.body.split(b"\n\n") if streaming else [reply.body])
                if streaming and not reply.split:
                    parts = [p + b"\n\n" for p in parts if p]
                try:
                    for n, part in enumerate(parts):
                        if reply.cut_after is not None and n >= reply.cut_after:
                            # the server dies: the connection is reset, no end of the answer
                            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
                            break
                        self.wfile.write(part)
                        self.wfile.flush()
                        if reply.gap_s:
                            time.sleep(reply.gap_s)
                        elif reply.split:
                            time.sleep(0.0005)
                except (BrokenPipeError, ConnectionResetError):
                    stub.disconnected.set()

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def posts(self, path: str) -> list[dict]:
        return [json.loads(body) for method, p, body, _ in self.requests if method == "POST" and p == path]


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens there once closed


@pytest.fixture
def page():
    img = Image.new("RGB", (240, 90), "white")
    ImageDraw.Draw(img).text((10, 35), "Invoice 42", fill="black")
    return img


def collect(chunks):
    deltas: dict[str, list[str]] = {}
    results = []
    for c in chunks:
        if c.done:
            results.append(c.result)
        else:
            deltas.setdefault(c.job_id, []).append(c.text)
    return {k: "".join(v) for k, v in deltas.items()}, results


# --- tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["vllm", "sglang"])
def test_openai_streams_with_split_lines(shape, page):
    body = vllm_sse(PIECES) if shape == "vllm" else sglang_sse(PIECES)
    with ReplayServer({"/v1/models": [Reply(200, VLLM_MODELS)],
                       "/v1/chat/completions": [Reply(200, body, content_type="text/event-stream", split=True)]}) as srv:
        engine = RemoteEngine(srv.url + "/v1", "glm-ocr", api_key="sk-test")
        engine.load()
        job = Job(image=page, task=Task.TABLE, max_new_tokens=1234)
        streamed, (result,) = collect(engine.stream(job))
        engine.close()
    raw = "".join(PIECES)
    assert streamed[job.id] == raw  # every piece once, multi-byte characters whole
    assert result.raw_text == raw
    assert result.text == final_text(Task.TABLE, raw)
    assert result.timings.generated_tokens == len(PIECES)
    assert result.timings.prompt_tokens == (431 if shape == "vllm" else 402)
    assert result.model == "glm-ocr" and not result.truncated and result.error is None
    (sent,) = srv.posts("/v1/chat/completions")
    assert sent["model"] == "glm-ocr" and sent["stream"] is True and sent["max_tokens"] == 1234
    assert (sent["temperature"], sent["top_p"], sent["top_k"], sent["repetition_penalty"]) == (0.0, 1e-5, 1, 1.1)
    image_part, text_part = sent["messages"][0]["content"]
    assert text_part == {"type": "text", "text": "Table Recognition:"}
    head, b64 = image_part["image_url"]["url"].split(",", 1)
    assert head == "data:image/png;base64"
    assert Image.open(io.BytesIO(base64.b64decode(b64))).tobytes() == page.tobytes()  # lossless
    auth = [h.get("Authorization") for _, _, _, h in srv.requests]
    assert auth == ["Bearer sk-test", "Bearer sk-test"]


def test_length_finish_marks_the_result_truncated(page):
    with ReplayServer({"/v1/chat/completions": [Reply(200, vllm_sse(["abc"] * 4, finish="length"),
                                                      content_type="text/event-stream")]}) as srv:
        engine = RemoteEngine(srv.url, "glm-ocr", check_model=False)
        _, (result,) = collect(engine.stream(Job(image=page, max_new_tokens=4)))
    assert result.truncated and "limit of 4 tokens" in result.truncated_reason


def test_ollama_generate_stream(page):
    with ReplayServer({"/api/tags": [Reply(200, OLLAMA_TAGS)],
                       "/api/generate": [Reply(200, ollama_ndjson(PIECES), content_type="application/x-ndjson",
                                               split=True)]}) as srv:
        engine = RemoteEngine(srv.url, "glm-ocr", "ollama")
        engine.load()  # "glm-ocr" is served as glm-ocr:latest
        streamed, (result,) = collect(engine.stream(Job(image=page, task=Task.FORMULA)))
    raw = "".join(PIECES)
    assert result.raw_text == raw and streamed[result.job_id] == raw
    assert result.text == final_text(Task.FORMULA, raw)
    assert (result.timings.prompt_tokens, result.timings.generated_tokens) == (389, len(PIECES))
    (sent,) = srv.posts("/api/generate")
    assert sent["prompt"] == "Formula Recognition:" and sent["stream"] is True
    assert sent["options"] == {"temperature": 0.0, "top_p": 1e-5, "top_k": 1, "repeat_penalty": 1.1,
                               "num_predict": 8192}
    assert Image.open(io.BytesIO(base64.b64decode(sent["images"][0]))).size == page.size


def test_wrong_api_key_is_said_and_not_retried(page):
    with ReplayServer({"/v1/models": [Reply(401, {"error": "Unauthorized"})],
                       "/v1/chat/completions": [Reply(401, {"error": "Unauthorized"})]}) as srv:
        with pytest.raises(AuthenticationError, match=r"refused the API key.*Unauthorized"):
            RemoteEngine(srv.url, "glm-ocr", api_key="wrong").load()
        engine = RemoteEngine(srv.url, "glm-ocr", check_model=False)
        with pytest.raises(AuthenticationError):
            list(engine.stream(Job(image=page)))
    assert len(srv.posts("/v1/chat/completions")) == 1


def test_model_not_served_lists_the_served_models(page):
    with ReplayServer({"/v1/models": [Reply(200, VLLM_MODELS)],
                       "/v1/chat/completions": [Reply(404, VLLM_NOT_FOUND)]}) as srv:
        with pytest.raises(ModelNotServedError, match=r"'glm-ocr-v2'.*serves: glm-ocr") as info:
            RemoteEngine(srv.url, "glm-ocr-v2").load()
        assert info.value.served == ["glm-ocr"]
        engine = RemoteEngine(srv.url, "glm-ocr-v2", check_model=False)
        with pytest.raises(ModelNotServedError, match="serves: glm-ocr"):
            list(engine.stream(Job(image=page)))


def test_unreachable_server_is_said(page):
    url = closed_port_url()
    with pytest.raises(ServerUnreachableError, match=r"No OCR server answered.*Cannot connect"):
        RemoteEngine(url, "glm-ocr", connect_timeout=2).load()
    engine = RemoteEngine(url, "glm-ocr", retries=1, backoff_s=0.01, check_model=False)
    with pytest.raises(ServerUnreachableError, match=r"Cannot connect.*tried 2 times"):
        list(engine.stream(Job(image=page)))


def test_one_jobs_error_ends_that_job_only(page):
    """A 413 and an HTML 500 end their own jobs with a short message; the third job is read."""
    ok = Reply(200, vllm_sse(["fine"]), content_type="text/event-stream")
    with ReplayServer({"/v1/chat/completions": [
        Reply(413, {"object": "error", "message": "Request Entity Too Large", "code": 413}),
        Reply(500, NGINX_500, content_type="text/html"),
        ok,
    ]}) as srv:
        engine = RemoteEngine(srv.url, "glm-ocr", concurrency=1, check_model=False)
        jobs = [Job(image=page) for _ in range(3)]
        _, results = collect(engine.stream_many(jobs))
    assert [r.job_id for r in results] == [j.id for j in jobs]
    assert "too large" in results[0].error and "Request Entity Too Large" in results[0].error
    assert "answered 500" in results[1].error and "Internal Server Error" in results[1].error
    assert len(results[1].error) < 400  # an excerpt, not the page
    assert results[2].error is None and results[2].raw_text == "fine"
    assert len(srv.posts("/v1/chat/completions")) == 3  # no retry on 413 or 500


def test_busy_server_is_retried_with_backoff(page):
    busy = Reply(503, "<html>503 Service Temporarily Unavailable</html>", content_type="text/html")
    with ReplayServer({"/v1/chat/completions": [
        Reply(429, {"error": {"message": "rate limited"}}, headers={"Retry-After": "0.05"}), busy,
        Reply(200, vllm_sse(["after ", "waiting"]), content_type="text/event-stream"),
    ]}) as srv:
        engine = RemoteEngine(srv.url, "glm-ocr", backoff_s=0.01, bench_s=0.01, check_model=False)
        _, (result,) = collect(engine.stream(Job(image=page)))
    assert result.raw_text == "after waiting" and result.error is None
    assert len(srv.posts("/v1/chat/completions")) == 3
    assert any("third attempt" in w for w in result.warnings)


def test_bad_request_is_not_retried(page):
    with ReplayServer({"/v1/chat/completions": [
            Reply(400, {"object": "error", "message": "top_k must be -1 or at least 1", "type": "BadRequestError",
                        "code": 400})]}) as srv:
        engine = RemoteEngine(srv.url, "glm-ocr", check_model=False)
        _, (result,) = collect(engine.stream(Job(image=page)))
    assert "answered 400: top_k must be" in result.error
    assert len(srv.posts("/v1/chat/completions")) == 1


def test_a_stream_cut_mid_answer_is_read_again_elsewhere_and_shown_once(page):
    pieces = ["one ", "two ", "three ", "four"]
    body = vllm_sse(pieces)
    with ReplayServer({"/v1/chat/completions": [Reply(200, body, content_type="text/event-stream",
                                                      cut_after=3)]}) as dying, \
            ReplayServer({"/v1/chat/completions": [Reply(200, body, content_type="text/event-stream")]}) as alive:
        engine = RemoteEngine([dying.url, alive.url], "glm-ocr", concurrency=1, check_model=False)
        engine.pool._turn = 0  # the dying server first
        streamed, (result,) = collect(engine.stream(Job(image=page)))
        assert engine.pool.servers[0].failures == 1 and engine.pool.all_benched() is False
    assert result.raw_text == "one two three four"
    assert streamed[result.job_id] == "one two three four"  # the pieces shown before the cut are not repeated
    assert result.device == alive.url and any("second attempt" in w for w in result.warnings)


def test_cancel_closes_the_stream_within_a_chunk(page):
    slow = vllm_sse([f"w{i} " for i in range(400)])
    with ReplayServer({"/v1/chat/completions": [Reply(200, slow, content_type="text/event-stream",
                                                      gap_s=0.02)]}) as srv:
        engine = RemoteEngine(srv.url, "glm-ocr", check_model=False)
        chunks = []
        started = time.monotonic()
        for chunk in engine.stream(Job(image=page)):
            chunks.append(chunk)
            if len(chunks) == 3:
                engine.cancel()
        took = time.monotonic() - started
        assert srv.disconnected.wait(5)  # the stub's next write found the connection closed
    result = chunks[-1].result
    assert chunks[-1].done and result.cancelled
    assert result.raw_text.startswith("w0 w1 ") and len(result.raw_text) < 100
    assert took < 5  # 400 pieces at 20 ms would take 8 s


def test_check_servers_reports_models_and_round_trip():
    with ReplayServer({"/v1/models": [Reply(200, VLLM_MODELS)]}) as srv:
        good, bad = check_servers([srv.url, closed_port_url()], "glm-ocr", timeout=2)
        (wrong,) = check_servers([srv.url], "other")
    assert good.ok and good.models == ["glm-ocr"] and good.round_trip_s is not None and not good.error
    assert bad.ok is False and "Cannot connect" in bad.error
    assert wrong.ok and "'other' is not among the served models" in wrong.error


def test_remote_engine_and_engine_page_import_without_torch():
    """The window makes the remote engine: neither it nor the Engine page may pull in torch."""
    import subprocess
    import sys

    code = ("import sys; import glmocr_desktop.engines.remote, glmocr_desktop.gui.engine_settings, "
            "glmocr_desktop.server.app; bad = [m for m in ('torch', 'transformers') if m in sys.modules]; "
            "print(bad); raise SystemExit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
