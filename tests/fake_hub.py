"""A Hugging Face hub on 127.0.0.1 that serves the few endpoints ``huggingface_hub`` downloads through,
so the real ``snapshot_download`` (and the app's download code around it) runs end to end offline.

    GET  /api/models/{repo}[/revision/{rev}]        repo info: commit sha and files
    GET  /api/models/{repo}/tree/{rev}[/{path}]     the file list with sizes (what the disk check reads)
    HEAD /{repo}/resolve/{rev}/{file}               file metadata: commit, etag, size
    GET  /{repo}/resolve/{rev}/{file}               the bytes, honouring ``Range`` (resumed downloads)

Point the client at it with ``HF_ENDPOINT`` (or ``huggingface_hub.constants.ENDPOINT``). Knobs:
``cut_first_get`` drops the connection after that many bytes of a file's first transfer (an interrupted
download), ``delay_per_chunk`` slows the transfer of the files named so a test can stop one midway, ``claimed_sizes``
makes the file list announce other sizes (a model too big for the disk). Every request is recorded.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

CHUNK = 64 * 1024


@dataclass
class Request:
    method: str
    path: str
    range: str | None


@dataclass
class FakeHub:
    repo_id: str
    files: dict[str, bytes]
    lfs: set[str] = field(default_factory=set)  # files served as LFS (etag = sha256, as the hub does)
    cut_first_get: dict[str, int] = field(default_factory=dict)
    delay_per_chunk: dict[str, float] = field(default_factory=dict)
    claimed_sizes: dict[str, int] = field(default_factory=dict)
    sha: str = "0123456789abcdef0123456789abcdef01234567"
    requests: list[Request] = field(default_factory=list)
    served: dict[str, int] = field(default_factory=dict)  # file -> body bytes sent

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._got: set[str] = set()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_HEAD(self) -> None:
                hub._handle(self, head=True)

            def do_GET(self) -> None:
                hub._handle(self, head=False)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-hub", daemon=True)

    # --- life ---
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def file_gets(self, name: str) -> list[Request]:
        return [r for r in self.requests if r.method == "GET" and "/resolve/" in r.path and r.path.endswith("/" + name)]

    # --- the hub ---
    def etag(self, name: str) -> str:
        data = self.files[name]
        if name in self.lfs:
            return hashlib.sha256(data).hexdigest()
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()

    def _entry(self, name: str) -> dict:
        size = self.claimed_sizes.get(name, len(self.files[name]))
        entry = {"type": "file", "path": name, "size": size, "oid": self.etag(name) if name not in self.lfs else
                 hashlib.sha1(name.encode()).hexdigest()}
        if name in self.lfs:
            entry["lfs"] = {"oid": self.etag(name), "size": size, "pointerSize": 134}
        return entry

    def _json(self, h: BaseHTTPRequestHandler, payload: object, status: int = 200) -> None:
        body = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        path = unquote(urlparse(h.path).path)
        with self._lock:
            self.requests.append(Request("HEAD" if head else "GET", path, h.headers.get("Range")))
        api = f"/api/models/{self.repo_id}/"
        if path.startswith(api + "revision/") or path == api.rstrip("/"):
            return self._json(h, {"id": self.repo_id, "modelId": self.repo_id, "sha": self.sha, "private": False,
                                  "siblings": [{"rfilename": n} for n in self.files]})
        if path.startswith(api + "tree/"):
            return self._json(h, [self._entry(n) for n in self.files])
        prefix = f"/{self.repo_id}/resolve/"
        if not path.startswith(prefix):
            return self._json(h, {"error": "Repository not found"}, 404)
        name = path[len(prefix):].split("/", 1)[1]
        if name not in self.files:
            h.send_response(404)
            h.send_header("X-Error-Code", "EntryNotFound")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return None
        data = self.files[name]
        start = 0
        rng = h.headers.get("Range")
        if rng and rng.startswith("bytes=") and not head:
            start = int(rng[6:].split("-")[0] or 0)
        status = 206 if start else 200
        h.send_response(status)
        h.send_header("X-Repo-Commit", self.sha)
        h.send_header("ETag", f'"{self.etag(name)}"')
        if name in self.lfs:
            h.send_header("X-Linked-Etag", f'"{self.etag(name)}"')
            h.send_header("X-Linked-Size", str(len(data)))
        h.send_header("Accept-Ranges", "bytes")
        h.send_header("Content-Length", str(len(data) - start))
        if start:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.end_headers()
        if head:
            return None
        with self._lock:
            first = name not in self._got
            self._got.add(name)
        cut = self.cut_first_get.get(name) if first else None
        pos = start
        while pos < len(data):
            end = min(len(data), pos + CHUNK)
            if cut is not None and end > cut:
                end = cut
            try:
                h.wfile.write(data[pos:end])
                h.wfile.flush()
            except OSError:  # the client went away (a cancelled download)
                break
            with self._lock:
                self.served[name] = self.served.get(name, 0) + (end - pos)
            pos = end
            if cut is not None and pos >= cut:
                h.close_connection = True
                try:
                    h.connection.shutdown(2)  # the transfer breaks off mid-file
                except OSError:
                    pass
                return None
            if self.delay_per_chunk.get(name):
                time.sleep(self.delay_per_chunk[name])
        return None
