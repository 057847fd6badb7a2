"""Deliveries on a channel that is not configured (SMS without Twilio): parked as "stuck",
counted as such, the next contact point paged at once, and sent after all once a worker runs
with the channel configured. Twilio is answered by `responses`; the clock is moved."""

from __future__ import annotations

from datetime import timedelta

import responses
import time_machine
from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.delivery import engine
from statuspage.delivery.progress import notice_progress
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Channel, ContactPoint, Delivery, DeliveryState, Notice
from statuspage.page.state import ensure_page
from tests.factories import contact_point, subscriber
from tests.fakes.twilio import accept, configured, texts
from tests.queue import drain

PHONE = "+447700900123"


def _subscriber(phone: str, email: str | None = None) -> ContactPoint:
    sms = contact_point(phone, Channel.sms)
    subscriber(sms, *([contact_point(email, priority=2)] if email else []))
    db.session.commit()
    return sms


def _deliveries() -> dict[str, Delivery]:
    rows = db.session.scalars(select(Delivery).options()).all()
    return {d.contact_point.address: d for d in rows}


def _open(queue) -> Notice:
    create_incident(OpenIncident("API down", "Looking."))
    db.session.commit()
    drain(queue)
    return db.session.scalars(select(Notice)).one()


def test_an_unconfigured_channel_parks_the_delivery_and_falls_back_at_once(app, queue):
    ensure_page("Acme Status")
    _subscriber(PHONE, "ann@example.com")
    notice = _open(queue)
    by_address = _deliveries()
    stuck, email = by_address[PHONE], by_address["ann@example.com"]
    assert stuck.state is DeliveryState.stuck
    assert stuck.last_error == "stuck: sms channel not configured"
    assert stuck.next_attempt_at is None  # no retry is scheduled: none could succeed
    # The next path was paged in the same run, not after a retry's backoff.
    assert (email.state, email.fallback_of_id) == (DeliveryState.sent, stuck.id)
    progress = notice_progress(notice.id)
    assert progress.by_channel["sms"]["stuck"] == 1
    assert progress.totals["stuck"] == 1
    assert progress.unfinished == 0
    assert not progress.running


def test_the_sweep_sends_stuck_deliveries_once_twilio_is_configured(app, queue):
    ensure_page("Acme Status")
    _subscriber(PHONE)  # no other path: the text is the only way to reach them
    _subscriber("+447700900456", "bo@example.com")  # reached by email meanwhile
    _open(queue)
    assert {d.state for d in _deliveries().values() if d.channel is Channel.sms} == {
        DeliveryState.stuck
    }
    # Without Twilio the sweep leaves them be.
    engine.sweep_deliveries(utcnow())
    db.session.commit()
    drain(queue)
    assert _deliveries()[PHONE].state is DeliveryState.stuck

    later = utcnow() + timedelta(hours=1)
    with (
        configured(app),
        responses.RequestsMock(assert_all_requests_are_fired=False) as twilio,
        time_machine.travel(later, tick=False),
    ):
        accept(twilio)
        engine.sweep_deliveries(later)  # the first sweep of a worker started with Twilio
        db.session.commit()
        drain(queue)
        (text,) = texts(twilio)
    assert text["To"] == PHONE
    db.session.expire_all()
    by_address = _deliveries()
    assert by_address[PHONE].state is DeliveryState.sent
    # Bo's text was carried on by the email fallback: superseded, not sent an hour late.
    assert by_address["+447700900456"].state is DeliveryState.superseded
    assert by_address["bo@example.com"].state is DeliveryState.sent
