#!/usr/bin/env bash
# Sets up GLM-OCR Desktop on a fresh Debian/Ubuntu machine, then launches it or runs the tests.
#
#   bash packaging/install.sh run     install everything, then start the app
#   bash packaging/install.sh test    install everything (with test tools), then run the whole test suite
#
# What it installs: the system libraries Qt and QtWebEngine need (apt), a virtual environment in
# .venv with the Python packages from pyproject.toml. Re-running it is fast: finished steps are skipped.
set -euo pipefail

mode="${1:-run}"
shift || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- system packages ---------------------------------------------------------------------------
apt_packages=(
    # Qt xcb platform plugin
    libgl1 libegl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
    libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4
    libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0
    libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1 libxcb-shm0 libxrender1 libxi6
    # QtWebEngine (Chromium)
    libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libasound2 libgbm1
    libdrm2 libxshmfence1 libxss1 libcups2 libpci3
    libvulkan1
    # fonts, so text, KaTeX fall-backs and Chinese/Japanese/Korean results render
    fonts-dejavu-core fonts-noto-cjk fontconfig
)
if [ "$mode" = "test" ]; then
    apt_packages+=(xvfb xauth)
    apt_packages+=(dbus)  # dbus-daemon: the screen-snip tests run a fake desktop portal on a private bus
fi
python="${PYTHON:-python3}"
# Debian and Ubuntu ship venv/ensurepip separately from the interpreter.
if ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1; then
    apt_packages+=(python3-venv python3-pip)
fi

missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        log "Installing system libraries: ${missing[*]}"
        $sudo apt-get update -qq
        # libasound2 is a virtual package on newer Ubuntu (libasound2t64); try the list, then one by one.
        if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
            for p in "${missing[@]}"; do
                DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 \
                    || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${p}t64" >/dev/null 2>&1 \
                    || log "warning: could not install $p"
            done
        fi
    else
        log "warning: no apt-get; install the Qt/X11 libraries listed in packaging/install.sh by hand"
    fi
fi

# --- Python environment ------------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
    log "Creating virtual environment in .venv"
    "$python" -m venv .venv
fi
extras="."
[ "$mode" = "test" ] && extras=".[test]"
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-$mode"
if [ ! -f "$stamp" ]; then
    log "Installing Python packages (first run downloads PyTorch, a few GB)"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e "$extras"
    touch "$stamp"
fi

# --- desktop entry (menu item, "Open with" for PDFs and images) ------------------------------------
install_desktop_entry() {
    local apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
    local icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor"
    mkdir -p "$apps" "$icons/scalable/apps" || return 0
    sed -e "s|^Exec=.*|Exec=$here/.venv/bin/glmocr-desktop %F|" -e "s|^TryExec=.*|TryExec=$here/.venv/bin/glmocr-desktop|" \
        glmocr_desktop/assets/desktop/glmocr-desktop.desktop > "$apps/glmocr-desktop.desktop"
    cp glmocr_desktop/assets/icons/glmocr-desktop.svg "$icons/scalable/apps/glmocr-desktop.svg"
    for size in 16 24 32 48 64 128 256 512; do
        mkdir -p "$icons/${size}x${size}/apps"
        cp "glmocr_desktop/assets/icons/glmocr-desktop-$size.png" "$icons/${size}x${size}/apps/glmocr-desktop.png"
    done
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
}

# --- go ------------------------------------------------------------------------------------------
case "$mode" in
    run)
        install_desktop_entry
        exec .venv/bin/python -m glmocr_desktop "$@"
        ;;
    test)
        export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
        set +e
        if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
            xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest "$@"
        else
            .venv/bin/python -m pytest "$@"
        fi
        rc=$?
        set -e
        # pytest exits 5 when it collected no tests: not a failure of the suite.
        [ "$rc" -eq 5 ] && rc=0
        exit "$rc"
        ;;
    *)
        echo "usage: bash packaging/install.sh run|test [args...]" >&2
        exit 2
        ;;
esac
