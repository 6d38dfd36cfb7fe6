"""Formulas as MathML, for the clipboard: Word, LibreOffice and most editors paste MathML as an equation.

The TeX comes from the model (untrusted): it is converted by latex2mathml, then the MathML is cut down to
an allowlist of presentation elements and attributes (nh3), so ``\\href``, ``\\style`` or ``\\class``
cannot carry links, styles or classes into the program it is pasted into. TeX longer than the preview
typesets, or that latex2mathml cannot read, gives None: the caller keeps the TeX.
"""

from __future__ import annotations

import html
import re

#: The preview's limit for typesetting (assets/preview/preview.js MAX_TEX): longer TeX stays TeX.
MAX_TEX = 20_000

_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac", "msqrt",
    "mroot", "msup", "msub", "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts",
    "none", "mtable", "mtr", "mtd", "mlabeledtr", "mstyle", "mpadded", "mphantom", "menclose", "merror",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {
        "xmlns", "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "accent",
        "accentunder", "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines",
        "frame", "linethickness", "displaystyle", "scriptlevel", "width", "height", "depth", "notation",
        "minsize", "maxsize", "movablelimits", "largeop", "symmetric", "form", "encoding",
    }
}  # fmt: skip

#: The math elements of rendered results (core.render): escaped TeX inside.
_MATH_ELEMENT = re.compile(r'<(span|div) class="math (inline|display)">(.*?)</\1>', re.DOTALL)


def tex_to_mathml(tex: str, display: bool = False) -> str | None:
    """``<math>…</math>`` for ``tex`` (no ``$`` delimiters), or None when it cannot be had."""
    tex = (tex or "").strip()
    if not tex or len(tex) > MAX_TEX:
        return None
    import nh3
    from latex2mathml.converter import convert

    try:
        markup = convert(tex, display="block" if display else "inline")
    except Exception:  # any error of the converter on odd TeX (deep nesting: RecursionError)
        return None
    clean = nh3.clean(markup, tags=_TAGS, attributes=_ATTRIBUTES)
    return clean if clean.startswith("<math") else None


def html_with_mathml(fragment: str) -> str:
    """Rendered result HTML with each formula as MathML (those that convert; the rest keep their TeX)."""

    def replace(match: re.Match[str]) -> str:
        tag, kind, escaped = match.groups()
        mathml = tex_to_mathml(html.unescape(escaped), display=kind == "display")
        return f"<{tag} class=\"math {kind}\">{mathml}</{tag}>" if mathml else match.group(0)

    return _MATH_ELEMENT.sub(replace, fragment)
