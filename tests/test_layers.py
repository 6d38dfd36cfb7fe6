"""Layer rules: core has no Qt and no torch, engines no Qt, gui no torch; checked in clean interpreters."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import glmocr_desktop

PKG = Path(glmocr_desktop.__file__).parent


def modules(layer: str) -> list[str]:
    return [f"glmocr_desktop.{layer}.{m.name}" for m in pkgutil.iter_modules([str(PKG / layer)])]


def imported_after(mods: list[str]) -> set[str]:
    code = (
        "import sys, importlib\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        "print('\\n'.join(sorted({k.split('.')[0] for k in sys.modules})))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=PKG.parent)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("core", {"PySide6", "torch", "transformers", "torchvision"}),
        ("engines", {"PySide6", "torch", "transformers"}),  # torch only inside methods
        ("gui", {"torch", "transformers", "torchvision"}),
    ],
)
def test_layer_imports(layer, forbidden):
    mods = modules(layer)
    assert mods, f"no modules in {layer}"
    leaked = imported_after(mods) & forbidden
    assert not leaked, f"importing glmocr_desktop.{layer} pulled in {sorted(leaked)}"


def test_cli_starts_without_qt():
    assert "PySide6" not in imported_after(["glmocr_desktop.cli"])
