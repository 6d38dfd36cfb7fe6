"""Repetition loops: when a greedy decode has fallen into one, and what of the text to keep.

GLM-OCR decodes greedily, and its best-known failure is a loop: the same few characters until the token
budget runs out. Real pages repeat themselves too (dot leaders, blank table rows, underlines for a
signature, a ledger), so the rules below are built to tell the two apart. They follow the official SDK
(``glmocr/postprocess/result_formatter.py``, ``glmocr/utils/result_postprocess_utils.py``) except where
``docs/fidelity.md`` says why not.

On the finished text, in this order (:func:`analyse`, :func:`cut_loops`):

* **Runaway run** (not in the SDK): a unit of 1..9 characters repeated back to back over at least
  :data:`RUNAWAY_CHARS` characters. No line of a page holds a thousand dots or a thousand times one
  character, so this is the model, not the page. The text is cut after the run's first unit (three
  for the punctuation the SDK collapses: ``.``, ``·``, ``_``, ``\\_``), as the SDK cuts its loops.
* **Consecutive repeat** (SDK): on a text of at least :data:`LONG_TEXT` (2,048) characters, the first
  place where a unit of at least 10 characters repeats at least 10 times in a row; one unit is kept.
  Exactly what the SDK's ``(.{10,n//10}?)\\1{9,}`` finds, without its quadratic cost.
* **Repeated line** (SDK): on such a long text with at least 10 non-empty lines, a line that makes up
  80 % of them is cut at its first run of three.

A loop inside a *complete* ``<table>…</table>``, ``$$…$$`` or Markdown pipe table is never cut (the SDK leaves a result
that is one complete table or formula alone; here the same holds for such spans inside a text): the
model closed it, so it left the loop, and twelve identical empty rows are a blank form.

While streaming, :class:`RepetitionGuard` stops generation once the text so far holds a loop that these
very rules cut, so stopping early never removes anything the final clean-up would keep. Inside a table
or display formula that is still open, it waits until the loop is longer than any page
(:data:`OPEN_SPAN_LOOP_CHARS`), because the model may yet close it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

#: SDK defaults: a unit of at least 10 characters repeated at least 10 times, on texts of 2,048+.
MIN_UNIT = 10
MIN_REPEATS = 10
LONG_TEXT = 2048
LINE_THRESHOLD = 10
LINE_SHARE = 0.8
#: A 1..9 character unit repeated back to back over this many characters is a runaway.
RUNAWAY_CHARS = 1000
#: Inside a still open table or display formula, a loop must be this long before streaming stops.
OPEN_SPAN_LOOP_CHARS = 8192
#: The punctuation the SDK collapses to three; a runaway run of it keeps three units.
COLLAPSED_UNITS = (".", "·", "_", "\\_")

_PROTECTED = re.compile(r"<table\b.*?</table\s*>|\$\$.*?\$\$", re.IGNORECASE | re.DOTALL)
#: A Markdown pipe table followed by a line that is not part of it (so it is complete).
_PIPE_TABLE = re.compile(r"^[ \t]*\|.*\n[ \t]*\|[ \t:|-]*-[ \t:|-]*\n(?:[ \t]*\|.*\n)*(?=[ \t]*[^|\s]|\n)",
                         re.MULTILINE)
_PIPE_OPEN = re.compile(r"^[ \t]*\|.*\n[ \t]*\|[ \t:|-]*-[ \t:|-]*(?:\n[ \t]*\|.*)*\n?\Z", re.MULTILINE)
_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)
#: Characters that never occur in model output, all different: a masked span can hold no loop.
_MASK_BASE = 0x100000
_MASK_CYCLE = 0xFFFD
_MASK = "".join(chr(_MASK_BASE + i) for i in range(_MASK_CYCLE))


@dataclass(frozen=True)
class Loop:
    """A loop found in a text: keep ``text[:keep]``; the loop itself starts at ``start``."""

    start: int
    keep: int
    rule: str  # "runaway" | "repeat" | "line"
    unit: str

    @property
    def reason(self) -> str:
        """A sentence for the user: what was removed and why."""
        if self.rule == "line":
            return f"The model repeated the line {_quote(self.unit)} over and over; the repeats were removed."
        return (f"The model started repeating {_quote(self.unit)} over and over; "
                "the repeated part was removed.")


def _quote(unit: str) -> str:
    u = unit.strip() or unit
    u = u if len(u) <= 40 else u[:37] + "..."
    return "“" + u.replace("\n", " ") + "”"


# --- finding periodic runs ---------------------------------------------------------------------


def _same(s: str, a: int, b: int, length: int) -> bool:
    """``s[a:a+length] == s[b:b+length]`` with one slice."""
    return s.startswith(s[b : b + length], a)


def _run_bounds(s: str, j: int, u: int, lo: int) -> tuple[int, int]:
    """The maximal interval [a, b) around j with s[k] == s[k+u] for all k in it (s[j] == s[j+u]).

    Binary searches with C-level slice comparisons: O(log n) Python steps.
    """
    n = len(s)
    left_lo, left_hi = lo, j
    while left_lo < left_hi:
        mid = (left_lo + left_hi) // 2
        if _same(s, mid, mid + u, j - mid):
            left_hi = mid
        else:
            left_lo = mid + 1
    right_lo, right_hi = j, n - u
    while right_lo < right_hi:
        mid = (right_lo + right_hi + 1) // 2
        if _same(s, j, j + u, mid - j):
            right_lo = mid
        else:
            right_hi = mid - 1
    return left_lo, right_lo


def _first_run(s: str, u: int, need: int, limit: int) -> int | None:
    """Start (< limit) of the first run of ``need`` positions k with s[k] == s[k+u], or None.

    Such a run contains an aligned block of ``need // 2`` positions, so only block starts are probed.
    """
    n = len(s)
    block = max(1, need // 2)
    j = 0
    last_end = 0
    while j + block + u <= n and j < limit + need:
        if s[j : j + 8] == s[j + u : j + u + 8] and _same(s, j, j + u, block):
            a, b = _run_bounds(s, j, u, last_end)
            if b - a >= need and a < limit:
                return a
            last_end = b
            j = max(j + block, ((b // block) + 1) * block)
        else:
            j += block
    return None


def _mask_protected(s: str) -> str:
    """``s`` with every complete table and ``$$`` formula replaced by distinct filler characters."""
    if "$$" not in s and "<" not in s and "|" not in s:
        return s
    parts: list[str] = []
    last = 0
    used = 0
    spans = [m.span() for m in _PROTECTED.finditer(s)]
    if "|" in s:
        spans = sorted(spans + [m.span() for m in _PIPE_TABLE.finditer(s)])
    for a, b in spans:
        if a < last:  # a pipe table inside a masked span (or the reverse): already masked
            a = last
            if b <= a:
                continue
        parts.append(s[last:a])
        length = b - a
        while length > 0:
            take = min(length, _MASK_CYCLE - used)
            parts.append(_MASK[used : used + take])
            used = (used + take) % _MASK_CYCLE
            length -= take
        last = b
    if not parts:
        return s
    parts.append(s[last:])
    return "".join(parts)


def _runaway(s: str) -> Loop | None:
    best: Loop | None = None
    for p in range(1, MIN_UNIT):
        limit = best.start if best else len(s)
        start = _first_run(s, p, RUNAWAY_CHARS - p, limit)
        if start is not None and (best is None or start < best.start):
            unit = s[start : start + p]
            keep = start + p * (3 if unit in COLLAPSED_UNITS else 1)
            best = Loop(start, keep, "runaway", unit)
    return best


def _consecutive(s: str) -> Loop | None:
    """The SDK's lazy-regex rule: earliest start, shortest unit there."""
    n = len(s)
    best: tuple[int, int] | None = None
    for u in range(MIN_UNIT, n // MIN_REPEATS + 1):
        limit = best[0] if best else n
        if limit == 0:
            break
        start = _first_run(s, u, (MIN_REPEATS - 1) * u, limit + 1 if best is None else limit)
        if start is not None and (best is None or start < best[0]):
            best = (start, u)
    if best is None:
        return None
    start, u = best
    return Loop(start, start + u, "repeat", s[start : start + u])


def _repeated_line(s: str) -> Loop | None:
    """The SDK's line rule: a line that is 80 % of 10+ non-empty lines, cut at its first run of three."""
    lines = s.split("\n")
    stripped = [(k, line.strip()) for k, line in enumerate(lines) if line.strip()]
    if len(stripped) < LINE_THRESHOLD:
        return None
    common, count = Counter(t for _, t in stripped).most_common(1)[0]
    if count < LINE_THRESHOLD or count / len(stripped) < LINE_SHARE:
        return None
    for i in range(len(stripped) - 2):
        if all(stripped[i + d][1] == common for d in range(3)):
            k = stripped[i][0]
            start = sum(len(line) + 1 for line in lines[:k])
            return Loop(start, start + len(lines[k]), "line", common)
    return None


_RUNS = [re.compile(r"(\.)\1{2,}"), re.compile(r"(·)\1{2,}"), re.compile(r"(_)\1{2,}"),
         re.compile(r"(\\_)\1{2,}")]


def collapse_runs(text: str) -> str:
    """Runs of ``.``, ``·``, ``_`` and ``\\_`` become three (SDK): dot leaders and underlines stay
    visible without counting as loops."""
    for pattern in _RUNS:
        text = pattern.sub(r"\1\1\1", text)
    return text


def analyse(text: str) -> tuple[str, Loop | None]:
    """``(the text the loop's positions refer to, the loop the final clean-up cuts)``.

    The runaway rule looks at the text as written (before runs are collapsed, or a thousand dots would
    hide); the SDK's two rules look at the collapsed text, and only when it is ``LONG_TEXT`` long.
    """
    loop = _runaway(_mask_protected(text)) if len(text) >= RUNAWAY_CHARS else None
    if loop is not None:
        return text, loop
    collapsed = collapse_runs(text)
    if len(collapsed.strip()) < LONG_TEXT:
        return collapsed, None
    masked = _mask_protected(collapsed)
    return collapsed, _consecutive(masked) or _repeated_line(masked)


_PARTIAL_TAG = re.compile(r"<[^<>]*\Z")


def cut_loops(text: str) -> tuple[str, Loop | None]:
    """``text`` with its runs collapsed and its loop cut (one unit kept), and the loop (or None).

    A cut that ends inside an HTML tag drops the tag's first half, so no broken ``</tr`` is left.
    """
    analysed, loop = analyse(text)
    if loop is None:
        return analysed, None
    kept = _PARTIAL_TAG.sub("", analysed[: loop.keep])
    return collapse_runs(kept), loop


# --- streaming ---------------------------------------------------------------------------------


def _open_span_start(s: str) -> int | None:
    """Where the table or ``$$`` formula still open at the end of ``s`` begins, or None."""
    masked = _mask_protected(s)
    starts = []
    opens = [m.start() for m in _TABLE_OPEN.finditer(masked)]
    if opens and len(opens) > len(_TABLE_CLOSE.findall(masked)):
        starts.append(opens[-1])
    dollars = masked.rfind("$$")
    if dollars >= 0:
        starts.append(dollars)  # any $$ left in the masked text has no partner
    if "|" in masked and (m := _PIPE_OPEN.search(masked)):
        starts.append(m.start())
    return min(starts) if starts else None


class RepetitionGuard:
    """Watches a streamed output and says when generation should stop because of a loop.

    ``feed`` is called for every decoded piece. It looks only at the tail: a short unit repeated over
    the last :data:`RUNAWAY_CHARS` characters, or a unit of 10..``max_unit`` characters repeated 10
    times up to the end (found with ``str.rfind`` on the last 10 characters, in C). Ordinary text gives
    few candidates, so a call costs microseconds however long the output grows. A candidate is then
    confirmed by the final clean-up's own rules (:func:`analyse` on the text so far); an unconfirmed
    candidate is looked at again only after the text has grown, so a repeated table that the rules keep
    costs little.
    """

    #: the longest unit (in characters) the guard looks for while streaming
    MAX_UNIT = 1000
    #: at most this many candidate unit lengths are checked per call
    MAX_CANDIDATES = 64

    def __init__(self, max_unit: int = MAX_UNIT):
        self.max_unit = max(MIN_UNIT, max_unit)
        self._text = ""
        self._loop: Loop | None = None
        self._retry_at = 0
        self.checks = 0  # candidate comparisons (for tests and benchmarks)
        self.confirmations = 0  # full-text confirmations run

    @property
    def text(self) -> str:
        """Everything fed so far."""
        return self._text

    @property
    def triggered(self) -> bool:
        return self._loop is not None

    @property
    def loop(self) -> Loop | None:
        """The loop that stopped generation (positions in the text :func:`analyse` returns), once triggered."""
        return self._loop

    def feed(self, delta: str) -> bool:
        """Add newly generated text; True once generation should stop (and from then on)."""
        if not delta:
            return self._loop is not None
        text = self._text
        self._text = ""
        text += delta  # one reference: CPython grows the string in place
        self._text = text
        if self._loop is not None:
            return True
        if len(text) < self._retry_at or not self._candidate(text):
            return False
        return self._confirm()

    def _confirm(self) -> bool:
        self.confirmations += 1
        text, loop = analyse(self.text)
        if loop is not None:
            open_at = _open_span_start(text)
            if open_at is None or loop.start < open_at or len(text) - loop.start >= OPEN_SPAN_LOOP_CHARS:
                self._loop = loop
                return True
        self._retry_at = len(self._text) + max(64, len(self._text) // 8)
        return False

    def _candidate(self, s: str) -> bool:
        n = len(s)
        if n >= RUNAWAY_CHARS:
            for p in range(1, MIN_UNIT):
                if s[-1] == s[-1 - p] and s.endswith(s[n - 16 - p : n - p]):
                    self.checks += 1
                    if _same(s, n - RUNAWAY_CHARS, n - RUNAWAY_CHARS + p, RUNAWAY_CHARS - p):
                        return True
        if n < LONG_TEXT:
            return False
        key = s[-10:]
        lo = max(0, n - 10 - self.max_unit)
        end = n - MIN_UNIT  # an occurrence at pos gives the unit n - 10 - pos >= MIN_UNIT
        for _ in range(self.MAX_CANDIDATES):
            pos = s.rfind(key, lo, end)
            if pos < 0:
                break
            u = n - 10 - pos
            span = u * MIN_REPEATS
            if span > n:
                break
            self.checks += 1
            if _same(s, n - span, n - span + u, span - u):
                return True
            end = pos + 9  # the next occurrence starts before this one
        return False
