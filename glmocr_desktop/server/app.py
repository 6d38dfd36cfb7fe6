"""The OpenAI-compatible HTTP API around the local engine (Starlette).

``/v1/models``, ``/v1/chat/completions`` (SSE streaming and not, with usage) and ``/health``. Requests
carry one image as a base64 data URL and a GLM-OCR task prompt, as the official SDK sends them;
decoding is always the official greedy one, whatever sampling fields a client sends. The answer's
content is the model's raw text: a client cleans it up itself (the remote engine does, with the same
``final_text`` as the app), exactly as with vLLM.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import io
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from glmocr_desktop import __version__
from glmocr_desktop.core import model_limits
from glmocr_desktop.core.errors import ImageTooLargeForModelError, InputError, OcrError
from glmocr_desktop.core.jobs import Job
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.settings import MAX_TOKENS
from glmocr_desktop.core.tasks import DEFAULT_MAX_NEW_TOKENS, EXTRACTION_PREFIX, PROMPTS, Task
from glmocr_desktop.server.batcher import Batcher, Pending, QueueFull


@dataclass
class Limits:
    max_request_bytes: int = 32 * 1024 * 1024  # the whole JSON body
    max_image_bytes: int = 20 * 1024 * 1024  # one decoded image file
    max_image_pixels: int = 40_000_000  # before the model's own resize (decompression bombs stop here)
    max_tokens: int = MAX_TOKENS


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.headers = status, message, kind, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"message": self.message, "type": self.kind, "code": self.status}},
                            status_code=self.status, headers=self.headers)


_TASK_OF_PROMPT = {prompt: task for task, prompt in PROMPTS.items()}


def task_of_prompt(text: str) -> tuple[Task, dict[str, Any] | None]:
    """The task (and extraction template) of a GLM-OCR prompt; ApiError for any other text."""
    text = text.strip()
    if text in _TASK_OF_PROMPT:
        return _TASK_OF_PROMPT[text], None
    if text.startswith(EXTRACTION_PREFIX):
        from glmocr_desktop.core.errors import TemplateError
        from glmocr_desktop.core.extraction import validate_template

        try:
            return Task.EXTRACT, validate_template(text[len(EXTRACTION_PREFIX):].strip())
        except (TemplateError, ValueError) as exc:
            raise ApiError(400, f"The extraction template is not usable: {exc}") from None
    known = ", ".join(repr(p) for p in PROMPTS.values())
    raise ApiError(400, f"This server reads GLM-OCR task prompts only: {known}, or "
                        f"{EXTRACTION_PREFIX!r} followed by a JSON template; got {text[:80]!r}.")


class OcrApi:
    """The routes; ``batcher`` owns the engine."""

    def __init__(self, batcher: Batcher, served_model: str = "glm-ocr", *, api_key: str | None = None,
                 limits: Limits | None = None) -> None:
        self.batcher = batcher
        self.served_model = served_model
        self.api_key = api_key or None
        self.limits = limits or Limits()
        self.created = int(time.time())

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/health", self.health, methods=["GET"]),
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
        ])

    # --- routes ----------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "model": self.served_model, "version": __version__,
                             **self.batcher.stats()})

    async def models(self, request: Request) -> Response:
        try:
            self._authorise(request)
        except ApiError as exc:
            return exc.response()
        return JSONResponse({"object": "list", "data": [{
            "id": self.served_model, "object": "model", "created": self.created, "owned_by": "glmocr-desktop",
        }]})

    async def chat(self, request: Request) -> Response:
        try:
            self._authorise(request)
            body = await self._body(request)
            job, stream, usage_chunk = await self._job(body)
            try:
                pending = self.batcher.submit(job, asyncio.get_running_loop())
            except QueueFull as exc:
                raise ApiError(429, f"The server is busy: {exc}. Try again shortly.", "rate_limit_error",
                               {"Retry-After": "1"}) from None
        except ApiError as exc:
            return exc.response()
        except ClientDisconnect:
            return Response(status_code=499)
        rid = "chatcmpl-" + uuid.uuid4().hex[:24]
        if stream:
            return StreamingResponse(self._sse(pending, rid, usage_chunk), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        try:
            result = await self._result(pending)
        except ApiError as exc:
            return exc.response()
        return JSONResponse({
            "id": rid, "object": "chat.completion", "created": int(time.time()), "model": self.served_model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": result.raw_text},
                         "finish_reason": _finish_reason(result)}],
            "usage": _usage(result),
        })

    # --- pieces ----------------------------------------------------------------------------------

    def _authorise(self, request: Request) -> None:
        if self.api_key is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self.api_key.encode()):
            raise ApiError(401, "Missing or wrong API key (send Authorization: Bearer KEY).",
                           "authentication_error")

    async def _body(self, request: Request) -> dict[str, Any]:
        limit = self.limits.max_request_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ApiError(413, f"The request is larger than {limit // (1024 * 1024)} MB.")
        data = bytearray()
        async for piece in request.stream():
            data += piece
            if len(data) > limit:
                raise ApiError(413, f"The request is larger than {limit // (1024 * 1024)} MB.")
        try:
            body = json.loads(bytes(data))
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "The request body is not JSON.") from None
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        return body

    async def _job(self, body: dict[str, Any]) -> tuple[Job, bool, bool]:
        model = body.get("model")
        if model not in (None, "", self.served_model):
            raise ApiError(404, f"The model `{model}` does not exist; this server serves `{self.served_model}`.",
                           "NotFoundError")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise ApiError(400, "messages must be a non-empty list.")
        user = next((m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user"), None)
        if user is None:
            raise ApiError(400, "No user message.")
        content = user.get("content")
        if isinstance(content, str) or not isinstance(content, list):
            raise ApiError(400, "The user message needs an image_url part (a base64 data URL) and a text part.")
        images = [p for p in content if isinstance(p, dict) and p.get("type") == "image_url"]
        texts = [str(p.get("text") or "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        if len(images) != 1:
            raise ApiError(400, f"Send exactly one image per request (got {len(images)}).")
        task, template = task_of_prompt("\n".join(texts))
        url = images[0].get("image_url")
        url = url.get("url") if isinstance(url, dict) else url
        image = await asyncio.to_thread(self._decode_image, str(url or ""))
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        if max_tokens is None:
            max_tokens = DEFAULT_MAX_NEW_TOKENS[task]
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            raise ApiError(400, "max_tokens must be a positive integer.")
        stream = bool(body.get("stream", False))
        options = body.get("stream_options") or {}
        usage_chunk = bool(options.get("include_usage")) if isinstance(options, dict) else False
        job = Job(image=image, task=task, template=template, max_new_tokens=min(max_tokens, self.limits.max_tokens))
        return job, stream, usage_chunk

    def _decode_image(self, url: str):
        from PIL import Image

        from glmocr_desktop.core.imaging import normalize_image

        if not url.startswith("data:"):
            raise ApiError(400, "Images must be sent inline as a base64 data URL (this server fetches no URLs).")
        head, _, b64 = url.partition(",")
        if ";base64" not in head:
            raise ApiError(400, "The image data URL must be base64 encoded.")
        if len(b64) * 3 // 4 > self.limits.max_image_bytes:
            raise ApiError(413, f"The image is larger than {self.limits.max_image_bytes // (1024 * 1024)} MB.")
        try:
            data = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "The image is not valid base64.") from None
        try:
            with Image.open(io.BytesIO(data)) as probe:
                w, h = probe.size
                if w * h > self.limits.max_image_pixels:
                    raise ApiError(413, f"The image has {w}x{h} pixels, more than the "
                                        f"{self.limits.max_image_pixels:,} this server accepts.")
                if not model_limits.fits_aspect(max(1, w), max(1, h)):
                    raise ApiError(400, f"The image is {w}x{h} pixels: too long and thin for GLM-OCR.")
                probe.load()
                return normalize_image(probe.copy())
        except ApiError:
            raise
        except Exception as exc:
            raise ApiError(400, f"The image could not be read: {exc}") from None

    async def _result(self, pending: Pending) -> Result:
        try:
            while True:
                kind, payload = await pending.out.get()
                if kind == "done":
                    return payload
                if kind == "error":
                    raise _engine_error(payload)
        except asyncio.CancelledError:
            self.batcher.forget(pending)
            raise

    async def _sse(self, pending: Pending, rid: str, usage_chunk: bool):
        created = int(time.time())

        def event(choices: list, **extra) -> bytes:
            obj = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": self.served_model,
                   "choices": choices, **extra}
            return b"data: " + json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n\n"

        sent: list[str] = []
        finished = False
        try:
            yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            while True:
                kind, payload = await pending.out.get()
                if kind == "delta":
                    sent.append(payload)
                    yield event([{"index": 0, "delta": {"content": payload}, "finish_reason": None}])
                elif kind == "error":
                    err = _engine_error(payload)
                    finished = True
                    yield (b"data: " + json.dumps({"error": {"message": err.message, "type": err.kind,
                                                             "code": err.status}}).encode() + b"\n\n")
                    yield b"data: [DONE]\n\n"
                    return
                else:
                    result: Result = payload
                    streamed = "".join(sent)
                    if result.raw_text.startswith(streamed) and len(result.raw_text) > len(streamed):
                        yield event([{"index": 0, "delta": {"content": result.raw_text[len(streamed):]},
                                      "finish_reason": None}])
                    yield event([{"index": 0, "delta": {}, "finish_reason": _finish_reason(result)}])
                    if usage_chunk:
                        yield event([], usage=_usage(result))
                    finished = True
                    yield b"data: [DONE]\n\n"
                    return
        finally:
            if not finished:
                self.batcher.forget(pending)


def _finish_reason(result: Result) -> str:
    return "length" if result.truncated else "stop"


def _usage(result: Result) -> dict[str, int]:
    prompt, completion = result.timings.prompt_tokens, result.timings.generated_tokens
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _engine_error(exc: BaseException) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ImageTooLargeForModelError):
        return ApiError(413, f"The image is too large for the model: {exc}")
    if isinstance(exc, InputError):
        return ApiError(400, str(exc))
    if isinstance(exc, OcrError):
        return ApiError(500, str(exc), "server_error")
    return ApiError(500, f"{type(exc).__name__}: {exc}", "server_error")
