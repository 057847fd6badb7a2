"""SMS through Twilio's Messages API: one short text per delivery, one HTTP session per batch.

A body is one SMS segment: 160 GSM-7 characters with the incident link, or 70 when it must
go as UCS-2. Typographic punctuation and accented Latin letters are brought into GSM-7
first, so an ellipsis or a curly quote does not cost a status update two thirds of its room.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from requests import RequestException
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from statuspage.channels.base import Message, Outgoing, Result

TIMEOUT = 10.0
GSM_LIMIT = 160  # septets in one segment
UCS2_LIMIT = 70  # UTF-16 code units in one segment
ELLIPSIS = "..."

# GSM 03.38: the basic set (one septet each) and the extension table (escape + one: two).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
# What Twilio's "smart encoding" would also replace: lookalikes of GSM characters.
_LOOKALIKES = str.maketrans(
    {
        "\u2026": ELLIPSIS,  # horizontal ellipsis
        **dict.fromkeys("\u2018\u2019\u201b\u2032", "'"),  # single quotes, prime
        "\u201a": ",",  # low single quote
        **dict.fromkeys("\u201c\u201d\u201e\u00ab\u00bb\u2033", '"'),  # double quotes
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2022", "-"),  # dashes
        **dict.fromkeys("\u00a0\u2009\u202f\t", " "),  # no-break and thin spaces, tab
        "\u200b": "",  # zero-width space
    }
)

# Twilio error codes that mean this number will never take our texts: not a valid number
# (21211), not a mobile (21614), the person replied STOP to our sender (21610).
GONE_CODES = frozenset({21211, 21610, 21614})
AUTH_STATUSES = frozenset({401, 403})


def _to_gsm(char: str) -> str:
    """A GSM-7 spelling of one character if there is one (é stays, á becomes a), else itself."""
    if char in _GSM_BASIC or char in _GSM_EXTENDED:
        return char
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    )
    if stripped and all(c in _GSM_BASIC for c in stripped):
        return stripped
    return char


def normalise(text: str) -> str:
    return "".join(_to_gsm(c) for c in text.translate(_LOOKALIKES))


def is_gsm(text: str) -> bool:
    return all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text)


def segment_length(text: str, gsm: bool) -> int:
    """Septets (GSM-7: an extension character takes two) or UTF-16 code units (UCS-2)."""
    if gsm:
        return sum(2 if c in _GSM_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


_TRAILING_REMARK = re.compile(r"^(.*?)\s*(\([^()]*\))?$", re.DOTALL)


def fits(body: str) -> bool:
    gsm = is_gsm(body)
    return segment_length(body, gsm) <= (GSM_LIMIT if gsm else UCS2_LIMIT)


def sms_body(message: Message) -> str:
    """The message's short text and link, in one segment: the text is cut, never the link.

    A status in brackets at the end of the text ("... (Investigating)") stays; the words
    before it give way first.
    """
    url = message.url
    text = message.short_text
    if url and text.endswith(url):
        text = text[: -len(url)]
    text = " ".join(normalise(text).split())
    head, tail = _TRAILING_REMARK.match(text).groups()

    def joined(*parts: str) -> str:
        return " ".join(p for p in (*parts, url) if p)

    if fits(joined(text)):
        return joined(text)
    if not fits(joined(ELLIPSIS, tail)):
        head, tail = text, ""
    # Shorten until it fits (dropping a last non-GSM character may widen the room to 160),
    # then back to the last word break if one is near; a link longer than one segment goes
    # alone, in as many segments as it needs.
    while head and not fits(joined(head.rstrip() + ELLIPSIS, tail)):
        head = head[:-1]
    before, space, _ = head.rpartition(" ")
    if space and len(before) >= len(head) - 20:
        head = before
    if not head.strip():
        return url or (tail or text)[: UCS2_LIMIT - len(ELLIPSIS)] + ELLIPSIS
    return joined(head.rstrip() + ELLIPSIS, tail)


class SmsChannel:
    name = "sms"

    def __init__(
        self, account_sid: str, auth_token: str, sender: str, *, timeout: float = TIMEOUT
    ) -> None:
        self._sid = account_sid
        self._token = auth_token
        # A phone number in E.164, or a Messaging Service ("MG...") that picks the number.
        self._sender = sender
        self._timeout = timeout

    def send(self, batch: Sequence[Outgoing]) -> list[Result]:
        http = TwilioHttpClient(timeout=self._timeout)
        client = Client(self._sid, self._token, http_client=http)
        results: list[Result] = []
        try:
            for index, outgoing in enumerate(batch):
                result, stop = self._send_one(client, outgoing)
                results.append(result)
                if stop:
                    # The account or the connection is at fault, not the numbers: everything
                    # not yet sent waits for a later try instead of failing the same way.
                    results += [
                        Result(o.delivery_id, "retry", error=f"not tried: {result.error}")
                        for o in batch[index + 1 :]
                    ]
                    break
        finally:
            if http.session is not None:
                http.session.close()
        return results

    def _send_one(self, client: Client, outgoing: Outgoing) -> tuple[Result, bool]:
        """One message; the flag says the rest of the batch would fail the same way."""
        sender = (
            {"messaging_service_sid": self._sender}
            if self._sender.startswith("MG")
            else {"from_": self._sender}
        )
        try:
            sent = client.messages.create(
                to=outgoing.address, body=sms_body(outgoing.message), **sender
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            return _failure(outgoing.delivery_id, exc)
        except RequestException as exc:
            return Result(outgoing.delivery_id, "retry", error=f"connection: {exc}"), True
        return Result(outgoing.delivery_id, "sent", provider_id=sent.sid), False


def _failure(
    delivery_id: int, exc: TwilioRestException | TwilioServiceException
) -> tuple[Result, bool]:
    status, code = exc.status, exc.code
    detail = exc.msg if isinstance(exc, TwilioRestException) else exc.title
    error = f"twilio {status} code {code}: {detail}"[:500]
    if code in GONE_CODES:
        return Result(delivery_id, "permanent", error=error, gone=True), False
    if status == 429 or status in AUTH_STATUSES:
        # Too many requests, or the account's credentials refused: a fault of the account,
        # not of this number, so no number is marked failed (or disabled) for it.
        return Result(delivery_id, "retry", error=error), True
    if status >= 500:
        return Result(delivery_id, "retry", error=error), False
    return Result(delivery_id, "permanent", error=error), False


def from_config(config: Mapping[str, Any]) -> dict[str, SmsChannel]:
    """{"sms": the adapter} when Twilio is configured (TWILIO_ACCOUNT_SID), else nothing."""
    if not offered(config):
        return {}
    return {
        "sms": SmsChannel(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            config["TWILIO_FROM"],
            timeout=float(config.get("HTTP_TIMEOUT_SECONDS", TIMEOUT)),
        )
    }


def offered(config: Mapping[str, Any]) -> bool:
    """SMS is offered (subscribe form, inbound webhook, deliveries) once Twilio is configured."""
    return bool(config.get("TWILIO_ACCOUNT_SID"))
