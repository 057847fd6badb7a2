"""Crisis paging in the hash-chained audit trail: a call-out and a briefing sent through the
real engine (a real SMTP server, Twilio answered at the HTTP boundary) leave one entry per
page sent or failed, per acknowledgement (and its path) and per fallback, with the chain
intact; customer fan-out leaves none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import responses
import time_machine
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM, verify_chain
from statuspage.crisis.assembly import assemble, check_bridge
from statuspage.crisis.executives import brief
from statuspage.crisis.roster import ContactLine
from statuspage.delivery.ledger import acknowledge
from statuspage.delivery.paging_audit import mask_address
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.jobs.every_minute import sweep
from statuspage.models import AuditEvent, Channel, Delivery, Incident, Notice
from statuspage.page.state import ensure_page
from tests import factories
from tests.factories import crisis_role, team_member
from tests.fakes.twilio import configured, refuse
from tests.queue import drain

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
BRIDGE = check_bridge("+1 555 123 4567", "", "")


@pytest.fixture
def twilio(app) -> Iterator[responses.RequestsMock]:
    """Twilio configured, refusing Bob's number for good (it said STOP)."""
    with configured(app), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        refuse(mock, 400, 21610, "Attempt to send to unsubscribed recipient")
        yield mock


def run(queue) -> None:
    db.session.commit()
    drain(queue)


def entries(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_pages_acknowledgements_and_fallbacks_are_in_the_chain(smtp, twilio, queue):
    with time_machine.travel(START, tick=False):
        ensure_page("Acme Status")
        factories.subscriber("customer@example.com")  # a customer: never audited per mail
        incident = create_incident(OpenIncident("Payments down", "Investigating."))
        ana = team_member("Ana", ["Comms lead"], ContactLine("email", "ana@acme.example"))
        team_member(
            "Bob",
            ["Technical liaison"],
            ContactLine("sms", "+15551230002"),
            ContactLine("email", "bob@acme.example"),
        )
        team_member(
            "Eve",
            [],
            ContactLine("email", "eve@acme.example"),
            ContactLine("email", "eve@home.example"),
            executive=True,
        )
        callout = assemble(
            db.session.get(Incident, incident.id),
            role_ids=[crisis_role("Comms lead").id, crisis_role("Technical liaison").id],
            all_paths=False,
            bridge=BRIDGE,
            repage_minutes=60,
            actor=SYSTEM,
            now=START,
        )
        briefing = brief(
            db.session.get(Incident, incident.id),
            subject="Payments",
            body="Say nothing yet.",
            actor=SYSTEM,
            ack_window=timedelta(minutes=10),
        )
        run(queue)

    # Ana's page sent; Bob's text refused for good, then his email sent (a fallback)
    sent = {(e.after["who"], e.after["path"]) for e in entries("team.page_sent")}
    assert sent == {
        ("Ana", "email a***@acme.example"),
        ("Bob", "email b***@acme.example"),
        ("Eve", "email e***@acme.example"),
    }
    [failed] = entries("team.page_failed")
    assert failed.after["who"] == "Bob"
    assert failed.after["path"] == "sms +15***0002"
    assert failed.after["final"] is True
    assert "unsubscribed" in failed.after["error"]
    assert (failed.target_type, failed.target_id) == ("team_page", str(callout.id))
    [fell] = entries("team.fallback")
    assert fell.after["from_path"] == "sms +15***0002"
    assert fell.after["to_path"] == "email b***@acme.example"
    assert fell.after["reason"] == "failed"
    [eve_page] = [e for e in entries("team.page_sent") if e.after["who"] == "Eve"]
    assert (eve_page.target_type, eve_page.target_id) == ("notice", str(briefing.id))
    assert eve_page.after["message"] == "briefing"

    # Ana acknowledges by the link in her email; a second click records nothing more
    [page] = db.session.scalars(select(Delivery).where(Delivery.subscriber_id == ana.subscriber_id))
    assert acknowledge(page, START + timedelta(minutes=2), "email-link")
    assert not acknowledge(page, START + timedelta(minutes=3), "email-link")
    db.session.commit()
    [ack] = entries("team.acknowledged")
    assert ack.after["who"] == "Ana"
    assert ack.after["path"] == "email a***@acme.example"
    assert ack.after["how"] == "email-link"
    assert ack.at == START + timedelta(minutes=2)

    # Eve never acknowledges the briefing: after its window, her next path
    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        sweep()
        run(queue)
    eve_fell = [e for e in entries("team.fallback") if e.after["who"] == "Eve"]
    assert [e.after["to_path"] for e in eve_fell] == ["email e***@home.example"]
    assert eve_fell[0].after["reason"] == "no acknowledgement in time"
    assert ("Eve", "email e***@home.example") in {
        (e.after["who"], e.after["path"]) for e in entries("team.page_sent")
    }

    # the customer's mail went out, with no audit entry of its own
    customer_notice = db.session.scalar(select(Notice.id).where(Notice.crisis_message_id.is_(None)))
    assert (
        db.session.scalar(select(Delivery.state).where(Delivery.notice_id == customer_notice)).value
        == "sent"
    )
    paging = [e for e in db.session.scalars(select(AuditEvent)) if e.action.startswith("team.")]
    assert all(e.after.get("notice_id") != customer_notice for e in paging if e.after)
    assert verify_chain().ok


def test_an_address_is_masked_in_the_trail():
    assert mask_address(Channel.email, "ana.smith@acme.example") == "a***@acme.example"
    assert mask_address(Channel.sms, "+15551230002") == "+15***0002"
    assert mask_address(Channel.slack, "https://hooks.slack.com/services/T0/B0/XX") == (
        "hooks.slack.com/…"
    )
