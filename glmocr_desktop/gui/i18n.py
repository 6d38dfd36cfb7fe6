"""The window's language: the app's own translations plus Qt's, for the desktop's language or a chosen one.

Every user-visible string goes through Qt's translation system (``self.tr`` in widgets,
``QCoreApplication.translate`` elsewhere). The catalogues live in ``assets/translations``: the ``.ts``
sources (made and refreshed by ``packaging/translations.sh``, which runs ``pyside6-lupdate`` over the GUI
code and ``pyside6-lrelease``) and the compiled ``.qm`` files the app loads. Qt's own catalogues (standard
buttons, file dialogs, context menus of text fields) come with PySide6.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from glmocr_desktop.core.settings import LANGUAGES
from glmocr_desktop.resources import resource

log = logging.getLogger(__name__)

#: languages with a catalogue of the app's own, and their names in their own language (for the setting)
SHIPPED = {"en": "English", "de": "Deutsch", "zh_CN": "简体中文"}


def catalogue(language: str):
    """The compiled catalogue of ``language`` (a path; it may not exist for English)."""
    return resource("translations", f"glmocr_desktop_{language}.qm")


def resolve(choice: str, system: QLocale | None = None) -> str:
    """The language to show for the setting ``choice``: itself when shipped, else the desktop's language
    when shipped (``zh_CN`` for any Simplified-Chinese locale, ``de`` for any German one), else English."""
    if choice in SHIPPED:
        return choice
    locale = system or QLocale.system()
    for tag in locale.uiLanguages() or [locale.name()]:  # the user's languages, most wanted first
        wanted = QLocale(tag)
        lang = wanted.language()
        if lang == QLocale.Language.German:
            return "de"
        if lang == QLocale.Language.Chinese:  # Traditional Chinese readers get English, not Simplified
            return "en" if wanted.script() == QLocale.Script.TraditionalChineseScript else "zh_CN"
        if lang == QLocale.Language.English:
            return "en"
    return "en"


class Translations:
    """The translators installed on the application; kept alive as long as they are installed."""

    def __init__(self) -> None:
        self.language = "en"
        self._installed: list[QTranslator] = []

    def install(self, app: QCoreApplication, choice: str = "system", system: QLocale | None = None) -> str:
        """Install the catalogues for ``choice`` (a value of ``Settings.language``); returns the language
        shown. A missing or unreadable catalogue leaves the English text, with a log line."""
        for old in self._installed:
            app.removeTranslator(old)
        self._installed.clear()
        choice = choice if choice in LANGUAGES else "system"
        language = resolve(choice, system)
        self.language = language
        if language == "en":
            return language
        own = QTranslator(app)
        path = catalogue(language)
        if own.load(str(path)):
            app.installTranslator(own)
            self._installed.append(own)
        else:
            log.warning("no translation catalogue at %s; the window stays in English", path)
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for base in ("qtbase", "qtwebengine"):
            qt = QTranslator(app)
            if qt.load(f"{base}_{language}", qt_dir):
                app.installTranslator(qt)
                self._installed.append(qt)
        QLocale.setDefault(QLocale(language))
        return language


#: the one set of installed translators of the running app
TRANSLATIONS = Translations()
