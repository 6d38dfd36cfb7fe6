import logging

from glmocr_desktop.core import logs


def test_log_file_rotates_in_user_log_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GLMOCR_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(logs, "_configured", None)
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = logs.setup_logging()
        assert path == tmp_path / "logs" / "glmocr-desktop.log"
        logging.getLogger("glmocr_desktop.test").warning("hello from the test")
        for h in root.handlers:
            h.flush()
        assert "hello from the test" in path.read_text(encoding="utf-8")
        rotating = [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
        assert rotating and rotating[-1].maxBytes > 0 and rotating[-1].backupCount >= 1
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
                h.close()
