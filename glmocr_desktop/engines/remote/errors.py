"""Typed errors of a remote engine, each with a message a user can act on.

They are :class:`~glmocr_desktop.core.errors.ModelError` subclasses, so the CLI exits with 4 and the
window shows them as it shows the local engine's. ``retryable`` says whether another attempt (on this
server after a pause, or on another server) may succeed.
"""

from __future__ import annotations

from glmocr_desktop.core.errors import ImageTooLargeForModelError, ModelError

#: Most characters of a server's error body quoted in a message.
BODY_EXCERPT = 300


def excerpt(body: str | bytes, limit: int = BODY_EXCERPT) -> str:
    """A short, single-line piece of a response body for a message (bodies can be whole HTML pages)."""
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", "replace")
    text = " ".join(str(body).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RemoteError(ModelError):
    """Something went wrong talking to an OCR server."""

    retryable = False

    def __init__(self, message: str, *, hint: str | None = None, url: str = "") -> None:
        super().__init__(message, hint=hint)
        self.url = url


class ServerUnreachableError(RemoteError):
    """No connection, the connection dropped, or the server went silent for too long."""

    retryable = True


class ServerBusyError(RemoteError):
    """429, 502 or 503: the server (or a proxy before it) asks to come back later."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class AuthenticationError(RemoteError):
    """401 / 403: the API key is missing or wrong."""


class ModelNotServedError(RemoteError):
    """The server does not serve the model name asked for."""

    def __init__(self, message: str, *, served: list[str] | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.served = list(served or [])


class RemoteImageTooLargeError(RemoteError, ImageTooLargeForModelError):
    """The image is larger than the client or the server accepts."""


class ServerError(RemoteError):
    """Any other refusal or failure of the server; the message quotes a short piece of its answer."""


class ProtocolMismatchError(RemoteError):
    """The server answered, but not in the protocol chosen (an Ollama URL used as OpenAI, say)."""
