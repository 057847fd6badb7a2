"""Bounces that come back after a mail was handed over: read one, fail its delivery.

A relay accepts a mail, then cannot deliver it and sends a delivery status notification
(a DSN: RFC 3464, multipart/report; report-type=delivery-status) to the envelope sender,
which with BOUNCE_ADDRESS is the delivery's own return path (delivery/return_path.py). Both
intakes, the pipe (`flask bounce-intake`, an MTA's pipe transport) and the SMTP sink
(`flask bounce-sink`, infra/bounce_sink.py), hand the raw message to `take_bounce`.

What a DSN's recipient block says decides, as the SMTP-time refusal does
(channels/email.py, ledger.record):
- Action `failed`, Status 5.1.1/5.1.2/5.1.3/5.1.6/5.1.10 (RFC 3463: the address does not
  exist): the delivery fails and its contact point is disabled at once;
- Action `failed`, any other 5.x.x: the delivery fails and a bounce is counted
  (BOUNCES_TO_DISABLE of them disable it);
- Action `failed`, 4.x.x (the relay gave up after retrying): the delivery fails, no bounce;
- `delayed`, `delivered`, `relayed`, `expanded`: nothing.
A failed delivery falls back to the person's next contact point, as the engine's do.

Mail that is no DSN, a token that is unknown or forged, garbage bytes: ignored, with a log
line, nothing marked. Each delivery's bounce counts once, however many copies arrive.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser

from statuspage.channels.email import dead_address
from statuspage.clock import utcnow
from statuspage.delivery import ledger
from statuspage.delivery.outbox import DELIVER, after_commit
from statuspage.delivery.return_path import delivery_for
from statuspage.models import Channel, DeliveryState

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024  # a DSN carries the headers, at most the message: plenty
# The headers an MTA leaves the envelope recipient in (Postfix's local delivery adds
# Delivered-To and X-Original-To); To is the original's envelope sender, the DSN's addressee.
_RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To")
_STATUS = re.compile(r"([245])\.\d{1,3}\.\d{1,3}")
_ADDRESS = re.compile(r"[^\s<>;,\"]+@[^\s<>;,\"]+")


@dataclass(frozen=True)
class Failure:
    """One recipient block of a DSN that says the mail was not delivered."""

    status: str  # RFC 3463, "5.1.1"
    recipient: str  # Final-Recipient's address
    diagnostic: str


@dataclass(frozen=True)
class Taken:
    """What one inbound message did: `outcome` is "gone" (disabled at once), "bounced" (a
    bounce counted), "failed" (failed, no bounce counted) or "ignored"; `reason` for the log."""

    outcome: str
    reason: str
    delivery_id: int | None = None


def take_bounce(
    raw: bytes, envelope_recipients: Sequence[str] = (), *, now: datetime | None = None
) -> Taken:
    """Read one inbound message; if it is a DSN of a delivery's mail saying it failed, fail
    the delivery and count it against its contact point (see the module). Flushes, enqueues
    the fallback after commit; the caller commits. Never raises on what the message holds."""
    taken = _take(raw, envelope_recipients, now or utcnow())
    level = logging.INFO if taken.outcome != "ignored" else logging.WARNING
    log.log(level, "bounce %s: %s", taken.outcome, taken.reason)
    return taken


def _take(raw: bytes, envelope_recipients: Sequence[str], now: datetime) -> Taken:
    if len(raw) > MAX_BYTES:
        return Taken("ignored", f"{len(raw)} bytes: too large for a delivery status report")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        addresses = [*envelope_recipients, *_header_addresses(message)]
        failures = _failures(message)
    except Exception as exc:  # any bytes at all may arrive here: what cannot be read is ignored
        return Taken("ignored", f"unreadable message ({type(exc).__name__})")
    if failures is None:
        return Taken("ignored", "not a delivery status notification (RFC 3464)")
    delivery = delivery_for(addresses)
    if delivery is None or delivery.channel is not Channel.email:
        return Taken("ignored", f"no genuine return path among {addresses[:4]!r}")
    if not failures:
        return Taken("ignored", "a report of delay or delivery, not of failure", delivery.id)
    if delivery.state not in (DeliveryState.sent, DeliveryState.superseded):
        return Taken("ignored", f"delivery {delivery.id} is {delivery.state.value}", delivery.id)
    if ledger.already_bounced(delivery):
        return Taken("ignored", f"delivery {delivery.id}'s bounce is already counted", delivery.id)
    failure = max(failures, key=_severity)
    gone = dead_address(failure.status)
    permanent = failure.status.startswith("5.")
    error = f"bounced: {failure.status} {failure.recipient} {failure.diagnostic}".strip()[:2000]
    state = ledger.record_bounce(delivery, now, error, permanent=permanent, gone=gone)
    if state is DeliveryState.failed:
        successor = ledger.fallback(delivery, now, "bounced")
        if successor is not None:
            after_commit(DELIVER, [successor.id])
    outcome = "gone" if gone else "bounced" if permanent else "failed"
    return Taken(outcome, f"delivery {delivery.id}: {error[:300]}", delivery.id)


def _severity(failure: Failure) -> tuple[bool, bool]:
    """Which of several failed blocks speaks for the delivery: a dead address, then a 5.x.x."""
    return dead_address(failure.status), failure.status.startswith("5.")


def _header_addresses(message: EmailMessage) -> list[str]:
    found = []
    for name in _RECIPIENT_HEADERS:
        for value in message.get_all(name) or ():
            found += _ADDRESS.findall(str(value))
    return found


def _failures(message: EmailMessage) -> list[Failure] | None:
    """The failed recipients of an RFC 3464 report; None when the message is no such report."""
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type") or "").lower() != "delivery-status":
        return None
    for part in message.iter_parts():
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            return [f for f in map(_failure, _blocks(part)) if f is not None]
    return None


def _blocks(part: Message) -> Iterable[Message]:
    """The report's header blocks: the per-message one, then one per recipient. The stdlib
    parses message/delivery-status into them; the UTF-8 form (RFC 6533) is text to split."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload
    text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    parser = HeaderParser(policy=policy.default)
    return [parser.parsestr(block) for block in re.split(r"\r?\n\s*\r?\n", text) if block.strip()]


def _failure(block: Message) -> Failure | None:
    if str(block.get("Action", "")).strip().lower() != "failed":
        return None
    status = _STATUS.match(str(block.get("Status", "")).strip())
    if status is None:
        return None
    recipient = str(block.get("Final-Recipient", "")).partition(";")[2].strip()
    diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).partition(";")[2].split())
    return Failure(status.group(0), recipient, diagnostic[:500])
