#!/usr/bin/env bash
# Sets up GLM-OCR Desktop on a fresh Debian/Ubuntu machine, then launches it or runs the tests.
#
#   bash packaging/install.sh run     install everything, then start the app
#   bash packaging/install.sh test    install everything (with test tools), then run the whole test suite
#   bash packaging/install.sh system  only the system libraries (apt), then stop
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
# What Qt and QtWebEngine cannot start without; the rest only makes things nicer. Nothing here aborts:
# a package that cannot be installed (no sudo, no apt-get, an unknown name) is named with the command
# an administrator can run, and the set-up carries on.
required_packages=(
    # Qt xcb platform plugin
    libgl1 libegl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
    libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4
    libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0
    libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1 libxcb-shm0 libxrender1 libxi6
    # QtWebEngine (Chromium)
    libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libasound2 libgbm1
    libdrm2 libxshmfence1 libxss1 libcups2
    fontconfig fonts-dejavu-core
)
optional_packages=(
    libpci3 libvulkan1            # GPU information and Vulkan for Chromium: it falls back without them
    fonts-noto-cjk                # Chinese, Japanese and Korean results render in their own glyphs
    desktop-file-utils            # update-desktop-database: the menu entry shows without logging out
)
if [ "$mode" = "test" ]; then
    optional_packages+=(xvfb xauth)  # the tests that need a real X display (skipped without)
    optional_packages+=(dbus)        # dbus-daemon: the screen-snip tests run a fake desktop portal on a private bus
    optional_packages+=(appstream)   # appstreamcli: tests/test_packaging.py validates the metainfo
fi
python="${PYTHON:-python3}"
# Debian and Ubuntu ship venv/ensurepip separately from the interpreter.
if ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1; then
    required_packages+=(python3-venv python3-pip)
fi

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing_of() { local p; for p in "$@"; do is_installed "$p" || is_installed "${p}t64" || echo "$p"; done; }

# How to run apt-get: as root directly, else through sudo when it can ask (or needs no password).
apt_runner=""
can_apt=0
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        can_apt=1
    elif command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true >/dev/null 2>&1; }; then
        apt_runner="sudo"
        can_apt=1
    fi
fi

apt_install() {  # apt_install PKG...: installs what it can, one by one when the list fails; never aborts
    local p
    [ "$#" -gt 0 ] || return 0
    DEBIAN_FRONTEND=noninteractive $apt_runner apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 && return 0
    for p in "$@"; do
        # libasound2 is a virtual package on newer Ubuntu (libasound2t64)
        DEBIAN_FRONTEND=noninteractive $apt_runner apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 \
            || DEBIAN_FRONTEND=noninteractive $apt_runner apt-get install -y -qq --no-install-recommends "${p}t64" >/dev/null 2>&1 \
            || true
    done
}

if command -v dpkg-query >/dev/null 2>&1; then
    mapfile -t missing_required < <(missing_of "${required_packages[@]}")
    mapfile -t missing_optional < <(missing_of "${optional_packages[@]}")
    if [ "$((${#missing_required[@]} + ${#missing_optional[@]}))" -gt 0 ] && [ "$can_apt" -eq 1 ]; then
        log "Installing system libraries: ${missing_required[*]} ${missing_optional[*]}"
        $apt_runner apt-get update -qq >/dev/null 2>&1 || log "warning: apt-get update failed; trying the packages known already"
        apt_install "${missing_required[@]}"
        apt_install "${missing_optional[@]}"
        mapfile -t missing_required < <(missing_of "${required_packages[@]}")
        mapfile -t missing_optional < <(missing_of "${optional_packages[@]}")
    fi
    if [ "${#missing_required[@]}" -gt 0 ]; then
        log "warning: the window may not start until these system libraries are installed: ${missing_required[*]}"
        log "         an administrator can install them with:  sudo apt-get install ${missing_required[*]}"
        log "         (carrying on: the Python packages and the command line do not need them)"
    fi
    if [ "${#missing_optional[@]}" -gt 0 ]; then
        log "note: not installed (the app works without them): ${missing_optional[*]}"
    fi
else
    log "note: no dpkg/apt-get here; if the window does not start, install your system's packages for"
    log "      Qt 6 xcb and QtWebEngine (the list is in packaging/install.sh), or see README.md"
fi
if ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1; then
    echo "error: $python cannot create a virtual environment (python3-venv is missing)." >&2
    echo "       Install it (sudo apt-get install python3-venv) or set PYTHON=/path/to/python3 and run again." >&2
    exit 1
fi

[ "$mode" = "system" ] && exit 0

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
    .venv/bin/glmocr-desktop --install-desktop-entry >/dev/null || log "note: the menu entry could not be added"
}

# --- go ------------------------------------------------------------------------------------------
case "$mode" in
    run)
        install_desktop_entry
        # at first start without the model the window offers its download, with progress (about 2.7 GB)
        exec .venv/bin/glmocr-desktop "$@"
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
        echo "usage: bash packaging/install.sh run|test|system [args...]" >&2
        exit 2
        ;;
esac
