"""Remote engines: GLM-OCR on OpenAI-compatible servers (vLLM, SGLang, LM Studio, llama.cpp,
``glmocr-desktop serve``) and on Ollama, behind the same Engine API as the local engine."""

from glmocr_desktop.engines.remote.engine import (
    RemoteEngine,
    ServerCheck,
    check_servers,
    is_plain_http_to_remote_host,
    normalise_url,
)
from glmocr_desktop.engines.remote.errors import (
    AuthenticationError,
    ModelNotServedError,
    ProtocolMismatchError,
    RemoteError,
    RemoteImageTooLargeError,
    ServerBusyError,
    ServerError,
    ServerUnreachableError,
)
from glmocr_desktop.engines.remote.protocol import Protocol

__all__ = [
    "AuthenticationError",
    "ModelNotServedError",
    "Protocol",
    "ProtocolMismatchError",
    "RemoteEngine",
    "RemoteError",
    "RemoteImageTooLargeError",
    "ServerBusyError",
    "ServerCheck",
    "ServerError",
    "ServerUnreachableError",
    "check_servers",
    "is_plain_http_to_remote_host",
    "normalise_url",
]
