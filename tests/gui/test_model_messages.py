"""The window says what is really wrong with a model, and a start's options stay with that start."""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from glmocr_desktop.gui.webengine import prepare_webengine

prepare_webengine()

from gui.test_app_window import MODEL_WAIT

pytestmark = pytest.mark.gui


def test_a_model_without_a_chat_template_fails_to_load_with_no_stale_progress(qtbot, make_window, tiny_model_dir,
                                                                              tmp_path):
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    (model / "chat_template.jinja").unlink()
    w = make_window(model=model)
    qtbot.waitUntil(lambda: w.model_state == "error", timeout=MODEL_WAIT)
    assert w.state_label.text() == "The model could not be loaded."  # not "Loading …" nor "Model ready"
    assert any("no chat template" in m for m in w.messages)


def test_no_autoload_is_for_that_start_only(qtbot, make_window):
    w = make_window(autoload=False)
    assert w.model_state != "loading"
    w.close()
    assert w.store.load().autoload_model is True
