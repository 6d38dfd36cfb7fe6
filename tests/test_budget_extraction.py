"""Extraction answers that used to break the app: long numbers, NaN, lone surrogates, deep nesting.

The model writes whatever the page says. None of these may raise, each must give valid JSON out
(export and clipboard), and a bad answer in a batch affects only its own region.
"""

from __future__ import annotations

import json
import time

import pytest

from glmocr_desktop.core.exports import payload_for, results_json, save_result
from glmocr_desktop.core.extraction import json_safe, parse_extraction, parse_json_tolerant
from glmocr_desktop.core.jobs import Job
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.tasks import Task

LONG = "9" * 4_400  # past Python's int-string limit (4,300 digits)

HOSTILE = {
    "long-int": f'{{"total": {LONG}}}',
    "long-int-negative": f'{{"total": -{LONG}}}',
    "long-float": f'{{"total": {LONG}.5}}',
    "huge-exponent": '{"total": 1e999999}',
    "long-int-repaired": f"{{total: {LONG},}}",
    "nan": '{"total": NaN}',
    "infinity": '{"total": Infinity, "tax": -Infinity}',
    "nan-repaired": "{total: NaN, tax: Infinity,}",
    "lone-high-surrogate": '{"name": "\\ud83d"}',
    "lone-low-surrogate": '{"name": "a\\ude00b"}',
    "lone-surrogate-repaired": "{name: '\\ud83d x'",
    "deep": '{"a": ' + "[" * 5_000 + "]" * 5_000 + "}",
    "deep-objects": '{"a": ' + '{"b": ' * 3_000 + "1" + "}" * 3_000 + "}",
    "deep-unclosed": '{"a": ' + "[" * 50_000,
}


def _valid_json(text: str) -> object:
    def refuse(name: str) -> object:
        raise AssertionError(f"{name} in the output")

    text.encode("utf-8")  # no lone surrogate
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_answers_never_raise_and_write_back_as_valid_json(name, tmp_path):
    answer = HOSTILE[name]
    started = time.perf_counter()
    parsed = parse_extraction(answer, {"total": "", "tax": "", "name": "", "a": ""})
    value, _ = parse_json_tolerant(answer)
    assert time.perf_counter() - started < 10  # a hang shows as minutes
    _valid_json(json.dumps(value, ensure_ascii=False, allow_nan=False))
    if parsed.data is not None:
        _valid_json(json.dumps(parsed.data, ensure_ascii=False, allow_nan=False))
    else:
        assert parsed.error
    result = Result(job_id="j", task=Task.EXTRACT, text=answer, raw_text=answer, extraction=parsed.data)
    _valid_json(results_json([result]))
    for key in ("json", "fields", "text"):
        data = payload_for(key, Task.EXTRACT, answer, parsed.data)
        for flavour in data.values():
            flavour.encode("utf-8")
    json_flavour = payload_for("json", Task.EXTRACT, answer, parsed.data).get("application/json")
    if json_flavour is not None:
        _valid_json(json_flavour)
    out = save_result(tmp_path / "r.json", [result])
    _valid_json(out.read_text(encoding="utf-8"))
    save_result(tmp_path / "r.md", [result]).read_text(encoding="utf-8")


def test_long_numbers_stay_strings_short_ones_numbers():
    value, _ = parse_json_tolerant(f'{{"a": {LONG}, "b": 42, "c": 1.5, "d": 12345678901234567890}}')
    assert value == {"a": LONG, "b": 42, "c": 1.5, "d": 12345678901234567890}
    value, repaired = parse_json_tolerant(f"{{a: {LONG}, b: 7}}")
    assert repaired and value == {"a": LONG, "b": 7}


def test_nan_and_infinity_are_never_numbers():
    for answer in ('{"a": NaN, "b": Infinity}', "{a: NaN, b: -Infinity}"):
        value, _ = parse_json_tolerant(answer)
        assert value == {"a": None, "b": None}


def test_lone_surrogates_become_the_replacement_character():
    value, _ = parse_json_tolerant('{"a": "x\\ud83dy", "b": "\\ud83d\\ude00"}')
    assert value == {"a": "x\ufffdy", "b": "\U0001f600"}


def test_json_safe_replaces_what_json_cannot_hold():
    data = {"a": float("nan"), "b": [float("inf"), "\udc80"], "c": {"d": 1}}
    assert json_safe(data) == {"a": None, "b": [None, "\ufffd"], "c": {"d": 1}}
    deep: list = []
    node = deep
    for _ in range(300):
        node.append([])
        node = node[0]
    with pytest.raises(ValueError):
        json_safe(deep)
    assert "too deep" in json.dumps(json_safe(deep, too_deep="too deep"))


def test_a_stored_result_with_nan_or_a_surrogate_still_saves(tmp_path):
    """Data read back from before: the JSON export and the clipboard still write valid JSON."""
    bad = Result(job_id="j", task=Task.EXTRACT, text="{}", raw_text="{}",
                 extraction={"x": float("nan"), "y": "\ud83d"})
    good = Result(job_id="k", task=Task.TEXT, text="fine", raw_text="fine")
    _valid_json(save_result(tmp_path / "all.json", [bad, good]).read_text(encoding="utf-8"))
    assert "fine" in save_result(tmp_path / "all.md", [bad, good]).read_text(encoding="utf-8")
    _valid_json(payload_for("json", Task.EXTRACT, "{}", bad.extraction)["text/plain"])


# --- the engine: one region's failure stays its own ----------------------------------------------


torch = pytest.importorskip("torch")


def _forced_rows(engine, texts: list[str]):
    """Make each row of a batch write its own text (token by token), then stop."""
    tok = engine.processor.tokenizer
    ids = [tok.encode(t, add_special_tokens=False) for t in texts]
    eos = engine.eos_ids[0]
    head = engine.model.lm_head
    forward = head.forward
    step = {"n": 0}

    def forced(hidden):
        logits = forward(hidden)
        out = torch.full_like(logits, -1e4)
        n = step["n"]
        for row in range(out.shape[0]):
            seq = ids[row] if row < len(ids) else []
            out[row, -1, seq[n] if n < len(seq) else eos] = 1e4
        step["n"] += 1
        return out

    head.forward = forced
    engine.repetition_penalty = 1.0
    return ids


@pytest.fixture(scope="module")
def loaded_engine(tiny_model_dir):
    from glmocr_desktop.engines.local import LocalEngine

    eng = LocalEngine(tiny_model_dir, device="cpu", dtype="fp32", fast=False)
    eng.load()
    yield eng
    eng.close()


@pytest.fixture
def engine(loaded_engine, monkeypatch):
    """The loaded engine; its output forcing (lm_head, repetition penalty) undone after each test."""
    monkeypatch.setattr(loaded_engine.model.lm_head, "forward", loaded_engine.model.lm_head.forward)
    monkeypatch.setattr(loaded_engine, "repetition_penalty", loaded_engine.repetition_penalty)
    return loaded_engine


def _image():
    from PIL import Image

    return Image.new("RGB", (112, 112), "white")


def test_a_long_number_in_one_region_leaves_the_other_region_of_the_batch_alone(engine):
    hostile = '{"total": ' + "9" * 120 + "}"
    benign = '{"total": "12.50"}'
    ids = _forced_rows(engine, [hostile, benign])
    budget = max(map(len, ids)) + 2
    jobs = [Job(image=_image(), task=Task.EXTRACT, template={"total": ""}, max_new_tokens=budget) for _ in ids]
    results = {c.job_id: c.result for c in engine.stream_many(jobs) if c.done}
    first, second = results[jobs[0].id], results[jobs[1].id]
    assert first.ok and second.ok
    assert second.extraction == {"total": "12.50"}
    if first.text == hostile:  # the tiny tokenizer wrote it back exactly
        assert first.extraction == {"total": "9" * 120}


def test_a_region_whose_result_cannot_be_finished_fails_alone(engine, monkeypatch):
    """Fault injection: finishing one row raises; the other row of the batch is unaffected."""
    import glmocr_desktop.core.results as results_module

    ids = _forced_rows(engine, ["hello", "world"])
    jobs = [Job(image=_image(), task=Task.TEXT, max_new_tokens=max(map(len, ids)) + 2) for _ in ids]
    real = results_module.finish_result

    def finish(job, generation, **kw):
        if job.id == jobs[0].id:
            raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")
        return real(job, generation, **kw)

    monkeypatch.setattr(results_module, "finish_result", finish)
    results = {c.job_id: c.result for c in engine.stream_many(jobs) if c.done}
    assert set(results) == {jobs[0].id, jobs[1].id}
    assert any("could not be cleaned up" in w for w in results[jobs[0].id].warnings)
    assert results[jobs[1].id].warnings == [] or all("cleaned up" not in w for w in results[jobs[1].id].warnings)
    assert results[jobs[0].id].raw_text and results[jobs[1].id].raw_text
