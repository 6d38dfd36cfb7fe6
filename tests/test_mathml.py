"""Formulas as MathML for the clipboard: converted, cut to presentation MathML, TeX kept when it cannot be."""

from __future__ import annotations

from glmocr_desktop.core.exports import HTML, PLAIN, payload_for
from glmocr_desktop.core.mathml import MAX_TEX, html_with_mathml, tex_to_mathml
from glmocr_desktop.core.tasks import Task


def test_a_formula_becomes_mathml_with_its_structure():
    mathml = tex_to_mathml(r"\frac{a}{b} + \sqrt{x^2}", display=True)
    assert mathml is not None and mathml.startswith("<math") and 'display="block"' in mathml
    assert "<mfrac>" in mathml and "<msqrt>" in mathml and "<msup>" in mathml
    assert "<mi>a</mi>" in mathml and "<mn>2</mn>" in mathml


def test_links_styles_and_classes_from_the_tex_are_dropped():
    mathml = tex_to_mathml(r"\href{javascript:alert(1)}{x} \style{color:red}{y} \class{evil}{z}")
    assert mathml is not None and "<mi>x</mi>" in mathml and "<mi>z</mi>" in mathml
    assert "href" not in mathml and "style" not in mathml and "evil" not in mathml and "javascript" not in mathml


def test_tex_too_long_or_empty_gives_none():
    assert tex_to_mathml("x" * (MAX_TEX + 1)) is None
    assert tex_to_mathml("   ") is None


def test_copy_as_mathml_puts_markup_as_text_and_html():
    payload = payload_for("mathml", Task.FORMULA, "$$\n\\frac{1}{2}\n$$")
    assert payload[PLAIN].startswith("<math") and "<mfrac>" in payload[PLAIN]
    assert "<math" in payload[HTML] and "<html" in payload[HTML].lower()


def test_rich_text_copy_carries_math_as_mathml_and_keeps_the_prose():
    payload = payload_for("rich", Task.TEXT, "Energy $E=mc^2$ holds.\n\n$$\n\\frac{a}{b}\n$$\n")
    assert "Energy" in payload[HTML] and "<msup>" in payload[HTML] and "<mfrac>" in payload[HTML]
    assert 'class="math inline"' in payload[HTML] and "E=mc^2" in payload[PLAIN]


def test_rendered_math_that_does_not_convert_keeps_its_tex():
    fragment = '<p><span class="math inline">' + "y" * (MAX_TEX + 5) + "</span></p>"
    assert html_with_mathml(fragment) == fragment
