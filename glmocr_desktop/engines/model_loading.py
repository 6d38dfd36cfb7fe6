"""Loading GLM-OCR's pieces: the device and dtype to use, the attention kernel, the processor.

Why a module of its own: these choices are made once, before any generation, and are the only part of
the engine that knows about installed extras (CUDA, MPS, flash-attn, torchvision). torch and
transformers are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

from glmocr_desktop.core.errors import DeviceError, ModelLoadError, OutOfMemoryError
from glmocr_desktop.engines.fast_decode.mtp import mtp_keys_expected

log = logging.getLogger(__name__)


def pick_device(requested: str = "auto") -> str:
    import torch

    requested = (requested or "auto").lower()
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was requested but no CUDA GPU is available to PyTorch.",
                          hint="Install a CUDA build of PyTorch (see the README) or choose the CPU.")
    if requested == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise DeviceError("Apple MPS was requested but is not available on this computer.")
    if requested not in ("cpu", "mps") and not requested.startswith("cuda"):
        raise DeviceError(f"Unknown device {requested!r}; use auto, cuda, mps or cpu.")
    return requested


def pick_dtype(device: str, requested: str = "auto"):
    import torch

    names = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16,
             "float16": torch.float16, "fp32": torch.float32, "float32": torch.float32}
    requested = (requested or "auto").lower()
    if requested != "auto":
        if requested not in names:
            raise DeviceError(f"Unknown dtype {requested!r}; use auto, bf16, fp16 or fp32.")
        return names[requested]
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32  # bf16 on a CPU is only fast with avx512_bf16; fp32 is the safe default


def pick_attention(device: str) -> str:
    if device.startswith("cuda") and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def load_processor(path: Path):
    """AutoProcessor, or an image-only processor when torchvision is missing."""
    from transformers import AutoProcessor

    try:
        return AutoProcessor.from_pretrained(path, local_files_only=True)
    except ImportError as exc:
        log.warning("Full processor unavailable (%s); using the image-only processor", exc)
        return image_only_processor(path)


def image_only_processor(path: Path):
    """The GLM processor built from its PIL image processor, without the video part (needs no torchvision)."""
    import json

    from transformers import AutoTokenizer
    from transformers.models.glm46v.image_processing_pil_glm46v import Glm46VImageProcessorPil
    from transformers.models.glm46v.processing_glm46v import Glm46VProcessor

    settings: dict[str, Any] = {}
    for name in ("preprocessor_config.json", "processor_config.json"):
        f = path / name
        if f.is_file():
            data = json.loads(f.read_text(encoding="utf-8"))
            settings = data.get("image_processor", data)
            break
    keep = ("size", "patch_size", "temporal_patch_size", "merge_size", "image_mean", "image_std",
            "do_rescale", "rescale_factor", "do_normalize", "do_resize", "resample", "do_convert_rgb")
    image_processor = Glm46VImageProcessorPil(**{k: v for k, v in settings.items() if k in keep})
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    template_file = path / "chat_template.jinja"
    chat_template = template_file.read_text(encoding="utf-8") if template_file.is_file() else None

    class _ImageOnlyProcessor(Glm46VProcessor):
        attributes = ("image_processor", "tokenizer")

        def __init__(self, image_processor, tokenizer, chat_template=None):
            self.image_token = "<|image|>"
            self.video_token = "<|video|>"
            self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
            self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)
            from transformers.processing_utils import ProcessorMixin

            ProcessorMixin.__init__(self, image_processor, tokenizer, chat_template=chat_template)
            self.video_start_id = tokenizer.convert_tokens_to_ids("<|begin_of_video|>")
            self.video_end_id = tokenizer.convert_tokens_to_ids("<|end_of_video|>")

    if chat_template is None:
        chat_template = getattr(tokenizer, "chat_template", None)
    return _ImageOnlyProcessor(image_processor, tokenizer, chat_template=chat_template)


def load_model(path: Path, device: str, dtype, attention: str, free_memory) -> tuple[Any, str]:
    """GLM-OCR's weights from ``path`` on ``device`` (safetensors, offline); flash-attn falls back to sdpa.
    Returns the model (in eval mode is the caller's) and the attention kernel it uses; ``free_memory()``
    runs before a GPU out-of-memory error is raised."""
    import torch
    from transformers import GlmOcrForConditionalGeneration

    def from_pretrained(kernel: str):
        with mtp_keys_expected(GlmOcrForConditionalGeneration, path):  # the fast path reads that layer
            return GlmOcrForConditionalGeneration.from_pretrained(
                path, dtype=dtype, attn_implementation=kernel, local_files_only=True, use_safetensors=True)

    too_big = "The GPU does not have enough free memory to load GLM-OCR (~3 GB)."
    try:
        model = from_pretrained(attention)
    except torch.cuda.OutOfMemoryError:
        free_memory()
        raise OutOfMemoryError(too_big) from None
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        if attention != "flash_attention_2":
            raise ModelLoadError(f"The model in {path} could not be loaded: {exc}") from exc
        log.warning("flash-attn failed (%s); falling back to sdpa", exc)
        attention = "sdpa"
        model = from_pretrained(attention)
    try:
        model.to(device)
    except torch.cuda.OutOfMemoryError:
        del model
        free_memory()
        raise OutOfMemoryError(too_big) from None
    return model, attention
