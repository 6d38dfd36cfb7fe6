"""The text users get is the text on the page: ordinary documents through ``final_text`` and the preview.

Each case is something real documents hold (dot leaders, blank table rows, signature lines, clause
numbers, addresses, repeated table headers, page-number footers) and that a clean-up must not damage.
"""

from __future__ import annotations

import json

import pytest

from glmocr_desktop.core.exports import clipboard_formats, payload_for
from glmocr_desktop.core.jobs import Job, Timings
from glmocr_desktop.core.postprocess import final_text, guarded, hard_line_breaks
from glmocr_desktop.core.render import IncrementalRenderer, render_markdown
from glmocr_desktop.core.results import Generation, finish_result
from glmocr_desktop.core.tasks import DEFAULT_MAX_NEW_TOKENS, EXTRACTION_PREFIX, Task, prompt_for

TOC = "\n".join(
    f"{n} {title} {'.' * dots} {page}"
    for n, title, dots, page in [
        (1, "Chapter A", 8, 7), (2, "Chapter B", 40, 19), (3, "Chapter C", 95, 33),
        (4, "Appendix", 120, 101), (5, "Index", 64, 140),
    ]
)


def joined(text: str, task: Task | str = Task.TEXT) -> str:
    return "\n".join(render_markdown(text, task))


# --- what the clean-up keeps ---------------------------------------------------------------------


def test_table_of_contents_with_leader_dots_keeps_every_line():
    out = final_text(Task.TEXT, TOC)
    assert out.splitlines() == [
        "1 Chapter A ... 7", "2 Chapter B ... 19", "3 Chapter C ... 33", "4 Appendix ... 101", "5 Index ... 140",
    ]
    long_toc = "Contents\n" + "\n".join(f"{i} Section {i} {'.' * 110} {i * 4}" for i in range(1, 60))
    assert guarded(long_toc) == (long_toc, False)  # generation would not have been stopped
    assert final_text(Task.TEXT, long_toc).count("\n") == 59


def test_table_with_twelve_identical_empty_rows_is_intact():
    header = "<tr><th>Date</th><th>Item</th><th>Amount</th></tr>"
    empty = "<tr><td></td><td></td><td></td></tr>"
    table = "<table>" + header + empty * 12 + "</table>"
    assert final_text(Task.TABLE, table) == table
    page = "".join(f"Entry {i}: payment of {i * 37 % 101} units on account {i * 13}.\n\n" for i in range(60))
    assert len(page) > 2048
    text = page + table + "\n\nSigned:"
    out = final_text(Task.TEXT, text)
    assert table in out and out.endswith("Signed:")


def test_signature_line_of_escaped_underscores():
    raw = "Name: " + "\\_" * 60 + "\nDate: " + "\\_" * 30 + "\nSignature: " + "_" * 40
    out = final_text(Task.TEXT, raw)
    assert out == "Name: \\_\\_\\_\nDate: \\_\\_\\_\nSignature: ___"


def test_repeated_header_rows_and_page_number_footer_are_kept():
    head = "<tr><th>Part</th><th>Qty</th></tr>"
    rows = "".join(f"<tr><td>P-{i}</td><td>{i}</td></tr>" for i in range(5))
    table = "<table>" + (head + rows) * 12 + "</table>"
    assert final_text(Task.TABLE, table) == table
    footer = "Body text of the page.\n\n- 12 -"
    assert final_text(Task.TEXT, footer) == footer


def test_clause_numbers_are_not_changed():
    raw = "7.4 Definitions\n7.4.1 Scope of the agreement\n7.4.2 Terms\n3.14 is not a clause"
    assert final_text(Task.TEXT, raw) == raw


def test_sdk_text_touches_that_do_not_change_the_page():
    assert final_text(Task.TEXT, "1.Introduction") == "1. Introduction"
    assert final_text(Task.TEXT, "(2)Second item") == "(2) Second item"
    assert final_text(Task.TEXT, "• first\n• second") == "- first\n- second"
    assert final_text(Task.TEXT, "Intro\n```python\nx = 1") == "Intro\n```python\nx = 1\n```"
    assert final_text(Task.TEXT, "area $ \\pi r^2 $ here") == "area $\\pi r^2$ here"
    assert final_text(Task.TEXT, "costs $5 and $10 each") == "costs $5 and $10 each"
    assert final_text(Task.FORMULA, "\\[ E = mc^2 \\]") == "$$\nE = mc^2\n$$"


def test_a_runaway_loop_is_still_cut_and_said_so():
    raw = "Total 12.50\n" + "0." * 3000
    out = final_text(Task.TEXT, raw)
    assert out == "Total 12.50\n0."
    job = Job(image=None, task=Task.TEXT)  # type: ignore[arg-type]
    result = finish_result(job, Generation(raw_text=guarded(raw)[0]), model="m", device="cpu", timings=Timings())
    assert result.cut and result.text == out
    assert "repeating" in result.cut_reason and result.cut_reason in result.warnings
    d = result.to_json()
    assert d["cut"] is True and d["cut_reason"] == result.cut_reason and d["truncated"] is False


def test_budget_hit_is_reported_with_the_limit():
    job = Job(image=None, task=Task.TEXT, max_new_tokens=100)  # type: ignore[arg-type]
    result = finish_result(job, Generation(raw_text="Some text", budget_hit=True), model="m", device="cpu",
                           timings=Timings())
    assert result.truncated and not result.cut
    assert "100" in result.truncated_reason
    assert json.loads(json.dumps(result.to_json()))["truncated_reason"] == result.truncated_reason


# --- budgets and prompts -----------------------------------------------------------------------


def test_every_task_gets_the_sdk_budget():
    assert all(DEFAULT_MAX_NEW_TOKENS[t] == 8192 for t in Task)
    assert Job(image=None, task=Task.FORMULA).token_budget == 8192  # type: ignore[arg-type]
    assert Job(image=None, task=Task.FORMULA, max_new_tokens=50).token_budget == 50  # type: ignore[arg-type]


def test_extraction_prompt_is_the_model_cards():
    template = {"姓名": "", "地址": {"城市": ""}}
    prompt = prompt_for(Task.EXTRACT, template)
    assert prompt == EXTRACTION_PREFIX + "\n" + '{\n    "姓名": "",\n    "地址": {\n        "城市": ""\n    }\n}'


# --- the preview and the clipboard show what the model wrote --------------------------------------


def test_preview_keeps_clause_numbers_and_list_numbers_as_written():
    html = joined("7.4.1 Scope\n7.4.2 Terms")
    assert "<ol" not in html and "<li" not in html
    assert "7.4.1 Scope" in html and "7.4.2 Terms" in html
    html = joined("3. first\n5. second\n9. third")
    assert '<ol start="3">' in html
    assert [v for v in ("3", "5", "9") if f'<li value="{v}">' in html] == ["3", "5", "9"]


def test_preview_keeps_single_line_breaks():
    address = "Jane Doe\n12 Harbour Road\nSpringfield 4021"
    html = joined(address)
    assert html.count("<br") == 2 and html.count("<p>") == 1
    # streamed in pieces, the finished preview is the same
    r = IncrementalRenderer(Task.TEXT)
    for i in range(1, len(address) + 1):
        r.update(address[:i])
    r.update(address, full=True)
    assert "\n".join(r.blocks) == html


def test_copied_markdown_keeps_line_breaks_and_structure():
    text = "Jane Doe\n12 Harbour Road\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\nlines\n```"
    md = clipboard_formats(Task.TEXT, text)["text/plain"]
    assert md.startswith("Jane Doe\\\n12 Harbour Road\n")
    assert "| a | b |\n|---|---|\n| 1 | 2 |" in md and "```\ncode\nlines\n```" in md
    assert hard_line_breaks(md) == md  # already marked: idempotent
    # the marked Markdown renders to the same line breaks in any CommonMark renderer
    assert joined(md).count("<br") == joined(text).count("<br")


def test_copy_as_html_keeps_line_breaks_and_numbers():
    payload = payload_for("rich", Task.TEXT, "Jane Doe\n12 Harbour Road\n\n3. a\n5. b")
    assert "<br" in payload["text/html"] and '<li value="5">' in payload["text/html"]
    assert payload["text/plain"].startswith("Jane Doe\n12 Harbour Road")


def test_source_keeps_the_raw_text():
    raw = "1.Intro\n" + "x" * 10
    job = Job(image=None, task=Task.TEXT)  # type: ignore[arg-type]
    result = finish_result(job, Generation(raw_text=raw), model="m", device="cpu", timings=Timings())
    assert result.raw_text == raw and result.text == "1. Intro\n" + "x" * 10


# --- batched runs equal single runs --------------------------------------------------------------

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    from test_engine import engine as shared_engine

    yield from shared_engine.__wrapped__(tiny_model_dir)


def _page(w: int, h: int, label: str):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (w, h), "white")
    ImageDraw.Draw(img).text((10, 10), label, fill="black")
    return img


def test_padding_never_counts_for_the_repetition_penalty(engine, monkeypatch):
    """End-of-text narrowly wins at step 4: alone the region ends there, and so it must in a padded batch.

    The pad id (59246) is also ``<|endoftext|>``; penalised as a seen token, it would lose to the
    runner-up in a left-padded row and that row would read on.
    """
    eos = engine.pad_id
    head = engine.model.lm_head
    original = head.forward

    def forward(hidden):
        logits = original(hidden)
        steps = logits.shape[1]
        out = torch.full_like(logits, -1e4)
        n = forward.calls
        forward.calls += 1
        out[..., 300 + n] = 10.0
        if n >= 4:
            out[..., eos] = 10.5  # a 5 % lead: gone after a 1.1 penalty
        return out if steps else logits

    forward.calls = 0
    monkeypatch.setattr(head, "forward", forward)
    jobs = [
        Job(image=_page(448, 448, "alone"), max_new_tokens=20),
        Job(image=_page(300, 900, "taller page, more image tokens"), max_new_tokens=20),
        Job(image=_page(900, 300, "wide"), max_new_tokens=20),
    ]
    forward.calls = 0
    single = next(c.result for c in engine.stream(Job(image=jobs[0].image, max_new_tokens=20)) if c.done)
    forward.calls = 0
    batched = {c.job_id: c.result for c in engine.stream_many(jobs) if c.done}
    row = batched[jobs[0].id]
    inputs = engine.prepare_inputs(jobs)
    assert int((inputs["attention_mask"][0] == 0).sum()) > 0, "the first region's row is really padded"
    assert single.timings.generated_tokens == 4
    assert row.raw_text == single.raw_text
    assert row.timings.generated_tokens == single.timings.generated_tokens
