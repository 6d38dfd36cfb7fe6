"""``glmocr-desktop serve`` with the tiny checkpoint, over real HTTP on 127.0.0.1 and real SSE.

Servers run on threads of this process (``ServerThread``), bound to 127.0.0.1 on free ports, and are
stopped by their fixtures.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time

import httpx
import pytest
from forcing import force_distinct_tokens
from PIL import Image, ImageDraw

from glmocr_desktop.core.jobs import Job
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.local import LocalEngine
from glmocr_desktop.engines.remote import AuthenticationError, RemoteEngine
from glmocr_desktop.server.app import Limits
from glmocr_desktop.server.run import ServerThread


def load_tiny(path) -> LocalEngine:
    engine = LocalEngine(path, device="cpu", dtype="fp32", fast=False)
    engine.load()
    return engine


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    eng = load_tiny(tiny_model_dir)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def server(engine):
    with ServerThread(engine) as srv:
        yield srv


@pytest.fixture
def forced(tiny_model_dir):
    """An engine of its own whose output runs on until stopped (distinct tokens, no loop to cut)."""
    eng = load_tiny(tiny_model_dir)
    force_distinct_tokens(eng)
    yield eng
    eng.close()


def picture(text: str = "Total 42", size=(220, 84)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).text((12, 30), text, fill="black")
    return img


def results_of(chunks):
    return [c.result for c in chunks if c.done]


def data_url(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def chat_body(img: Image.Image, prompt: str = "Text Recognition:", **extra) -> dict:
    return {"model": "glm-ocr", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": data_url(img)}}, {"type": "text", "text": prompt}]}],
        "max_tokens": 12, **extra}


def test_remote_engine_reads_what_the_local_engine_reads(engine, server):
    images = [picture("Total 42"), picture("x = y^2", (160, 60)), picture("a | b", (300, 120))]
    tasks = [Task.TEXT, Task.FORMULA, Task.TABLE]
    jobs = [Job(image=img, task=t, max_new_tokens=24) for img, t in zip(images, tasks)]
    local = [results_of(engine.stream(j))[0] for j in jobs]
    remote_engine = RemoteEngine(server.url, "glm-ocr", concurrency=3)
    remote_engine.load()
    remote_jobs = [Job(image=j.image, task=j.task, max_new_tokens=24) for j in jobs]
    remote = results_of(remote_engine.stream_many(remote_jobs))
    one = results_of(remote_engine.stream(Job(image=images[0], max_new_tokens=24)))[0]
    remote_engine.close()
    assert [r.job_id for r in remote] == [j.id for j in remote_jobs]  # in order
    for lo, re_ in zip(local, remote):
        assert re_.raw_text == lo.raw_text and re_.text == lo.text
        assert (re_.cut, re_.truncated) == (lo.cut, lo.truncated)
        assert re_.timings.generated_tokens == lo.timings.generated_tokens
        assert re_.timings.prompt_tokens > 0  # from the server's usage (the local figure is the batch's width)
    assert one.text == local[0].text
    assert server.batcher.batches >= 1


def test_openai_shapes_streamed_and_not(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/health").json()["status"] == "ok"
        assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["glm-ocr"]
        whole = client.post("/v1/chat/completions", json=chat_body(picture())).json()
        assert whole["object"] == "chat.completion"
        choice = whole["choices"][0]
        assert choice["message"]["role"] == "assistant" and choice["finish_reason"] in ("stop", "length")
        usage = whole["usage"]
        assert usage["completion_tokens"] > 0 and usage["prompt_tokens"] > 0
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
        body = chat_body(picture(), stream=True, stream_options={"include_usage": True})
        with client.stream("POST", "/v1/chat/completions", json=body) as resp:
            assert resp.headers["content-type"].startswith("text/event-stream")
            lines = [line for line in resp.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(line[6:]) for line in lines[:-1]]
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
    assert text == choice["message"]["content"]  # greedy: the same answer both ways
    assert events[-1]["choices"] == [] and events[-1]["usage"] == usage
    assert [e["choices"][0]["finish_reason"] for e in events[:-1]][-1] == choice["finish_reason"]


def test_requests_it_cannot_take_are_refused_clearly(engine):
    limits = Limits(max_request_bytes=200_000, max_image_pixels=100_000)
    with ServerThread(engine, api_key="sk-team", limits=limits) as srv, \
            httpx.Client(base_url=srv.url, timeout=30) as client:
        key = {"Authorization": "Bearer sk-team"}
        assert client.get("/v1/models").status_code == 401
        assert client.post("/v1/chat/completions", json=chat_body(picture())).status_code == 401

        def post(body):
            resp = client.post("/v1/chat/completions", json=body, headers=key)
            return resp.status_code, resp.json()["error"]["message"]

        assert post(chat_body(picture(), model="other"))[0] == 404
        assert post(chat_body(picture(), prompt="Describe this picture"))[0] == 400
        status, message = post(chat_body(picture(size=(400, 400))))
        assert status == 413 and "pixels" in message
        noise = Image.effect_noise((300, 300), 90).convert("RGB")
        status, message = post(chat_body(noise))
        assert status == 413 and "larger than" in message
        body = chat_body(picture())
        body["messages"][0]["content"][0]["image_url"]["url"] = "https://example.com/a.png"
        assert post(body)[0] == 400
        assert post({"messages": "none"})[0] == 400
        assert client.post("/v1/chat/completions", content=b"{not json", headers=key).status_code == 400
        ok = client.post("/v1/chat/completions", json=chat_body(picture()), headers=key)
        assert ok.status_code == 200
        with pytest.raises(AuthenticationError):
            RemoteEngine(srv.url, "glm-ocr", api_key="wrong").load()
        RemoteEngine(srv.url, "glm-ocr", api_key="sk-team").load()


def test_a_full_queue_answers_429(forced):
    with ServerThread(forced, max_batch=1, max_queue=1) as srv:
        remote = RemoteEngine(srv.url, "glm-ocr", retries=0)
        long_job = Job(image=picture(), max_new_tokens=4000)
        stream = remote.stream(long_job)
        next(stream)  # the first piece: the one slot is taken
        with httpx.Client(base_url=srv.url, timeout=30) as client:
            resp = client.post("/v1/chat/completions", json=chat_body(picture()))
        assert resp.status_code == 429 and resp.headers["retry-after"] == "1"
        assert "busy" in resp.json()["error"]["message"]
        remote.cancel()
        rest = list(stream)
        assert rest[-1].done and rest[-1].result.cancelled
        assert srv.batcher.stats()["rejected"] == 1
        remote.close()


def test_cancel_mid_stream_stops_the_server_too(forced):
    with ServerThread(forced) as srv:
        remote = RemoteEngine(srv.url, "glm-ocr")
        chunks = []
        for chunk in remote.stream(Job(image=picture(), max_new_tokens=4000)):
            chunks.append(chunk)
            if len(chunks) == 5:
                remote.cancel()
        result = chunks[-1].result
        assert result.cancelled and 0 < result.timings.generated_tokens < 4000
        # the client went away, nobody else listened: the server stops generating for it
        deadline = time.monotonic() + 20
        while srv.batcher.stats()["running"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert srv.batcher.stats()["running"] == 0
        remote.close()


def test_three_servers_one_stopped_mid_run_every_region_once(tiny_model_dir, engine):
    engines = [load_tiny(tiny_model_dir) for _ in range(3)]
    servers = [ServerThread(e, gather_ms=1).start() for e in engines]
    images = [picture(f"Region {i}", (120 + 4 * (i % 5), 60)) for i in range(50)]
    expected = {}
    for i in range(0, 50, 8):  # what each image reads as, alone, on this computer
        for r, img in zip(results_of(engine.stream_many([Job(image=im, max_new_tokens=6)
                                                         for im in images[i:i + 8]])), images[i:i + 8]):
            expected[id(img)] = r.raw_text
    remote = RemoteEngine([s.url for s in servers], "glm-ocr", concurrency=6, bench_s=30, backoff_s=0.01)
    remote.load()
    jobs = [Job(image=img, max_new_tokens=6) for img in images]
    stopper = None
    results = []
    try:
        for chunk in remote.stream_many(jobs):
            if chunk.done:
                results.append(chunk.result)
                if len(results) == 12:
                    stopper = threading.Thread(target=servers[1].stop, kwargs={"force": True})
                    stopper.start()
    finally:
        if stopper is not None:
            stopper.join(15)
        for s in servers:
            s.stop()
        for e in engines:
            e.close()
        remote.close()
    assert [r.job_id for r in results] == [j.id for j in jobs]  # all 50, each once, in order
    assert all(r.error is None and not r.cancelled for r in results)
    for job, r in zip(jobs, results):
        assert r.raw_text == expected[id(job.image)]  # nothing read twice into one result
    done_on = [s.url for s in servers]
    after_stop = [r.device for r in results[20:]]
    assert done_on[1] in {r.device for r in results[:12]}  # it took its share before it stopped
    assert remote.pool.servers[1].failures >= 1  # a request found it gone and went elsewhere
    assert done_on[1] not in after_stop  # benched once it failed
    assert {done_on[0], done_on[2]} <= {r.device for r in results}


def test_cli_reads_a_document_through_the_server_with_the_layout_model_here(server, tiny_layout_model_dir,
                                                                            tmp_path, capsys):
    from glmocr_desktop import cli

    page = Image.new("RGB", (300, 400), "white")
    draw = ImageDraw.Draw(page)
    for y in range(30, 350, 60):
        draw.text((20, y), "A line read by a server", fill="black")
    path = tmp_path / "page.png"
    page.save(path)
    out = tmp_path / "page.json"
    before = server.batcher.stats()["served"]
    status = cli.main(["ocr", str(path), "--engine", "openai", "--base-url", server.url, "--layout",
                       "--layout-model", str(tiny_layout_model_dir), "--max-new-tokens", "6", "--format", "json",
                       "-o", str(out), "--concurrency", "4"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "Server ready: glm-ocr on remote (127.0.0.1:" in err and "Layout model ready on cpu" in err
    pages = json.loads(out.read_text())
    read = server.batcher.stats()["served"] - before
    assert len(pages) == 1 and read >= 1  # every region (or the whole page) went to the server
    assert cli.main(["ocr", str(path), "--engine", "openai"]) == 2  # no --base-url
    assert "needs --base-url" in capsys.readouterr().err
