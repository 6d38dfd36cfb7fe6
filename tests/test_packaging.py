"""What a user installs: the sdist and the wheel carry the assets, the wheel installed into a fresh
environment (not editable, not this checkout) opens the window with its icon and a working preview,
the desktop entry and AppStream data are valid, the command line survives missing console streams and
install.sh carries on without sudo.

The fresh environment reuses this environment's packages through a folder of links (everything but
this project itself), so no second copy of torch or Qt is installed; the wheel goes in with --no-deps.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "test-packaging"
ASSETS = ("icons/glmocr-desktop.svg", "icons/glmocr-desktop-256.png", "katex/katex.min.js",
          "katex/fonts/KaTeX_Main-Regular.woff2", "preview/preview.html", "desktop/glmocr-desktop.desktop",
          "desktop/glmocr-desktop.metainfo.xml")
DESKTOP = ROOT / "glmocr_desktop" / "assets" / "desktop" / "glmocr-desktop.desktop"
METAINFO = ROOT / "glmocr_desktop" / "assets" / "desktop" / "glmocr-desktop.metainfo.xml"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(extra)
    return env


def shared_site_packages(dest: Path, exclude: tuple[str, ...] = ("glmocr_desktop", "__editable__")) -> Path:
    """A folder of links to this environment's installed packages, leaving out this project (its
    editable install) and every .pth file; a fresh venv sees them through one .pth line."""
    site = Path(sysconfig.get_paths()["purelib"])
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for entry in site.iterdir():
        if entry.name.startswith(exclude) or entry.suffix == ".pth" or entry.name == "__pycache__":
            continue
        (dest / entry.name).symlink_to(entry)
    return dest


def fresh_venv(path: Path, shared: Path) -> Path:
    """A venv without pip whose only borrowed packages are those in ``shared``; returns its python."""
    if path.exists():
        shutil.rmtree(path)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "shared-packages.pth").write_text(str(shared) + "\n", encoding="utf-8")
    return python


def pip(python: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "--python", str(python), *args, "--no-cache-dir",
                           "--disable-pip-version-check"], capture_output=True, text=True, env=_env())


def committed_source(dest: Path) -> Path:
    """The committed tree (``git archive HEAD``): what CI and a release build, without the uncommitted
    edits of a shared checkout. Outside a git checkout (an unpacked sdist), the folder itself."""
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        return ROOT
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


@pytest.fixture(scope="module")
def dists() -> dict[str, Path]:
    """sdist, then the wheel built from that sdist (python -m build), as a release would be made."""
    pytest.importorskip("build.__main__")
    out = BUILD / "dist"
    shutil.rmtree(out, ignore_errors=True)
    source = committed_source(BUILD / "source")
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
                          capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def installed(dists, tmp_path_factory) -> Path:
    """The wheel installed (not editable) into a fresh venv; returns the venv's python."""
    shared = shared_site_packages(BUILD / "shared-site")
    python = fresh_venv(BUILD / "wheel-venv", shared)
    proc = pip(python, "install", "--no-deps", "--no-index", str(dists["wheel"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield python
    shutil.rmtree(BUILD, ignore_errors=True)


@pytest.mark.slow
def test_sdist_and_wheel_carry_assets_licences_and_commands(dists):
    with zipfile.ZipFile(dists["wheel"]) as whl:
        names = set(whl.namelist())
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = whl.read(meta).decode()
        entry_points = whl.read(meta.replace("METADATA", "entry_points.txt")).decode()
    for asset in ASSETS:
        assert f"glmocr_desktop/assets/{asset}" in names, asset
    assert "License-Expression: AGPL-3.0-or-later" in metadata
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert any(n.endswith("licenses/THIRD-PARTY-NOTICES") for n in names)
    assert "glmocr-desktop-ocr = glmocr_desktop.cli:main" in entry_points
    assert "glmocr = " not in entry_points  # the official SDK's command stays the SDK's
    assert "glmocr-desktop = glmocr_desktop.app:main" in entry_points
    with tarfile.open(dists["sdist"]) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    for asset in ASSETS:
        assert f"glmocr_desktop/assets/{asset}" in members, asset
    assert {"LICENSE", "THIRD-PARTY-NOTICES", "pyproject.toml", "README.md"} <= members


@pytest.mark.slow
@pytest.mark.gui
def test_installed_wheel_opens_the_window_with_icon_and_preview(installed, tmp_path):
    from PIL import Image, ImageDraw

    page = tmp_path / "page.png"
    img = Image.new("RGB", (600, 400), "white")
    ImageDraw.Draw(img).text((40, 40), "An installed page", fill="black")
    img.save(page)
    child = tmp_path / "installed_app_child.py"  # outside the checkout: nothing of it on sys.path
    shutil.copyfile(ROOT / "tests" / "installed_app_child.py", child)
    env = _env(QT_QPA_PLATFORM="offscreen", GLMOCR_DATA_DIR=str(tmp_path / "data"),
               GLMOCR_LOG_DIR=str(tmp_path / "log"))
    proc = subprocess.run([str(installed), str(child), str(page)], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=180)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-4000:]
    seen = json.loads(lines[-1])
    venv = str(installed.parent.parent)
    assert seen["package"].startswith(venv) and seen["resources"].startswith(venv), seen
    assert seen["window_icon"] and seen["documents"] == 1 and seen["preview_ready"], seen
    assert seen["katex_nodes"] >= 2 and seen["blocked_requests"] == 0, seen
    assert seen["desktop_file_name"] == "glmocr-desktop"  # Wayland app id = the desktop file's name
    assert proc.returncode == 0, proc.stderr[-3000:]

    # the installed commands: the self-check renders the preview too, the CLI answers under its new name
    check = subprocess.run([str(installed.parent / "glmocr-desktop"), "--self-check"], capture_output=True,
                           text=True, cwd=tmp_path, env=env, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr[-2000:]
    assert "ok   WebEngine preview: KaTeX typeset a formula" in check.stdout
    assert f"installed at {venv}" in check.stdout
    cli = subprocess.run([str(installed.parent / "glmocr-desktop-ocr"), "--version"], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=60)
    assert cli.returncode == 0 and "0.1.0" in cli.stdout


def test_install_desktop_entry_from_the_package(tmp_path):
    env = _env(XDG_DATA_HOME=str(tmp_path / "share"), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "glmocr_desktop", "--install-desktop-entry"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    share = tmp_path / "share"
    entry = (share / "applications" / "glmocr-desktop.desktop").read_text(encoding="utf-8")
    exec_line = next(ln for ln in entry.splitlines() if ln.startswith("Exec="))
    launcher = exec_line.split("=", 1)[1].rsplit(" %F", 1)[0]
    assert exec_line.endswith(" %F") and Path(launcher).is_file() and os.access(launcher, os.X_OK)
    assert "MimeType=application/pdf;image/png;" in entry
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "glmocr-desktop.svg").is_file()
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / "glmocr-desktop.png").is_file()
    assert (share / "metainfo" / "glmocr-desktop.metainfo.xml").is_file()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(share / "applications" / "glmocr-desktop.desktop")],
                               capture_output=True, text=True)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    proc = subprocess.run([sys.executable, "-m", "glmocr_desktop", "--uninstall-desktop-entry"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0 and not (share / "applications" / "glmocr-desktop.desktop").exists()


def test_exec_line_quotes_paths_with_spaces():
    from glmocr_desktop.desktop_entry import desktop_entry_text

    text = desktop_entry_text(["/opt/GLM OCR/glmocr-desktop", "--model", "50%"])
    assert 'Exec="/opt/GLM OCR/glmocr-desktop" --model 50%% %F' in text.splitlines()


def test_desktop_file_validates():
    if not shutil.which("desktop-file-validate"):
        pytest.skip("desktop-file-validate is not installed (apt package desktop-file-utils)")
    proc = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout  # no errors, no hints


def test_metainfo_validates_and_matches_the_desktop_file():
    if not shutil.which("appstreamcli"):
        pytest.skip("appstreamcli is not installed (apt package appstream)")
    # the id is not reverse-DNS on purpose (see the file's comment): that one warning is a note here
    proc = subprocess.run(["appstreamcli", "validate", "--no-net", "--override=cid-desktopapp-is-not-rdns=info",
                           str(METAINFO)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    xml = METAINFO.read_text(encoding="utf-8")
    assert "<launchable type=\"desktop-id\">glmocr-desktop.desktop</launchable>" in xml
    assert "<project_license>AGPL-3.0-or-later</project_license>" in xml
    desktop = DESKTOP.read_text(encoding="utf-8")
    assert "StartupWMClass=glmocr-desktop" in desktop
    mimes = next(ln for ln in desktop.splitlines() if ln.startswith("MimeType=")).split("=", 1)[1]
    listed = {part.split("</mediatype>")[0] for part in xml.split("<mediatype>")[1:]}
    assert {m for m in mimes.split(";") if m} == listed


WM_CLASS_CHILD = """
import os, subprocess, sys, time
sys.argv[0] = "/somewhere/glmocr_desktop/__main__.py"  # as `python -m glmocr_desktop` starts
from glmocr_desktop.app import _dispose, create_app
app, window = create_app(["--no-autoload", "--new-instance"])
deadline = time.monotonic() + 30
while time.monotonic() < deadline and not window.isVisible():
    app.processEvents()
app.processEvents()
out = subprocess.run(["xprop", "-id", str(int(window.winId())), "WM_CLASS"], capture_output=True, text=True)
print(out.stdout.strip())
_dispose(app, window)
"""


@pytest.mark.xvfb
@pytest.mark.gui
def test_window_class_is_the_desktop_files_startup_class(tmp_path):
    """X11 WM_CLASS (instance, class) must name StartupWMClass however the app was started, or the
    dock shows a second icon beside the launcher's."""
    if not shutil.which("xvfb-run") or not shutil.which("xprop"):
        pytest.skip("needs xvfb-run and xprop (x11-utils)")
    env = _env(QT_QPA_PLATFORM="xcb", GLMOCR_DATA_DIR=str(tmp_path / "data"), GLMOCR_LOG_DIR=str(tmp_path / "log"))
    proc = subprocess.run(["xvfb-run", "-a", sys.executable, "-c", WM_CLASS_CHILD], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WM_CLASS")), "")
    assert line, proc.stdout + proc.stderr[-2000:]
    instance = line.split("=", 1)[1].split(",")[0].strip().strip('"')
    from glmocr_desktop import APP_ID

    assert instance == APP_ID, line
    assert f"StartupWMClass={APP_ID}" in DESKTOP.read_text(encoding="utf-8")


def test_cli_works_without_console_streams(tmp_path):
    """As from a Windows gui-script: no stdout, no stderr. --version and an input error exit cleanly."""
    cmd = f'exec "{sys.executable}" -m glmocr_desktop ocr "$@" 1>&- 2>&-'
    ok = subprocess.run(["bash", "-c", cmd, "sh", "--version"], cwd=tmp_path, env=_env(), timeout=60)
    assert ok.returncode == 0
    missing = subprocess.run(["bash", "-c", cmd, "sh", str(tmp_path / "missing.png")], cwd=tmp_path,
                             env=_env(), timeout=60)
    assert missing.returncode == 3  # the input error's own code, not 1 from a crash on print()
    from glmocr_desktop import workarounds

    saved = sys.stdout, sys.stderr
    try:
        sys.stdout = sys.stderr = None  # type: ignore[assignment]
        assert workarounds.ensure_std_streams()
        print("reaches the null device")
        assert sys.stdout is not None and sys.stderr is not None
        assert not workarounds.ensure_std_streams()
    finally:
        for stream in (sys.stdout, sys.stderr):
            if stream not in saved:
                stream.close()
        sys.stdout, sys.stderr = saved


def test_install_sh_without_sudo_carries_on(tmp_path):
    """A user without root and without sudo, one Qt library missing: a clear message, exit 0."""
    fake = tmp_path / "bin"
    fake.mkdir()
    scripts = {
        "id": '#!/bin/sh\n[ "$1" = "-u" ] && echo 1000 || /usr/bin/id "$@"\n',
        # every package installed except libnss3 (QtWebEngine) and fonts-noto-cjk (nice to have)
        "dpkg-query": '#!/bin/sh\nfor a; do p=$a; done\ncase "$p" in libnss3|libnss3t64|fonts-noto-cjk|fonts-noto-cjkt64) exit 1;; esac\n'
                      'echo "install ok installed"\n',
        "apt-get": f'#!/bin/sh\necho called >> "{tmp_path}/apt-called"\nexit 100\n',
    }
    for name, text in scripts.items():
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    tools = tmp_path / "tools"  # the ordinary tools, without sudo even where the machine has it
    tools.mkdir()
    for tool in ("bash", "sh", "grep", "cat", "dirname", "mapfile", "python3", "sha1sum", "cut", "env"):
        found = shutil.which(tool)
        if found:
            (tools / tool).symlink_to(found)
    env = _env(PATH=f"{fake}:{tools}", PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(ROOT / "packaging" / "install.sh"), "system"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "libnss3" in proc.stderr and "sudo apt-get install libnss3" in proc.stderr
    assert "carrying on" in proc.stderr and "fonts-noto-cjk" in proc.stderr
    assert "command not found" not in proc.stderr
    assert not (tmp_path / "apt-called").exists()  # no way to install: apt-get is not even tried
