"""User folders and GLMOCR_* variables: read in one module, documented in one table the README shows."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import platformdirs
import pytest

from glmocr_desktop.core import paths

ROOT = Path(__file__).resolve().parent.parent
NAMES = [v.name for v in paths.ENVIRONMENT]


@pytest.fixture()
def clean_env(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_folders_default_to_the_platform_user_folders(clean_env):
    assert paths.data_dir_override() is None
    assert paths.data_dir() == Path(platformdirs.user_data_dir("glmocr-desktop", appauthor=False))
    assert paths.log_dir() == Path(platformdirs.user_log_dir("glmocr-desktop", appauthor=False))
    assert paths.cache_dir() == Path(platformdirs.user_cache_dir("glmocr-desktop", appauthor=False, opinion=False))
    assert paths.compile_cache_dir() == paths.cache_dir() / "torch-compile"


def test_variables_move_the_folders(clean_env, tmp_path):
    clean_env.setenv("GLMOCR_DATA_DIR", str(tmp_path / "data"))
    clean_env.setenv("GLMOCR_LOG_DIR", str(tmp_path / "logs"))
    clean_env.setenv("GLMOCR_COMPILE_CACHE", str(tmp_path / "kernels"))
    assert paths.data_dir() == paths.data_dir_override() == tmp_path / "data"
    assert paths.log_dir() == tmp_path / "logs"
    assert paths.compile_cache_dir() == tmp_path / "kernels"
    clean_env.setenv("GLMOCR_DATA_DIR", "")  # empty is unset
    assert paths.data_dir_override() is None


def test_the_stores_and_the_log_use_these_folders(clean_env, tmp_path):
    from glmocr_desktop.core import logs
    from glmocr_desktop.core.store import default_db_path
    from glmocr_desktop.engines.fast_decode.compile_cache import default_cache_dir

    clean_env.setenv("GLMOCR_DATA_DIR", str(tmp_path / "data"))
    clean_env.setenv("GLMOCR_LOG_DIR", str(tmp_path / "logs"))
    clean_env.setenv("GLMOCR_COMPILE_CACHE", str(tmp_path / "kernels"))
    assert default_db_path() == tmp_path / "data" / "results.sqlite3"
    assert logs.log_file() == tmp_path / "logs" / "glmocr-desktop.log"
    assert default_cache_dir() == tmp_path / "kernels"


def test_settings_values(clean_env):
    assert paths.default_model() == "zai-org/GLM-OCR"
    clean_env.setenv("GLMOCR_MODEL", "/models/glm-ocr")
    assert paths.default_model() == "/models/glm-ocr"
    assert paths.layout_model("fallback/id") == "fallback/id"
    clean_env.setenv("GLMOCR_LAYOUT_MODEL", "/models/layout")
    assert paths.layout_model("fallback/id") == "/models/layout"
    assert paths.log_level() == logging.INFO
    clean_env.setenv("GLMOCR_LOG_LEVEL", "debug")
    assert paths.log_level() == logging.DEBUG
    for junk in ("loud", "BASIC_FORMAT", "getLogger"):
        clean_env.setenv("GLMOCR_LOG_LEVEL", junk)
        assert paths.log_level() == logging.INFO
    assert paths.triton_preload_wanted() and paths.startup_report_path() is None
    clean_env.setenv("GLMOCR_NO_TRITON_PRELOAD", "1")
    clean_env.setenv("GLMOCR_STARTUP_REPORT", "/tmp/report.json")
    assert not paths.triton_preload_wanted() and paths.startup_report_path() == "/tmp/report.json"


def test_an_undocumented_variable_cannot_be_read():
    with pytest.raises(KeyError, match="ENVIRONMENT"):
        paths._env("GLMOCR_SOMETHING_NEW")


def test_the_cli_defaults_come_from_the_table():
    from glmocr_desktop.engines.layout import DEFAULT_LAYOUT_MODEL_ID

    by_name = {v.name: v for v in paths.ENVIRONMENT}
    assert DEFAULT_LAYOUT_MODEL_ID in by_name["GLMOCR_LAYOUT_MODEL"].default


def _sources() -> list[Path]:
    return [p for folder in ("glmocr_desktop", "benchmarks", "tests") for p in (ROOT / folder).rglob("*.py")]


def test_every_variable_the_code_names_is_documented():
    named = set()
    for path in _sources():
        named |= set(re.findall(r"\bGLMOCR_[A-Z_]+[A-Z]\b", path.read_text(encoding="utf-8")))
    named -= {"GLMOCR_SOMETHING_NEW"}  # the refusal test above
    assert named <= set(NAMES), f"not in core.paths.ENVIRONMENT: {sorted(named - set(NAMES))}"


def test_only_core_paths_reads_them_in_the_app():
    reads = re.compile(r"""(environ\.get|getenv|environ\[)\(?\s*["']GLMOCR_""")
    readers = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "glmocr_desktop").rglob("*.py") if reads.search(p.read_text("utf-8"))
    )
    assert readers == [], readers


def test_readme_shows_the_table():
    assert paths.environment_table() in (ROOT / "README.md").read_text(encoding="utf-8")
