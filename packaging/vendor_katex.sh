#!/usr/bin/env bash
# Re-vendors KaTeX from the npm registry into glmocr_desktop/assets/katex/ (run from anywhere; needs npm and tar).
#
#   bash packaging/vendor_katex.sh            latest release
#   bash packaging/vendor_katex.sh 0.16.22    a given version
#
# Keeps only what the preview page loads: katex.min.js, katex.min.css, the woff2 fonts and the licence.
# The preview never uses auto-render: math is marked up in Python (core/render.py) and typeset by
# glmocr_desktop/assets/preview/preview.js.
set -euo pipefail

version="${1:-latest}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$here/glmocr_desktop/assets/katex"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
tarball="$(npm pack --silent "katex@$version" | tail -n 1)"
tar -xzf "$tarball"
src="$tmp/package/dist"
resolved="$(node -p "require('$tmp/package/package.json').version")"

rm -rf "$dest"
mkdir -p "$dest/fonts"
cp "$src/katex.min.js" "$src/katex.min.css" "$dest/"
cp "$src"/fonts/*.woff2 "$dest/fonts/"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
# The stylesheet lists woff2, woff and ttf; only woff2 is shipped, so drop the other url()s to keep
# the page from asking for files that are not there (every request outside the assets folder is blocked anyway).
node - "$dest/katex.min.css" <<'JS'
const fs = require("fs");
const f = process.argv[2];
let css = fs.readFileSync(f, "utf8");
css = css.replace(/,\s*url\([^)]*\.woff\)\s*format\("woff"\)/g, "")
         .replace(/,\s*url\([^)]*\.ttf\)\s*format\("truetype"\)/g, "");
fs.writeFileSync(f, css);
JS
echo "$resolved" > "$dest/VERSION"
echo "KaTeX $resolved vendored into $dest"
