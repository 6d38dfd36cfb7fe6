"""Repetition loops: the final rules (SDK-exact where the SDK has them) and the streaming guard."""

from __future__ import annotations

import random
import re

import pytest

from glmocr_desktop.core import loops
from glmocr_desktop.core.loops import (
    LONG_TEXT,
    OPEN_SPAN_LOOP_CHARS,
    RUNAWAY_CHARS,
    RepetitionGuard,
    analyse,
    collapse_runs,
    cut_loops,
)

WORDS = ["the", "of", "and", "to", "in", "is", "was", "for", "on", "that", "with", "as", "by", "at", "from", "this", "be", "are", "which", "page", "table", "chapter", "section", "total", "name", "date", "amount", "12", "3.5", "2024"]


def prose(n: int, seed: int = 1) -> str:
    """Ordinary text of about ``n`` characters with no loop in it."""
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < n:
        w = rng.choice(WORDS) + (". " if rng.random() < 0.1 else " ")
        out.append(w)
        size += len(w)
    return "".join(out)


def sdk_consecutive(s: str) -> int | None:
    """The SDK's rule as its own regular expression (slow; the reference): the kept length."""
    n = len(s)
    if n < 100:
        return None
    m = re.compile(r"(.{10,%d}?)\1{9,}".replace("%d", str(n // 10)), re.DOTALL).search(s)
    return m.start() + len(m.group(1)) if m else None


def stream(text: str, piece: int = 3) -> tuple[int | None, RepetitionGuard]:
    """Feed ``text`` to a guard; where it stopped (characters fed), or None."""
    guard = RepetitionGuard()
    for i in range(0, len(text), piece):
        if guard.feed(text[i : i + piece]):
            return min(i + piece, len(text)), guard
    return None, guard


def test_consecutive_rule_matches_the_sdk_regex_on_random_text():
    rng = random.Random(7)
    for _ in range(300):
        alpha = rng.choice(["ab", "abc", "abcdefgh", "abcdefghijklmnopqrstu"])
        parts = []
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.5:
                parts.append("".join(rng.choice(alpha) for _ in range(rng.randint(0, 50))))
            else:
                unit = "".join(rng.choice(alpha) for _ in range(rng.randint(10, 22)))
                parts.append(unit * rng.randint(6, 12) + unit[: rng.randint(0, len(unit))])
        text = "".join(parts)
        loop = loops._consecutive(text)
        assert (loop.keep if loop else None) == sdk_consecutive(text), text


def test_sdk_rule_applies_only_to_long_texts():
    unit = "| 12 | apples |\n"
    short = "Header\n\n" + unit * 12 + "tail"
    assert analyse(short)[1] is None  # the SDK leaves results under 2,048 characters alone
    long = prose(LONG_TEXT) + "\n" + unit * 12 + "tail"
    kept, loop = cut_loops(long)
    assert loop is not None and loop.rule == "repeat"
    assert kept.count("apples") == 1 and kept.startswith(long[:100])


def test_line_rule_of_the_sdk():
    text = "\n".join(["Total due"] * 300)
    kept, loop = cut_loops(text)
    assert loop is not None
    assert kept.strip() in ("Total due", "Total due\nTotal due\nTotal due"[: len(kept.strip())])


@pytest.mark.parametrize("unit", ["\n", "0.", "ab ", "的", "-"])
def test_runaway_runs_are_cut_wherever_they_are(unit):
    reps = RUNAWAY_CHARS // len(unit) + 5
    text = "Start of page:" + unit * reps
    kept, loop = cut_loops(text)
    assert loop is not None and loop.rule == "runaway"
    assert kept == "Start of page:" + unit
    # a run a page can hold is left alone
    assert cut_loops("Start of page:" + unit * (200 // len(unit)))[1] is None


def test_collapsed_punctuation_runaway_keeps_three():
    kept, loop = cut_loops("Chapter 1 " + "." * 5000 + " 7")
    assert loop is not None and kept == "Chapter 1 ..."


def test_collapse_runs_is_the_sdk_rule():
    assert collapse_runs("a ........ b") == "a ... b"
    assert collapse_runs("··········") == "···"
    assert collapse_runs("Sign: ______") == "Sign: ___"
    assert collapse_runs("Name: " + "\\_" * 60) == "Name: \\_\\_\\_"
    assert collapse_runs("1.5 and a.. b") == "1.5 and a.. b"


def test_loops_inside_complete_tables_and_formulas_are_kept():
    intro = prose(LONG_TEXT)
    row = "<tr><td></td><td></td><td></td></tr>"
    table = "<table>" + row * 40 + "</table>"
    assert cut_loops(intro + table + "\nafter")[1] is None
    formula = "$$\n" + "a_{1} + " * 40 + "\n$$"
    assert cut_loops(intro + formula + "\nafter")[1] is None
    pipe = "| a | b |\n|---|---|\n" + "|  |  |\n" * 40
    assert cut_loops(intro + "\n\n" + pipe + "\nafter\n")[1] is None
    # the same rows in a table that never closed are a loop (the SDK's cut)
    kept, loop = cut_loops(intro + "<table>" + row * 40)
    assert loop is not None and kept.count("<tr>") == 1
    assert not kept.endswith("</tr") and not re.search(r"<[^>]*$", kept)  # no half tag left


def test_guard_stops_a_long_unit_loop_once_the_text_is_long():
    prefix = prose(300)
    unit = "The same sentence again and again. "
    stopped, guard = stream(prefix + unit * 400)
    assert stopped is not None and guard.loop is not None
    assert stopped <= max(LONG_TEXT, len(prefix) + 11 * len(unit)) + 8
    assert guard.feed("more") is True


def test_guard_stops_the_same_line_and_one_cjk_character():
    stopped, _ = stream(prose(200) + "Same line again\n" * 1000)
    assert stopped is not None and stopped <= LONG_TEXT + 40
    stopped, guard = stream("标题\n" + "的" * 5000, piece=1)
    assert stopped is not None and stopped <= RUNAWAY_CHARS + 10
    assert guard.loop.rule == "runaway"


def test_guard_waits_inside_an_open_table_until_no_page_could_hold_it():
    row = "<tr><td></td><td></td><td></td></tr>"
    text = prose(LONG_TEXT) + "<table>" + row * 600
    stopped, _ = stream(text)
    assert stopped is not None
    assert stopped - len(prose(LONG_TEXT)) >= OPEN_SPAN_LOOP_CHARS
    # the ledger with its table closed, streamed: never stopped
    assert stream(prose(LONG_TEXT) + "<table>" + row * 60 + "</table> end")[0] is None


def test_guard_never_stops_what_the_clean_up_keeps():
    """Property: whenever the guard stops, the clean-up of the text so far cuts a loop."""
    rng = random.Random(11)
    pieces = [
        lambda: prose(rng.randint(10, 400), rng.randint(0, 99)),
        lambda: "." * rng.randint(3, 300),
        lambda: "\\_" * rng.randint(3, 80),
        lambda: "<table>" + "<tr><td></td><td></td></tr>" * rng.randint(1, 80) + "</table>",
        lambda: "$$\n" + "x + " * rng.randint(1, 60) + "\n$$\n",
        lambda: "\n".join(f"{i} Chapter {i} " + "." * rng.randint(5, 90) + f" {i * 3}" for i in range(1, 20)),
        lambda: ("abcdefghijkl" * rng.randint(5, 30)),
    ]
    for _ in range(60):
        text = "".join(rng.choice(pieces)() for _ in range(rng.randint(2, 12)))
        stopped, guard = stream(text, piece=rng.randint(1, 6))
        if stopped is not None:
            assert analyse(guard.text)[1] is not None, guard.text[:200]


def test_guard_is_quiet_and_cheap_on_long_ordinary_text():
    text = prose(40_000, seed=3)
    pieces = [text[i : i + 4] for i in range(0, len(text), 4)]
    guard = RepetitionGuard()
    assert not any(guard.feed(p) for p in pieces)
    assert guard.text == text
    assert guard.checks < 4 * len(pieces)  # a few candidate checks per token, not a scan
    assert guard.confirmations <= 2


def test_guard_on_dot_leaders_and_underlines_of_a_long_toc():
    toc = "Contents\n" + "".join(f"{i} Chapter {i} " + "." * 100 + f" {i * 7}\n" for i in range(1, 80))
    assert len(toc) > LONG_TEXT
    assert stream(toc)[0] is None
    form = "".join(f"Field {i}: " + "\\_" * 60 + "\n" for i in range(40))
    assert stream(form)[0] is None
