"""Settings › General › Language, and the Settings dialog in another language (offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QFormLayout, QLabel

from glmocr_desktop.core.settings import LANGUAGES, Settings
from glmocr_desktop.gui import dialogs
from glmocr_desktop.gui.i18n import SHIPPED


class Marking(QTranslator):
    """A catalogue that "translates" every message of the app's own contexts to «message»."""

    def __init__(self, contexts: set[str]) -> None:
        super().__init__()
        self.contexts = contexts

    def translate(self, context, source, disambiguation=None, n=-1):
        return f"«{source}»" if context in self.contexts else ""

    def isEmpty(self) -> bool:
        return False


@pytest.fixture
def marked(qapp):
    translator = Marking({"SettingsDialog", "EngineSettingsPage", "EngineSettings", "ModelDialog", "Dialogs"})
    qapp.installTranslator(translator)
    yield translator
    qapp.removeTranslator(translator)


def test_the_language_is_chosen_by_its_own_name_and_round_trips(qtbot):
    dlg = dialogs.SettingsDialog(Settings(language="de"))
    qtbot.addWidget(dlg)
    box = dlg.language
    assert [box.itemText(i) for i in range(box.count())] == ["System default", "English", "Deutsch", "简体中文"]
    assert [box.itemData(i) for i in range(box.count())] == list(LANGUAGES)
    assert box.currentText() == "Deutsch" and dlg.result_settings().language == "de"
    box.setCurrentIndex(box.findData("zh_CN"))
    assert dlg.result_settings().language == "zh_CN"
    box.setCurrentIndex(box.findData("system"))
    assert dlg.result_settings().language == "system"
    notes = [w.text() for w in dlg.findChildren(QLabel)]
    assert "Takes effect when the app starts again." in notes
    # a value the app does not speak (an old or hand-edited settings file) shows and saves as the default
    odd = dialogs.SettingsDialog(Settings(language="fr"))
    qtbot.addWidget(odd)
    assert odd.language.currentText() == "System default" and odd.result_settings().language == "system"


def test_the_dialog_speaks_the_installed_language_and_keeps_the_stored_values(qtbot, marked):
    s = Settings(device="cpu", dtype="auto", theme="dark", language="zh_CN")
    dlg = dialogs.SettingsDialog(s)
    qtbot.addWidget(dlg)
    assert dlg.windowTitle() == "«Settings»"
    assert [dlg.tabs.tabText(i) for i in range(dlg.tabs.count())] == ["«General»", "«Engine»"]
    form = dlg.tabs.widget(0).layout()
    assert isinstance(form, QFormLayout)
    labels = [form.itemAt(r, QFormLayout.ItemRole.LabelRole) for r in range(form.rowCount())]
    shown = [item.widget().text() for item in labels if item is not None and item.widget().text()]
    assert shown and all(text.startswith("«") and text.endswith("»") for text in shown), shown
    assert "«Language»" in shown and "«Theme»" in shown
    # names are translated, the values kept in the settings are not; languages keep their own names
    assert dlg.theme.currentText() == "«dark»" and dlg.dtype.currentText() == "«auto»"
    assert dlg.device.currentText() == "cpu"
    assert dlg.language.itemText(0) == "«System default»" and dlg.language.currentText() == SHIPPED["zh_CN"]
    dlg.theme.setCurrentIndex(dlg.theme.findData("light"))
    out = dlg.result_settings()
    assert (out.device, out.dtype, out.theme, out.language) == ("cpu", "auto", "light", "zh_CN")
    engine = dlg.engine_page
    assert engine.test_button.text() == "«Test Connection»"
    assert engine.engine.itemText(engine.engine.findData("local")) == "«This computer (local model)»"
    assert QCoreApplication.translate("ModelDialog", dialogs.ModelDialog.TITLE) == "«GLM-OCR model needed»"
