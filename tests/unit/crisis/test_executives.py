"""Executive briefings: the guidelines attached, the executives only, acknowledgement required
(an unacknowledged path moves on to the next after the window, through the engine)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import responses
import time_machine
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.core.errors import InvalidInput
from statuspage.crisis.executives import brief, briefing_body, briefings_for, save_guidelines
from statuspage.crisis.roster import ContactLine, save_member
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.jobs.every_minute import sweep
from statuspage.models import Audience, AuditEvent, Delivery
from statuspage.page.state import ensure_page
from tests.fakes.twilio import MESSAGES_URL, accept, configured
from tests.queue import drain

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def twilio(app) -> Iterator[responses.RequestsMock]:
    with configured(app), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        accept(mock)
        ensure_page("Acme Status")
        db.session.commit()
        yield mock


def test_a_briefing_needs_an_executive():
    incident = create_incident(
        OpenIncident("Breach", "Investigating.", deliver_notifications=False)
    )
    save_member(
        None, name="Ana", role_ids=[], contacts=[ContactLine("email", "ana@acme.example")],
        actor=SYSTEM,
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        brief(incident, subject="First hour", body="Contained.", actor=SYSTEM)


def test_the_guidelines_written_are_attached_in_order():
    incident = create_incident(
        OpenIncident("Breach", "Investigating.", deliver_notifications=False)
    )
    assert briefing_body("Contained.", None) == "Contained."
    guidelines = save_guidelines(
        incident, holding_statement="We are investigating.", approved_qa="",
        do_not_say="No guesses.", actor=SYSTEM, now=START,
    )  # fmt: skip
    body = briefing_body("Contained.", guidelines)
    assert body.index("Contained.") < body.index("Holding statement") < body.index("What not to")
    assert "Approved Q&A" not in body  # not written: not attached
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "guidelines.update"))
    assert event.after["do_not_say"] == "No guesses."


def test_a_briefing_reaches_executives_and_moves_on_when_not_acknowledged(smtp, twilio, queue):
    with time_machine.travel(START, tick=False):
        incident = create_incident(
            OpenIncident("Breach", "Investigating.", deliver_notifications=False)
        )
        eve = save_member(
            None, name="Eve", role_ids=[], executive=True, actor=SYSTEM,
            contacts=[ContactLine("email", "eve@acme.example"), ContactLine("sms", "+15551230009")],
        )  # fmt: skip
        save_member(
            None, name="Ana", role_ids=[], contacts=[ContactLine("email", "ana@acme.example")],
            actor=SYSTEM,
        )  # fmt: skip
        notice = brief(
            incident, subject="First hour", body="Contained.", actor=SYSTEM,
            ack_window=timedelta(minutes=30),
        )  # fmt: skip
        assert notice.audience is Audience.executives
        assert notice.requires_ack
        db.session.commit()
        drain(queue)
    assert [m["To"] for m in smtp.inbox.messages] == ["eve@acme.example"]
    # the incident's internal thread keeps one subject; the briefing's own leads the body
    [mail] = smtp.inbox.messages
    assert "Breach" in mail["Subject"]
    assert "Executive briefing: First hour" in mail.get_body(("plain",)).get_content()

    with time_machine.travel(START + timedelta(minutes=31), tick=False):
        sweep()
        db.session.commit()
        drain(queue)
    sent = [
        parse_qs(c.request.body)["To"][0] for c in twilio.calls if c.request.url == MESSAGES_URL
    ]
    assert sent == ["+15551230009"]  # her next path, after the window
    channels = db.session.scalars(
        select(Delivery.channel).where(Delivery.subscriber_id == eve.subscriber_id)
    )
    assert sorted(c.value for c in channels) == ["email", "sms"]
    [view] = briefings_for(incident.id)
    assert view.acknowledged == []
    assert view.names[eve.subscriber_id] == "Eve"
