"""Clipboard payloads and file exports."""

from __future__ import annotations

import json
import os

import pytest

from glmocr_desktop.core.exports import (
    HTML,
    JSON,
    PLAIN,
    clipboard_formats,
    copy_as_options,
    markdown_to_plain,
    natural_copy,
    payload_for,
    save_result,
)
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.tasks import Task

TABLE = "<table><tr><th>Item</th><th>Price</th></tr><tr><td>Tea<br>green</td><td>3.50</td></tr></table>"


def test_text_copies_markdown():
    md = "# Title\n\n**bold** text"
    assert clipboard_formats(Task.TEXT, md) == {PLAIN: md}
    assert natural_copy("text", md, None) == {PLAIN: md}


def test_formula_copies_bare_latex_and_offers_delimited():
    fm = "$$\n\\frac{a}{b}\n$$"
    assert clipboard_formats(Task.FORMULA, fm) == {PLAIN: "\\frac{a}{b}"}
    keys = [k for k, _ in copy_as_options(Task.FORMULA)]
    assert keys == ["latex", "latex_display", "mathml"]
    assert payload_for("latex_display", Task.FORMULA, fm) == {PLAIN: "$$\n\\frac{a}{b}\n$$"}


def test_table_copies_html_and_tsv():
    payload = clipboard_formats(Task.TABLE, TABLE)
    assert set(payload) == {HTML, PLAIN}
    assert payload[PLAIN] == "Item\tPrice\nTea green\t3.50"
    assert "<table" in payload[HTML] and 'border="1"' in payload[HTML] and "<th" in payload[HTML]
    assert "Tea<br>green" in payload[HTML]


def test_table_html_is_sanitised():
    evil = '<table><tr><td onmouseover="x()"><script>steal()</script><a href="javascript:1">ok</a></td></tr></table>'
    html = clipboard_formats(Task.TABLE, evil)[HTML]
    assert "script" not in html and "javascript" not in html and "onmouseover" not in html
    assert ">ok<" in html


def test_extract_copies_json():
    payload = clipboard_formats(Task.EXTRACT, "ignored", {"name": "A", "total": "9"})
    assert json.loads(payload[JSON]) == {"name": "A", "total": "9"}
    assert payload[PLAIN] == payload[JSON] and "\n  " in payload[PLAIN]
    # without a parsed extraction the text is read tolerantly
    payload = clipboard_formats(Task.EXTRACT, '```json\n{"a": "1",}\n```')
    assert json.loads(payload[JSON]) == {"a": "1"}
    assert payload_for("fields", Task.EXTRACT, "", {"a": {"b": "1"}, "c": "2"}) == {PLAIN: "a.b\t1\nc\t2"}


def test_copy_as_options_cover_every_format():
    for task in Task:
        opts = copy_as_options(task)
        assert opts and all(isinstance(k, str) and isinstance(label, str) for k, label in opts)
        for key, _label in opts:
            payload = payload_for(key, task, TABLE if task is Task.TABLE else "x", {"a": "1"})
            assert PLAIN in payload
    assert ("table", "Table (HTML + TSV)") in copy_as_options(Task.TEXT, "text with " + TABLE)
    with pytest.raises(KeyError):
        payload_for("nope", Task.TEXT, "x")
    assert payload_for("markdown_table", Task.TABLE, TABLE)[PLAIN].startswith("| Item | Price |")


def test_markdown_to_plain():
    md = (
        "# Heading\n\nSome **bold** and [a link](http://example.com) with $x^2$.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n"
        "$$\nE=mc^2\n$$\n\n" + TABLE + "\n\n```\ncode()\n```\n"
    )
    plain = markdown_to_plain(md)
    assert "#" not in plain and "**" not in plain and "http" not in plain
    assert "Some bold and a link with x^2." in plain
    assert "• one\n• two" in plain and "1. first\n2. second" in plain
    assert "A\tB\n1\t2" in plain
    assert "E=mc^2" in plain and "Item\tPrice" in plain and "code()" in plain
    assert payload_for("text", Task.TEXT, md)[PLAIN] == plain


def _result(task: Task, text: str, **kw) -> Result:
    return Result(job_id="j", task=task, text=text, raw_text=text, **kw)


def test_save_markdown_and_json(tmp_path):
    results = [
        _result(Task.TEXT, "# Page\n\nHello"),
        _result(Task.FORMULA, "$$\nx^2\n$$"),
        _result(Task.TABLE, TABLE),
        _result(Task.EXTRACT, '{"a": "1"}', extraction={"a": "1"}),
    ]
    md_path = save_result(tmp_path / "out.md", results)
    md = md_path.read_text(encoding="utf-8")
    assert md.startswith("# Page\n\nHello\n\n$$\nx^2\n$$\n\n<table>")
    assert '```json\n{\n  "a": "1"\n}\n```' in md

    js_path = save_result(tmp_path / "out.json", results)
    data = json.loads(js_path.read_text(encoding="utf-8"))
    assert [r["task"] for r in data["results"]] == ["text", "formula", "table", "extract"]
    assert data["results"][3]["extraction"] == {"a": "1"}

    single = save_result(tmp_path / "one.txt", _result(Task.TEXT, "solo"), fmt="md")
    assert single.read_text(encoding="utf-8") == "solo\n"
    with pytest.raises(ValueError):
        save_result(tmp_path / "x.odt", results)


def test_save_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "keep.md"
    target.write_text("old content", encoding="utf-8")
    os.chmod(target, 0o640)

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        save_result(target, [_result(Task.TEXT, "new")])
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.md"]  # no temp file left behind
    save_result(target, [_result(Task.TEXT, "new")])
    assert target.read_text(encoding="utf-8") == "new\n"
    assert (target.stat().st_mode & 0o777) == 0o640
