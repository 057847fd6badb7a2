"""Regulator mail (statuspage/regulators/mail.py): what a regulator receives, read from the
real SMTP server (aiosmtpd) and parsed by the stdlib, and the copy Herald keeps of it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import parseaddr
from io import BytesIO
from urllib.parse import parse_qs

import pytest
import responses
import time_machine
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from statuspage.audit.trail import Actor, verify_chain
from statuspage.core.errors import InvalidInput
from statuspage.delivery import engine
from statuspage.delivery.ledger import acknowledge
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import (
    AuditEvent,
    Delivery,
    DeliveryState,
    Regulator,
    RegulatorMail,
    RegulatorNotice,
    Role,
    StaffUser,
)
from statuspage.page.state import ensure_page
from statuspage.regulators import library, notices, obligations, registry
from statuspage.regulators import mail as regulator_mail
from tests.factories import staff_user, subscriber
from tests.fakes import twilio
from tests.fakes.smtp import SmtpServer, free_port
from tests.queue import drain

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SENT = T0 + timedelta(minutes=30)
CLI = Actor("cli:test")
MAS_ADDRESS = "trm-incidents@mas.example"
IMPACT = "**Card payments** failed for 40 minutes (Zürich and Singapore)."


@pytest.fixture
def people() -> dict[str, StaffUser]:
    return {
        "comms": staff_user("comms@example.com", Role.comms),
        "legal": staff_user("legal@example.com", Role.legal),
    }


@pytest.fixture
def mas() -> Regulator:
    (mas,) = [r for r in library.load_library(actor=CLI) if r.library_key == "mas"]
    registry.set_regulator_contacts(mas, [("email", MAS_ADDRESS)], actor=CLI)
    regulator_mail.set_mail_defaults(
        sender_name="Example Bank", reply_to="compliance@bank.example", cc=None, actor=CLI
    )
    regulator_mail.set_regulator_mail(
        mas,
        sender_name="Example Bank Singapore, Compliance",
        reply_to="sg-compliance@bank.example",
        cc="sg-compliance@bank.example, legal@bank.example",
        actor=CLI,
    )
    return mas


def _send_mas_notice(mas: Regulator, people) -> RegulatorNotice:
    """A MAS notice composed, approved by a second person and sent at SENT; committed."""
    incident = create_incident(OpenIncident("Payments down in Singapore", "Investigating."))
    obligations.set_reportable(incident, [mas.id], user=people["comms"], actor=CLI)
    obligations.record_trigger(incident, "discovery", T0, user=people["comms"], actor=CLI, now=T0)
    (row,) = [r for r in obligations.board(incident, SENT) if r.rule.stage == "notification"]
    notice = notices.compose_notice(
        incident, [row.obligation.id], author=people["comms"], actor=CLI
    )
    notices.edit_notice(
        notice,
        subject=notice.subject,
        body=f"{notice.body}\n\n## Customer impact\n\n- {IMPACT}",
        editor=people["comms"],
        actor=CLI,
    )
    notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=SENT)
    notices.send_notice(notice, sender=people["comms"], actor=CLI, now=SENT)
    db.session.commit()
    return notice


def test_a_regulator_receives_a_formal_mail_from_the_bank_with_the_notice_as_pdf(
    app: Flask, smtp: SmtpServer, queue, mas, people
) -> None:
    customer = "customer@example.com"
    subscriber(customer)  # a subscriber of the page: never sent a regulator notice
    db.session.commit()
    with time_machine.travel(SENT, tick=False):
        notice = _send_mas_notice(mas, people)
        drain(queue)

    (mail,) = smtp.inbox.messages
    # The envelope: the regulator and the CC, no one else.
    assert smtp.inbox.recipients == [
        [MAS_ADDRESS, "sg-compliance@bank.example", "legal@bank.example"]
    ]
    assert customer not in str(smtp.inbox.recipients)
    (sender,) = mail["From"].addresses
    assert sender.display_name == "Example Bank Singapore, Compliance"
    # The address stays the page's sender (SPF, DKIM); so does the envelope sender.
    assert sender.addr_spec == parseaddr(app.config["MAIL_FROM"])[1]
    assert mail["To"] == MAS_ADDRESS
    assert mail["Cc"] == "sg-compliance@bank.example, legal@bank.example"
    assert mail["Reply-To"] == "sg-compliance@bank.example"
    assert mail["Disposition-Notification-To"] == "sg-compliance@bank.example"
    assert mail["Return-Receipt-To"] is None
    assert mail["Subject"] == notice.subject
    assert mail["Sensitivity"] is None

    # The parts' lines end in CRLF as SMTP carries them; read as lines.
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content().replace("\r\n", "\n")
    bank = ensure_page().name
    incident_id = notice.incident_id
    for facts in (text,):
        assert f"Bank: {bank}" in facts
        assert f"Incident reference: {incident_id}" in facts
        assert "Regulator: Monetary Authority of Singapore (MAS)" in facts
        assert "Stage: notification" in facts
        # 08:30 UTC is 16:30 in Singapore
        assert "Time: 2026-06-01 16:30 +08 (UTC+0800, Asia/Singapore)" in facts
    assert "<h2>Customer impact</h2>" in html
    assert "<strong>Card payments</strong>" in html
    assert "Customer impact\n---------------" in text
    for part in (text, html):
        assert "##" not in part
        assert "CONFIDENTIAL" not in part
        assert "not forward" not in part.lower()
        assert "/admin" not in part
    # The acknowledgement link (the regulator's own, signed) is kept.
    assert "/ack?" in text or "/ack/" in text

    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"notice-{incident_id}-{notice.id}.pdf"
    pdf_text = " ".join(  # words as the PDF lays them out, wrapped lines joined
        " ".join(page.extract_text().split())
        for page in PdfReader(BytesIO(attachment.get_content())).pages
    )
    assert notice.subject in pdf_text
    assert "Regulator Monetary Authority of Singapore (MAS)" in pdf_text
    assert f"Incident reference {incident_id}" in pdf_text
    assert "Customer impact" in pdf_text
    assert "Card payments failed for 40 minutes (Zürich and Singapore)." in pdf_text
    assert "Zürich and Singapore" in text
    # Every byte 7-bit: the non-ASCII words travel encoded, so any relay keeps the bytes.
    assert max(smtp.inbox.raw[0]) < 128


def test_the_kept_copy_is_the_bytes_the_smtp_server_received_and_the_audit_names_its_hash(
    smtp: SmtpServer, queue, mas, people
) -> None:
    """Herald keeps the mail it hands to smtplib (`sendmail` with bytes that already end
    their lines in CRLF, so smtplib changes nothing but the dot-stuffing that the server
    undoes). aiosmtpd, as used here, adds no Received header, so the bytes the server was
    given by the DATA command are compared whole with the kept copy. A relay that adds a
    trace header would need the comparison made on the kept copy's parts instead."""
    with time_machine.travel(SENT, tick=False):
        notice = _send_mas_notice(mas, people)
        drain(queue)

    (received,) = smtp.inbox.raw
    (copy,) = db.session.scalars(select(RegulatorMail))
    assert copy.regulator_notice_id == notice.id
    assert hashlib.sha256(received).hexdigest() == copy.sha256
    assert hashlib.sha256(copy.mime).hexdigest() == copy.sha256
    (kept,) = regulator_mail.sent_copies(notice)
    assert kept.sha256 == copy.sha256
    assert kept.delivery_state == DeliveryState.sent.value
    assert "Customer impact" in kept.text

    # The audit chain: approval, the send, the mail with its hash; and the chain holds.
    events = {
        e.action: e
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.target_type == "regulator_notice")
        )
    }
    assert {"regulator_notice.approve", "regulator_notice.send", "regulator_notice.mail"} <= set(
        events
    )
    assert events["regulator_notice.mail"].after["sha256"] == copy.sha256
    assert events["regulator_notice.mail"].after["to"] == [MAS_ADDRESS]
    # The approval and the send name the same text.
    approved = events["regulator_notice.approve"].after["text_sha256"]
    assert approved == events["regulator_notice.send"].after["text_sha256"]
    assert approved == notices.text_hash(notice)
    # [13/14] every event in the chain: the delivery to the regulator, and its receipt
    # acknowledged through the link in the mail (by which path).
    (delivered,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "regulator_notice.delivered")
    )
    assert delivered.after["path"].startswith("email ")
    assert delivered.incident_id == notice.incident_id
    (delivery,) = db.session.scalars(select(Delivery).where(Delivery.notice_id == notice.notice_id))
    assert acknowledge(delivery, SENT + timedelta(minutes=9), "email-link")
    db.session.commit()
    (receipt,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "regulator_notice.acknowledged")
    )
    assert receipt.after["how"] == "email-link"
    assert receipt.after["path"] == delivered.after["path"]
    assert not list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("team.%"))))
    assert verify_chain().ok


def test_with_the_mail_server_down_the_notice_waits_and_the_kept_copy_is_sent_later(
    app: Flask, queue, mas, people
) -> None:
    server = SmtpServer()
    previous = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    try:
        with time_machine.travel(SENT, tick=False):
            notice = _send_mas_notice(mas, people)
            drain(queue)
        (delivery,) = db.session.scalars(select(Delivery))
        assert delivery.state is DeliveryState.retry
        (copy,) = db.session.scalars(select(RegulatorMail))  # kept before the first try
        kept_hash = copy.sha256

        server.start()
        app.config["SMTP_URL"] = server.url
        with time_machine.travel(SENT + timedelta(hours=1), tick=False):
            engine.sweep_deliveries(SENT + timedelta(hours=1))
            db.session.commit()
            drain(queue)
    finally:
        app.config["SMTP_URL"] = previous
        server.stop()

    (received,) = server.inbox.raw
    assert hashlib.sha256(received).hexdigest() == kept_hash
    assert db.session.scalar(select(RegulatorMail.sha256)) == kept_hash  # still one copy
    db.session.refresh(delivery)
    assert delivery.state is DeliveryState.sent
    assert message_from_bytes(received, policy=policy.default)["To"] == MAS_ADDRESS
    assert notice.state.value == "sent"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("sender_name", "Example Bank\r\nBcc: spy@evil.example", "line break"),
        ("sender_name", "Example Bank\nX-Priority: 1", "line break"),
        ("reply_to", "compliance@bank.example\r\nBcc: spy@evil.example", "line break"),
        ("reply_to", "not an address", "not an address"),
        ("cc", "a@bank.example,\r\nBcc: spy@evil.example", "line break"),
        ("cc", "a@bank.example, Bob <b@bank.example>", "not an address"),
        ("cc", "a@bank.example\x00", "control character"),
    ],
)
def test_header_injection_and_bad_addresses_are_refused(mas, field, value, reason) -> None:
    settings = {"sender_name": None, "reply_to": None, "cc": None} | {field: value}
    with pytest.raises(InvalidInput, match=reason):
        regulator_mail.set_regulator_mail(mas, actor=CLI, **settings)
    with pytest.raises(InvalidInput, match=reason):
        regulator_mail.set_mail_defaults(actor=CLI, **settings)


def test_a_regulator_without_its_own_settings_uses_the_page_default(mas) -> None:
    regulator_mail.set_regulator_mail(mas, sender_name="", reply_to=" ", cc="", actor=CLI)
    addressing = regulator_mail.regulator_addresses(mas)
    assert addressing.to == (MAS_ADDRESS,)
    assert addressing.sender_name == "Example Bank"
    assert addressing.reply_to == "compliance@bank.example"
    assert addressing.cc == ()
    (event,) = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "regulator.mail")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    assert event.after["mail_reply_to"] is None


def test_a_portal_filing_keeps_the_text_filed_on_the_board_and_in_the_audit(mas, people) -> None:
    incident = create_incident(OpenIncident("Payments down", "Investigating."))
    obligations.set_reportable(incident, [mas.id], user=people["comms"], actor=CLI)
    obligations.record_trigger(incident, "discovery", T0, user=people["comms"], actor=CLI, now=T0)
    (row,) = [r for r in obligations.board(incident, T0) if r.rule.stage == "notification"]
    filed = "MAS TRM notification\nPayments failed 08:00-08:40 SGT; 1,200 customers affected."
    obligations.record_portal_submission(
        row.obligation,
        reference="MAS-2026-0107",
        submitted_at=T0 + timedelta(minutes=50),
        filed_text=f"  {filed}\n",
        user=people["comms"],
        actor=CLI,
        now=T0 + timedelta(minutes=55),
    )
    assert row.obligation.filed_text == filed
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "regulators.portal_submission")
    )
    assert event.after["filed_text"] == filed
    assert event.after["reference"] == "MAS-2026-0107"


def test_a_mail_no_header_can_hold_fails_and_nothing_else_is_sent_instead(
    smtp: SmtpServer, queue, mas, people
) -> None:
    """A CC with a line break (written straight to the row, past the checks of
    `set_regulator_mail`) makes no header: the delivery fails for good, and the team's
    internal mail ("CONFIDENTIAL", the admin link) is never sent to the regulator instead."""
    mas.mail_cc = "legal@bank.example\r\nBcc: spy@evil.example"
    with time_machine.travel(SENT, tick=False):
        _send_mas_notice(mas, people)
        drain(queue)
    assert smtp.inbox.messages == []
    (delivery,) = db.session.scalars(select(Delivery))
    assert delivery.state is DeliveryState.failed
    assert "unsendable" in (delivery.last_error or "")
    assert db.session.scalar(select(RegulatorMail.id)) is None


SLACK_HOOK = "https://hooks.slack.com/services/T000/B000/REGULATOR"
MAS_PHONE = "+6562255577"


@pytest.mark.parametrize("with_email", [True, False])
def test_a_regulator_on_sms_or_chat_gets_a_neutral_short_notice(
    app: Flask, smtp: SmtpServer, queue, mas, people, with_email
) -> None:
    """Through the real engine and the minute's sweep on a moving clock (the notice goes to
    one path, then the next when unacknowledged after an hour); Twilio and the Slack webhook
    answered by `responses` at the HTTP boundary. No internal banner, no admin link; the bank,
    the incident reference, the stage, and where the notice went (or, with no email, its
    first lines)."""
    contacts = [("sms", MAS_PHONE), ("slack", SLACK_HOOK)]
    registry.set_regulator_contacts(
        mas, ([("email", MAS_ADDRESS)] if with_email else []) + contacts, actor=CLI
    )
    db.session.commit()
    with (
        twilio.configured(app),
        responses.RequestsMock(assert_all_requests_are_fired=False) as http,
    ):
        twilio.accept(http)
        http.add(responses.POST, SLACK_HOOK, body="ok")
        with time_machine.travel(SENT, tick=False):
            notice = _send_mas_notice(mas, people)
            drain(queue)
        for hours in (1, 2, 3):  # nobody acknowledges: the next path after each window
            later = SENT + timedelta(hours=hours, minutes=1)
            with time_machine.travel(later, tick=False):
                engine.sweep_deliveries(later)
                db.session.commit()
                drain(queue)
        sms = [
            {k: v[0] for k, v in parse_qs(c.request.body).items()}
            for c in http.calls
            if c.request.url == twilio.MESSAGES_URL
        ]
        posts = [json.loads(c.request.body) for c in http.calls if c.request.url == SLACK_HOOK]
    assert [t["To"] for t in sms] == [MAS_PHONE]
    assert len(posts) == 1
    text, chat = sms[0]["Body"], json.dumps(posts[0])
    bank = ensure_page().name
    reference = f"{bank}: regulatory notice, incident reference {notice.incident_id}"
    for said in (text, chat):
        assert reference in said
        assert "CONFIDENTIAL" not in said
        assert "/admin" not in said
        assert "Incident in Herald" not in said
    assert "stage: notification" in chat
    assert "/ack/" in chat  # the regulator's own acknowledgement button stays
    if with_email:
        assert f"The notice was sent by email to {MAS_ADDRESS}." in text
        assert "http" not in text  # one text: the words; the email has the link
        assert f"The notice was sent by email to {MAS_ADDRESS}." in chat
        assert len(smtp.inbox.messages) == 1  # the notice itself, by email
    else:
        assert smtp.inbox.messages == []
        assert "/ack/" in text  # the text is the notice's way: acknowledged by its link
        assert "Customer impact" not in chat  # only the notice's first lines
        first = regulator_mail.plain_markdown(notice.body).strip().splitlines()[0]
        assert first in chat
    states = {d.channel.value: d.state for d in db.session.scalars(select(Delivery))}
    assert states["sms"] in (DeliveryState.sent, DeliveryState.superseded)
    assert states["slack"] is DeliveryState.sent
