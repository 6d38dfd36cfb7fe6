"""The layout detector: PP-DocLayoutV3 through transformers, found offline like GLM-OCR.

torch and transformers are imported inside methods only. The model's own post-processing
(``post_process_object_detection``: boxes in page pixels, labels, scores and its reading-order ranks)
runs first; the official GLM-OCR rules in :mod:`glmocr_desktop.core.layout` then make the blocks.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glmocr_desktop.core.errors import (
    DeviceError,
    LayoutModelNotFoundError,
    ModelError,
    ModelLoadError,
    OutOfMemoryError,
)
from glmocr_desktop.core.layout import (
    Detection,
    LayoutBlock,
    LayoutOptions,
    detections_from_arrays,
    postprocess,
)
from glmocr_desktop.engines.modelfiles import check_safetensors_header, local_model_folder

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

log = logging.getLogger(__name__)

DEFAULT_LAYOUT_MODEL_ID = "PaddlePaddle/PP-DocLayoutV3_safetensors"
SUPPORTED_LAYOUT_TYPES = ("pp_doclayout_v3",)
#: Pages per forward pass: the processor resizes every page to one size, so pages batch freely.
DEFAULT_BATCH_SIZE = 4


def how_to_get_layout_model(model_id: str | os.PathLike[str] | None = DEFAULT_LAYOUT_MODEL_ID) -> str:
    """How to get the layout model; a folder that was looked in is not a hub id to download."""
    spec = str(model_id or DEFAULT_LAYOUT_MODEL_ID)
    folder = Path(spec).expanduser().is_absolute() or spec.startswith((".", "~")) or "\\" in spec
    if folder or spec.count("/") != 1 or Path(spec).exists():
        spec = DEFAULT_LAYOUT_MODEL_ID
    return (
        f"Download it with:  hf download {spec}\n"
        "or choose a folder that holds it (config.json, model.safetensors, preprocessor_config.json).\n"
        "Without it, pages are read whole with one prompt (--no-layout)."
    )


def resolve_layout_model(spec: str | os.PathLike[str] | None = None) -> Path:
    """The local folder of the layout model, a folder path or a hub id (cache only); checked, not loaded."""
    folder = local_model_folder(
        spec or DEFAULT_LAYOUT_MODEL_ID, DEFAULT_LAYOUT_MODEL_ID, how_to_get_layout_model, LayoutModelNotFoundError
    )
    check_layout_dir(folder)
    return folder


def layout_model_available(spec: str | os.PathLike[str] | None = None) -> bool:
    """Whether the layout model can be loaded from this computer (cheap: no weights are read)."""
    try:
        resolve_layout_model(spec)
    except ModelError:
        return False
    return True


def check_layout_dir(path: Path) -> dict:
    """A PP-DocLayoutV3 folder: its config, safetensors weights (whole) and image processor settings."""
    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        raise ModelLoadError(
            f"{path} is not a layout model folder: config.json is missing.", hint=how_to_get_layout_model()
        )
    try:
        config = json.loads(cfg_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{cfg_file} is damaged (not valid JSON: {exc}).") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if model_type not in SUPPORTED_LAYOUT_TYPES:
        raise ModelLoadError(
            f"{path} holds a model of type {model_type!r}, not PP-DocLayoutV3 ('pp_doclayout_v3').",
            hint=f"Choose the folder of {DEFAULT_LAYOUT_MODEL_ID}.",
        )
    weights = path / "model.safetensors"
    if not weights.is_file():
        pickles = any(path.glob("*.bin")) or any(path.glob("*.pdparams")) or any(path.glob("*.pt"))
        raise ModelLoadError(
            f"{path} only has pickle weights; for safety only .safetensors weights are loaded."
            if pickles else f"{path} has no weights (model.safetensors is missing).",
            hint=how_to_get_layout_model(),
        )
    check_safetensors_header(weights)
    if not (path / "preprocessor_config.json").is_file():
        raise ModelLoadError(f"{path} has no image processor settings (preprocessor_config.json).")
    return config


class LayoutDetector:
    """PP-DocLayoutV3 on this computer; ``detect`` turns page pictures into blocks in reading order."""

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        device: str = "cpu",
        options: LayoutOptions | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.model_spec = str(model or DEFAULT_LAYOUT_MODEL_ID)
        self.requested_device = device or "cpu"
        self.options = options or LayoutOptions()
        self.batch_size = max(1, int(batch_size))
        self.model: Any = None  # transformers' PPDocLayoutV3ForObjectDetection, once loaded
        self.processor: Any = None  # its PPDocLayoutV3ImageProcessor
        self.device = "cpu"
        self.path: Path | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self.model is not None

    def load(self) -> None:
        """Find, check and load the model (blocking; a second call does nothing)."""
        if self.model is not None:
            return
        path = resolve_layout_model(self.model_spec)
        import torch
        from transformers import PPDocLayoutV3ForObjectDetection, PPDocLayoutV3ImageProcessor
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        device = self._pick_device(torch)
        try:
            processor = PPDocLayoutV3ImageProcessor.from_pretrained(path, local_files_only=True)
            model: Any = PPDocLayoutV3ForObjectDetection.from_pretrained(
                path, local_files_only=True, use_safetensors=True
            )
        except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
            raise ModelLoadError(f"The layout model in {path} could not be loaded: {exc}") from exc
        try:
            model.to(device).eval()
        except torch.cuda.OutOfMemoryError:
            raise OutOfMemoryError("The GPU does not have enough free memory for the layout model.") from None
        self.processor, self.model, self.device, self.path = processor, model, device, path

    def _pick_device(self, torch) -> str:
        device = self.requested_device
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise DeviceError(f"The layout model was asked to run on {device}, but CUDA is not available.")
        if device == "mps" and not torch.backends.mps.is_available():
            raise DeviceError("The layout model was asked to run on mps, but MPS is not available.")
        return device

    def close(self) -> None:
        with self._lock:
            self.model = None
            self.processor = None

    @property
    def id2label(self) -> dict[int, str]:
        return {int(k): v for k, v in self.model.config.id2label.items()}

    def detect(self, images: list[Image]) -> list[list[LayoutBlock]]:
        """Blocks of each page picture, in reading order, normalised to the picture."""
        return [
            postprocess(dets, img.width, img.height, self.options)
            for img, dets in zip(images, self.detect_raw(images))
        ]

    def detect_raw(self, images: list[Image]) -> list[list[Detection]]:
        """The model's own detections per picture (pixels, labels, scores, order), before the SDK rules."""
        if self.model is None:
            self.load()
        out = []
        for start in range(0, len(images), self.batch_size):
            out.extend(self._detect_batch(images[start:start + self.batch_size]))
        return out

    def _detect_batch(self, images: list[Image]) -> list[list[Detection]]:
        import torch

        pages = [img if img.mode == "RGB" else img.convert("RGB") for img in images]
        with self._lock:
            if self.model is None:
                raise ModelError("The layout model has been closed.")
            try:
                inputs = self.processor(images=pages, return_tensors="pt").to(self.device)
                with torch.inference_mode():
                    outputs = self.model(**inputs)
                raw = self.processor.post_process_object_detection(
                    outputs,
                    threshold=self.options.lowest_threshold,
                    target_sizes=[(img.height, img.width) for img in pages],
                )
            except torch.cuda.OutOfMemoryError:
                torch.cuda.empty_cache()
                raise OutOfMemoryError("The GPU ran out of memory while finding the page layout.") from None
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"The layout of the page could not be found: {exc}") from exc
        id2label = self.id2label
        return [
            detections_from_arrays(
                r["labels"].tolist(), r["scores"].tolist(), r["boxes"].tolist(), r["order_seq"].tolist(), id2label
            )
            for r in raw
        ]
