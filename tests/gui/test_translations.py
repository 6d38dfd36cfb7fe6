"""Translations: every string of the window's code is in the German and Chinese catalogues, translated,
compiled, and a German window shows German menus."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_standards import tool

ROOT = Path(__file__).resolve().parents[2]
TS_DIR = ROOT / "glmocr_desktop" / "assets" / "translations"
LANGUAGES = ("de", "zh_CN")


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    out = {}
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            out[(name, msg.findtext("source") or "")] = msg.find("translation")
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_translated(lang):
    messages = _messages(TS_DIR / f"glmocr_desktop_{lang}.ts")
    assert len(messages) > 100
    untranslated = [key for key, tr in messages.items()
                    if tr is None or tr.get("type") == "unfinished" or not ((tr.text or "").strip() or len(tr))]
    assert not untranslated, untranslated[:20]


def test_catalogues_hold_every_string_of_the_code(tmp_path):
    """lupdate over today's code finds nothing the catalogues lack (a new string needs its translation)."""
    sources = sorted(str(p) for p in (ROOT / "glmocr_desktop" / "gui").rglob("*.py"))
    for lang in LANGUAGES:
        fresh = tmp_path / f"{lang}.ts"
        shutil.copy(TS_DIR / f"glmocr_desktop_{lang}.ts", fresh)
        subprocess.run([tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none", *sources, "-ts",
                        str(fresh)], check=True, capture_output=True, timeout=120)
        shipped, now = _messages(TS_DIR / f"glmocr_desktop_{lang}.ts"), _messages(fresh)
        missing = sorted(set(now) - set(shipped))
        assert not missing, f"{lang}: run packaging/translations.sh and translate: {missing[:10]}"


def test_compiled_catalogues_are_current(tmp_path):
    for lang in LANGUAGES:
        out = tmp_path / f"{lang}.qm"
        subprocess.run([tool("pyside6-lrelease"), "-silent", str(TS_DIR / f"glmocr_desktop_{lang}.ts"), "-qm",
                        str(out)], check=True, capture_output=True, timeout=60)
        assert out.read_bytes() == (TS_DIR / f"glmocr_desktop_{lang}.qm").read_bytes(), (
            f"{lang}: the .qm is stale; run packaging/translations.sh")


def test_language_choice_resolves():
    from PySide6.QtCore import QLocale

    from glmocr_desktop.gui.i18n import resolve

    assert resolve("de") == "de" and resolve("en") == "en"
    assert resolve("system", QLocale("de_AT")) == "de"
    assert resolve("system", QLocale("zh_CN")) == "zh_CN"
    assert resolve("system", QLocale("zh_TW")) == "en"
    assert resolve("system", QLocale("fr_FR")) == "en"


def test_a_german_window_speaks_german(qtbot, tiny_model_dir, page_png):
    """Started with --language de, the window's menus, actions and status bar are German; back to English
    after (the application object is shared by the tests)."""
    from PySide6.QtWidgets import QApplication

    from glmocr_desktop.app import create_app
    from glmocr_desktop.gui.i18n import TRANSLATIONS

    try:
        _app, window = create_app([str(page_png), "--language", "de", "--no-autoload", "--model",
                                   str(tiny_model_dir)])
        qtbot.addWidget(window)
        assert TRANSLATIONS.language == "de"
        titles = [a.text() for a in window.menuBar().actions() if a.text()]
        assert "&Datei" in titles and "&Bearbeiten" in titles and "&Ansicht" in titles, titles
        texts = {a.text() for m in window.menuBar().actions() if m.menu() for a in m.menu().actions()
                 if a.text() and not a.isSeparator()}
        english = {"&Open…", "&Save Results…", "&Undo", "&Settings…", "Copy", "Quit"}
        assert not texts & english, texts & english
        assert len(texts) > 20
        window.close()
    finally:
        TRANSLATIONS.install(QApplication.instance(), "en")
    assert TRANSLATIONS.language == "en"
