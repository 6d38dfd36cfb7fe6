#!/usr/bin/env bash
# Builds the double-click bundle of GLM-OCR Desktop for Linux x86-64 with PyInstaller:
# build/bundle/dist/glmocr-desktop/ (start it with build/bundle/dist/glmocr-desktop/glmocr-desktop),
# and, with --archive, build/bundle/glmocr-desktop-linux-x86_64[-cuda].tar.gz.
#
#   bash packaging/build_bundle.sh                 CPU torch (from download.pytorch.org/whl/cpu): ~1.5 GB unpacked
#   bash packaging/build_bundle.sh --cuda          CUDA torch from PyPI (NVIDIA libraries inside): ~6 GB unpacked
#   bash packaging/build_bundle.sh --use-env PY    no new environment: bundle the packages PY already has
#                                                  (offline machines; PY needs pyinstaller installed)
#   bash packaging/build_bundle.sh --archive       also pack the folder into a .tar.gz
#
# Takes 15-20 minutes on 2 cores. Check the result with the smoke test (launches the bundle under Xvfb):
#   .venv/bin/python -m pytest tests/test_bundle.py
# The bundle contains PyMuPDF (AGPL-3.0): pass LICENSE, THIRD-PARTY-NOTICES and the source on with it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
variant=cpu
use_env=""
archive=0
while [ "$#" -gt 0 ]; do
    case "$1" in
        --cuda) variant=cuda ;;
        --use-env) use_env="$2"; shift ;;
        --archive) archive=1 ;;
        *) echo "usage: bash packaging/build_bundle.sh [--cuda] [--use-env PYTHON] [--archive]" >&2; exit 2 ;;
    esac
    shift
done
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
out="$here/build/bundle"
mkdir -p "$out"
start=$(date +%s)

if [ -n "$use_env" ]; then
    python="$use_env"
    "$python" -c "import PyInstaller" 2>/dev/null || { echo "error: $python has no PyInstaller (pip install pyinstaller)" >&2; exit 1; }
    log "Bundling the packages of $python"
else
    python="$out/venv/bin/python"
    if [ ! -x "$python" ]; then
        log "Creating the build environment in $out/venv"
        "${PYTHON:-python3}" -m venv "$out/venv"
    fi
    "$python" -m pip install -q --upgrade pip
    if [ "$variant" = cpu ]; then
        log "Installing CPU-only torch"
        "$python" -m pip install -q torch torchvision --index-url https://download.pytorch.org/whl/cpu
    fi
    log "Installing GLM-OCR Desktop and PyInstaller"
    "$python" -m pip install -q . "pyinstaller>=6.10"
fi
"$python" -c "import torch; print('torch', torch.__version__, 'CUDA build' if torch.version.cuda else 'CPU build')" >&2

log "Running PyInstaller (packaging/glmocr-desktop-linux.spec)"
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$out/dist" --workpath "$out/work" packaging/glmocr-desktop-linux.spec
bundle="$out/dist/glmocr-desktop"
cp LICENSE THIRD-PARTY-NOTICES "$bundle/"
rm -rf "$out/work"

size=$(du -sh "$bundle" | cut -f1)
log "Bundle: $bundle ($size, $(( $(date +%s) - start )) s)"
if [ "$archive" -eq 1 ]; then
    suffix=""
    [ "$variant" = cuda ] && suffix="-cuda"
    tarball="$out/glmocr-desktop-linux-x86_64$suffix.tar.gz"
    tar -C "$out/dist" -czf "$tarball" glmocr-desktop
    log "Archive: $tarball ($(du -sh "$tarball" | cut -f1))"
fi
