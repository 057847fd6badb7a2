"""Phone numbers and reply keywords, as people type them."""

from __future__ import annotations

import pytest

from statuspage.core.errors import InvalidInput
from statuspage.subscribers.sms import keyword, normalise_phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+44 7700 900123", "+447700900123"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("0049 151.2345.6789", "+4915123456789"),
        ("+33/6 12 34 56 78", "+33612345678"),
    ],
)
def test_a_number_with_its_country_code_is_read_in_e164(typed, e164):
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize(
    "typed", ["", "07700 900123", "+0 7700 900123", "+44 77", "+1234567890123456", "+44 7700 abc"]
)
def test_a_number_without_a_usable_country_code_is_refused(typed):
    with pytest.raises(InvalidInput, match="country code"):
        normalise_phone(typed)


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("YES", "YES"),
        (" yes! ", "YES"),
        ("Stop.", "STOP"),
        ("y", "Y"),
        ("\nhelp\n", "HELP"),
        ("STOP STOP", "STOP"),
        ("Unsubscribe me please", "UNSUBSCRIBE"),
    ],
)
def test_a_one_word_reply_is_its_keyword(body, word):
    assert keyword(body) == word


@pytest.mark.parametrize("body", ["", "yes please", "don't stop", "!!!", "help me out"])
def test_anything_else_is_no_keyword(body):
    assert keyword(body) == ""
