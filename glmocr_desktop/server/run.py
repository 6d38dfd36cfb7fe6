"""``glmocr-desktop serve``: this computer's GLM-OCR as an OpenAI-compatible server.

    glmocr-desktop serve --model zai-org/GLM-OCR --port 8000 --api-key-env OCR_SERVER_KEY

Binds 127.0.0.1 unless ``--host`` says otherwise; another host is allowed, with a warning when no API
key guards it. ``ServerThread`` runs the same server inside a process (benchmarks, tests).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from typing import Any

from glmocr_desktop import DEFAULT_MODEL_ID, __version__
from glmocr_desktop.core import paths
from glmocr_desktop.core.errors import ModelError
from glmocr_desktop.server.app import Limits, OcrApi
from glmocr_desktop.server.batcher import Batcher

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="glmocr-desktop serve",
                                description="Serve GLM-OCR from this computer over an OpenAI-compatible API.")
    p.add_argument("--model", metavar="ID|DIR", default=paths.default_model(),
                   help=f"hub id (from the local cache) or model folder (default: {DEFAULT_MODEL_ID})")
    p.add_argument("--served-model-name", default="glm-ocr", help="the model name clients ask for (default: glm-ocr)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this computer only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--api-key-env", metavar="VAR", help="require the API key held in this environment variable")
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "mps", "cpu"])
    p.add_argument("--dtype", default="auto", choices=["auto", "bf16", "fp16", "fp32"])
    p.add_argument("--no-fast", action="store_true", help="use stock transformers generate only")
    p.add_argument("--max-batch", type=int, default=None,
                   help="requests read together (default: what the engine takes: 8, or GLMOCR_MAX_BATCH (32) "
                        "with continuous batching on a warm GPU)")
    p.add_argument("--max-queue", type=int, default=64,
                   help="requests admitted at once, waiting or being read; more get 429 (default: 64)")
    p.add_argument("--max-request-mb", type=float, default=32.0, help="largest request body (default: 32)")
    p.add_argument("--max-image-megapixels", type=float, default=40.0, help="largest image (default: 40)")
    p.add_argument("--gather-ms", type=float, default=5.0,
                   help="how long the first request of a batch waits for others (default: 5)")
    p.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def build_api(engine: Any, args: argparse.Namespace, api_key: str | None) -> tuple[OcrApi, Batcher]:
    batcher = Batcher(engine, max_batch=args.max_batch, max_queue=args.max_queue, gather_s=args.gather_ms / 1000)
    limits = Limits(max_request_bytes=int(args.max_request_mb * 1024 * 1024),
                    max_image_pixels=int(args.max_image_megapixels * 1_000_000))
    return OcrApi(batcher, args.served_model_name, api_key=api_key, limits=limits), batcher


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(256)
    sock.set_inheritable(True)
    return sock


def _uvicorn_server(app: Any, log_level: str):
    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, access_log=False, timeout_keep_alive=30,
                            timeout_graceful_shutdown=5, lifespan="off")
    return uvicorn.Server(config)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    err = sys.stderr
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env, "").strip()
        if not api_key:
            print(f"error: the environment variable {args.api_key_env} holds no API key", file=err)
            return 2
    if args.host not in LOOPBACK:
        print(f"warning: binding {args.host}: other computers can reach this server"
              + ("" if api_key else " and no API key is required (use --api-key-env)") + ".", file=err)
    from glmocr_desktop.engines.local import LocalEngine

    engine = LocalEngine(args.model, device=args.device, dtype=args.dtype, fast=not args.no_fast)
    try:
        print(f"Loading {args.model} ...", file=err, flush=True)
        engine.load()
        if not args.no_fast and engine.info.device.startswith("cuda"):
            engine.warm_up_fast_path(compile=False)
    except ModelError as exc:
        print(f"error: {exc}", file=err)
        return 4
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=err)
        engine.close()
        return 3
    api, batcher = build_api(engine, args, api_key)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving {args.served_model_name} on http://{shown}:{port}/v1 ({engine.info.device}, "
          f"batches of {batcher.max_batch}, queue {batcher.max_queue})", file=err, flush=True)
    server = _uvicorn_server(api.app(), args.log_level)
    try:
        server.run(sockets=[sock])
    finally:
        batcher.close()
        engine.close()
        sock.close()
    return 0


class ServerThread:
    """The server on a thread of this process, bound to 127.0.0.1 on a free port; ``stop`` ends it."""

    def __init__(self, engine: Any, *, served_model: str = "glm-ocr", api_key: str | None = None,
                 max_batch: int | None = None, max_queue: int = 64, gather_ms: float = 5.0, limits: Limits | None = None,
                 host: str = "127.0.0.1") -> None:
        self.batcher = Batcher(engine, max_batch=max_batch, max_queue=max_queue, gather_s=gather_ms / 1000)
        self.api = OcrApi(self.batcher, served_model, api_key=api_key, limits=limits)
        self.sock = bind(host, 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.server = _uvicorn_server(self.api.app(), "error")
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # not the main thread
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="serve-http", daemon=True)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = threading.Event()
        for _ in range(500):
            if self.server.started:
                break
            deadline.wait(0.01)
        return self

    def stop(self, *, force: bool = False) -> None:
        """Stop listening and end the server (``force``: without waiting for answers under way)."""
        self.server.should_exit = True
        self.server.force_exit = force
        self.thread.join(10)
        self.batcher.close()
        try:
            self.sock.close()
        except OSError:
            pass


if __name__ == "__main__":  # pragma: no cover
    signal.signal(signal.SIGINT, signal.default_int_handler)
    raise SystemExit(main())
