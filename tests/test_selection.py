"""Rendered selections traced back to their Markdown source."""

from glmocr_desktop.core.selection import source_of_selection

SOURCE = "# Heading\n\nSome **bold** words.\n\n- first item\n- second item\n\nLast line."


def test_whole_lines_give_their_markdown():
    assert source_of_selection(SOURCE, "Heading\nSome bold words.") == "# Heading\n\nSome **bold** words."
    assert source_of_selection(SOURCE, "first item\nsecond item") == "- first item\n- second item"
    assert source_of_selection(SOURCE, "Last line.") == "Last line."


def test_a_selection_inside_a_line_is_not_traced():
    assert source_of_selection(SOURCE, "bold words") is None
    assert source_of_selection(SOURCE, "Heading\nSome bold") is None
    assert source_of_selection(SOURCE, "   ") is None
