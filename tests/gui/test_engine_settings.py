"""Settings › Engine (offscreen): the page, its Test connection against a local stub server, the API key
kept out of the settings file, the plain-http warning, and the window's inference thread driving the
remote engine it makes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import Qt
from test_remote_stub import VLLM_MODELS, ReplayServer, Reply, closed_port_url, vllm_sse

from glmocr_desktop.core.settings import Settings
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.remote import RemoteEngine
from glmocr_desktop.gui.engine_settings import ApiKeyStore, EngineSettingsPage
from glmocr_desktop.gui.settings_store import SettingsStore

SECRET = "sk-do-not-write-me-anywhere-4711"


@pytest.fixture
def session_keys(monkeypatch):
    """The fallback when no keyring backend is there (as on this test machine): the session only."""
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(ApiKeyStore, "_session", {})
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield ApiKeyStore()
    keyring.set_keyring(previous)


@pytest.fixture
def file_keyring(tmp_path, monkeypatch):
    """A real keyring backend that writes a file of its own (keyrings.alt), standing for the system's."""
    keyrings_alt = pytest.importorskip("keyrings.alt.file")
    import keyring

    monkeypatch.setattr(ApiKeyStore, "_session", {})
    backend = keyrings_alt.PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def remote_settings(**kw) -> Settings:
    return Settings(engine="openai", remote_urls=["http://127.0.0.1:9"], remote_model="glm-ocr", **kw)


def test_page_shows_the_settings_and_test_connection_lists_models(qtbot, session_keys):
    with ReplayServer({"/v1/models": [Reply(200, VLLM_MODELS)]}) as srv:
        page = EngineSettingsPage(Settings(), keys=session_keys)
        qtbot.addWidget(page)
        assert page.engine_kind() == "local" and not page.urls.isEnabled() and not page.test_button.isEnabled()
        page.engine.setCurrentIndex(page.engine.findData("openai"))
        assert page.urls.isEnabled() and page.test_button.isEnabled()
        dead = closed_port_url()
        page.urls.setPlainText(f"{srv.url}\n\n{dead}\n")
        page.api_key.setText(SECRET)
        with qtbot.waitSignal(page.tested, timeout=20_000, check_params_cb=lambda t: t != "Testing…"):
            qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        shown = page.test_result.text().splitlines()
    assert shown[0].startswith(f"✓ {srv.url}: ") and " ms; models: glm-ocr" in shown[0]
    assert shown[1].startswith(f"✗ {dead}: Cannot connect")
    # the typed key was sent with the test
    assert [h.get("Authorization") for _, _, _, h in srv.requests] == [f"Bearer {SECRET}"]
    assert page.test_button.isEnabled()


def test_no_keyring_keeps_the_key_for_the_session_and_never_in_the_settings_file(qtbot, session_keys, tmp_path):
    page = EngineSettingsPage(remote_settings(), keys=session_keys)
    qtbot.addWidget(page)
    assert "cannot be saved" in page.key_note.text() and "until the app closes" in page.key_note.text()
    page.api_key.setText(SECRET)
    page.concurrency.setValue(32)
    s = page.apply(Settings())
    assert (s.engine, s.remote_urls, s.remote_model, s.remote_concurrency) == (
        "openai", ["http://127.0.0.1:9"], "glm-ocr", 32)
    assert ApiKeyStore().get() == SECRET  # for this session
    store = SettingsStore()
    store.save(s)
    ini = store.qs.fileName()
    text = Path(ini).read_text(encoding="utf-8")
    assert "remote_urls" in text and SECRET not in text
    assert SettingsStore().load().remote_concurrency == 32


def test_the_key_goes_to_the_keyring(qtbot, file_keyring):
    page = EngineSettingsPage(remote_settings(), keys=ApiKeyStore())
    qtbot.addWidget(page)
    assert "system keyring" in page.key_note.text()
    page.api_key.setText(SECRET)
    assert not page.key_changed
    page.apply(Settings())
    assert page.key_changed  # the window loads the engine again with the new key
    assert ApiKeyStore._session == {}
    assert ApiKeyStore().get() == SECRET
    assert file_keyring.get_password("glmocr-desktop", "remote-engine") == SECRET  # in the keyring's own file
    again = EngineSettingsPage(remote_settings(), keys=ApiKeyStore())
    qtbot.addWidget(again)
    assert again.api_key.text() == ""  # never shown back
    again._forget_key()
    again.apply(Settings())
    assert ApiKeyStore().get() is None


def test_plain_http_to_another_computer_only_after_a_warning(qtbot, session_keys):
    asked = []
    answer = [False]

    def confirm(parent, urls):
        asked.append(list(urls))
        return answer[0]

    page = EngineSettingsPage(remote_settings(), keys=session_keys, confirm_plain_http=confirm)
    qtbot.addWidget(page)
    page.urls.setPlainText("http://localhost:8000\nhttps://gpu.example.org\nhttp://gpu-box.lan:8000")
    assert "https" in page.problem()
    assert asked == [["http://gpu-box.lan:8000"]]  # loopback and https pass without a warning
    answer[0] = True
    assert page.problem() == ""
    s = page.apply(Settings())
    assert s.remote_plain_http_ok == ["http://gpu-box.lan:8000"]
    accepted = EngineSettingsPage(s, keys=session_keys, confirm_plain_http=confirm)
    qtbot.addWidget(accepted)
    assert accepted.problem() == "" and len(asked) == 2  # not asked again
    page.urls.setPlainText("ftp://nowhere")
    assert "not an http(s) URL" in page.problem()


def test_settings_dialog_has_the_engine_page(qtbot, session_keys):
    from glmocr_desktop.gui.dialogs import SettingsDialog

    dlg = SettingsDialog(remote_settings(remote_concurrency=5))
    qtbot.addWidget(dlg)
    assert [dlg.tabs.tabText(i) for i in range(dlg.tabs.count())] == ["General", "Engine"]
    assert dlg.engine_page.concurrency.value() == 5
    dlg.engine_page.urls.setPlainText("")
    dlg.accept()  # refused: no server
    assert dlg.result() != dlg.DialogCode.Accepted and dlg.tabs.currentWidget() is dlg.engine_page
    assert "at least one server" in dlg.engine_page.test_result.text()
    dlg.engine_page.engine.setCurrentIndex(dlg.engine_page.engine.findData("local"))
    assert dlg.result_settings().engine == "local"


def test_the_inference_thread_drives_the_remote_engine(qtbot, session_keys, tmp_path):
    from glmocr_desktop.core.documents import open_document
    from glmocr_desktop.gui.worker import InferenceThread, Request, default_engine_factory

    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).text((20, 50), "Remote", fill="black")
    path = tmp_path / "scan.png"
    image.save(path)
    session_keys.set(SECRET)
    with ReplayServer({"/v1/models": [Reply(200, VLLM_MODELS)],
                       "/v1/chat/completions": [Reply(200, vllm_sse(["Re", "mote ", "text"]),
                                                      content_type="text/event-stream", split=True)]}) as srv:
        settings = Settings(engine="openai", remote_urls=[srv.url], remote_model="glm-ocr", remote_concurrency=2)
        assert isinstance(default_engine_factory(settings), RemoteEngine)
        thread = InferenceThread()
        doc = open_document(path)
        try:
            with qtbot.waitSignal(thread.loaded, timeout=20_000) as loaded:
                thread.request_load(settings)
            assert loaded.args[0].device == f"remote (127.0.0.1:{srv.url.rsplit(':', 1)[1]})"
            req = Request(document=doc, page=0, region=None, task=Task.TEXT)
            with qtbot.waitSignal(thread.job_finished, timeout=20_000) as finished:
                thread.submit([req])
        finally:
            thread.shutdown()
            doc.close()
    job_id, result = finished.args
    assert job_id == req.id and result.text == "Remote text" and result.error is None
    (sent,) = srv.posts("/v1/chat/completions")
    assert sent["messages"][0]["content"][1]["text"] == "Text Recognition:"
    assert all(h.get("Authorization") == f"Bearer {SECRET}" for _, _, _, h in srv.requests)
