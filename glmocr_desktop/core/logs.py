"""Logging to a rotating file in the user log directory (and to stderr for warnings)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from glmocr_desktop import APP_ID
from glmocr_desktop.core import paths

_configured: Path | None = None


def log_dir() -> Path:
    return paths.log_dir()


def log_file() -> Path:
    return log_dir() / f"{APP_ID}.log"


def setup_logging(level: int = logging.INFO) -> Path:
    """Configure the root logger once; return the log file's path."""
    global _configured
    path = log_file()
    if _configured == path:
        return path
    root = logging.getLogger()
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(fmt)
        handler.setLevel(level)
        root.addHandler(handler)
    except OSError as exc:  # a read-only home must not stop the app
        logging.getLogger(__name__).warning("Cannot write the log file %s: %s", path, exc)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(fmt)
    root.addHandler(console)
    _configured = path
    return path
