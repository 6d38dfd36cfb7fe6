"""First run: the model download through the real huggingface_hub against a hub on 127.0.0.1
(tests/fake_hub.py): byte progress, an interrupted transfer that resumes where it broke off, a stopped
download whose finished files are kept for the next try, and a refusal up front when the disk is too
small.

huggingface_hub writes a file in chunks of 10 MB (constants.DOWNLOAD_CHUNK_SIZE): a broken transfer
resumes from the last whole chunk, so the resumed file here is larger than that. Since huggingface_hub
2.x a partial file does not outlive the call that wrote it (each download writes a temporary file of
its own): a stopped download keeps its finished files, and the file under way starts again."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from fake_hub import FakeHub

from glmocr_desktop.engines.download_space import (
    SPARE_BYTES,
    DownloadPlan,
    NotEnoughSpace,
    check_free_space,
    free_bytes,
)

HERE = Path(__file__).resolve().parent
REPO = "zai-org/GLM-OCR"
SIZE = 2 * 1024 * 1024 + 12345
BIG = 24 * 1024 * 1024 + 777  # more than two of huggingface_hub's 10 MB write chunks
CHUNK = 10 * 1024 * 1024


def model_files(size: int = SIZE, shards: int = 1) -> dict[str, bytes]:
    rng = random.Random(7)
    files = {"config.json": json.dumps({"model_type": "glm_ocr"}).encode(), "tokenizer_config.json": b"{}"}
    if shards == 1:
        files["model.safetensors"] = rng.randbytes(size)
    for i in range(1, shards + 1 if shards > 1 else 1):
        files[f"model-{i:05d}-of-{shards:05d}.safetensors"] = rng.randbytes(size)
    return files


def download(hub: FakeHub | str, cache: Path, stop_after: int | None = None) -> tuple[list[dict], dict]:
    """The app's download in a child process with HF_ENDPOINT at ``hub``: (progress events, outcome)."""
    # the suite is offline (conftest); this child talks to the hub on 127.0.0.1 only
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_", "TRANSFORMERS_OFFLINE"))}
    env.update(HF_ENDPOINT=hub if isinstance(hub, str) else hub.url, HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_XET="1",
               HF_HOME=str(cache.parent / "hf-home"))
    args = [sys.executable, str(HERE / "download_child.py"), REPO, str(cache)]
    if stop_after is not None:
        args.append(str(stop_after))
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    lines = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, proc.stderr[-3000:]
    return lines[:-1], lines[-1]


def blobs(cache: Path) -> list[Path]:
    return sorted((cache / ("models--" + REPO.replace("/", "--")) / "blobs").glob("*"))


def test_download_reports_bytes_and_lands_in_the_cache(tmp_path):
    files = model_files()
    with FakeHub(REPO, files, lfs={"model.safetensors"}) as hub:
        events, end = download(hub, tmp_path / "cache")
    assert "folder" in end, end
    folder = Path(end["folder"])
    for name, data in files.items():
        assert (folder / name).read_bytes() == data
    assert events[0]["message"] == "checking the free disk space"
    done = [e for e in events if e["total"]]
    assert done and done[-1]["done"] == done[-1]["total"] >= SIZE  # the bytes bar reached its end
    assert [e["done"] for e in done] == sorted(e["done"] for e in done)


def test_interrupted_transfer_resumes_where_it_broke_off(tmp_path):
    files = model_files(BIG)
    cut = 15 * 1024 * 1024
    with FakeHub(REPO, files, lfs={"model.safetensors"}, cut_first_get={"model.safetensors": cut}) as hub:
        _, end = download(hub, tmp_path / "cache")
        gets = hub.file_gets("model.safetensors")
        served = hub.served["model.safetensors"]
    assert "folder" in end, end
    assert (Path(end["folder"]) / "model.safetensors").read_bytes() == files["model.safetensors"]
    # one download: the transfer broke off at 15 MB and went on from the last whole 10 MB written
    assert [g.range for g in gets] == [None, f"bytes={CHUNK}-"]
    assert served == cut + BIG - CHUNK
    assert not [b for b in blobs(tmp_path / "cache") if b.name.endswith(".incomplete")]


def test_stopped_download_keeps_finished_files_for_the_next_try(tmp_path):
    files = model_files(SIZE, shards=2)
    first, second = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
    cache = tmp_path / "cache"
    with FakeHub(REPO, files, lfs={first, second}, delay_per_chunk={second: 0.02}) as hub:
        # stopped once more than the first shard (and the small files) came in: during the second shard
        _, end = download(hub, cache, stop_after=SIZE + 1000)
        assert end["error"] == "DownloadCancelled", end
        assert len(hub.file_gets(first)) == 1
        _, end = download(hub, cache)
        gets_first, gets_second = hub.file_gets(first), hub.file_gets(second)
    assert "folder" in end, end
    for name in (first, second):
        assert hashlib.sha256((Path(end["folder"]) / name).read_bytes()).hexdigest() == \
            hashlib.sha256(files[name]).hexdigest()
    assert len(gets_first) == 1  # the finished shard was not fetched again
    assert len(gets_second) == 2
    assert not [b for b in blobs(cache) if b.name.endswith(".incomplete")]


def test_too_little_disk_space_is_refused_before_any_byte(tmp_path):
    cache = tmp_path / "cache"
    free = free_bytes(cache)
    files = model_files()
    # the hub announces a model larger than this disk's free space
    with FakeHub(REPO, files, lfs={"model.safetensors"},
                 claimed_sizes={"model.safetensors": free + 10 * 10**9}) as hub:
        _, end = download(hub, cache)
        gets = [r for r in hub.requests if "/resolve/" in r.path]
    assert end["error"] == "NotEnoughSpace", end
    assert "Not enough free disk space" in end["message"] and "GB free" in end["message"]
    assert "press Download again" in end["message"]
    assert gets == []  # refused before the first file


def test_partial_files_count_as_already_there():
    plan = DownloadPlan(REPO, "sha", total_bytes=3_000_000_000, present_bytes=500_000_000,
                        partial_bytes=1_000_000_000, folder=Path("/"))
    assert plan.needed_bytes == 1_500_000_000
    check_free_space(plan, free=plan.needed_bytes + SPARE_BYTES)  # just fits
    with pytest.raises(NotEnoughSpace) as err:
        check_free_space(plan, free=plan.needed_bytes + SPARE_BYTES - 1)
    assert "it needs 1.50 GB more (1.00 GB of it are already there)" in str(err.value)
    done = DownloadPlan(REPO, "sha", 10, 10, 0, Path("/"))
    check_free_space(done, free=0)  # nothing left to fetch: no space needed


def test_unreachable_hub_gives_a_readable_error(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _, end = download(f"http://127.0.0.1:{port}", tmp_path / "cache")
    assert end["error"] == "DownloadError", end
    assert f"Could not download {REPO}" in end["message"] and "disk space" in end["message"]
    assert "Traceback" not in end["message"]
