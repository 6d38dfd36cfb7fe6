"""Several servers behind one engine: requests spread over the healthy ones, a failing one benched.

A server that fails (no connection, dropped stream, 502/503) is left out for ``bench_s`` seconds,
doubling on each failure in a row up to ``max_bench_s``; its request goes to another server. When every
server is benched, the one back soonest is used (a request never waits forever for a healthy one).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class Server:
    url: str  # base URL without a trailing slash
    in_flight: int = 0
    failures: int = 0  # in a row
    benched_until: float = 0.0
    done: int = 0  # requests completed here (for logs and tests)

    def benched(self, now: float) -> bool:
        return self.benched_until > now


class ServerPool:
    def __init__(self, urls: list[str], *, bench_s: float = 5.0, max_bench_s: float = 60.0) -> None:
        if not urls:
            raise ValueError("At least one server URL is needed.")
        self.servers = [Server(u.rstrip("/")) for u in urls]
        self.bench_s = bench_s
        self.max_bench_s = max_bench_s
        self._lock = threading.Lock()
        self._turn = 0

    def acquire(self, avoid: Server | None = None) -> Server:
        """The healthy server with the fewest requests under way (round robin between equals)."""
        with self._lock:
            now = time.monotonic()
            n = len(self.servers)
            order = [self.servers[(self._turn + i) % n] for i in range(n)]
            self._turn = (self._turn + 1) % n
            healthy = [s for s in order if not s.benched(now)]
            if avoid is not None and len(healthy) > 1:
                healthy = [s for s in healthy if s is not avoid] or healthy
            if healthy:
                server = min(healthy, key=lambda s: s.in_flight)
            else:
                server = min(order, key=lambda s: s.benched_until)
            server.in_flight += 1
            return server

    def release(self, server: Server, *, ok: bool) -> None:
        with self._lock:
            server.in_flight = max(0, server.in_flight - 1)
            if ok:
                server.failures = 0
                server.benched_until = 0.0
                server.done += 1

    def bench(self, server: Server) -> float:
        """Leave ``server`` out for a while; returns for how long."""
        with self._lock:
            server.failures += 1
            pause = min(self.max_bench_s, self.bench_s * 2 ** (server.failures - 1))
            server.benched_until = max(server.benched_until, time.monotonic() + pause)
            return pause

    def all_benched(self) -> bool:
        with self._lock:
            now = time.monotonic()
            return all(s.benched(now) for s in self.servers)

    def __len__(self) -> int:
        return len(self.servers)
