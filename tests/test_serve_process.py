"""``glmocr-desktop serve`` as its own process: a bounded load test, then the process killed mid-stream.

The child runs the real ``serve`` command line (``glmocr_desktop.server.run.main``) on 127.0.0.1 with
the tiny checkpoint, its output forced to distinct tokens so that a stream lasts until its token
budget. It stops by itself when this process closes its standard input (or after two minutes).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from PIL import Image, ImageDraw

from glmocr_desktop.core.jobs import Job
from glmocr_desktop.engines.local import LocalEngine
from glmocr_desktop.engines.remote import RemoteEngine, ServerUnreachableError
from glmocr_desktop.server.run import ServerThread

TESTS = Path(__file__).resolve().parent

CHILD = r"""
import os, signal, sys, threading
sys.path.insert(0, sys.argv[1])
from forcing import force_distinct_tokens
from glmocr_desktop.engines.local import LocalEngine
from glmocr_desktop.server import run

load = LocalEngine.load
def forced_load(self, progress=None):
    load(self, progress)
    force_distinct_tokens(self)
LocalEngine.load = forced_load

def watch():  # stop when the test process goes away, and in any case after two minutes
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait(120)
    os.kill(os.getpid(), signal.SIGINT)
    threading.Timer(10, lambda: os._exit(3)).start()
threading.Thread(target=watch, daemon=True).start()
sys.exit(run.main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def child(tiny_model_dir):
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(TESTS), "--model", str(tiny_model_dir), "--device", "cpu",
         "--dtype", "fp32", "--no-fast", "--port", "0", "--max-batch", "8", "--max-queue", "64"],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "TRANSFORMERS_VERBOSITY": "error"})
    url = None
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"Serving glm-ocr on (http://127\.0\.0\.1:\d+)/v1", line)
        if found:
            url = found.group(1)
            break
    assert url, "serve did not start:\n" + "".join(lines[-20:])
    threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep its pipe drained
    yield proc, url
    if proc.poll() is None:
        proc.stdin.close()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def picture(text: str, size=(150, 60)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).text((8, 22), text, fill="black")
    return img


def test_load_200_requests_16_in_flight_none_lost_memory_flat(child):
    proc, url = child
    server = psutil.Process(proc.pid)
    remote = RemoteEngine(url, "glm-ocr", concurrency=16)
    remote.load()
    warm = [Job(image=picture(f"warm {i}"), max_new_tokens=8) for i in range(16)]
    assert all(c.result.error is None for c in remote.stream_many(warm) if c.done)
    rss_before = server.memory_info().rss
    jobs = [Job(image=picture(f"page {i}", (120 + i % 40, 50 + i % 30)), max_new_tokens=8) for i in range(200)]
    results = [c.result for c in remote.stream_many(jobs) if c.done]
    rss_after = server.memory_info().rss
    remote.close()
    assert [r.job_id for r in results] == [j.id for j in jobs]
    assert all(r.error is None and not r.cancelled for r in results)
    assert all(r.timings.generated_tokens == 8 and r.truncated for r in results)
    assert sum(1 for r in results if any("attempt" in w for w in r.warnings)) == 0  # none refused or retried
    assert rss_after - rss_before < 150 * 1024 * 1024, (rss_before, rss_after)


def test_server_killed_mid_stream(child, tiny_model_dir):
    proc, url = child
    backup_engine = LocalEngine(tiny_model_dir, device="cpu", dtype="fp32", fast=False)
    backup_engine.load()
    image = picture("Killed mid-stream", (200, 70))
    (reference,) = [c.result for c in backup_engine.stream(Job(image=image, max_new_tokens=300)) if c.done]
    with ServerThread(backup_engine) as backup:
        alone = RemoteEngine(url, "glm-ocr", retries=0, check_model=False)
        spread = RemoteEngine([url, backup.url], "glm-ocr", check_model=False, backoff_s=0.01)
        spread.pool._turn = 0  # its first request goes to the child
        blocker = RemoteEngine(url, "glm-ocr", check_model=False)
        failure: list[BaseException] = []
        started = threading.Event()

        def read(engine, job, on_text=None):
            try:
                for chunk in engine.stream(job):
                    if chunk.text and on_text is not None:
                        on_text.set()
            except BaseException as exc:
                failure.append(exc)

        # While the child reads a first request, the next two wait and are then read together.
        first = threading.Thread(target=read, args=(blocker, Job(image=image, max_new_tokens=40), started))
        first.start()
        assert started.wait(30)
        reader = threading.Thread(target=read, args=(alone, Job(image=image, max_new_tokens=3000)))
        reader.start()
        chunks = []
        for chunk in spread.stream(Job(image=image, max_new_tokens=300)):
            chunks.append(chunk)
            if len(chunks) == 3:
                proc.send_signal(signal.SIGKILL)  # the server dies with both answers under way
        reader.join(30)
        first.join(30)
        for engine in (alone, spread, blocker):
            engine.close()
    backup_engine.close()
    assert proc.wait(10) == -signal.SIGKILL
    # alone: a clear error, not a hang and not a short text passed off as a result
    assert len(failure) == 1 and isinstance(failure[0], ServerUnreachableError)
    assert "lost mid-answer" in str(failure[0])
    # with a second server: the region read again there, and only that reading kept
    result = chunks[-1].result
    assert result.error is None and not result.cancelled
    assert result.device == backup.url
    assert any("second attempt" in w and "lost mid-answer" in w for w in result.warnings)
    assert result.raw_text == reference.raw_text and result.text == reference.text
