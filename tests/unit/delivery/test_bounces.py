"""Bounces that come back after the relay took the mail: each mail's envelope sender is its
delivery's own return path (VERP, BOUNCE_ADDRESS), and a delivery status notification sent
to it fails that delivery and counts against its address as an SMTP-time refusal does.

- RFC 5321 §4.4: the receiving server records the envelope sender (MAIL FROM) as
  Return-Path; bounces go there, never to From.
- RFC 3464: a DSN is multipart/report; report-type=delivery-status, whose
  message/delivery-status part holds one block per recipient (Final-Recipient, Action,
  Status, Diagnostic-Code). Action "failed" is final; "delayed" says the relay keeps trying.
- RFC 3463: Status 5.1.1 "bad destination mailbox address" (the address does not exist),
  5.2.2 "mailbox full" (it exists), 4.4.1 "no answer from host" (transient).

The DSNs are built as Postfix's bounce(8) writes them; the mail goes through the real SMTP
server (aiosmtpd), the pipe intake through Flask's CLI runner, the sink over real SMTP.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.utils import parseaddr

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.delivery.ledger import BOUNCES_TO_DISABLE
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.infra.bounce_sink import serve
from statuspage.models import ContactPoint, Delivery, DeliveryAttempt, DeliveryState
from tests.factories import subscriber
from tests.fakes.smtp import free_port
from tests.queue import drain

BOUNCES = "bounces@status.example.com"


@pytest.fixture
def bounce_address(app: Flask) -> Iterator[str]:
    previous = app.config["BOUNCE_ADDRESS"]
    app.config["BOUNCE_ADDRESS"] = BOUNCES
    yield BOUNCES
    app.config["BOUNCE_ADDRESS"] = previous


def postfix_dsn(
    to: str,
    final_recipient: str,
    status: str,
    *,
    action: str = "failed",
    diagnostic: str = "",
) -> bytes:
    """A bounce as Postfix's bounce(8) sends it to the envelope sender (RFC 3464)."""
    diagnostic = diagnostic or f"smtp; 550 {status} <{final_recipient}>: Recipient address rejected"
    text = f"""\
Return-Path: <>
Delivered-To: {to}
Received: by mx.example.net (Postfix) id 4XYZ1; Mon,  7 Dec 2026 02:40:01 +0000 (UTC)
Date: Mon,  7 Dec 2026 02:40:01 +0000 (UTC)
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4XYZ1.1733539201/mx.example.net"
Content-Transfer-Encoding: 8bit
Message-Id: <20261207024001.4XYZ1@mx.example.net>

This is a MIME-encapsulated message.

--4XYZ1.1733539201/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{final_recipient}>: host mx.example.com said: 550 {status} no

--4XYZ1.1733539201/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Queue-ID: 4XYZ1
X-Postfix-Sender: rfc822; {to}
Arrival-Date: Mon,  7 Dec 2026 02:39:58 +0000 (UTC)

Final-Recipient: rfc822; {final_recipient}
Original-Recipient: rfc822;{final_recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.com
Diagnostic-Code: {diagnostic}

--4XYZ1.1733539201/mx.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

From: Acme Status <status@herald.invalid>
To: {final_recipient}
Subject: [Acme Status] API down

--4XYZ1.1733539201/mx.example.net--
"""
    return text.replace("\n", "\r\n").encode()


def _publish(queue, *, name: str = "API down") -> None:
    create_incident(OpenIncident(name, "Investigating."))
    db.session.commit()
    drain(queue)


def _delivery_to(address: str) -> Delivery:
    return db.session.scalars(
        select(Delivery)
        .join(Delivery.contact_point)
        .where(ContactPoint.address == address)
        .order_by(Delivery.id.desc())
    ).first()


def _intake(app: Flask, message: bytes, *args: str):
    result = app.test_cli_runner().invoke(args=["bounce-intake", *args], input=message)
    db.session.expire_all()  # the command committed in a session of its own
    return result


def test_each_mail_s_envelope_sender_is_its_delivery_s_return_path(app, smtp, queue):
    subscriber("ann@example.com")
    subscriber("bob@example.com")
    db.session.commit()
    _publish(queue, name="Without a bounce address")
    # Unset: as before, the envelope sender is MAIL_FROM's address.
    assert smtp.inbox.senders == [parseaddr(app.config["MAIL_FROM"])[1]] * 2

    app.config["BOUNCE_ADDRESS"] = BOUNCES
    try:
        _publish(queue)
    finally:
        app.config["BOUNCE_ADDRESS"] = ""
    senders = smtp.inbox.senders[2:]
    mails = smtp.inbox.messages[2:]
    pairs = zip(("ann@example.com", "bob@example.com"), senders, mails, strict=True)
    for address, sender, mail in pairs:
        delivery = _delivery_to(address)
        assert mail["To"] == address
        local, _, domain = sender.partition("@")
        assert domain == "status.example.com"
        assert local.startswith(f"bounces+{delivery.id}-")
        token = local.removeprefix("bounces+")
        assert len(local) <= 64  # RFC 5321 §4.5.3.1.1
        assert all(c.isalnum() or c == "-" for c in token)  # letters a local part may hold
        assert mail["From"] == app.config["MAIL_FROM"]  # the visible sender is unchanged
    assert senders[0] != senders[1]


def test_a_hard_bounce_fails_the_delivery_and_disables_the_address(
    app, smtp, queue, bounce_address
):
    subscriber("ann@example.com", "ann@backup.example")
    db.session.commit()
    _publish(queue)
    [return_path] = smtp.inbox.senders
    delivery = _delivery_to("ann@example.com")
    assert delivery.state is DeliveryState.sent

    result = _intake(app, postfix_dsn(return_path, "ann@example.com", "5.1.1"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("gone:")
    delivery = _delivery_to("ann@example.com")
    assert delivery.state is DeliveryState.failed
    assert "5.1.1" in delivery.last_error
    contact = delivery.contact_point
    assert not contact.active  # the address does not exist: disabled at once
    assert contact.disabled_reason.startswith("gone: bounced: 5.1.1")
    outcomes = db.session.scalars(
        select(DeliveryAttempt.outcome)
        .where(DeliveryAttempt.delivery_id == delivery.id)
        .order_by(DeliveryAttempt.id)  # unordered, PostgreSQL returns them as it likes
    ).all()
    assert outcomes == ["sent", "bounced"]
    assert delivery.attempts == len(outcomes)
    # The person's next contact point takes over, as after an SMTP-time refusal.
    drain(queue)
    assert [m["To"] for m in smtp.inbox.messages] == ["ann@example.com", "ann@backup.example"]

    # A second copy of the same bounce counts nothing more.
    bounces = contact.bounces
    again = _intake(app, postfix_dsn(return_path, "ann@example.com", "5.1.1"))
    assert again.exit_code == 0
    assert again.output.startswith("ignored:")
    assert _delivery_to("ann@example.com").contact_point.bounces == bounces


def test_other_permanent_bounces_count_until_the_address_is_disabled(
    app, smtp, queue, bounce_address
):
    subscriber("ann@example.com")
    db.session.commit()
    for count in range(1, BOUNCES_TO_DISABLE + 1):
        _publish(queue, name=f"Incident {count}")
        return_path = smtp.inbox.senders[-1]
        # 5.2.2 mailbox full: the address exists, this mail did not arrive
        result = _intake(app, postfix_dsn(return_path, "ann@example.com", "5.2.2"))
        assert result.exit_code == 0, result.output
        assert result.output.startswith("bounced:")
        delivery = _delivery_to("ann@example.com")
        assert delivery.state is DeliveryState.failed
        assert delivery.contact_point.bounces == count
        assert delivery.contact_point.active is (count < BOUNCES_TO_DISABLE)


def test_a_relay_giving_up_after_retries_fails_the_delivery_but_counts_no_bounce(
    app, smtp, queue, bounce_address
):
    subscriber("ann@example.com")
    db.session.commit()
    _publish(queue)
    result = _intake(app, postfix_dsn(smtp.inbox.senders[0], "ann@example.com", "4.4.1"))
    assert result.output.startswith("failed:")
    delivery = _delivery_to("ann@example.com")
    assert delivery.state is DeliveryState.failed
    assert (delivery.contact_point.bounces, delivery.contact_point.active) == (0, True)


def test_forged_delayed_and_unreadable_mail_changes_nothing(app, smtp, queue, bounce_address):
    subscriber("ann@example.com")
    db.session.commit()
    _publish(queue)
    [return_path] = smtp.inbox.senders
    local, _, domain = return_path.partition("@")
    delivery_id, _, mac = local.removeprefix("bounces+").partition("-")
    forged = f"bounces+{delivery_id}-{'a' * len(mac)}@{domain}"
    other_id = f"bounces+{int(delivery_id) + 1}-{mac}@{domain}"  # a real MAC, another id
    not_a_dsn = (
        f"From: ann@example.com\r\nTo: {return_path}\r\nSubject: Re: API down\r\n\r\nThanks!\r\n"
    ).encode()
    for message in (
        postfix_dsn(forged, "ann@example.com", "5.1.1"),
        postfix_dsn(other_id, "ann@example.com", "5.1.1"),
        postfix_dsn(f"bounces@{domain}", "ann@example.com", "5.1.1"),
        postfix_dsn("status@herald.invalid", "ann@example.com", "5.1.1"),
        # RFC 3464 §2.3.3: "delayed", the relay keeps trying (a 4.x.x warning)
        postfix_dsn(return_path, "ann@example.com", "4.4.1", action="delayed"),
        not_a_dsn,
        b"\x00\xff\xfe garbage \r\n\r\n\x80\x81" * 50,
        b"",
        postfix_dsn(return_path, "ann@example.com", "5.1.1").replace(
            b"Content-Type: multipart/report", b"Content-Type: multipart/mixed"
        ),
        postfix_dsn(return_path, "ann@example.com", "five"),
    ):
        result = _intake(app, message)
        assert result.exit_code == 0, result.output
        assert result.exception is None
        assert result.output.startswith("ignored:")
    delivery = _delivery_to("ann@example.com")
    assert delivery.state is DeliveryState.sent
    assert (delivery.contact_point.bounces, delivery.contact_point.active) == (0, True)
    assert delivery.attempts == 1


def test_the_envelope_recipient_may_be_given_instead_of_the_headers(
    app, smtp, queue, bounce_address
):
    subscriber("ann@example.com")
    db.session.commit()
    _publish(queue)
    [return_path] = smtp.inbox.senders
    dsn = postfix_dsn(f"bounces@{BOUNCES.partition('@')[2]}", "ann@example.com", "5.1.1")
    result = _intake(app, dsn, "--recipient", return_path)
    assert result.output.startswith("gone:")
    assert not _delivery_to("ann@example.com").contact_point.active


def test_the_sink_takes_bounces_over_smtp_for_return_paths_only(app, smtp, queue, bounce_address):
    subscriber("ann@example.com")
    db.session.commit()
    _publish(queue)
    [return_path] = smtp.inbox.senders
    port = free_port()
    sink = serve(app, "127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            # A relay: no. The bare bounce address and any other: no.
            for stranger in ("ann@example.com", BOUNCES):
                with pytest.raises(smtplib.SMTPRecipientsRefused):
                    client.sendmail("", [stranger], b"Subject: hi\r\n\r\nhi\r\n")
            # A forged token is accepted and ignored; the genuine one fails the delivery.
            forged = return_path.replace("bounces+", "bounces+9")
            client.sendmail("", [forged], postfix_dsn(forged, "ann@example.com", "5.1.1"))
            db.session.expire_all()
            assert _delivery_to("ann@example.com").contact_point.active
            client.sendmail("", [return_path], postfix_dsn(return_path, "ann@example.com", "5.1.1"))
    finally:
        sink.stop()
    db.session.expire_all()
    delivery = _delivery_to("ann@example.com")
    assert delivery.state is DeliveryState.failed
    assert not delivery.contact_point.active


WEBHOOK_TOKEN = "w" * 40


@pytest.fixture
def webhook(app: Flask, bounce_address: str) -> Iterator[str]:
    app.config["BOUNCE_WEBHOOK_TOKEN"] = WEBHOOK_TOKEN
    yield f"/bounces/inbound/{WEBHOOK_TOKEN}"
    app.config["BOUNCE_WEBHOOK_TOKEN"] = ""


def test_a_provider_posts_bounces_to_the_webhook_behind_its_secret_path(
    app, client, smtp, queue, webhook
):
    subscriber("ann@example.com")
    subscriber("bob@example.com")
    db.session.commit()
    _publish(queue)
    to_ann, to_bob = smtp.inbox.senders

    def post(url: str, message: bytes, envelope_to: str | None = None):
        # SendGrid's Inbound Parse, raw: the message in `email`, the envelope beside it.
        form = {"email": message.decode()}
        if envelope_to:
            form["envelope"] = f'{{"to": ["{envelope_to}"], "from": ""}}'
        return client.post(url, data=form, content_type="multipart/form-data")

    ann_bounce = postfix_dsn(to_ann, "ann@example.com", "5.1.1")
    # A wrong secret, or none configured: 404, nothing marked; no message: 400.
    assert post("/bounces/inbound/" + "x" * 40, ann_bounce).status_code == 404
    app.config["BOUNCE_WEBHOOK_TOKEN"] = ""
    assert post(webhook, ann_bounce).status_code == 404
    app.config["BOUNCE_WEBHOOK_TOKEN"] = WEBHOOK_TOKEN
    assert client.post(webhook, data={}).status_code == 400
    db.session.expire_all()
    assert _delivery_to("ann@example.com").state is DeliveryState.sent

    response = post(webhook, ann_bounce)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "gone\n")
    bob_bounce = postfix_dsn("bounces@status.example.com", "bob@example.com", "5.2.2")
    response = post(webhook, bob_bounce, envelope_to=to_bob)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "bounced\n")
    response = post(webhook, b"Subject: out of office\r\n\r\nBack Monday.\r\n")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ignored\n")
    db.session.expire_all()
    ann, bob = _delivery_to("ann@example.com"), _delivery_to("bob@example.com")
    assert (ann.state, ann.contact_point.active) == (DeliveryState.failed, False)
    assert (bob.state, bob.contact_point.active, bob.contact_point.bounces) == (
        DeliveryState.failed,
        True,
        1,
    )
