"""The delivery engine end to end: publish, fan out, deliver by email to a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.core.errors import InvalidInput
from statuspage.delivery.engine import deliver, fan_out
from statuspage.delivery.ledger import acknowledge, claim, stale_notices
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.jobs.every_minute import sweep
from statuspage.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Notice,
)
from tests.factories import subscriber
from tests.queue import drain


def test_an_update_reaches_every_matching_subscriber_once(smtp, queue):
    api, web = create_component("API"), create_component("Web")
    subscriber("all@example.com")
    subscriber("api@example.com", components=[api])
    subscriber("web@example.com", components=[web])
    paused = subscriber("paused@example.com")
    paused.paused = True
    db.session.commit()

    incident = create_incident(
        OpenIncident("API down", "Looking.", components={api: "major_outage"})
    )
    db.session.commit()  # the outbox enqueues fan_out now
    drain(queue)
    got = sorted(m["To"] for m in smtp.inbox.messages)
    assert got == ["all@example.com", "api@example.com"]
    assert db.session.scalar(select(func.count()).select_from(DeliveryAttempt)) == 2

    post_update(incident, PostUpdate("Fixed.", status="resolved", components={api: "operational"}))
    db.session.commit()
    drain(queue)
    assert len(smtp.inbox.messages) == 4


def test_messages_carry_one_click_unsubscribe(smtp, queue):
    """Threading has its own tests (test_threading.py)."""
    subscriber("ann@example.com")
    db.session.commit()
    incident = create_incident(OpenIncident("Slow", "**Slow** pages."))
    db.session.commit()
    drain(queue)
    post_update(incident, PostUpdate("Better.", status="monitoring"))
    db.session.commit()
    drain(queue)
    first, second = smtp.inbox.messages
    assert first["Message-ID"] != second["Message-ID"]
    assert first["List-Unsubscribe"].startswith("<http://status.example.test/subscriptions/")
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first["List-Id"].endswith(".status.example.test>")
    assert first.is_multipart()
    html = first.get_body(("html",)).get_content()
    assert "<strong>Slow</strong>" in html
    assert "Slow pages." in first.get_body(("plain",)).get_content()


def test_fan_out_twice_creates_nothing_twice(smtp, queue):
    for n in range(5):
        subscriber(f"p{n}@example.com")
    db.session.commit()
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    notice = db.session.scalars(select(Notice)).one()
    queue.huey.flush()  # run it by hand instead
    assert fan_out(notice.id) == 5
    db.session.commit()
    notice.fanout_state = notice.fanout_state.running  # as if a crash left it running
    notice.fanout_cursor = 0
    db.session.commit()
    assert fan_out(notice.id) == 0
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 5
    db.session.expire_all()
    assert notice.recipients == 5  # the second walk created nothing, so counted nothing


def test_the_sweep_takes_over_only_a_fan_out_that_stopped_moving(smtp, queue):
    """A long fan-out (a large audience) still committing pages is left alone; one whose
    last page is older than FANOUT_STALE_SECONDS, or that never started, is taken over."""
    subscriber("p@example.com")
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    notice = db.session.scalars(select(Notice)).one()
    queue.huey.flush()  # the sweep's choice is what is looked at, not the queue
    now = utcnow()
    notice.created_at = now - timedelta(minutes=30)
    db.session.commit()
    assert stale_notices(now, stale_after=timedelta(minutes=2)) == [notice.id]  # never started

    fan_out(notice.id)
    db.session.commit()
    assert notice.fanout_progress_at >= now
    notice.fanout_state = notice.fanout_state.running  # as if still running
    notice.fanout_progress_at = now - timedelta(seconds=30)  # its last page, 30 s ago
    db.session.commit()
    assert stale_notices(now, stale_after=timedelta(minutes=2)) == []
    notice.fanout_progress_at = now - timedelta(minutes=5)  # no page for 5 minutes
    db.session.commit()
    assert stale_notices(now, stale_after=timedelta(minutes=2)) == [notice.id]


def test_an_smtp_outage_is_retried_with_backoff_and_nothing_is_lost(smtp, queue):
    for n in range(3):
        subscriber(f"p{n}@example.com")
    db.session.commit()
    smtp.stop()
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    drain(queue)
    deliveries = db.session.scalars(select(Delivery)).all()
    assert {d.state for d in deliveries} == {DeliveryState.retry}
    assert all(d.next_attempt_at > utcnow() for d in deliveries)
    attempts = db.session.scalars(select(DeliveryAttempt)).all()
    assert {a.outcome for a in attempts} == {"retry"}
    assert all("connect" in a.error for a in attempts)

    smtp.start()
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        sweep()
        db.session.commit()
        drain(queue)
    db.session.expire_all()
    assert {d.state for d in db.session.scalars(select(Delivery))} == {DeliveryState.sent}
    assert sorted(m["To"] for m in smtp.inbox.messages) == [f"p{n}@example.com" for n in range(3)]


def test_a_refused_address_falls_back_to_the_next_contact_point(smtp, queue):
    person = subscriber("gone@example.com", "backup@example.com")
    smtp.inbox.refuse.add("gone@example.com")
    db.session.commit()
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    drain(queue)
    assert [m["To"] for m in smtp.inbox.messages] == ["backup@example.com"]
    first, second = sorted(db.session.scalars(select(Delivery)).all(), key=lambda d: d.id)
    assert first.state is DeliveryState.failed
    assert second.fallback_of_id == first.id
    assert person.contact_points[0].bounces == 1


def test_a_lease_left_by_a_crashed_worker_expires_and_the_sweep_sends_it(smtp, queue):
    subscriber("ann@example.com")
    db.session.commit()
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    notice = db.session.scalars(select(Notice)).one()
    queue.huey.flush()
    fan_out(notice.id)
    db.session.commit()
    queue.huey.flush()  # the deliver job is lost with its worker
    delivery = db.session.scalars(select(Delivery)).one()
    assert claim([delivery.id], utcnow()) == [delivery.id]  # leased ... and the worker dies
    db.session.commit()
    assert deliver([delivery.id]) == []  # the lease still holds: nobody else sends it
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        sweep()
        db.session.commit()
        drain(queue)
    assert [m["To"] for m in smtp.inbox.messages] == ["ann@example.com"]


def _notice_requiring_ack(window_seconds: int) -> Notice:
    create_incident(
        OpenIncident(
            "Breach", "Please confirm you read this.", ack_window=timedelta(seconds=window_seconds)
        )
    )
    db.session.commit()
    notice = db.session.scalars(select(Notice)).one()
    assert notice.requires_ack
    assert notice.ack_window_seconds == window_seconds
    return notice


def test_an_acknowledgement_window_is_bounded():
    with pytest.raises(InvalidInput, match="between 1 minute and 7 days"):
        create_incident(OpenIncident("Breach", "Read this.", ack_window=timedelta(seconds=5)))


def test_no_acknowledgement_in_time_moves_on_to_the_next_contact_point(smtp, queue):
    subscriber("desk@example.com", "mobile@example.com")
    db.session.commit()
    _notice_requiring_ack(600)
    drain(queue)
    assert [m["To"] for m in smtp.inbox.messages] == ["desk@example.com"]
    assert "/ack/" in smtp.inbox.messages[0].get_body(("plain",)).get_content()
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        sweep()
        db.session.commit()
        drain(queue)
    assert len(smtp.inbox.messages) == 1  # still inside the window
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        sweep()
        db.session.commit()
        drain(queue)
    assert [m["To"] for m in smtp.inbox.messages] == ["desk@example.com", "mobile@example.com"]
    first, second = sorted(db.session.scalars(select(Delivery)), key=lambda d: d.id)
    assert first.state is DeliveryState.superseded
    assert second.fallback_of_id == first.id


def test_an_acknowledged_message_needs_no_fallback(smtp, queue):
    subscriber("desk@example.com", "mobile@example.com")
    db.session.commit()
    _notice_requiring_ack(600)
    drain(queue)
    delivery = db.session.scalars(select(Delivery)).one()
    assert acknowledge(delivery, utcnow(), "email-link")
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(minutes=30), tick=False):
        sweep()
        db.session.commit()
        drain(queue)
    assert [m["To"] for m in smtp.inbox.messages] == ["desk@example.com"]
    assert delivery.ack_path == "email-link"


def test_an_address_that_keeps_bouncing_stops_being_used(smtp, queue):
    """A refusal that is about the message, not the address (RFC 3463 X.7.1, a policy):
    three in a row and the address is dropped."""
    person = subscriber("gone@example.com", "backup@example.com")
    smtp.inbox.reject["gone@example.com"] = "550 5.7.1 Delivery not authorized"
    db.session.commit()
    for n in range(4):
        create_incident(OpenIncident(f"Outage {n}", "Down."))
        db.session.commit()
        drain(queue)
    primary = person.contact_points[0]
    db.session.refresh(primary)
    assert primary.bounces == 3
    assert primary.active is False
    assert "3 permanent failures" in primary.disabled_reason
    # The fourth incident went straight to the backup: nothing was tried on the dead address.
    tried = db.session.scalars(
        select(Delivery).where(Delivery.contact_point_id == primary.id)
    ).all()
    assert len(tried) == 3
    assert [m["To"] for m in smtp.inbox.messages] == ["backup@example.com"] * 4


def test_an_address_that_does_not_exist_is_dropped_at_the_first_hard_bounce(smtp, queue):
    """RFC 3463 5.1.1 (bad destination mailbox) says the address is dead: disabled at once,
    so the next notices go to the person's next contact point without trying it again."""
    person = subscriber("gone@example.com", "backup@example.com")
    smtp.inbox.refuse.add("gone@example.com")  # 550 5.1.1 No such user
    db.session.commit()
    for n in range(2):
        create_incident(OpenIncident(f"Outage {n}", "Down."))
        db.session.commit()
        drain(queue)
    primary = person.contact_points[0]
    db.session.refresh(primary)
    assert primary.active is False
    assert primary.disabled_reason.startswith("gone: recipient refused: 550 5.1.1")
    tried = db.session.scalars(select(Delivery).where(Delivery.contact_point_id == primary.id))
    assert len(tried.all()) == 1
    assert [m["To"] for m in smtp.inbox.messages] == ["backup@example.com"] * 2


def test_a_notice_goes_to_those_subscribed_when_it_was_published(smtp, queue):
    """Who receives is fixed at publishing: an address confirmed while the notice waits in
    the queue (the demo's old notices met the first browser to subscribe) gets only what is
    published after it subscribed."""
    subscriber("early@example.com")
    db.session.commit()
    incident = create_incident(OpenIncident("Slow", "Looking."))
    db.session.commit()  # the notice exists; its fan-out waits in the queue
    with time_machine.travel(utcnow() + timedelta(seconds=5), tick=False):
        subscriber("late@example.com")
        db.session.commit()
        drain(queue)
        assert [m["To"] for m in smtp.inbox.messages] == ["early@example.com"]
        post_update(incident, PostUpdate("Found it.", status="identified"))
        db.session.commit()
        drain(queue)
    assert sorted(m["To"] for m in smtp.inbox.messages[1:]) == [
        "early@example.com", "late@example.com",
    ]  # fmt: skip
