"""A team page, one path after another, whose first path is SMS while Twilio is not
configured: that path is parked as stuck and the member's next path is paged in the same run,
not after a retry or an acknowledgement window. The clock is moved with time-machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.crisis import assembly
from statuspage.crisis.roster import ContactLine
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Delivery, DeliveryState
from statuspage.page.state import ensure_page
from tests.factories import team_member
from tests.factories.crisis import crisis_role
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
