"""The checks every write shares: bounded text, enum values, email addresses, phone numbers.

Each check raises InvalidInput with words a person can act on. Where a form or a test pins the
words (a subscriber's "Enter a valid email address…"), the caller passes them in, so one rule
can keep each surface's own wording.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from statuspage.core.errors import InvalidInput

E = TypeVar("E", bound=Enum)

MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_PHONE_INPUT = 64  # far above any number as typed; phonenumbers stops at 250 anyway
# What people type between digits: spaces, dots, dashes, slashes and brackets.
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
_PHONE_DIGITS = re.compile(r"^\+\d+$")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters no text of Herald's means: C0 but tab, LF and CR, DEL, and C1. They are
# invisible on a page, XML 1.0 cannot hold most of them (feeds), and a terminal or mail client
# acts on them (ESC sequences, NEL as a line break).
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What breaks a line, for one-line text (titles, names, subjects): a mail header, a feed
# title or a push notification's title is one line, and a break in one is an injection.
_LINE_BREAK = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def text(
    value: str | None,
    what: str,
    max_length: int,
    *,
    required: bool = True,
    missing: str | None = None,
    one_line: bool = False,
) -> str:
    """`value` trimmed, or InvalidInput: empty when `required`, too long, or unstorable.

    `what` names the field in the messages ("a name is at most 300 characters"); `missing`
    replaces "{what} is required" where a surface words it otherwise. Tab, CR and LF are kept
    (a message is Markdown); `one_line` text (a title, a name) refuses line breaks too.
    Bidirectional controls, zero-width characters and the BOM are kept: right-to-left
    languages need them, and every surface escapes or encodes them as the text they are.
    """
    value = (value or "").strip()
    if not value and required:
        raise InvalidInput(missing or f"{what} is required")
    if len(value) > max_length:
        raise InvalidInput(f"{what} is at most {max_length} characters")
    return storable(value, what, one_line=one_line)


def one_line(
    value: str | None,
    what: str,
    max_length: int,
    *,
    required: bool = True,
    missing: str | None = None,
) -> str:
    """`text` that is one line: a title, a name, a subject (see `text`)."""
    return text(value, what, max_length, required=required, missing=missing, one_line=True)


def storable(value: str, what: str = "text", *, one_line: bool = False) -> str:
    """`value`, unless it holds a character Herald keeps in no text; else InvalidInput.

    PostgreSQL refuses NUL in text and neither database can encode a lone surrogate (which
    JSON's `\\ud800` escapes produce): both would be a 500 at flush time instead of a 422.
    Other control characters but tab, CR and LF are refused (see _CONTROL), and line breaks
    too in `one_line` text. This is the rule every entry point applies to every text field.
    """
    if "\x00" in value:
        raise InvalidInput(f"{what} may not contain NUL characters")
    if _SURROGATE.search(value):
        raise InvalidInput(f"{what} is not valid Unicode text")
    if one_line and _LINE_BREAK.search(value):
        raise InvalidInput(f"{what} must be one line, without line breaks")
    if _CONTROL.search(value):
        raise InvalidInput(f"{what} may not contain control characters")
    return value


def choice(enum_cls: type[E], value: object, what: str) -> E:
    """`value` as a member of `enum_cls`, or InvalidInput listing the values it may take."""
    try:
        return enum_cls(value)
    except ValueError as exc:
        allowed = ", ".join(str(member.value) for member in enum_cls)
        raise InvalidInput(f"{what} must be one of {allowed}; got {value!r}") from exc


def email_address(raw: str | None, *, problem: str) -> str:
    """The address trimmed, as given, once its syntax is an address; else InvalidInput(problem).

    email-validator checks the syntax only: no DNS (the confirmation email is the real check,
    and tests never reach the network). Quoted local parts, bracketed IP domains and display
    names are refused, as Herald always did; international addresses are kept. The `.test`
    domains stay allowed for staging pages; other special-use domains (`.local`, `.invalid`)
    never receive mail and are refused. The address is kept as typed, not normalised, so the
    rows Herald writes (and the keys it matches on) are what they were before this check.
    """
    address = (raw or "").strip()
    if not address or len(address) > MAX_EMAIL:
        raise InvalidInput(problem)
    try:
        validate_email(
            address,
            check_deliverability=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            test_environment=True,
        )
    except EmailNotValidError as exc:
        raise InvalidInput(problem) from exc
    return address


def phone_number(raw: str | None, *, problem: str) -> str:
    """The number in E.164 (+447700900123), or InvalidInput(problem).

    Separators are dropped and a leading 00 is read as +; anything else but digits (letters,
    which phonenumbers would read as a keypad's, or an extension) is refused. Without a
    country code a number means nothing to an SMS gateway, so one is required. A number is
    accepted when its length is possible for its country: validity would refuse the fictional
    ranges (+1 555 01xx, +44 7700 900xxx) that staging and documentation use.
    """
    if len(raw or "") > MAX_PHONE_INPUT:
        raise InvalidInput(problem)
    number = _PHONE_SEPARATORS.sub("", raw or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    if not _PHONE_DIGITS.match(number):
        raise InvalidInput(problem)
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(problem) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput(problem)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
