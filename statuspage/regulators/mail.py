"""Regulator mail: how a regulator notice is addressed, written and kept exactly as it was sent.

A regulator notice goes through the delivery engine like every internal notice (outbox,
retries, fallback), but its email is its own message, not the team's internal mail: a From
named for the bank (the address stays the page's sender, so SPF and DKIM hold), Reply-To and
CC to the bank's compliance mailbox, a formal header, the Markdown rendered, the notice
attached as PDF and a receipt requested (RFC 8098 Disposition-Notification-To). No
"internal, do not forward" banner, no link into the admin.

The mail is built once per delivery, when the engine first renders it, and kept with its
SHA-256 (`RegulatorMail`) before it is handed to the channel; a retry sends the kept bytes
again, so what the regulator receives is exactly what is kept, and the audit trail names its
hash.
"""

from __future__ import annotations

import dataclasses
import email.policy
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from markupsafe import escape
from sqlalchemy import select

from statuspage.audit import trail
from statuspage.audit.changes import record_change
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.channels.base import Message
from statuspage.channels.email import POLICY, header_text
from statuspage.clock import utcnow
from statuspage.core import pdf
from statuspage.core.errors import InvalidInput
from statuspage.core.validation import email_address
from statuspage.extensions import db
from statuspage.i18n.zones import is_zone
from statuspage.incidents.richtext import render_markdown
from statuspage.links import link
from statuspage.models import (
    Channel,
    ContactPoint,
    Delivery,
    Incident,
    Notice,
    Page,
    Regulator,
    RegulatorMail,
    RegulatorNotice,
)
from statuspage.page.state import ensure_page

MAX_CC = 10
MAIL_FIELDS = ("mail_sender_name", "mail_reply_to", "mail_cc")
DEFAULT_FIELDS = ("regulator_sender_name", "regulator_reply_to", "regulator_cc")
# A header value may hold no line break nor other control character: CR/LF would start a
# header of the writer's choosing (header injection, RFC 5322 §2.2).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


# The email channel's policy, kept to 7-bit: the words and names of a notice (non-ASCII
# included) travel as quoted-printable or base64, so any relay carries the kept bytes as they
# are (no 8BITMIME needed) and the hash holds end to end.
_MAIL_POLICY = POLICY.clone(cte_type="7bit")


# -- the settings: sender name, Reply-To, CC ------------------------------------------------


def _refuse_controls(value: str, what: str) -> None:
    if _CONTROLS.search(value):
        raise InvalidInput(f"the {what} may not contain a line break or control character")


def clean_sender_name(raw: str | None) -> str | None:
    """The From's display name as typed (None: blank), or InvalidInput."""
    value = raw or ""
    _refuse_controls(value, "sender name")
    value = value.strip()
    if len(value) > 100:
        raise InvalidInput("the sender name is at most 100 characters")
    return value or None


def clean_reply_to(raw: str | None) -> str | None:
    value = raw or ""
    _refuse_controls(value, "Reply-To address")
    if not value.strip():
        return None
    return email_address(value, problem=f"the Reply-To {value.strip()!r} is not an address")


def clean_cc(raw: str | None) -> str | None:
    """Comma-separated addresses, each checked, repeats dropped ("a@x, b@y"); None: blank."""
    value = raw or ""
    _refuse_controls(value, "CC")
    addresses: list[str] = []
    for part in re.split(r"[,;]", value):
        if not part.strip():
            continue
        address = email_address(part, problem=f"the CC {part.strip()!r} is not an address")
        if address.lower() not in (a.lower() for a in addresses):
            addresses.append(address)
    if len(addresses) > MAX_CC:
        raise InvalidInput(f"the CC holds at most {MAX_CC} addresses")
    joined = ", ".join(addresses)
    if len(joined) > 1000:
        raise InvalidInput("the CC is too long")
    return joined or None


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (value or "").split(",") if a.strip())


def set_regulator_mail(
    regulator: Regulator,
    *,
    sender_name: str | None,
    reply_to: str | None,
    cc: str | None,
    actor: Actor,
) -> Regulator:
    """The regulator's own sender name, Reply-To and CC (blank: the page's default), audited."""
    name, reply, copy = clean_sender_name(sender_name), clean_reply_to(reply_to), clean_cc(cc)
    with record_change(actor, "regulator.mail", regulator, MAIL_FIELDS, target_type="regulator"):
        regulator.mail_sender_name, regulator.mail_reply_to, regulator.mail_cc = name, reply, copy
        db.session.flush()
    return regulator


def set_mail_defaults(
    *, sender_name: str | None, reply_to: str | None, cc: str | None, actor: Actor
) -> Page:
    """The page-wide sender name, Reply-To and CC of regulator mail, audited."""
    name, reply, copy = clean_sender_name(sender_name), clean_reply_to(reply_to), clean_cc(cc)
    page = ensure_page()
    with record_change(actor, "regulators.mail_defaults", page, DEFAULT_FIELDS, target_type="page"):
        page.regulator_sender_name, page.regulator_reply_to, page.regulator_cc = name, reply, copy
        db.session.flush()
    return page


# -- addressing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Addressing:
    """Where a regulator's mail goes and who answers it."""

    to: tuple[str, ...]  # the regulator's email addresses, in priority order
    cc: tuple[str, ...]  # the bank's compliance mailbox(es)
    reply_to: str | None
    sender_name: str


def regulator_addresses(regulator: Regulator) -> Addressing:
    """The one place a regulator's mail is addressed: its active email contact points, and
    its (else the page's) sender name, Reply-To and CC. A drill swaps this function to send
    to a drill address instead; the mail goes to no address this does not name."""
    page = ensure_page()
    to = tuple(
        db.session.scalars(
            select(ContactPoint.address)
            .where(
                ContactPoint.subscriber_id == regulator.subscriber_id,
                ContactPoint.channel == Channel.email,
                ContactPoint.active.is_(True),
            )
            .order_by(ContactPoint.priority, ContactPoint.id)
        )
    )
    return Addressing(
        to=to,
        cc=_split(regulator.mail_cc if regulator.mail_cc else page.regulator_cc),
        reply_to=regulator.mail_reply_to or page.regulator_reply_to,
        sender_name=regulator.mail_sender_name or page.regulator_sender_name or page.name,
    )


# -- the message ----------------------------------------------------------------------------


def _in_zone(at: datetime, zone: str) -> str:
    local = at.astimezone(ZoneInfo(zone if is_zone(zone) else "UTC"))
    return f"{local:%Y-%m-%d %H:%M} {local:%Z} (UTC{local:%z}, {zone})"


def plain_markdown(source: str) -> str:
    """Markdown as a plain-text mail reads it: headings underlined instead of `##`."""
    lines: list[str] = []
    for line in source.splitlines():
        heading = re.match(r"^#{1,6}\s+(.*)$", line)
        if heading:
            title = heading.group(1).strip()
            lines += [title, "-" * len(title)]
        else:
            lines.append(line)
    return "\n".join(lines)


@dataclass(frozen=True)
class Letter:
    """What a regulator notice says to one regulator, before it is put in an envelope."""

    subject: str
    facts: tuple[tuple[str, str], ...]
    body_markdown: str
    filename: str


def letter(notice: RegulatorNotice, regulator: Regulator, incident: Incident, page: Page) -> Letter:
    """The formal header (bank, incident reference, regulator, stage, time in the
    regulator's zone) and the approved text."""
    stages = ", ".join(
        o.rule.stage for o in notice.obligations if o.rule.regulator_id == regulator.id
    )
    facts = (
        ("Bank", page.name),
        ("Incident reference", str(incident.id)),
        ("Regulator", regulator.name),
        ("Stage", stages or "-"),
        ("Time", _in_zone(notice.sent_at or utcnow(), regulator.timezone)),
    )
    return Letter(
        subject=notice.subject,
        facts=facts,
        body_markdown=notice.body,
        filename=f"notice-{incident.id}-{notice.id}.pdf",
    )


def notice_pdf(said: Letter, page: Page) -> bytes:
    return pdf.render(
        pdf.Document(
            title=said.subject,
            body_markdown=said.body_markdown,
            facts=said.facts,
            footer=f"{page.name}: regulatory notice, as approved and sent.",
        )
    )


def build_mail(
    said: Letter,
    addressing: Addressing,
    *,
    to: Sequence[str],
    sender: str,
    page: Page,
    message_id: str,
    ack_url: str | None,
    now: datetime,
) -> EmailMessage:
    """The regulator's mail: text and HTML alternatives and the PDF attached. Headers are
    set through the email policy, which refuses a CR or LF in any of them (ValueError)."""
    message = EmailMessage(policy=_MAIL_POLICY)
    from_address = parseaddr(sender)[1] or sender
    message["From"] = formataddr((header_text(addressing.sender_name), from_address))
    message["To"] = ", ".join(to)
    if addressing.cc:
        message["Cc"] = ", ".join(addressing.cc)
    if addressing.reply_to:
        message["Reply-To"] = addressing.reply_to
    # RFC 8098 §2.1: the receipt goes to the compliance mailbox (else to the sender).
    # Return-Receipt-To is not set: it predates RFC 8098, was never standardised, and most
    # servers and clients ignore it.
    message["Disposition-Notification-To"] = addressing.reply_to or from_address
    message["Subject"] = header_text(said.subject)
    message["Date"] = formatdate(now.timestamp(), localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    context = {"letter": said, "page": page, "ack_url": ack_url}
    message.set_content(
        render_template(
            "email/regulator_notice.txt", body_text=plain_markdown(said.body_markdown), **context
        )
    )
    message.add_alternative(
        render_template(
            "email/regulator_notice.html",
            body_html=render_markdown(said.body_markdown, headings=True),
            **context,
        ),
        subtype="html",
    )
    message.add_attachment(
        notice_pdf(said, page), maintype="application", subtype="pdf", filename=said.filename
    )
    return message


# -- kept copies, built as the engine first renders each delivery ---------------------------


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "herald.invalid"


def kept_copy(delivery: Delivery, regulator_notice: RegulatorNotice) -> RegulatorMail | None:
    return db.session.scalar(
        select(RegulatorMail).where(
            RegulatorMail.delivery_id == delivery.id,
            RegulatorMail.regulator_notice_id == regulator_notice.id,
        )
    )


def keep_copy(
    delivery: Delivery,
    regulator_notice: RegulatorNotice,
    regulator: Regulator,
    incident: Incident,
    page: Page,
    *,
    requires_ack: bool,
) -> RegulatorMail:
    """The delivery's mail, kept with its SHA-256 and audited the first time (flushed; the
    engine commits it before sending); the kept one on every later try. ValueError when no
    header can hold an address (the engine fails the delivery, as for any unsendable mail)."""
    if (copy := kept_copy(delivery, regulator_notice)) is not None:
        return copy
    addressing = regulator_addresses(regulator)
    address = delivery.contact_point.address
    # Its own contact point when the addressing names it; a swapped addressing (a drill)
    # sends to its own addresses only.
    to = (address,) if address in addressing.to or not addressing.to else addressing.to
    message = build_mail(
        letter(regulator_notice, regulator, incident, page),
        addressing,
        to=to,
        sender=current_app.config["MAIL_FROM"],
        page=page,
        message_id=make_msgid(domain=_host()),
        ack_url=link("ack", {"d": delivery.id}, "/ack") if requires_ack else None,
        now=utcnow(),
    )
    mime = message.as_bytes()
    copy = RegulatorMail(
        regulator_notice_id=regulator_notice.id,
        delivery_id=delivery.id,
        regulator_id=regulator.id,
        recipients=[*to, *(a for a in addressing.cc if a not in to)],
        mime=mime,
        sha256=hashlib.sha256(mime).hexdigest(),
    )
    db.session.add(copy)
    db.session.flush()
    trail.record(
        SYSTEM,
        "regulator_notice.mail",
        target_type="regulator_notice",
        target_id=regulator_notice.id,
        incident_id=incident.id,
        after={
            "regulator": regulator.name,
            "to": list(to),
            "cc": list(addressing.cc),
            "reply_to": addressing.reply_to,
            "message_id": message["Message-ID"],
            "sha256": copy.sha256,
            "bytes": len(mime),
            "delivery_id": delivery.id,
        },
    )
    return copy


def with_kept_copies(
    deliveries: Sequence[Delivery],
    notice: Notice,
    incident: Incident,
    page: Page,
    rendered: Sequence[Message],
) -> list[Message]:
    """A regulator notice's messages (rendered as internal messages, in delivery order) with
    every email one replaced by the regulator's own mail, kept: the channel sends its bytes
    as they are, to its recipients and CC only. On the other channels (SMS, chat) a regulator
    gets `short_notice`, never the team's confidential message."""
    regulator_notice = db.session.scalar(
        select(RegulatorNotice).where(RegulatorNotice.notice_id == notice.id)
    )
    if regulator_notice is None:
        return list(rendered)
    regulators = {
        r.subscriber_id: r
        for r in db.session.scalars(
            select(Regulator).where(
                Regulator.subscriber_id.in_({d.subscriber_id for d in deliveries})
            )
        )
    }
    messages = []
    for delivery, message in zip(deliveries, rendered, strict=True):
        regulator = regulators.get(delivery.subscriber_id)
        if regulator is None:
            messages.append(message)
            continue
        if delivery.channel is not Channel.email:
            messages.append(
                short_notice(message, regulator_notice, regulator, incident, page, delivery)
            )
            continue
        try:
            copy = keep_copy(
                delivery,
                regulator_notice,
                regulator,
                incident,
                page,
                requires_ack=notice.requires_ack,
            )
        except ValueError as exc:  # a header no policy holds: failed, never the team's mail
            messages.append(dataclasses.replace(message, unsendable=str(exc)[:200]))
            continue
        messages.append(
            Message(
                subject=regulator_notice.subject,
                text=message.text,
                html=message.html,
                short_text=message.short_text,
                url=message.url,
                incident_id=message.incident_id,
                mime=copy.mime,
                envelope_to=tuple(copy.recipients),
            )
        )
    return messages


FIRST_LINES = 3  # of the notice, on SMS or chat, when no email carried it


def short_text(
    regulator_notice: RegulatorNotice, regulator: Regulator, incident: Incident, page: Page
) -> str:
    """What a regulator reads on SMS or chat: the bank, the incident reference, the stage and
    where the notice itself went ("sent by email to ..."), or, with no email address, the
    notice's first lines. Neutral: no internal banner, no link into the admin."""
    said = letter(regulator_notice, regulator, incident, page)
    facts = dict(said.facts)
    # Short enough for one SMS with an email address (the regulator knows its own name).
    head = (
        f"{facts['Bank']}: regulatory notice, incident reference "
        f"{facts['Incident reference']}, stage: {facts['Stage']}."
    )
    to = regulator_addresses(regulator).to
    if to:
        return f"{head} The notice was sent by email to {', '.join(to)}."
    lines = [
        line.strip()
        for line in plain_markdown(regulator_notice.body).splitlines()
        if line.strip() and not set(line.strip()) <= {"-"}
    ]
    return "\n".join([head, "", *lines[:FIRST_LINES]])


def short_notice(
    message: Message,
    regulator_notice: RegulatorNotice,
    regulator: Regulator,
    incident: Incident,
    page: Page,
    delivery: Delivery,
) -> Message:
    """A regulator notice's message for SMS or chat (`short_text`); the acknowledgement link
    (the public /ack page, when the notice asks for one) is all it keeps of `message`. An SMS
    that points to the email carries no link: the words and a link would not fit one text,
    and the email has the link to acknowledge by."""
    words = short_text(regulator_notice, regulator, incident, page)
    ack = (message.payload.get("meta") or {}).get("acknowledge") or None
    by_email = bool(regulator_addresses(regulator).to)
    sms_link = None if delivery.channel is Channel.sms and by_email else ack
    return Message(
        subject=regulator_notice.subject,
        text=words,
        html=str(escape(words)).replace("\n", "<br>\n"),
        short_text=words.replace("\n", " "),
        url=sms_link or "",
        title=f"{page.name}: {regulator_notice.subject}",
        impact=incident.impact.value,
        incident_id=message.incident_id,
        body_text=words,
        payload={"meta": {"acknowledge": ack}} if ack else {"meta": {}},
    )


# -- what was sent --------------------------------------------------------------------------


@dataclass(frozen=True)
class SentCopy:
    """One regulator mail as it was handed over: for the notice screen, the report, a drill."""

    id: int
    regulator: str
    recipients: tuple[str, ...]
    sha256: str
    created_at: datetime
    delivery_state: str | None
    text: str  # the plain-text part, as the regulator reads it


def sent_copies(regulator_notice: RegulatorNotice) -> list[SentCopy]:
    """The kept copies of a notice's mail, oldest first, each with its hash and its words."""
    rows = db.session.execute(
        select(RegulatorMail, Regulator.name, Delivery.state)
        .outerjoin(Regulator, Regulator.id == RegulatorMail.regulator_id)
        .outerjoin(Delivery, Delivery.id == RegulatorMail.delivery_id)
        .where(RegulatorMail.regulator_notice_id == regulator_notice.id)
        .order_by(RegulatorMail.id)
    ).all()
    return [
        SentCopy(
            id=copy.id,
            regulator=name or "",
            recipients=tuple(copy.recipients),
            sha256=copy.sha256,
            created_at=copy.created_at,
            delivery_state=state.value if state is not None else None,
            text=text_of(copy.mime),
        )
        for copy, name, state in rows
    ]


def text_of(mime: bytes) -> str:
    """The plain-text part of a kept mail."""
    parsed = message_from_bytes(mime, policy=email.policy.default)
    part = parsed.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def get_copy(regulator_notice: RegulatorNotice, copy_id: int) -> RegulatorMail | None:
    copy = db.session.get(RegulatorMail, copy_id)
    if copy is None or copy.regulator_notice_id != regulator_notice.id:
        return None
    return copy
