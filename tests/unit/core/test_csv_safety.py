"""CSV exports never hand a spreadsheet a formula: a formula-like start is quoted."""

from __future__ import annotations

import pytest

from statuspage.core.csv_safety import spreadsheet_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+1 555 0100", "'+1 555 0100"),
        ("- a Markdown item", "'- a Markdown item"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
    ],
)
def test_a_formula_like_start_is_quoted(value, cell):
    assert spreadsheet_cell(value) == cell


@pytest.mark.parametrize("value", ["ann@example.com", "Database down", "a=b", "1-2", ""])
def test_other_text_is_left_as_it_is(value):
    assert spreadsheet_cell(value) == value


def test_none_is_an_empty_cell_and_other_values_are_their_text():
    assert spreadsheet_cell(None) == ""
    assert spreadsheet_cell(42) == "42"
    assert spreadsheet_cell(-3) == "'-3"  # a negative number reads back as text, not a formula
