"""A team page, one path after another, whose first path is SMS while Twilio is not
configured: that path is parked as stuck and the member's next path is paged in the same run,
not after a retry or an acknowledgement window. The clock is moved with time-machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import responses
import time_machine
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.crisis import assembly
from statuspage.crisis.report import communication_report
from statuspage.crisis.report_sections import STUCK_LABEL
from statuspage.crisis.roster import ContactLine
from statuspage.delivery.engine import sweep_deliveries
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Delivery, DeliveryState, Incident, Notice
from statuspage.page.state import ensure_page
from tests.factories import team_member
from tests.factories.crisis import crisis_role
from tests.fakes.twilio import accept, configured, texts
from tests.queue import drain

T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_a_sequential_page_falls_back_from_an_unconfigured_path_at_once(queue):
    ensure_page()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(
            OpenIncident("Payments down", "Investigating.", deliver_notifications=False)
        )
        team_member(
            "Raj",
            ["Comms lead"],
            ContactLine("sms", "+6581234567"),
            ContactLine("email", "raj@bank.example"),
        )
        db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assembly.assemble(
            incident,
            role_ids=[crisis_role("Comms lead").id],
            all_paths=False,
            bridge=assembly.check_bridge("+6561234567", "", ""),
            repage_minutes=5,
            actor=SYSTEM,
            now=T0 + timedelta(minutes=1),
        )
        db.session.commit()
        drain(queue)
    deliveries = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    assert [(d.channel.value, d.state) for d in deliveries] == [
        ("sms", DeliveryState.stuck),
        ("email", DeliveryState.sent),
    ]
    sms, email = deliveries
    assert email.fallback_of_id == sms.id
    assert email.sent_at == T0 + timedelta(minutes=1)  # at once, in the page's own run


def test_a_stand_down_settles_stuck_pages_so_a_later_twilio_never_sends_them(app, queue):
    """A page whose SMS path is stuck (no Twilio) is stood down with the call-out: the report
    shows that path as stood down, not stuck, and once Twilio is configured the sweep sends
    no page."""
    ensure_page()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(
            OpenIncident("Payments down", "Investigating.", deliver_notifications=False)
        )
        team_member(
            "Raj",
            ["Comms lead"],
            ContactLine("sms", "+6581234567"),
            ContactLine("email", "raj@bank.example"),
        )
        db.session.commit()
    paged_at = T0 + timedelta(minutes=1)
    with time_machine.travel(paged_at, tick=False):
        callout = assembly.assemble(
            incident,
            role_ids=[crisis_role("Comms lead").id],
            all_paths=True,
            bridge=assembly.check_bridge("+6561234567", "", ""),
            repage_minutes=5,
            actor=SYSTEM,
            now=paged_at,
        )
        db.session.commit()
        drain(queue)
    page_notice = db.session.scalars(
        select(Notice.id).where(Notice.crisis_message_id == callout.crisis_message_id)
    ).one()

    def page_paths() -> dict[str, Delivery]:
        db.session.expire_all()
        rows = db.session.scalars(select(Delivery).where(Delivery.notice_id == page_notice))
        return {d.channel.value: d for d in rows}

    assert page_paths()["sms"].state is DeliveryState.stuck
    stood_at = T0 + timedelta(minutes=3)
    with time_machine.travel(stood_at, tick=False):
        assembly.stand_down_incident(
            db.session.get(Incident, incident.id), reason="resolved", actor=SYSTEM, now=stood_at
        )
        db.session.commit()
        drain(queue)
    sms = page_paths()["sms"]
    assert (sms.state, sms.last_error) == (DeliveryState.superseded, "stood down")
    report = communication_report(incident.id, now=stood_at)
    (page,) = [n for n in report.internal if n.notice_id == page_notice]
    (raj,) = page.recipients
    assert {p.channel: p.status for p in raj.paths} == {"sms": "stood down", "email": "delivered"}
    assert page.channel_states["sms"]["stood down"] == 1
    assert page.channel_states["sms"][STUCK_LABEL] == 0

    later = T0 + timedelta(hours=2)
    with (
        configured(app),
        responses.RequestsMock(assert_all_requests_are_fired=False) as twilio,
        time_machine.travel(later, tick=False),
    ):
        accept(twilio)
        sweep_deliveries(later)  # a worker restarted with Twilio's settings
        db.session.commit()
        drain(queue)
        sent = texts(twilio)
    assert not [t for t in sent if "Stand down" not in t["Body"]]  # no page went out late
    assert page_paths()["sms"].state is DeliveryState.superseded
