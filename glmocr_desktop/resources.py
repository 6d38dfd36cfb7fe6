"""Where the shipped assets (KaTeX, preview page, icons) live: ``glmocr_desktop/assets``, package data
that a wheel, an sdist and a bundle carry with the code."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# The preview loads these as file:// URLs, so they must be a real folder on disk: true for an editable
# install, a wheel install and a PyInstaller bundle (never a zip import).
RESOURCES = Path(str(files("glmocr_desktop") / "assets")).resolve()


def resource(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)
