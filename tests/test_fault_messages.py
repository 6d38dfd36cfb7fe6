"""Every message says what is really wrong, and the CLI never prints a traceback for a model fault.

The model folders here are copies of the tiny checkpoint with one thing broken, loaded through the same
code as the real model.
"""

from __future__ import annotations

import _thread
import json
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from test_render_limits import slow_pdf

from glmocr_desktop import cli
from glmocr_desktop.core.errors import ModelLoadError, ModelNotFoundError
from glmocr_desktop.engines.modelfiles import resolve_model


@pytest.fixture
def scan(tmp_path):
    path = tmp_path / "scan.png"
    Image.new("RGB", (300, 200), "white").save(path)
    return path


def _copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "model"
    shutil.copytree(tiny_model_dir, out)
    return out


def test_a_file_given_as_the_model_folder_is_called_a_file(tmp_path, scan):
    with pytest.raises(ModelNotFoundError, match="is a file, not a model folder"):
        resolve_model(str(scan))


def test_a_model_folder_without_a_chat_template_is_refused_before_loading(tiny_model_dir, tmp_path, scan, capsys):
    model = _copy(tiny_model_dir, tmp_path)
    (model / "chat_template.jinja").unlink()
    with pytest.raises(ModelLoadError, match="no chat template"):
        resolve_model(str(model))
    rc = cli.main([str(scan), "--model", str(model), "--device", "cpu", "--no-layout"])
    err = capsys.readouterr().err
    assert rc == cli.EXIT_MODEL
    assert "no chat template" in err and "Traceback" not in err and "Model ready" not in err


def test_a_vocabulary_that_does_not_fit_the_model_is_a_message_not_a_traceback(tiny_model_dir, tmp_path, scan,
                                                                               capsys):
    model = _copy(tiny_model_dir, tmp_path)
    config = json.loads((model / "config.json").read_text())
    config["text_config"]["vocab_size"] = 1000  # the tokenizer's ids reach 59391
    (model / "config.json").write_text(json.dumps(config))
    rc = cli.main([str(scan), "--model", str(model), "--device", "cpu", "--no-layout", "--max-new-tokens", "4"])
    err = capsys.readouterr().err
    assert rc == cli.EXIT_MODEL, err
    assert "error:" in err and "Traceback" not in err


def test_ctrl_c_stops_the_cli_during_a_slow_render_at_once(tiny_model_dir, tmp_path, capsys, monkeypatch):
    """Ctrl-C while a page renders for seconds: exit 130 at once, no traceback (the render is in a worker
    process, so the wait is interruptible and the worker is killed)."""
    from glmocr_desktop.core import render_pool

    pdf = tmp_path / "slow.pdf"
    pdf.write_bytes(slow_pdf())
    real_call = render_pool.RenderPool.call
    rendering = threading.Event()
    timings = {}

    def ctrl_c() -> None:
        if rendering.is_set():
            timings["sent"] = time.monotonic()
            _thread.interrupt_main(signal.SIGINT)  # what a terminal's Ctrl-C does to the main thread

    def call(self, *args, **kwargs):
        rendering.set()
        timer = threading.Timer(1.0, ctrl_c)
        timer.start()
        try:
            return real_call(self, *args, **kwargs)
        finally:
            rendering.clear()
            timer.cancel()

    monkeypatch.setattr(render_pool.RenderPool, "call", call)
    rc = cli.main([str(pdf), "--model", str(tiny_model_dir), "--device", "cpu", "--no-layout", "--dpi", "600"])
    took = time.monotonic() - timings["sent"]
    err = capsys.readouterr().err
    assert rc == cli.EXIT_INTERRUPTED
    assert took < 5  # the page alone renders for many seconds at 600 dpi
    assert "interrupted" in err and "Traceback" not in err
