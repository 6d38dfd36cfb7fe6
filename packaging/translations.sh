#!/usr/bin/env bash
# Refreshes the window's translation catalogues from the GUI code, then compiles them:
#   glmocr_desktop/assets/translations/glmocr_desktop_<lang>.ts   (sources: edit with pyside6-linguist)
#   glmocr_desktop/assets/translations/glmocr_desktop_<lang>.qm   (what the app loads)
# New strings appear in the .ts files as unfinished; strings gone from the code are dropped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bin="${VENV:-.venv}/bin"
out=glmocr_desktop/assets/translations
mkdir -p "$out"
mapfile -t sources < <(find glmocr_desktop/gui -name '*.py' | sort)
for lang in de zh_CN; do
    "$bin/pyside6-lupdate" -no-obsolete -locations none -source-language en -target-language "$lang" \
        "${sources[@]}" -ts "$out/glmocr_desktop_$lang.ts" >/dev/null
    "$bin/pyside6-lrelease" -silent "$out/glmocr_desktop_$lang.ts" -qm "$out/glmocr_desktop_$lang.qm"
done
