"""The declared floors work: a fresh environment gets the lowest version pyproject.toml allows of every
direct dependency (and of the test tools the subset needs), and the rendering, document, engine, CLI
and preview tests run there against the committed tree.

torch and torchvision are the exception: the environment borrows this environment's torch stack
(torch, torchvision, triton, the NVIDIA libraries) through one .pth line instead of installing a
second one (gigabytes). Their floors (torch 2.11, torchvision 0.26) are the versions the GPU
benchmarks ran with (README, Performance); a CPU machine here has only the newest torch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from test_packaging import ROOT, _env, committed_source, fresh_venv, pip

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

BUILD = ROOT / "build" / "test-lowest"
#: borrowed from this environment, never installed twice
SHARED_PREFIXES = ("torch", "functorch", "torchgen", "torchvision", "triton", "nvidia", "cuda")
SHARED_DISTS = ("torch", "torchvision")
#: the test tools the subset below needs
TEST_TOOLS = ("pytest", "pytest-qt", "pytest-timeout")
SUBSET = ["tests/test_render.py", "tests/test_documents.py", "tests/test_engine.py", "tests/test_cli.py",
          "tests/test_formats.py", "tests/gui/test_preview.py"]


def floors(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """``name -> lowest allowed version`` of each direct dependency that applies here (markers
    evaluated), plus the test tools; the torch stack is left out (it is shared)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    tools = [r for r in project["optional-dependencies"]["test"] if Requirement(r).name in TEST_TOOLS]
    pins: dict[str, str] = {}
    for text in project["dependencies"] + tools:
        req = Requirement(text)
        if (req.marker and not req.marker.evaluate()) or req.name in SHARED_DISTS:
            continue
        lowest = [s.version for s in req.specifier if s.operator == ">="]
        assert lowest, f"{text}: every dependency needs a tested floor (>=)"
        pins[req.name] = lowest[0]
    return pins


def torch_stack(dest: Path) -> Path:
    """A folder of links to this environment's torch stack only (packages and their metadata)."""
    site = Path(sysconfig.get_paths()["purelib"])
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for entry in site.iterdir():
        if entry.name.lower().startswith(SHARED_PREFIXES):
            (dest / entry.name).symlink_to(entry)
    return dest


def test_floors_are_real_releases_and_documented():
    pins = floors()
    assert pins["transformers"] == "5.17" and pins["nh3"] == "0.3.6" and pins["pymupdf"] == "1.24.3"
    assert pins["huggingface-hub"] == "1.5"
    if sys.version_info < (3, 12):
        assert pins["pyside6-essentials"] == pins["pyside6-addons"] == "6.8"
    else:
        assert pins["pyside6-essentials"] == pins["pyside6-webengine"] == "6.12"


@pytest.mark.slow
@pytest.mark.gui
def test_suite_subset_passes_with_the_lowest_versions(tmp_path):
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout (the committed tests run against the lowest versions)")
    pins = floors()
    source = committed_source(BUILD / "source")
    python = fresh_venv(BUILD / "venv", torch_stack(BUILD / "torch-stack"))
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "source.pth").write_text(str(source) + "\n", encoding="utf-8")
    requirements = tmp_path / "lowest.txt"
    requirements.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()))
    try:
        proc = pip(python, "install", "--quiet", "-r", str(requirements))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        # the borrowed torch satisfied everyone: no second torch or CUDA stack came in
        assert not [p.name for p in site.iterdir() if p.name.lower().startswith(SHARED_PREFIXES)]
        got = json.loads(subprocess.run(
            [str(python), "-c", "import json, importlib.metadata as m; "
             "print(json.dumps({d.metadata['Name'].lower().replace('_', '-'): d.version for d in m.distributions()}))"],
            check=True, capture_output=True, text=True).stdout)
        for name, version in pins.items():
            assert Requirement(f"{name}=={version}").specifier.contains(got[name]), (name, got[name])
        env = _env(GLMOCR_DATA_DIR=str(tmp_path / "data"), GLMOCR_LOG_DIR=str(tmp_path / "log"))
        if not env.get("DISPLAY"):
            env["QT_QPA_PLATFORM"] = "offscreen"
        run = subprocess.run([str(python), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not xvfb",
                              *SUBSET], cwd=source, env=env, capture_output=True, text=True, timeout=600)
        tail = run.stdout[-4000:] + run.stderr[-2000:]
        assert run.returncode == 0, tail
        assert " passed" in run.stdout and " failed" not in run.stdout, tail
    finally:
        if not os.environ.get("GLMOCR_KEEP_LOWEST_VENV"):
            shutil.rmtree(BUILD, ignore_errors=True)
