"""What every PyInstaller spec of GLM-OCR Desktop collects (read by the glmocr-desktop-*.spec files).

PyInstaller finds imports by reading the code; these are the parts it cannot see: the package's assets,
transformers' lazily imported model modules, and the distribution metadata that transformers,
huggingface_hub and the app check at run time (importlib.metadata.version).
"""

import glob
import importlib.util
import os

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

#: transformers model packages loaded by name (GLM-OCR, its processor, the layout model)
MODEL_PACKAGES = ["transformers.models.glm_ocr", "transformers.models.glm46v", "transformers.models.glm4v",
                  "transformers.models.pp_doclayout_v3", "transformers.models.auto"]
#: distributions whose version is looked up at run time
METADATA = ["glmocr-desktop", "torch", "torchvision", "transformers", "tokenizers", "safetensors",
            "huggingface-hub", "accelerate", "numpy", "tqdm", "regex", "pyyaml", "packaging", "filelock",
            "pillow", "pymupdf", "nh3", "markdown-it-py", "mdit-py-plugins", "platformdirs", "jinja2",
            "opencv-python-headless", "pypandoc-binary", "shiboken6"]


def _metadata(names):
    out = []
    for name in names:
        try:
            out += copy_metadata(name)
        except Exception:  # not installed in this build environment (e.g. an optional one)
            pass
    return out


def collect_binaries():
    """Libraries loaded by path rather than imported, which PyInstaller's analysis cannot see:
    torchvision's operators (_C_stable.so, image_stable.so since 0.29, loaded with torch.ops.load_library;
    without them the GLM-OCR image processor fails with "operator torchvision::nms does not exist")."""
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = next(iter(spec.submodule_search_locations))
    found = []
    for pattern in ("*.so", "*.pyd", "*.dylib", "*.dll"):
        found += [(path, "torchvision") for path in glob.glob(os.path.join(folder, pattern))]
    return found


def collect(pyside_dists):
    """(datas, hiddenimports) for the spec; ``pyside_dists`` are the PySide6 wheels of this platform."""
    datas = collect_data_files("glmocr_desktop", includes=["assets/**/*"])
    datas += collect_data_files("pypandoc", includes=["files/*"])  # the pandoc binary of pypandoc-binary
    datas += _metadata(METADATA + list(pyside_dists))
    hidden = collect_submodules("glmocr_desktop")
    for package in MODEL_PACKAGES:
        hidden += collect_submodules(package)
    return datas, hidden
