"""Where torch.compile keeps its kernels between launches of the app.

Why a module of its own: compiling the decode step takes tens of seconds; with inductor's and triton's
caches in a persistent per-user folder a second launch loads the kernels instead. It must run before
anything compiles, so the engine can call it without building a decoder.
"""

from __future__ import annotations

import os
from pathlib import Path

from glmocr_desktop.core import paths


def default_cache_dir() -> Path:
    """Where compiled kernels are kept between launches (per user, survives restarts; core.paths)."""
    return paths.compile_cache_dir()


def configure_compile_cache(path: str | Path | None = None) -> Path:
    """Point torch's inductor/triton caches at a persistent per-user folder (call before compiling)."""
    folder = Path(path) if path else default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(folder / "inductor"))
    os.environ.setdefault("TRITON_CACHE_DIR", str(folder / "triton"))
    try:  # the FX graph and AOTAutograd caches are on by default in torch >= 2.5; make sure
        import torch._inductor.config as inductor_config

        inductor_config.fx_graph_cache = True
        if hasattr(inductor_config, "autotune_local_cache"):
            inductor_config.autotune_local_cache = True
        import torch._functorch.config as functorch_config

        if hasattr(functorch_config, "enable_autograd_cache"):
            functorch_config.enable_autograd_cache = True
    except Exception:  # pragma: no cover - older torch
        pass
    return folder
