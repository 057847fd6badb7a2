"""The delivery engine with SMS: which updates are texted (like Statuspage: an incident's or a
maintenance's start and end, a maintenance's begin), fallback and STOP, through the real
queue and Twilio's API answered by `responses`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import responses
from sqlalchemy import select

from statuspage.audience.recipients import sms_worthy
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import Channel, ContactPoint, Delivery, DeliveryState, Notice
from statuspage.page.state import ensure_page
from tests.factories import contact_point, subscriber
from tests.fakes.twilio import accept, configured, refuse, texts
from tests.queue import drain

PHONE = "+447700900123"


@pytest.fixture
def twilio(app) -> Iterator[responses.RequestsMock]:
    with configured(app), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        ensure_page("Acme Status")
        db.session.commit()
        yield mock


def phone_subscriber(
    phone: str = PHONE, *, all_updates: bool | None = None, email: str | None = None
) -> ContactPoint:
    """A verified number (priority 1), with an email address after it if given."""
    sms = contact_point(
        phone, Channel.sms, meta=None if all_updates is None else {"all_updates": all_updates}
    )
    after = [contact_point(email, priority=2)] if email else []
    subscriber(sms, *after)
    db.session.commit()
    return sms


def deliveries_of(contact: ContactPoint) -> list[Delivery]:
    return list(
        db.session.scalars(
            select(Delivery).where(Delivery.contact_point_id == contact.id).order_by(Delivery.id)
        )
    )


def commit_and_run(queue) -> None:
    db.session.commit()
    drain(queue)


def test_an_incident_is_texted_when_it_opens_and_resolves_not_in_between(twilio, queue):
    accept(twilio)
    contact = phone_subscriber()

    incident = create_incident(OpenIncident("API down", "Looking."))
    commit_and_run(queue)
    (opened,) = texts(twilio)
    url = f"http://status.example.test/incidents/{incident.id}"
    assert opened == {
        "To": PHONE,
        "From": "+15005550006",
        "Body": f"Acme Status: API down (Investigating) {url}",
    }

    for status in ("identified", "monitoring"):
        post_update(incident, PostUpdate("Working on it.", status=status))
        commit_and_run(queue)
    assert len(texts(twilio)) == 1
    # Not skipped at send time: the middle updates never had a delivery for this number.
    assert len(deliveries_of(contact)) == 1

    post_update(incident, PostUpdate("Fixed.", status="resolved"))
    commit_and_run(queue)
    assert [t["Body"] for t in texts(twilio)][1] == f"Acme Status: API down (Resolved) {url}"
    sent = deliveries_of(contact)
    assert [d.state for d in sent] == [DeliveryState.sent] * 2
    assert sent[1].provider_id == "SM" + "0" * 31 + "2"


def test_maintenance_is_texted_when_scheduled_begun_and_completed(twilio, queue):
    accept(twilio)
    phone_subscriber()
    start = utcnow() + timedelta(days=1)
    window = schedule_maintenance(
        ScheduleMaintenance(
            "Switch swap",
            "Brief blips.",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
        )
    )
    commit_and_run(queue)
    for status in ("in_progress", "verifying", "completed"):
        post_update(window, PostUpdate(f"Now {status}.", status=status))
        commit_and_run(queue)
    assert [t["Body"].split(") ")[0] for t in texts(twilio)] == [
        "Acme Status: Switch swap (Scheduled",
        "Acme Status: Switch swap (In progress",
        "Acme Status: Switch swap (Completed",
    ]


def test_a_number_that_chose_every_update_gets_every_update(twilio, queue):
    accept(twilio)
    phone_subscriber(all_updates=True)
    phone_subscriber("+447700900456", all_updates=False)
    incident = create_incident(OpenIncident("Slow", "Looking."))
    commit_and_run(queue)
    post_update(incident, PostUpdate("Found it.", status="identified"))
    commit_and_run(queue)
    assert [t["To"] for t in texts(twilio)] == [PHONE, "+447700900456", PHONE]


def test_the_opening_update_is_the_earliest_by_display_time(twilio):
    """A backfilled update shown before the first one posted becomes the opening one."""
    incident = create_incident(OpenIncident("Blip", "Seen."))
    (posted_first,) = incident.updates
    backfilled = post_update(
        incident,
        PostUpdate(
            "It began earlier.", status="identified", display_at=utcnow() - timedelta(hours=1)
        ),
    )
    db.session.commit()
    notice = {n.update_id: n for n in db.session.scalars(select(Notice))}
    assert sms_worthy(notice[backfilled.id])
    assert not sms_worthy(notice[posted_first.id])


def test_a_middle_update_goes_to_the_next_channel_of_a_person_who_has_one(twilio, queue, smtp):
    accept(twilio)
    phone_subscriber(email="ann@example.com")
    incident = create_incident(OpenIncident("API down", "Looking."))
    commit_and_run(queue)
    post_update(incident, PostUpdate("Found it.", status="identified"))
    commit_and_run(queue)
    assert len(texts(twilio)) == 1
    (mail,) = smtp.inbox.messages
    assert mail["Subject"].endswith("API down")
    assert mail.get_body(("plain",)).get_content().splitlines()[1].startswith("Identified")


def test_a_number_that_said_stop_to_twilio_is_disabled_and_email_takes_over(twilio, queue, smtp):
    refuse(twilio, 400, 21610, "Attempt to send to unsubscribed recipient")
    contact = phone_subscriber(email="ann@example.com")
    create_incident(OpenIncident("API down", "Looking."))
    commit_and_run(queue)
    db.session.expire_all()
    contact = db.session.get(ContactPoint, contact.id)
    assert contact.active is False
    assert "21610" in contact.disabled_reason
    (failed,) = deliveries_of(contact)
    assert failed.state is DeliveryState.failed
    (mail,) = smtp.inbox.messages  # the fallback: the person's next contact point
    assert mail["To"] == "ann@example.com"


def test_twilio_down_is_retried_not_failed(twilio, queue):
    refuse(twilio, 503, 20503, "Service unavailable")
    contact = phone_subscriber()
    create_incident(OpenIncident("API down", "Looking."))
    commit_and_run(queue)
    (delivery,) = deliveries_of(contact)
    assert delivery.state is DeliveryState.retry
    assert delivery.next_attempt_at is not None
    db.session.refresh(contact)
    assert contact.active
    assert contact.bounces == 0


def test_without_twilio_sms_deliveries_are_stuck_instead_of_failing(app, queue):
    ensure_page("Acme Status")
    contact = phone_subscriber()
    create_incident(OpenIncident("API down", "Looking."))
    commit_and_run(queue)
    (delivery,) = deliveries_of(contact)
    assert delivery.state is DeliveryState.stuck  # parked, not an endless retry
    assert delivery.last_error == "stuck: sms channel not configured"
    db.session.refresh(contact)
    assert (contact.active, contact.bounces) == (True, 0)


def test_a_long_incident_name_gives_way_to_the_status_and_the_link(twilio, queue):
    accept(twilio)
    phone_subscriber()
    # Curly quotes, as an editor types them: made GSM-7 so the text keeps its 160 characters.
    name = "Elevated error rates on the \u201ccheckout\u201d API for customers everywhere " * 3
    incident = create_incident(OpenIncident(name, "Looking."))
    commit_and_run(queue)
    (text,) = texts(twilio)
    url = f"http://status.example.test/incidents/{incident.id}"
    assert len(text["Body"]) <= 160
    assert text["Body"].startswith('Acme Status: Elevated error rates on the "checkout" API')
    assert text["Body"].endswith(f"... (Investigating) {url}")
