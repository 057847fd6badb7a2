"""The shared checks, against what people type and what hostile clients send."""

from __future__ import annotations

import re

import pytest

from statuspage.core.errors import InvalidInput
from statuspage.core.validation import (
    MAX_EMAIL,
    choice,
    email_address,
    one_line,
    phone_number,
    storable,
    text,
)
from statuspage.models import ComponentStatus, IncidentStatus
from tests.hostile.control_corpus import FULL

BAD_EMAIL = "Enter a valid email address, like name@example.com."
BAD_PHONE = "Enter a mobile number with its country code, like +44 7700 900123."

# -- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Database down  ", "Database down"),
        ("\r\n\tLine one\r\nLine two\n\n", "Line one\r\nLine two"),  # CR/LF inside are kept
        ("Ünïcödé 数据库 🔥", "Ünïcödé 数据库 🔥"),
        ("\u202e\u200bright-to-left\u2028", "\u202e\u200bright-to-left"),  # LS is whitespace
        (
            "\ufeffbidi \u2066isolate\u2069 and tab\tkept",
            "\ufeffbidi \u2066isolate\u2069 and tab\tkept",
        ),
        ("x" * 300, "x" * 300),
    ],
)
def test_text_is_trimmed_and_otherwise_kept_as_typed(typed, kept):
    assert text(typed, "a name", 300) == kept


@pytest.mark.parametrize("typed", [None, "", "   ", "\n\t\r ", "\u2003\u3000"])
def test_blank_text_is_refused_when_required_and_empty_otherwise(typed):
    with pytest.raises(InvalidInput, match=r"^a name is required$"):
        text(typed, "a name", 300)
    with pytest.raises(InvalidInput, match=r"^an update needs a message$"):
        text(typed, "a message", 300, missing="an update needs a message")
    assert text(typed, "a description", 300, required=False) == ""


@pytest.mark.parametrize("length", [301, 10_000, 5_000_000])
def test_text_over_its_limit_is_refused_however_long(length):
    with pytest.raises(InvalidInput, match=r"^a name is at most 300 characters$"):
        text("x" * length, "a name", 300)


def test_the_limit_counts_characters_not_bytes():
    assert text("数" * 300, "a name", 300) == "数" * 300
    assert text("🔥" * 300, "a name", 300) == "🔥" * 300


@pytest.mark.parametrize("typed", ["\x00", "name\x00", "\x00\x00\x00", "a\x00b" * 50])
def test_nul_is_refused_because_postgresql_cannot_keep_it(typed):
    with pytest.raises(InvalidInput, match=r"^a name may not contain NUL characters$"):
        text(typed, "a name", 300)
    with pytest.raises(InvalidInput, match=r"^text may not contain NUL characters$"):
        storable(typed)


@pytest.mark.parametrize("typed", ["\ud800", "a\udfffb", "\udc80" * 3])
def test_lone_surrogates_are_refused_because_no_database_can_encode_them(typed):
    with pytest.raises(InvalidInput, match="not valid Unicode text"):
        text(typed, "a name", 300)


@pytest.mark.parametrize("sample", FULL, ids=lambda s: s.label)
def test_every_character_of_the_corpus_is_refused_or_kept_as_the_rule_says(sample):
    for single in (False, True):
        if sample.refused_in(one_line=single):
            with pytest.raises(InvalidInput, match=r"^a name (may not|must be one line)"):
                text(sample.value, "a name", 300, one_line=single)
        else:
            assert text(sample.value, "a name", 300, one_line=single) == sample.value


@pytest.mark.parametrize("typed", ["bell\x07", "escape\x1b[31m", "del\x7f", "nel\x85x", "csi\x9b"])
def test_control_characters_but_tab_cr_and_lf_are_refused(typed):
    with pytest.raises(InvalidInput, match=r"^a message may not contain control characters$"):
        text(typed, "a message", 300)


def test_one_line_text_refuses_line_breaks_inside_and_trims_them_at_the_edges():
    with pytest.raises(InvalidInput, match=r"^a title must be one line, without line breaks$"):
        one_line("Down\r\nBcc: victim@example.com", "a title", 300)
    with pytest.raises(InvalidInput, match="one line"):
        text("Down\u2028again", "a title", 300, one_line=True)
    assert one_line("\r\n Down \n", "a title", 300) == "Down"
    assert text("Line one\r\nLine two", "a message", 300) == "Line one\r\nLine two"


def test_a_paired_emoji_is_not_a_surrogate():
    assert storable("🔥👩‍👩‍👧") == "🔥👩‍👩‍👧"


# -- enums --------------------------------------------------------------------------------


def test_a_value_or_a_member_becomes_the_member():
    assert choice(IncidentStatus, "identified", "a status") is IncidentStatus.identified
    assert choice(IncidentStatus, IncidentStatus.resolved, "a status") is IncidentStatus.resolved


@pytest.mark.parametrize(
    "value",
    [
        "exploded",
        "",
        " identified",
        "IDENTIFIED",
        "identified\x00",
        "major_outage\n",
        "x" * 10_000,
        None,
        0,
        1.5,
        ["identified"],
        {"identified": 1},
    ],
)
def test_anything_else_is_refused_listing_the_values(value):
    with pytest.raises(InvalidInput, match=r"^a component status must be one of operational, "):
        choice(ComponentStatus, value, "a component status")


def test_the_refusal_names_what_was_sent():
    with pytest.raises(InvalidInput, match=r"; got 'exploded'$"):
        choice(IncidentStatus, "exploded", "a status")


# -- email addresses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("ann@example.com", "ann@example.com"),
        ("  Ann.Lee+status@Example.COM \n", "Ann.Lee+status@Example.COM"),  # kept as typed
        ("ops@acme.test", "ops@acme.test"),  # staging pages
        ("ünïcode@example.com", "ünïcode@example.com"),
        ("a@bücher.de", "a@bücher.de"),
        ("a!#$%&'*+/=?^_`{|}~@example.com", "a!#$%&'*+/=?^_`{|}~@example.com"),
        ("x'autofocus='onfocus='a=1'X30@example.com", "x'autofocus='onfocus='a=1'X30@example.com"),
    ],
)
def test_an_address_is_accepted_and_kept_as_typed(typed, kept):
    assert email_address(typed, problem=BAD_EMAIL) == kept


@pytest.mark.parametrize(
    "typed",
    [
        None,
        "",
        "   ",
        "not-an-address",
        "a@b",  # no dot: not a domain mail reaches
        "two@@example.com",
        "@example.com",
        "ann@",
        "a b@example.com",
        "ann@exa mple.com",
        "ann@example.com\r\nBcc: all@example.com",  # header injection
        "ann\n@example.com",
        "ann\x00@example.com",
        "ann\x1b@example.com",
        "ann\u202e@example.com",  # right-to-left override
        "ann\u200b@example.com",  # zero-width space
        '"quoted, name"@example.com',
        "ann@[192.0.2.1]",
        "Ann <ann@example.com>",
        "ann@example.com, bob@example.com",
        "ann;bob@example.com",
        "a..b@example.com",
        ".ann@example.com",
        "ann@example..com",
        "ann@-example.com",
        "ann@corp.local",  # special-use domains never receive mail
        "ann@herald.invalid",
        "x" * 250 + "@example.com",
        "x" * 100_000 + "@example.com",
        "ann@" + "b" * 64 + ".com",  # a DNS label is at most 63 characters
        "ann@example.123",
        "\ud800@example.com",
    ],
)
def test_what_can_never_be_an_address_is_refused_in_the_callers_words(typed):
    with pytest.raises(InvalidInput, match=f"^{re.escape(BAD_EMAIL)}$"):
        email_address(typed, problem=BAD_EMAIL)


def test_the_length_limit_is_rfc_5321s():
    local = "x" * 64
    domain = ("d" * 60 + ".") * 3
    longest = f"{local}@{domain}{'e' * (MAX_EMAIL - len(local) - 1 - len(domain) - 4)}.com"
    assert len(longest) == MAX_EMAIL
    assert email_address(longest, problem=BAD_EMAIL) == longest
    with pytest.raises(InvalidInput):
        email_address("x" + longest, problem=BAD_EMAIL)


# -- phone numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+44 7700 900123", "+447700900123"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("0049 151.2345.6789", "+4915123456789"),
        ("+33/6 12 34 56 78", "+33612345678"),
        ("+15551230001", "+15551230001"),  # fictional ranges are possible numbers
        ("\t+44 7700\u00a0900123\n", "+447700900123"),
        ("+44 (0) 7700 900123", "+447700900123"),  # the UK's trunk 0 is not part of it
        ("+٤٤٧٧٠٠٩٠٠١٢٣", "+447700900123"),  # Arabic-Indic digits, stored in ASCII
    ],
)
def test_a_number_with_its_country_code_is_read_in_e164(typed, e164):
    assert phone_number(typed, problem=BAD_PHONE) == e164


@pytest.mark.parametrize(
    "typed",
    [
        None,
        "",
        "07700 900123",  # no country code
        "+0 7700 900123",
        "+0447700900123",
        "+44 77",  # too short for the UK
        "+1234567890123456",  # longer than E.164 allows
        "+999 1234567",  # no such country code
        "+44 7700 abc",  # keypad letters are not digits here
        "1-800-FLOWERS",
        "+44 7700 900123 ext 5",
        "+44 7700 900123;ext=5",
        "tel:+447700900123",
        "+44+7700900123",
        "+447700900123\x00",
        "+447700900123\x1b",
        "+447700900123\r\nX-Injected: 1",
        "call me",
        "+" * 9,
        "+44 7700 900123" + " " * 60 + "999",  # no prefix of an over-long input is read
        "9" * 100_000,
    ],
)
def test_anything_else_is_refused_in_the_callers_words(typed):
    with pytest.raises(InvalidInput, match=f"^{re.escape(BAD_PHONE)}$"):
        phone_number(typed, problem=BAD_PHONE)
