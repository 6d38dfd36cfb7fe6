"""The user's preferences as a plain, typed model (no Qt).

The GUI persists it through ``QSettings`` (``gui/settings_store.py``); keeping the model Qt-free lets the
CLI and tests read the same defaults and validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from glmocr_desktop import DEFAULT_MODEL_ID

DEVICES = ("auto", "cuda", "mps", "cpu")
DTYPES = ("auto", "bfloat16", "float16", "float32")
THEMES = ("system", "light", "dark")
#: languages the window speaks ("system": the desktop's language when it is one of these, else English)
LANGUAGES = ("system", "en", "de", "zh_CN")
MAX_RECENT = 10
MIN_DPI, MAX_DPI = 72, 600
MIN_TOKENS, MAX_TOKENS = 16, 32768
ENGINES = ("local", "openai", "ollama")  # this computer, an OpenAI-compatible server, Ollama
MAX_CONCURRENCY = 256


@dataclass
class Settings:
    model: str = DEFAULT_MODEL_ID  # a hub id (looked up in the local cache) or a folder
    device: str = "auto"
    dtype: str = "auto"
    max_new_tokens: int = 0  # 0: the task's default (8192 for text and tables)
    render_dpi: int = 200
    theme: str = "system"
    task: str = "text"  # task for new regions
    extraction_template: str = ""  # JSON text of the last template used
    recent_files: list[str] = field(default_factory=list)
    last_dir: str = ""
    autoload_model: bool = True  # load the model as soon as the window is up
    #: The layout model: a hub id (local cache) or a folder; "" = GLMOCR_LAYOUT_MODEL or PP-DocLayoutV3.
    layout_model: str = ""
    keep_abandoned: bool = False  # detected headers, footers and page numbers become regions too
    auto_copy: bool = False  # every finished result goes to the clipboard (Edit > Copy Each Result When Done)
    language: str = "system"  # one of LANGUAGES; takes effect at the next start
    #: Where the model runs: "local", or a server ("openai", "ollama") at ``remote_urls``. The server's
    #: API key is kept in the system keyring (gui/engine_settings.py), never here.
    engine: str = "local"
    remote_urls: list[str] = field(default_factory=list)
    remote_model: str = "glm-ocr"  # the served model name
    remote_concurrency: int = 8  # requests in flight over all the servers
    remote_plain_http_ok: list[str] = field(default_factory=list)  # http:// URLs the user was warned of

    def normalised(self) -> Settings:
        """A copy with every value in range (settings files can be edited by hand or be stale)."""
        s = Settings(**{f.name: getattr(self, f.name) for f in fields(self)})
        s.model = str(s.model or DEFAULT_MODEL_ID).strip() or DEFAULT_MODEL_ID
        s.device = s.device if s.device in DEVICES else "auto"
        s.dtype = s.dtype if s.dtype in DTYPES else "auto"
        s.theme = s.theme if s.theme in THEMES else "system"
        s.max_new_tokens = _clamp_int(s.max_new_tokens, 0, MAX_TOKENS, 0)
        if 0 < s.max_new_tokens < MIN_TOKENS:
            s.max_new_tokens = MIN_TOKENS
        s.render_dpi = _clamp_int(s.render_dpi, MIN_DPI, MAX_DPI, 200)
        if s.task not in ("text", "formula", "table", "extract"):
            s.task = "text"
        s.recent_files = [str(p) for p in (s.recent_files or []) if p][:MAX_RECENT]
        s.extraction_template = str(s.extraction_template or "")
        s.last_dir = str(s.last_dir or "")
        s.autoload_model = bool(s.autoload_model)
        s.layout_model = str(s.layout_model or "").strip()
        s.keep_abandoned = bool(s.keep_abandoned)
        s.auto_copy = bool(s.auto_copy)
        s.language = s.language if s.language in LANGUAGES else "system"
        s.engine = s.engine if s.engine in ENGINES else "local"
        s.remote_urls = [str(u).strip() for u in (s.remote_urls or []) if str(u).strip()]
        s.remote_model = str(s.remote_model or "").strip() or "glm-ocr"
        s.remote_concurrency = _clamp_int(s.remote_concurrency, 1, MAX_CONCURRENCY, 8)
        s.remote_plain_http_ok = [str(u) for u in (s.remote_plain_http_ok or []) if u]
        return s

    def add_recent(self, path: str) -> None:
        """Put ``path`` first in the recent files, without duplicates, at most ``MAX_RECENT``."""
        path = str(path)
        self.recent_files = [path] + [p for p in self.recent_files if p != path]
        del self.recent_files[MAX_RECENT:]

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Build from stored values, converting types and ignoring unknown keys."""
        defaults = cls()
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data or data[f.name] is None:
                continue
            kwargs[f.name] = coerce(data[f.name], getattr(defaults, f.name))
        return cls(**kwargs).normalised()


def coerce(value: Any, default: Any) -> Any:
    """Convert a stored value (QSettings ini files give strings) to the type of ``default``."""
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if isinstance(default, int):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return default
    if isinstance(default, list):
        if isinstance(value, str):
            return [value] if value else []
        try:
            return [str(v) for v in value]
        except TypeError:
            return default
    return str(value)


def _clamp_int(value: Any, lo: int, hi: int, default: int) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        return default
    return max(lo, min(hi, v))
