"""Shared fixtures: the offline tiny GLM-OCR and layout checkpoints and the real-world corpus."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Load Triton before any test brings in Qt and the system OpenGL driver, as the app does (see
# glmocr_desktop.workarounds.preload_triton: Mesa's LLVM and Triton's clash when Triton comes second).
from glmocr_desktop.workarounds import preload_triton

preload_triton()

# Widget tests run offscreen unless a test asks for a real display (Xvfb tests are marked `xvfb`).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the network or the user's real data during tests.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def corpus_path() -> Path | None:
    env = os.environ.get("GLMOCR_CORPUS")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "corpus", ROOT / "shared" / "corpus"]:
        if (cand / "MANIFEST.tsv").is_file():
            return cand
    return None


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = corpus_path()
    if path is None:
        pytest.skip("the shared corpus is not beside this checkout (set GLMOCR_CORPUS)")
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny GLM-OCR-shaped checkpoint written once per test session."""
    from make_tiny_model import write_checkpoint

    return write_checkpoint(tmp_path_factory.mktemp("tiny-glm-ocr"), seed=0)


@pytest.fixture(scope="session")
def tiny_layout_model_dir(tmp_path_factory) -> Path:
    """A tiny PP-DocLayoutV3 checkpoint written once per test session."""
    from make_tiny_layout_model import write_checkpoint

    return write_checkpoint(tmp_path_factory.mktemp("tiny-pp-doclayout-v3"), seed=0)


@pytest.fixture(scope="module")
def tiny_layout_detector(tiny_layout_model_dir):
    """The tiny layout checkpoint loaded on the CPU through :class:`LayoutDetector`."""
    from glmocr_desktop.engines.layout import LayoutDetector

    detector = LayoutDetector(tiny_layout_model_dir, device="cpu")
    detector.load()
    yield detector
    detector.close()


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path, monkeypatch):
    """Keep settings, the result store and logs of each test in its own temporary folder."""
    monkeypatch.setenv("GLMOCR_DATA_DIR", str(tmp_path / "userdata"))
    monkeypatch.setenv("GLMOCR_LOG_DIR", str(tmp_path / "logs"))
    # A layout model in this computer's cache would change what the CLI does by default.
    monkeypatch.setenv("GLMOCR_LAYOUT_MODEL", str(tmp_path / "no-layout-model"))
