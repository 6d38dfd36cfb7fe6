"""Tasks and their official prompts.

Prompts follow the GLM-OCR model card / SDK. Post-processing lives in ``postprocess.py``; extraction
templates in ``extraction.py``.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any


class Task(str, Enum):
    TEXT = "text"
    FORMULA = "formula"
    TABLE = "table"
    EXTRACT = "extract"

    @property
    def label(self) -> str:
        return {
            Task.TEXT: "Text",
            Task.FORMULA: "Formula",
            Task.TABLE: "Table",
            Task.EXTRACT: "Extraction",
        }[self]

    @classmethod
    def parse(cls, value: str | Task) -> Task:
        if isinstance(value, Task):
            return value
        v = value.strip().lower()
        aliases = {"extraction": "extract", "json": "extract", "math": "formula", "latex": "formula"}
        v = aliases.get(v, v)
        try:
            return cls(v)
        except ValueError:
            choices = ", ".join(t.value for t in cls)
            raise ValueError(f"Unknown task {value!r}; choose one of {choices}.") from None


PROMPTS = {
    Task.TEXT: "Text Recognition:",
    Task.FORMULA: "Formula Recognition:",
    Task.TABLE: "Table Recognition:",
}
EXTRACTION_PREFIX = "请按下列JSON格式输出图中信息:"

#: The official SDK's limit for every task (``max_tokens: 8192``); the user may set less.
DEFAULT_MAX_NEW_TOKENS = dict.fromkeys(Task, 8192)
#: Official decoding settings: greedy with a mild repetition penalty.
REPETITION_PENALTY = 1.1


def prompt_for(task: Task, template: dict[str, Any] | None = None) -> str:
    """The text prompt that follows the image in the user turn."""
    if task is Task.EXTRACT:
        if template is None:
            from glmocr_desktop.core.errors import TemplateError

            raise TemplateError("Information extraction needs a JSON template.")
        # the model card's form: the prefix, a newline, the template as JSON with 4-space indent
        return EXTRACTION_PREFIX + "\n" + json.dumps(template, ensure_ascii=False, indent=4)
    return PROMPTS[task]
