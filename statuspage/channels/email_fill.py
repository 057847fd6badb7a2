"""Email built once per message template, each recipient's own bytes filled in.

Building a MIME message with the `email` package (headers parsed and folded one by one, each
part encoded, the whole flattened) costs more CPU than sending it: per recipient it was most
of a fan-out's work. Recipients of one notice read the same words; only their address, their
signed links, their Message-ID and thread headers differ. A `MailTemplate` (channels.base) is
those shared words with stand-ins where each recipient's values go. `filled` builds the
template's bytes once with `build_email` itself, tokens in place of the stand-ins, the address
and the date, and then per recipient replaces the tokens in the bytes: a few `bytes`
replacements instead of a MIME build.

The bytes are the ones `build_email` would have produced for that recipient, and smtplib would
have sent (tests/unit/channels/test_email_fill.py compares them byte for byte). Where that
cannot be promised, `filled` says None and the caller builds the message whole: an address or
value the header machinery would quote, encode or refuse (anything but plain printable ASCII),
a line that would outgrow SMTP's 998-octet limit once filled (the package would have folded or
encoded it), or a template whose body the package chose to encode (quoted-printable or base64
would have hidden the tokens).
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import format_datetime

from markupsafe import escape

from statuspage.channels.base import MailTemplate, Message, Outgoing

# SMTP's line limit without the CRLF (RFC 5321 §4.5.3.1.6), as the policy folds at.
MAX_LINE = 998
# The tokens the template bytes carry: letters and digits only, so no header folding, HTML
# escaping or 8-bit body leaves them other than as they are. The address token is a whole
# addr-spec, so the To header parses as an address.
_ADDRESS = "HERALDFILLTO7Q3Z@fill.invalid"
_DATE = "HERALDFILLDATE7Q3Z"
_EPOCH = "Thu, 01 Jan 1970 00:00:00 +0000"
_BOUNDARY = re.compile(rb'boundary="([^"]+)"')
_TOKEN = re.compile(rb"HERALDFILLTO7Q3Z@fill\.invalid|HERALDFILL(?:\d+[TH]|DATE)7Q3Z")
# What a header or a body may take as it is: printable ASCII, no space (links, ids, dates
# have none; anything else goes the whole way through the `email` package).
_PLAIN = re.compile(r"[\x21-\x7e]+")
# A dot-atom address (RFC 5322 §3.4.1) the To header renders unchanged: no quoting, no
# comments, no encoded words.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)
_CACHED = 64  # templates kept per process: a notice has one per language, zone and thread state


def _text_token(index: int) -> str:
    return f"HERALDFILL{index}T7Q3Z"


def _html_token(index: int) -> str:
    return f"HERALDFILL{index}H7Q3Z"


def flatten(message: EmailMessage) -> bytes:
    """The bytes smtplib's `send_message` sends for `message` (its policy, CRLF)."""
    with io.BytesIO() as out:
        BytesGenerator(out).flatten(message, linesep="\r\n")
        return out.getvalue()


@dataclass(frozen=True)
class _Line:
    """A line of the template holding tokens: its length without them, and their keys."""

    rest: int
    tokens: tuple[bytes, ...]


@dataclass(frozen=True)
class _Built:
    """A template's bytes with tokens, or None when its bytes cannot be filled."""

    raw: bytes | None
    lines: tuple[_Line, ...] = ()
    # The MIME boundary the package chose for the template's words: no value may hold it.
    boundary: str | None = None


def _build(template: MailTemplate, stand_ins: tuple[str, ...], sender: str) -> _Built:
    # Imported here: email.py imports this module for its senders.
    from statuspage.channels.email import build_email

    text, html = template.text, template.html
    headers = dict(template.headers)
    for index, stand_in in enumerate(stand_ins):
        text = text.replace(stand_in, _text_token(index))
        html = html.replace(stand_in, _html_token(index))
        headers = {name: v.replace(stand_in, _text_token(index)) for name, v in headers.items()}
    message = Message(
        subject=template.subject, text=text, html=html, short_text="", url="", headers=headers
    )
    try:
        built = build_email(Outgoing(0, _ADDRESS, message, idempotency_key=""), sender)
    except ValueError:
        return _Built(None)
    encodings = {part.get("Content-Transfer-Encoding", "7bit").lower() for part in built.walk()}
    if not encodings <= {"7bit", "8bit"}:  # quoted-printable, base64: a value needs encoding
        return _Built(None)
    # A date header holds a date: built with a stand-in date, then its token put in its place.
    built.replace_header("Date", _EPOCH)
    raw = flatten(built).replace(f"Date: {_EPOCH}\r\n".encode(), f"Date: {_DATE}\r\n".encode(), 1)
    expected = (
        text.count("HERALDFILL")
        + html.count("HERALDFILL")
        + sum(v.count("HERALDFILL") for v in headers.values())
        + 2  # the address and the date
    )
    if len(_TOKEN.findall(raw)) != expected:  # a header encoded or refolded: tokens hidden
        return _Built(None)
    lines = tuple(
        _Line(len(line) - sum(map(len, found)), tuple(found))
        for line in raw.split(b"\r\n")
        if (found := _TOKEN.findall(line))
    )
    boundary = _BOUNDARY.search(raw)
    return _Built(raw, lines, boundary.group(1).decode() if boundary else None)


class _Templates:
    """The built templates, most recently used kept (threads share them; a lock guards)."""

    def __init__(self) -> None:
        self._built: OrderedDict[tuple[object, ...], _Built] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, template: MailTemplate, stand_ins: tuple[str, ...], sender: str) -> _Built:
        key = (template, stand_ins, sender)
        with self._lock:
            built = self._built.get(key)
            if built is not None:
                self._built.move_to_end(key)
                return built
        built = _build(template, stand_ins, sender)
        with self._lock:
            self._built[key] = built
            while len(self._built) > _CACHED:
                self._built.popitem(last=False)
        return built


_TEMPLATES = _Templates()


def mail_date(now: datetime) -> str:
    """A Date header's value as the `email` package renders it (RFC 5322 §3.3, +0000)."""
    return format_datetime(now.astimezone(UTC))


def filled(outgoing: Outgoing, sender: str, date: str) -> bytes | None:
    """The message's bytes for its recipient from its template, or None: build it whole.
    `date` is the Date header's value (`mail_date`)."""
    message = outgoing.message
    template = message.mail_template
    if template is None or _PLAIN_ADDRESS.fullmatch(outgoing.address) is None:
        return None
    fills: Mapping[str, str] = dict(message.fills)
    if not all(_PLAIN.fullmatch(value) for value in fills.values()):
        return None
    stand_ins = tuple(fills)
    built = _TEMPLATES.get(template, stand_ins, sender)
    if built.raw is None:
        return None
    values = {_ADDRESS.encode(): outgoing.address.encode(), _DATE.encode(): date.encode()}
    for index, stand_in in enumerate(stand_ins):
        value = fills[stand_in]
        values[_text_token(index).encode()] = value.encode()
        values[_html_token(index).encode()] = str(escape(value)).encode()
    if built.boundary and any(built.boundary in value for value in fills.values()):
        return None
    for line in built.lines:
        if line.rest + sum(len(values[token]) for token in line.tokens) > MAX_LINE:
            return None  # the package would have folded or encoded this line
    return _TOKEN.sub(lambda found: values[found.group()], built.raw)
