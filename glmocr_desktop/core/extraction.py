"""Information extraction: fill-in JSON templates and reading the model's answer.

A template is a JSON object whose leaves are empty strings. Nested objects are allowed, and a list holds
exactly one template item that stands for any number of entries, e.g.
``{"items": [{"name": "", "price": ""}]}``. It is sent to the model as it is (see ``tasks.prompt_for``),
and the model answers with the same object filled in.

The answer comes from a small model and can be damaged: code fences, prose around it, trailing commas,
single quotes, Python literals, missing commas, or cut off at the token limit. :func:`parse_json_tolerant`
reads all of these; :func:`parse_extraction` then compares the answer with the template.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from glmocr_desktop.core.errors import TemplateError

#: Templates deeper than this are refused (nobody needs it; it guards the recursive code).
MAX_DEPTH = 12
#: Answers nested deeper than this are not read (the code that walks them is recursive).
MAX_ANSWER_DEPTH = 64
#: Numbers with more digits than this stay strings: no form holds such a number, and Python refuses
#: to turn more than 4,300 digits into an int at all.
MAX_NUMBER_DIGITS = 100


# --- templates ---------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate_template(obj_or_text: Any) -> dict[str, Any]:
    """Check a template and return it (parsed from text if needed, deep-copied).

    Raises :class:`TemplateError` naming the offending path, e.g.
    ``items[0].price must be an empty string``.
    """
    obj = obj_or_text
    if isinstance(obj_or_text, (str, bytes)):
        text = obj_or_text.decode("utf-8", "replace") if isinstance(obj_or_text, bytes) else obj_or_text
        if not text.strip():
            raise TemplateError("The extraction template is empty; write a JSON object such as {\"name\": \"\"}.")
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(
                f"The extraction template is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
            ) from None
    if not isinstance(obj, dict):
        raise TemplateError("The extraction template must be a JSON object such as {\"name\": \"\"}.")
    if not obj:
        raise TemplateError("The extraction template has no fields.")
    _check_node(obj, "", 0)
    return copy.deepcopy(obj)


def _check_node(node: Any, path: str, depth: int) -> None:
    where = path or "the template"
    if depth > MAX_DEPTH:
        raise TemplateError(f"{where} is nested too deeply (more than {MAX_DEPTH} levels).")
    if isinstance(node, dict):
        if not node and path:
            raise TemplateError(f"{where} is an empty object; give it fields or make it an empty string.")
        for key, value in node.items():
            if not isinstance(key, str) or not key.strip():
                raise TemplateError(f"{where} has an empty field name.")
            _check_node(value, _join(path, key), depth + 1)
    elif isinstance(node, list):
        if len(node) != 1:
            raise TemplateError(
                f"{where} must be a list holding exactly one template item, e.g. [{{\"name\": \"\"}}] or [\"\"]."
            )
        _check_node(node[0], f"{path}[0]", depth + 1)
    elif node != "" or not isinstance(node, str):
        raise TemplateError(f"{where} must be an empty string (got {json.dumps(node, ensure_ascii=False)}).")


READY_TEMPLATES: dict[str, dict[str, Any]] = {
    "Invoice": {
        "invoice_number": "",
        "date": "",
        "due_date": "",
        "seller": {"name": "", "address": "", "tax_id": "", "phone": "", "email": ""},
        "buyer": {"name": "", "address": "", "tax_id": ""},
        "items": [{"description": "", "quantity": "", "unit_price": "", "amount": ""}],
        "subtotal": "",
        "tax": "",
        "total": "",
        "currency": "",
        "payment_terms": "",
    },
    "Receipt": {
        "merchant": {"name": "", "address": "", "phone": "", "tax_id": ""},
        "date": "",
        "time": "",
        "receipt_number": "",
        "items": [{"name": "", "quantity": "", "unit_price": "", "amount": ""}],
        "subtotal": "",
        "tax": "",
        "tip": "",
        "total": "",
        "currency": "",
        "payment_method": "",
    },
    "ID card": {
        "document_type": "",
        "document_number": "",
        "surname": "",
        "given_names": "",
        "sex": "",
        "date_of_birth": "",
        "place_of_birth": "",
        "nationality": "",
        "address": "",
        "date_of_issue": "",
        "date_of_expiry": "",
        "issuing_authority": "",
    },
    "Business card": {
        "name": "",
        "title": "",
        "company": "",
        "phones": [""],
        "email": "",
        "website": "",
        "address": "",
    },
}


# --- tolerant JSON -----------------------------------------------------------------------------

_FENCE_OPEN_RE = re.compile(r"```[ \t]*(?:json5?|javascript|js|python)?[ \t]*\n?", re.IGNORECASE)
_CLOSERS = {"{": "}", "[": "]"}
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019"}
_FULLWIDTH = {"\uff1a": ":", "\uff0c": ",", "\uff5b": "{", "\uff5d": "}", "\uff3b": "[", "\uff3d": "]"}
_LITERALS = {
    "true": True, "True": True, "false": False, "False": False,
    "null": None, "None": None, "NaN": None, "undefined": None,
    "Infinity": None, "-Infinity": None, "inf": None, "-inf": None,
}
_NUMBER_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"', "'": "'"}


# LaTeX commands that start like a JSON escape (\b \f \n \r \t \u): a model that writes
# "\\frac" unescaped inside JSON means the command, not a form feed.
_LATEX_ESCAPE_RE = re.compile(
    r"(?<!\\)((?:\\\\)*)\\(?=(?:"
    r"beta|bar|bf|big[lr]?|Big[lr]?|binom|boldsymbol|bot|bullet|boxed|backslash|begin|"
    r"frac|forall|flat|frown|"
    r"nabla|neq|ne|nu|not|newline|ni|nleq|ngeq|neg|nonumber|notin|nearrow|"
    r"right|rho|rangle|rm|rceil|rfloor|rightarrow|Rightarrow|"
    r"theta|tau|times|text|textbf|textit|textrm|tan|tanh|tilde|to|top|triangle|tfrac|"
    r"underline|underbrace|cup|uparrow|upsilon"
    r")(?![a-zA-Z]))"
)


def _protect_latex(region: str) -> tuple[str, bool]:
    fixed, count = _LATEX_ESCAPE_RE.subn(lambda m: m.group(1) + "\\\\", region)
    return fixed, count > 0


def _json_region(text: str) -> str | None:
    """The part of ``text`` where the JSON object is: inside a fence if there is one, from the first '{'."""
    t = text.strip()
    m = _FENCE_OPEN_RE.search(t)
    if m:
        inner = t[m.end():]
        close = inner.find("```")
        if close >= 0 and "{" in inner[:close]:
            t = inner[:close]
        elif close < 0 and "{" in inner:
            t = inner  # fence never closed: cut off by the token limit
    start = min((i for i in (t.find("{"), t.find("\uff5b")) if i >= 0), default=-1)
    if start < 0:
        return None
    return t[start:]


class _Reader:
    """A forgiving recursive-descent JSON reader. ``repaired`` says whether it had to forgive."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.repaired = False

    def peek(self) -> str:
        self.skip()
        return self.s[self.i] if self.i < len(self.s) else ""

    def skip(self) -> None:
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c.isspace():
                self.i += 1
            elif s.startswith("//", self.i):
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end + 1
                self.repaired = True
            elif s.startswith("/*", self.i):
                end = s.find("*/", self.i + 2)
                self.i = n if end < 0 else end + 2
                self.repaired = True
            else:
                break

    def punct(self) -> str:
        c = self.peek()
        return _FULLWIDTH.get(c, c)

    def value(self, depth: int = 0) -> Any:
        c = self.punct()
        if depth > MAX_ANSWER_DEPTH:
            raise ValueError("nested too deeply")
        if c == "{":
            return self.obj(depth)
        if c == "[":
            return self.arr(depth)
        if c in _QUOTES:
            return self.string()
        if c == "":
            self.repaired = True
            return None
        return self.bare()

    def obj(self, depth: int) -> dict[str, Any]:
        self.i += 1
        out: dict[str, Any] = {}
        while True:
            c = self.punct()
            if c == "":
                self.repaired = True
                return out
            if c == "}":
                self.i += 1
                return out
            if c == ",":
                self.i += 1
                self.repaired = True  # a comma with nothing before it
                continue
            if c in "]":  # stray closer: treat as the end of this object
                self.repaired = True
                self.i += 1
                return out
            key = self.string() if c in _QUOTES else self.bare(key=True)
            key = "" if key is None else str(key)
            c = self.punct()
            if c in (":", "="):
                self.i += 1
                if c == "=":
                    self.repaired = True
                nxt = self.punct()
                if nxt in (",", "}", ""):
                    self.repaired = True
                    val: Any = ""
                else:
                    val = self.value(depth + 1)
            else:
                self.repaired = True
                val = ""
            out[key] = val
            c = self.punct()
            if c == ",":
                self.i += 1
                if self.punct() in ("}", "]"):
                    self.repaired = True  # trailing comma
            elif c not in ("}", ""):
                self.repaired = True  # missing comma

    def arr(self, depth: int) -> list[Any]:
        self.i += 1
        out: list[Any] = []
        while True:
            c = self.punct()
            if c == "":
                self.repaired = True
                return out
            if c == "]":
                self.i += 1
                return out
            if c == "}":
                self.repaired = True
                self.i += 1
                return out
            if c == ",":
                self.repaired = True
                self.i += 1
                continue
            out.append(self.value(depth + 1))
            c = self.punct()
            if c == ",":
                self.i += 1
                if self.punct() in ("]", "}"):
                    self.repaired = True
            elif c not in ("]", ""):
                self.repaired = True

    def string(self) -> str:
        s, n = self.s, len(self.s)
        q = s[self.i]
        close = _QUOTES[q]
        if q != '"':
            self.repaired = True
        self.i += 1
        buf: list[str] = []
        while self.i < n:
            c = s[self.i]
            if c == "\\":
                if self.i + 1 >= n:
                    self.i += 1
                    break
                e = s[self.i + 1]
                if e == "u" and re.match(r"[0-9a-fA-F]{4}", s[self.i + 2 : self.i + 6]):
                    code = int(s[self.i + 2 : self.i + 6], 16)
                    self.i += 6
                    # surrogate pair
                    if 0xD800 <= code < 0xDC00 and s.startswith("\\u", self.i):
                        m = re.match(r"[0-9a-fA-F]{4}", s[self.i + 2 : self.i + 6])
                        low = int(m.group(0), 16) if m else 0
                        if 0xDC00 <= low < 0xE000:
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            self.i += 6
                    buf.append(chr(code) if not 0xD800 <= code < 0xE000 else "\ufffd")
                    continue
                if e in _ESCAPES:
                    buf.append(_ESCAPES[e])
                else:  # unknown escape (LaTeX such as \alpha): keep it as written
                    self.repaired = True
                    buf.append("\\" + e)
                self.i += 2
                continue
            if c == close:
                # A quote closes the string only where JSON could go on; otherwise it is part of the text
                # (He said "hi", O'Brien).
                j = self.i + 1
                while j < n and s[j] in " \t\r":
                    j += 1
                nxt = s[j] if j < n else ""
                if nxt in ("", ",", ":", "}", "]", "\n", "\uff0c", "\uff1a", "\uff5d", "\uff3d") or (close == q == '"' and nxt in _QUOTES):
                    self.i += 1
                    return "".join(buf)
                self.repaired = True
            elif c == "\n" and q == '"':
                self.repaired = True
            buf.append(c)
            self.i += 1
        self.repaired = True  # unterminated: the output was cut off
        return "".join(buf)

    def bare(self, key: bool = False) -> Any:
        s, n = self.s, len(self.s)
        start = self.i
        stops = ",}]\n" if not key else ",:}]=\n"
        while self.i < n and s[self.i] not in stops and _FULLWIDTH.get(s[self.i]) not in (",", ":", "}", "]"):
            self.i += 1
        word = s[start:self.i].strip()
        if not key:
            if word in _LITERALS:
                if word not in ("true", "false", "null"):
                    self.repaired = True
                return _LITERALS[word]
            if _NUMBER_RE.match(word):
                return _number(word)
        self.repaired = True
        if self.i == start:  # nothing readable here; step over one character
            self.i += 1
        return word


def _number(word: str) -> Any:
    """A JSON number as Python: an int or a finite float; a number too long or too large for either
    stays the string the model wrote (so the answer always writes back as valid JSON)."""
    digits = len(word) - (word[0] in "+-")
    if digits > MAX_NUMBER_DIGITS:
        return word
    if any(c in word for c in ".eE"):
        value = float(word)
        return value if math.isfinite(value) else word
    return int(word)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: the forgiving reader decides


class _StrictDecoder(json.JSONDecoder):
    """The standard decoder, except that long numbers stay strings and NaN/Infinity are refused."""

    def __init__(self) -> None:
        super().__init__(parse_int=_number, parse_float=_number, parse_constant=_no_constant)


_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def json_safe(value: Any, *, max_depth: int = MAX_ANSWER_DEPTH, too_deep: str | None = None) -> Any:
    """``value`` with what JSON (and UTF-8) cannot hold replaced: lone surrogates by U+FFFD, NaN and
    infinities by None. Nesting deeper than ``max_depth`` raises ValueError, or, with ``too_deep``
    given, is replaced by that text (for writing out data read before)."""

    def walk(v: Any, depth: int) -> Any:
        if depth > max_depth:
            if too_deep is None:
                raise ValueError("nested too deeply")
            return too_deep
        if isinstance(v, str):
            return _LONE_SURROGATE_RE.sub("\ufffd", v) if _LONE_SURROGATE_RE.search(v) else v
        if isinstance(v, float):
            return v if math.isfinite(v) else None
        if isinstance(v, dict):
            return {walk(str(k), depth): walk(x, depth + 1) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x, depth + 1) for x in v]
        return v

    return walk(value, 0)


def parse_json_tolerant(text: str) -> tuple[Any, bool]:
    """``(value, repaired)`` for the JSON object in ``text``; ``(None, False)`` when there is none.

    Strict JSON is tried first; otherwise a forgiving reader closes what the model left open. Either
    way the value is valid JSON: long numbers are kept as strings, NaN/Infinity never appear, lone
    surrogates (``"\\ud83d"``) become U+FFFD, and an answer nested too deeply is not read. Never raises.
    """
    region = _json_region(text or "")
    if region is None:
        return None, False
    region, latex_fixed = _protect_latex(region)
    try:
        value, _end = _StrictDecoder().raw_decode(region)
        return json_safe(value), latex_fixed
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        pass
    reader = _Reader(region)
    try:
        value = json_safe(reader.value())
    except (ValueError, RecursionError):
        return None, False
    return value, True


# --- results -----------------------------------------------------------------------------------


@dataclass
class ExtractionResult:
    data: dict[str, Any] | None
    error: str | None = None
    missing: list[str] = field(default_factory=list)  # template paths the answer lacks
    extra: list[str] = field(default_factory=list)  # answer paths the template does not have
    repaired: bool = False  # the answer was not valid JSON and was read forgivingly (maybe cut off)
    mismatched: list[str] = field(default_factory=list)  # paths whose shape differs (object vs text)

    @property
    def ok(self) -> bool:
        return self.data is not None and self.error is None


def parse_extraction(text: str, template: dict[str, Any] | None = None) -> ExtractionResult:
    """Read the model's answer and compare it with ``template``. Never raises: an answer that cannot
    be read is an :class:`ExtractionResult` with ``error`` set."""
    try:
        return _parse_extraction(text, template)
    except (ValueError, RecursionError, TypeError) as exc:
        return ExtractionResult(None, f"The model's answer could not be read ({exc}).")


def _parse_extraction(text: str, template: dict[str, Any] | None) -> ExtractionResult:
    value, repaired = parse_json_tolerant(text)
    if value is None:
        snippet = " ".join((text or "").split())[:80]
        msg = "The model's answer holds no JSON object" + (f": {snippet!r}" if snippet else " (it is empty).")
        return ExtractionResult(None, msg)
    if not isinstance(value, dict):
        return ExtractionResult(None, "The model's answer is JSON but not an object.", repaired=repaired)
    result = ExtractionResult(value, None, repaired=repaired)
    if template:
        _compare(template, value, "", result)
    return result


def _compare(tmpl: Any, data: Any, path: str, res: ExtractionResult) -> None:
    if isinstance(tmpl, dict):
        if data is None:
            return
        if not isinstance(data, dict):
            res.mismatched.append(path)
            return
        for key, sub in tmpl.items():
            p = _join(path, key)
            if key not in data:
                res.missing.append(p)
            else:
                _compare(sub, data[key], p, res)
        for key in data:
            if key not in tmpl:
                res.extra.append(_join(path, key))
    elif isinstance(tmpl, list):
        if data is None:
            return
        if not isinstance(data, list):
            res.mismatched.append(path)
            return
        item = tmpl[0] if tmpl else ""
        for i, entry in enumerate(data):
            _compare(item, entry, f"{path}[{i}]", res)
    else:
        if isinstance(data, (dict, list)):
            res.mismatched.append(path)


def _leaf(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def flatten_fields(data: Any, path: str = "") -> list[tuple[str, str]]:
    """``(path, value)`` rows for a field/value table: ``seller.name``, ``items[0].price`` ..."""
    out: list[tuple[str, str]] = []
    if isinstance(data, dict):
        if not data and path:
            out.append((path, ""))
        for key, value in data.items():
            out.extend(flatten_fields(value, _join(path, str(key))))
    elif isinstance(data, list):
        if not data and path:
            out.append((path, ""))
        for i, value in enumerate(data):
            out.extend(flatten_fields(value, f"{path}[{i}]"))
    else:
        out.append((path, _leaf(data)))
    return out
