"""Text selected in the rendered preview, traced back to the Markdown source it came from.

A reader selects rendered text (no ``#``, ``**`` or ``$``); copying it should give the Markdown those
lines were made of, so headings, emphasis and math survive the paste. That works when the selection
covers whole source lines; a selection that starts or ends inside a line gives None, and the caller
copies the selected text as it is.
"""

from __future__ import annotations

import re

from glmocr_desktop.core.exports import markdown_to_plain

_SPACE = re.compile(r"\s+")
_LIST_MARK = re.compile(r"^\s*(?:•|\d+[.)])\s*")  # bullets and numbers the browser does not select


def _key(text: str) -> str:
    """Text compared without white space and list markers (the page lays both out differently)."""
    lines = (_LIST_MARK.sub("", line) for line in text.splitlines())
    return _SPACE.sub("", "".join(lines))


def source_of_selection(source: str, selected: str) -> str | None:
    """The source lines whose rendered text is exactly ``selected`` (blank lines between them kept),
    or None when the selection does not begin and end at line boundaries."""
    want = _key(selected)
    if not want:
        return None
    lines = source.splitlines()
    seen = [_key(markdown_to_plain(line)) for line in lines]
    for start, first in enumerate(seen):
        if not first or not want.startswith(first):
            continue
        got = ""
        for end in range(start, len(lines)):
            got += seen[end]
            if got == want:
                return "\n".join(lines[start : end + 1])
            if not want.startswith(got):
                break
    return None
