"""Finding and checking a GLM-OCR model folder before any weights are read.

Offline by default: a hub id is looked up in the local Hugging Face cache only; a missing model is a
typed error that tells the user how to get it. A partial or wrong folder is named precisely.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from glmocr_desktop import DEFAULT_MODEL_ID
from glmocr_desktop.core.errors import ModelLoadError, ModelNotFoundError

SUPPORTED_MODEL_TYPES = ("glm_ocr",)


def _how_to_get(model_id: str) -> str:
    return (
        f"Download it with:  hf download {model_id}\n"
        "or choose a folder that holds the model (config.json, *.safetensors, tokenizer files)."
    )


def resolve_model(spec: str | os.PathLike[str] | None = None) -> Path:
    """Return the local folder of a model given as a folder path or a hub id (cache only)."""
    folder = local_model_folder(spec or DEFAULT_MODEL_ID, DEFAULT_MODEL_ID, _how_to_get, ModelNotFoundError)
    check_model_dir(folder)
    return folder


def local_model_folder(
    spec: str | os.PathLike[str],
    default_id: str,
    how_to_get: Callable[[str], str],
    not_found: type[ModelNotFoundError] = ModelNotFoundError,
) -> Path:
    """The folder a model spec names: an existing folder, or a hub id found in the local cache only."""
    spec = str(spec)
    path = Path(spec).expanduser()
    looks_like_path = spec.startswith((".", "/", "~", "\\")) or spec.count("/") != 1 or "\\" in spec
    if path.exists() or looks_like_path:
        if path.exists() and not path.is_dir():
            raise not_found(f"{path} is a file, not a model folder; choose the folder that holds it.",
                            hint=how_to_get(default_id))
        if not path.is_dir():
            raise not_found(f"The model folder {path} does not exist.", hint=how_to_get(default_id))
        return path
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError:  # pragma: no cover - huggingface_hub is a dependency
        raise not_found(f"The model {spec} is not available.", hint=how_to_get(spec)) from None
    try:
        return Path(snapshot_download(spec, local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        raise not_found(f"The model {spec} is not on this computer yet.", hint=how_to_get(spec)) from None


def check_model_dir(path: Path) -> dict:
    """Validate a model folder cheaply (no weights loaded); return its parsed config."""
    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        raise ModelLoadError(
            f"{path} is not a model folder: config.json is missing.", hint=_how_to_get(DEFAULT_MODEL_ID)
        )
    try:
        config = json.loads(cfg_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{cfg_file} is damaged (not valid JSON: {exc}).") from None
    if not isinstance(config, dict):
        raise ModelLoadError(f"{cfg_file} is damaged (not a JSON object).")
    model_type = config.get("model_type")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ModelLoadError(
            f"{path} holds a model of type {model_type!r}, not GLM-OCR ('glm_ocr').",
            hint=f"Choose the folder of {DEFAULT_MODEL_ID}.",
        )
    index = path / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            raise ModelLoadError(f"{index} is damaged.") from None
        missing = [s for s in shards if not (path / s).is_file()]
        if missing:
            raise ModelLoadError(
                f"The model in {path} is incomplete: missing weight file(s) {', '.join(missing)}.",
                hint="Download the model again to finish it.",
            )
        for s in shards:
            check_safetensors_header(path / s)
    elif (path / "model.safetensors").is_file():
        check_safetensors_header(path / "model.safetensors")
    elif any(path.glob("*.bin")) or any(path.glob("*.pt")):
        raise ModelLoadError(
            f"{path} only has pickle weights (.bin/.pt); for safety only .safetensors weights are loaded."
        )
    else:
        raise ModelLoadError(f"{path} has no weights (model.safetensors is missing).")
    if not ((path / "tokenizer.json").is_file() or (path / "tokenizer_config.json").is_file()):
        raise ModelLoadError(f"{path} has no tokenizer files (tokenizer.json).")
    if not has_chat_template(path):
        raise ModelLoadError(
            f"{path} has no chat template (chat_template.jinja), so no prompt can be written for the model.",
            hint="Download the model again to finish it.",
        )
    return config


def has_chat_template(path: Path) -> bool:
    """Whether the folder holds the chat template the prompts are written with (a file of its own, or
    inside the tokenizer's or processor's settings)."""
    if (path / "chat_template.jinja").is_file() or (path / "chat_template.json").is_file():
        return True
    for name in ("tokenizer_config.json", "processor_config.json"):
        try:
            data = json.loads((path / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("chat_template"):
            return True
    return False


def check_safetensors_header(file: Path) -> None:
    """A truncated download fails here with a clear message instead of deep inside the loader."""
    try:
        size = file.stat().st_size
        with file.open("rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise ValueError("too short")
            n = int.from_bytes(head, "little")
            if n <= 0 or n > 100_000_000 or 8 + n > size:
                raise ValueError("bad header length")
            header = json.loads(fh.read(n))
        end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
        if 8 + n + end > size:
            raise ValueError("data cut short")
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise ModelLoadError(
            f"The weight file {file.name} in {file.parent} is damaged or incomplete ({exc}).",
            hint="Download the model again.",
        ) from None
