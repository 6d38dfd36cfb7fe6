"""The desktop menu entry, icons and AppStream data of an installed copy (freedesktop desktops: Linux, BSD).

``glmocr-desktop --install-desktop-entry`` writes them from the installed package itself (the files in
``glmocr_desktop/assets``), so a wheel installed with pip, pipx or ``uv tool`` and a bundle get the same
menu item and "Open with" types as ``packaging/install.sh``. No Qt, no torch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from glmocr_desktop import APP_ID
from glmocr_desktop.resources import resource

#: the sizes of the PNG icons in assets/icons (hicolor theme folders)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
DESKTOP_FILE = f"{APP_ID}.desktop"
METAINFO_FILE = f"{APP_ID}.metainfo.xml"


def data_home() -> Path:
    """``$XDG_DATA_HOME`` or ``~/.local/share`` (the XDG base directory rule)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher_command() -> list[str]:
    """The command that starts this very installation: the bundle's executable, the ``glmocr-desktop``
    script beside this interpreter, one on PATH, or this interpreter with ``-m glmocr_desktop``."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.executable).parent / (APP_ID + (".exe" if os.name == "nt" else ""))
    if script.is_file():
        return [str(script)]
    found = shutil.which(APP_ID)
    if found:
        return [str(Path(found).resolve())]
    return [str(Path(sys.executable).resolve()), "-m", "glmocr_desktop"]


def quote_exec_arg(arg: str) -> str:
    """One argument of an ``Exec=`` line, quoted as the Desktop Entry Specification asks."""
    arg = arg.replace("%", "%%")
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def desktop_entry_text(command: list[str]) -> str:
    """The shipped .desktop file with ``Exec``/``TryExec`` pointing at ``command``."""
    lines = []
    for line in resource("desktop", DESKTOP_FILE).read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(quote_exec_arg(a) for a in command) + " %F"
        elif line.startswith("TryExec="):
            line = "TryExec=" + command[0]
        lines.append(line)
    return "\n".join(lines) + "\n"


def entry_paths(home: Path | None = None) -> list[Path]:
    """Every file :func:`install_desktop_entry` writes."""
    home = home or data_home()
    icons = home / "icons" / "hicolor"
    return [
        home / "applications" / DESKTOP_FILE,
        home / "metainfo" / METAINFO_FILE,
        icons / "scalable" / "apps" / f"{APP_ID}.svg",
        *(icons / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in ICON_SIZES),
    ]


def install_desktop_entry(home: Path | None = None, command: list[str] | None = None) -> list[Path]:
    """Write the menu entry ("Open with" for PDFs and images), icons and metainfo; returns the files.

    Raises OSError when the folders cannot be written."""
    home = home or data_home()
    desktop, metainfo, svg, *pngs = entry_paths(home)
    for path in entry_paths(home):
        path.parent.mkdir(parents=True, exist_ok=True)
    desktop.write_text(desktop_entry_text(command or launcher_command()), encoding="utf-8")
    shutil.copyfile(resource("desktop", METAINFO_FILE), metainfo)
    shutil.copyfile(resource("icons", f"{APP_ID}.svg"), svg)
    for size, png in zip(ICON_SIZES, pngs):
        shutil.copyfile(resource("icons", f"{APP_ID}-{size}.png"), png)
    _refresh_caches(home)
    return [desktop, metainfo, svg, *pngs]


def uninstall_desktop_entry(home: Path | None = None) -> list[Path]:
    """Remove what :func:`install_desktop_entry` wrote; returns the files removed."""
    home = home or data_home()
    removed = []
    for path in entry_paths(home):
        if path.is_file():
            path.unlink()
            removed.append(path)
    _refresh_caches(home)
    return removed


def _refresh_caches(home: Path) -> None:
    """Tell the desktop about the change where its tools are installed (they are optional)."""
    for tool, args in (
        ("update-desktop-database", ["-q", str(home / "applications")]),
        ("gtk-update-icon-cache", ["-q", "-t", str(home / "icons" / "hicolor")]),
    ):
        exe = shutil.which(tool)
        if exe:
            try:
                subprocess.run([exe, *args], check=False, timeout=30, capture_output=True)
            except (OSError, subprocess.SubprocessError):
                pass


def main_install(uninstall: bool = False) -> int:
    """``--install-desktop-entry`` / ``--uninstall-desktop-entry``: report on standard output."""
    if sys.platform in ("win32", "darwin"):
        print("The desktop entry is for Linux and BSD desktops; on Windows and macOS use the bundle's "
              "installer or start glmocr-desktop from its folder.")
        return 2
    try:
        paths = uninstall_desktop_entry() if uninstall else install_desktop_entry()
    except OSError as exc:
        print(f"Could not write the desktop entry: {exc}")
        return 1
    if uninstall:
        print(f"Removed {len(paths)} file(s) of the desktop entry.")
    else:
        print(f"Added GLM-OCR Desktop to the application menu and to \"Open with\": {paths[0]}")
        print(f"It starts: {' '.join(launcher_command())}")
    return 0
