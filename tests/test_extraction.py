"""Extraction templates and the tolerant reading of the model's JSON."""

from __future__ import annotations

import pytest

from glmocr_desktop.core.errors import TemplateError
from glmocr_desktop.core.extraction import (
    READY_TEMPLATES,
    flatten_fields,
    parse_extraction,
    parse_json_tolerant,
    validate_template,
)
from glmocr_desktop.core.tasks import Task, prompt_for

TEMPLATE = {"name": "", "seller": {"name": "", "tax_id": ""}, "items": [{"name": "", "price": ""}]}


def test_valid_template_from_text_and_object():
    assert validate_template('{"a": "", "b": {"c": ""}, "d": [""]}') == {"a": "", "b": {"c": ""}, "d": [""]}
    t = validate_template(TEMPLATE)
    assert t == TEMPLATE and t is not TEMPLATE


@pytest.mark.parametrize(
    "bad, message",
    [
        ('{"items": [{"name": "", "price": 0}]}', "items[0].price must be an empty string"),
        ('{"seller": {"name": "ACME"}}', "seller.name must be an empty string"),
        ('{"items": []}', "items must be a list holding exactly one"),
        ('{"items": ["", ""]}', "items must be a list holding exactly one"),
        ('{"a": null}', "a must be an empty string"),
        ('{"a": {}}', "a is an empty object"),
        ("[]", "must be a JSON object"),
        ("{}", "has no fields"),
        ('{"a": ""', "not valid JSON"),
        ("", "is empty"),
    ],
)
def test_invalid_templates_name_the_path(bad, message):
    with pytest.raises(TemplateError) as info:
        validate_template(bad)
    assert message in str(info.value)


def test_ready_templates_are_valid_and_usable_in_prompts():
    assert {"Invoice", "Receipt", "ID card", "Business card"} <= set(READY_TEMPLATES)
    for name, tmpl in READY_TEMPLATES.items():
        assert validate_template(tmpl) == tmpl, name
        assert '""' in prompt_for(Task.EXTRACT, tmpl)
    inv = READY_TEMPLATES["Invoice"]
    for key in ("invoice_number", "date", "due_date", "subtotal", "tax", "total", "currency"):
        assert key in inv
    assert set(inv["seller"]) >= {"name", "address", "tax_id"}
    assert set(inv["items"][0]) == {"description", "quantity", "unit_price", "amount"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ('Sure! Here it is:\n```json\n{"name": "Acme", "total": "12.50",}\n```\nAnything else?',
         {"name": "Acme", "total": "12.50"}),
        ("{'name': 'O'Brien', 'vip': True, 'note': None}", {"name": "O'Brien", "vip": True, "note": None}),
        ('{"a": "He said "hi" there", "b": "x"}', {"a": 'He said "hi" there', "b": "x"}),
        ('{"a": "1"\n"b": "2"}', {"a": "1", "b": "2"}),
        ('{"地址"："北京市"，"n": 3.5e2}', {"地址": "北京市", "n": 350.0}),
        ('{a: 1, b: "x"}', {"a": 1, "b": "x"}),
        ('{"f": "\\frac{1}{2} + \\alpha \\beta", "t": "a\\tb"}', {"f": "\\frac{1}{2} + \\alpha \\beta", "t": "a\tb"}),
    ],
)
def test_tolerant_reading(text, expected):
    value, _ = parse_json_tolerant(text)
    assert value == expected


def test_truncated_output_is_closed():
    value, repaired = parse_json_tolerant('```json\n{"name": "Acme", "items": [{"name": "a", "price": "1"}, {"name": "b", "pri')
    assert repaired
    assert value["name"] == "Acme"
    assert value["items"][0] == {"name": "a", "price": "1"}
    assert value["items"][1]["name"] == "b"
    value, _ = parse_json_tolerant('{"a": {"b": ')
    assert value == {"a": {"b": ""}}
    value, _ = parse_json_tolerant('{"a": "unterminated \\')
    assert value == {"a": "unterminated "}


def test_strict_json_is_not_marked_repaired():
    value, repaired = parse_json_tolerant('{"a": "\\u00e9", "b": [1, 2]} trailing words')
    assert value == {"a": "é", "b": [1, 2]} and repaired is False


def test_parse_extraction_reports_missing_extra_and_mismatch():
    text = (
        '{"name": "Shop", "seller": "ACME", "items": [{"name": "x", "price": "1", "qty": "2"}, {"name": "y"}],'
        ' "date": "2024-01-01"}'
    )
    res = parse_extraction(text, TEMPLATE)
    assert res.ok and res.error is None
    assert res.missing == ["items[1].price"]
    assert res.extra == ["items[0].qty", "date"]
    assert res.mismatched == ["seller"]

    res = parse_extraction('{"name": "Shop"}', TEMPLATE)
    assert res.missing == ["seller", "items"]


def test_parse_extraction_errors():
    res = parse_extraction("I cannot read this image.", TEMPLATE)
    assert res.data is None and res.error and "no JSON object" in res.error
    res = parse_extraction("", TEMPLATE)
    assert res.data is None and "empty" in res.error


def test_flatten_fields():
    data = {"name": "A", "seller": {"name": "B", "tax_id": None}, "items": [{"p": 1.5}, {"p": True}], "e": []}
    assert flatten_fields(data) == [
        ("name", "A"),
        ("seller.name", "B"),
        ("seller.tax_id", ""),
        ("items[0].p", "1.5"),
        ("items[1].p", "true"),
        ("e", ""),
    ]
