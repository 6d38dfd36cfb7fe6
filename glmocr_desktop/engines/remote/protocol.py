"""The two wire protocols: OpenAI-compatible chat completions (SSE) and Ollama's ``/api/generate``.

Request shapes follow the official GLM-OCR SDK: one user turn with the image first (a base64 data URL)
and the task prompt after it, and the SDK's decoding settings. Responses are read event by event
whatever the network does to line boundaries (httpx reassembles lines; SSE ``data:`` fields are joined
until the blank line that ends an event).
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from glmocr_desktop.core.compat import StrEnum
from glmocr_desktop.core.jobs import Job
from glmocr_desktop.core.tasks import REPETITION_PENALTY
from glmocr_desktop.engines.remote.errors import ServerError, excerpt

#: The official SDK's sampling settings (greedy in effect); ``max_tokens`` is the job's token budget.
SDK_SAMPLING: dict[str, float | int] = {
    "temperature": 0.0,
    "top_p": 0.00001,
    "top_k": 1,
    "repetition_penalty": REPETITION_PENALTY,
}


class Protocol(StrEnum):
    OPENAI = "openai"  # vLLM, SGLang, LM Studio, llama.cpp server, ``glmocr-desktop serve``
    OLLAMA = "ollama"  # Ollama's native /api/generate (its OpenAI route drops images)

    @classmethod
    def parse(cls, value: str | Protocol) -> Protocol:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise ValueError(f"Unknown protocol {value!r}; use openai or ollama.") from None


def encode_image(image: Any, fmt: str = "PNG") -> tuple[str, str]:
    """``(mime type, base64 text)`` of a PIL image; PNG is lossless, so a server reads what we would."""
    fmt = fmt.upper()
    if fmt == "JPG":
        fmt = "JPEG"
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    if fmt == "JPEG":
        image.save(buf, format="JPEG", quality=95)
    else:
        image.save(buf, format="PNG", compress_level=1)
    return f"image/{fmt.lower()}", base64.b64encode(buf.getvalue()).decode("ascii")


def chat_payload(job: Job, model: str, mime: str, b64: str, *, stream: bool = True) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "model": model,
        "messages": [{
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{b64}"}},
                {"type": "text", "text": job.prompt},
            ],
        }],
        "max_tokens": job.token_budget,
        **SDK_SAMPLING,
        "stream": stream,
    }
    if stream:
        payload["stream_options"] = {"include_usage": True}
    return payload


def ollama_payload(job: Job, model: str, b64: str) -> dict[str, Any]:
    return {
        "model": model,
        "prompt": job.prompt,
        "images": [b64],
        "stream": True,
        "options": {
            "temperature": SDK_SAMPLING["temperature"],
            "top_p": SDK_SAMPLING["top_p"],
            "top_k": SDK_SAMPLING["top_k"],
            "repeat_penalty": SDK_SAMPLING["repetition_penalty"],
            "num_predict": job.token_budget,
        },
    }


@dataclass
class Delta:
    """One parsed event: new text, and at the end the finish reason and the token counts."""

    text: str = ""
    finish_reason: str | None = None  # "stop", "length", ...
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    done: bool = False  # the server says the stream is complete


def sse_events(lines: Iterable[str]) -> Iterator[str]:
    """The ``data`` of each server-sent event (multi-line data joined with newlines)."""
    data: list[str] = []
    for line in lines:
        line = line.rstrip("\r")
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue  # a comment / keep-alive
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:  # a stream that ended without the final blank line
        yield "\n".join(data)


def _error_of(obj: Any) -> str | None:
    err = obj.get("error") if isinstance(obj, dict) else None
    if err is None:
        return None
    if isinstance(err, dict):
        return str(err.get("message") or err)
    return str(err)


def _load(data: str, where: str) -> dict[str, Any]:
    try:
        obj = json.loads(data)
    except json.JSONDecodeError:
        raise ServerError(f"The server sent something that is not JSON in its {where}: "
                          f"{excerpt(data)!r}") from None
    if not isinstance(obj, dict):
        raise ServerError(f"The server sent an unexpected {where}: {excerpt(data)!r}")
    return obj


def openai_deltas(lines: Iterable[str]) -> Iterator[Delta]:
    """Deltas of an OpenAI chat-completions SSE stream, up to ``data: [DONE]``."""
    for data in sse_events(lines):
        if data.strip() == "[DONE]":
            yield Delta(done=True)
            return
        obj = _load(data, "stream")
        message = _error_of(obj)
        if message is not None:
            raise ServerError(f"The server stopped with an error: {excerpt(message)}")
        delta = Delta()
        usage = obj.get("usage")
        if isinstance(usage, dict):
            delta.prompt_tokens = _int(usage.get("prompt_tokens"))
            delta.completion_tokens = _int(usage.get("completion_tokens"))
        for choice in obj.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            piece = (choice.get("delta") or choice.get("message") or {}).get("content")
            if isinstance(piece, str):
                delta.text += piece
            if choice.get("finish_reason"):
                delta.finish_reason = str(choice["finish_reason"])
        yield delta


def openai_message(obj: dict[str, Any]) -> Delta:
    """The one delta of a non-streamed chat completion."""
    return next(openai_deltas([f"data: {json.dumps(obj)}", ""]), Delta())


def ollama_deltas(lines: Iterable[str]) -> Iterator[Delta]:
    """Deltas of Ollama's newline-delimited JSON stream, up to the object with ``done: true``."""
    for line in lines:
        if not line.strip():
            continue
        obj = _load(line, "stream")
        message = _error_of(obj)
        if message is not None:
            raise ServerError(f"Ollama stopped with an error: {excerpt(message)}")
        delta = Delta(text=str(obj.get("response") or ""))
        if obj.get("done"):
            delta.done = True
            delta.finish_reason = str(obj.get("done_reason") or "stop")
            delta.prompt_tokens = _int(obj.get("prompt_eval_count"))
            delta.completion_tokens = _int(obj.get("eval_count"))
        yield delta
        if delta.done:
            return


def served_models(protocol: Protocol, obj: Any) -> list[str]:
    """Model names from ``GET /v1/models`` (OpenAI) or ``GET /api/tags`` (Ollama)."""
    if not isinstance(obj, dict):
        return []
    if protocol is Protocol.OLLAMA:
        rows = obj.get("models") or []
        return [str(m.get("name") or m.get("model")) for m in rows if isinstance(m, dict)]
    rows = obj.get("data") or []
    return [str(m.get("id")) for m in rows if isinstance(m, dict) and m.get("id")]


def model_matches(protocol: Protocol, wanted: str, served: list[str]) -> bool:
    if wanted in served:
        return True
    if protocol is Protocol.OLLAMA and ":" not in wanted:
        return f"{wanted}:latest" in served
    return False


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
