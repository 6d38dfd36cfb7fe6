"""Where the app keeps its files, and every ``GLMOCR_*`` environment variable it reads.

Why a module of its own: the folders and the variables that move them were read in five modules that
could drift apart (one saying "data folder" meant another place than the next). Here each variable is
read by one function and documented in :data:`ENVIRONMENT`, the table the README shows.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from glmocr_desktop import APP_ID, DEFAULT_MODEL_ID

__all__ = [
    "ENVIRONMENT",
    "EnvironmentVariable",
    "cache_dir",
    "compile_cache_dir",
    "data_dir",
    "data_dir_override",
    "default_model",
    "draft_tokens",
    "environment_table",
    "layout_model",
    "log_dir",
    "log_level",
    "max_batch",
    "startup_report_path",
    "triton_preload_wanted",
]


@dataclass(frozen=True)
class EnvironmentVariable:
    """One ``GLMOCR_*`` variable: what it changes and what happens without it."""

    name: str
    meaning: str
    default: str


ENVIRONMENT: tuple[EnvironmentVariable, ...] = (
    EnvironmentVariable(
        "GLMOCR_DATA_DIR",
        "Folder of the results database; settings then live in `settings.ini` there too (portable "
        "installs, tests).",
        "the user data folder; settings in the platform's settings store",
    ),
    EnvironmentVariable("GLMOCR_LOG_DIR", "Folder of the rotating log file.", "the user log folder"),
    EnvironmentVariable(
        "GLMOCR_COMPILE_CACHE",
        "Folder where torch.compile keeps compiled kernels between launches.",
        "`torch-compile` in the user cache folder",
    ),
    EnvironmentVariable(
        "GLMOCR_MODEL", "Model of the command line: a hub id (from the local cache) or a folder.",
        f"`{DEFAULT_MODEL_ID}`",
    ),
    EnvironmentVariable(
        "GLMOCR_LAYOUT_MODEL",
        "Layout model of the command line, and of the app while its setting is empty: a hub id (from the "
        "local cache) or a folder.",
        "`PaddlePaddle/PP-DocLayoutV3_safetensors`",
    ),
    EnvironmentVariable("GLMOCR_LOG_LEVEL", "Level of the log file: DEBUG, INFO, WARNING or ERROR.", "`INFO`"),
    EnvironmentVariable(
        "GLMOCR_NO_TRITON_PRELOAD",
        "Set (to anything) to skip loading Triton before Qt on Linux.",
        "Triton is preloaded when installed",
    ),
    EnvironmentVariable(
        "GLMOCR_STARTUP_REPORT",
        "File the app writes its first-paint time to (JSON; used by `benchmarks/app_bench.py`).",
        "no report",
    ),
    EnvironmentVariable(
        "GLMOCR_MAX_BATCH",
        "Most regions decoded together on a GPU (continuous batching; 1-64). Lower it on a GPU with "
        "little memory.",
        "`32`",
    ),
    EnvironmentVariable(
        "GLMOCR_DRAFT_TOKENS",
        "Tokens the model's MTP layer guesses ahead for one region on a GPU (speculative decoding, "
        "0-6; 0 turns it off). The output is the same either way.",
        "`3`",
    ),
    EnvironmentVariable(
        "GLMOCR_CORPUS",
        "Folder of the real-world test files (tests and benchmarks only).",
        "`../shared/corpus` beside the checkout",
    ),
    EnvironmentVariable(
        "GLMOCR_BUNDLE",
        "The built bundle's executable that `tests/test_bundle.py` starts (tests only).",
        "`build/bundle/dist/glmocr-desktop/glmocr-desktop`",
    ),
    EnvironmentVariable(
        "GLMOCR_KEEP_LOWEST_VENV",
        "Keep the lowest-versions environment of `tests/test_packaging_lowest.py` for the next run (tests only).",
        "built anew and removed",
    ),
)
_NAMES = frozenset(v.name for v in ENVIRONMENT)


def _env(name: str) -> str | None:
    """The variable's value, ``None`` when unset or empty; only documented names may be read."""
    if name not in _NAMES:
        raise KeyError(f"{name} is not in paths.ENVIRONMENT; document it there first")
    return os.environ.get(name) or None


def _platformdirs():
    import platformdirs  # imported on use: start-up of the window does not need it

    return platformdirs


def data_dir_override() -> Path | None:
    """``$GLMOCR_DATA_DIR`` when set: everything the app stores goes there instead."""
    env = _env("GLMOCR_DATA_DIR")
    return Path(env).expanduser() if env else None


def data_dir() -> Path:
    """Where the results database lives."""
    return data_dir_override() or Path(_platformdirs().user_data_dir(APP_ID, appauthor=False))


def log_dir() -> Path:
    """Where the log file lives."""
    env = _env("GLMOCR_LOG_DIR")
    return Path(env).expanduser() if env else Path(_platformdirs().user_log_dir(APP_ID, appauthor=False))


def cache_dir() -> Path:
    """The user cache folder (things that can be rebuilt)."""
    return Path(_platformdirs().user_cache_dir(APP_ID, appauthor=False, opinion=False))


def compile_cache_dir() -> Path:
    """Where compiled kernels are kept between launches (per user, survives restarts)."""
    env = _env("GLMOCR_COMPILE_CACHE")
    return Path(env).expanduser() if env else cache_dir() / "torch-compile"


def default_model() -> str:
    """The model the command line loads unless ``--model`` says otherwise."""
    return _env("GLMOCR_MODEL") or DEFAULT_MODEL_ID


def layout_model(default: str) -> str:
    """The layout model the command line loads unless ``--layout-model`` says otherwise (the app: unless
    its setting names one)."""
    return _env("GLMOCR_LAYOUT_MODEL") or default


def log_level() -> int:
    """The log level asked for (an unknown name means INFO)."""
    level = getattr(logging, (_env("GLMOCR_LOG_LEVEL") or "INFO").upper(), logging.INFO)
    return level if isinstance(level, int) else logging.INFO


def triton_preload_wanted() -> bool:
    return _env("GLMOCR_NO_TRITON_PRELOAD") is None


def startup_report_path() -> str | None:
    return _env("GLMOCR_STARTUP_REPORT")


#: regions decoded together on a GPU unless ``GLMOCR_MAX_BATCH`` says otherwise
DEFAULT_MAX_BATCH = 32


def max_batch() -> int:
    """Most regions the engine decodes together (continuous batching); kept within 1-64."""
    return _bounded_int("GLMOCR_MAX_BATCH", DEFAULT_MAX_BATCH, 1, 64)


def _bounded_int(name: str, default: int, low: int, high: int) -> int:
    """An integer variable kept within ``low``-``high``; unset or unreadable means ``default``."""
    value = _env(name)
    try:
        wanted = int(value) if value else default
    except ValueError:
        logging.getLogger(__name__).warning("%s=%r is not a number; using %d", name, value, default)
        wanted = default
    return max(low, min(high, wanted))


#: draft tokens per speculative round unless ``GLMOCR_DRAFT_TOKENS`` says otherwise
DEFAULT_DRAFT_TOKENS = 3


def draft_tokens() -> int:
    """Tokens the MTP layer drafts per round (0: speculative decoding off); kept within 0-6."""
    value = _env("GLMOCR_DRAFT_TOKENS")
    try:
        wanted = int(value) if value else DEFAULT_DRAFT_TOKENS
    except ValueError:
        logging.getLogger(__name__).warning("GLMOCR_DRAFT_TOKENS=%r is not a number; using %d", value,
                                            DEFAULT_DRAFT_TOKENS)
        wanted = DEFAULT_DRAFT_TOKENS
    return max(0, min(6, wanted))


def environment_table() -> str:
    """:data:`ENVIRONMENT` as the Markdown table in the README."""
    rows = ["| Variable | What it changes | Without it |", "| --- | --- | --- |"]
    rows += [f"| `{v.name}` | {v.meaning} | {v.default} |" for v in ENVIRONMENT]
    return "\n".join(rows)
