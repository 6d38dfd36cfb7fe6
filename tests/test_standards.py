"""The project's standards, run as tests so the one test command enforces them.

- import-linter: the layer direction (entry points > gui > engines > core) and the forbidden imports
  (core free of Qt/torch/transformers, engines free of Qt, gui never importing torch itself);
- ruff: the rule set chosen in ``pyproject.toml``;
- mypy: the package type-checks, except the modules on the baseline list in ``pyproject.toml``
  (a list that only shrinks).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; install the test extra: pip install -e '.[test]'")
    return found


def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_import_contracts_hold():
    proc = run(tool("lint-imports"))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout
