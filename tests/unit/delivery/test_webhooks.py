"""Webhooks through the delivery engine: publish, drain the real queue, and a local receiver
verifies each request with `standardwebhooks` and reads Statuspage's webhook shapes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.delivery.ledger import FAILURES_TO_DISABLE_ENDPOINT
from statuspage.delivery.messages import event_id
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.jobs.every_minute import sweep
from statuspage.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Role,
)
from statuspage.page.state import get_page
from statuspage.subscribers.endpoints import new_secret
from tests.factories import contact_point, staff_user, subscriber
from tests.fakes.receiver import Receiver
from tests.queue import drain

BASE = "http://status.example.test"


def webhook_subscriber(
    receiver: Receiver,
    *,
    components=None,
    email_first: str | None = None,
    notify: str | None = "ops@example.com",
) -> ContactPoint:
    """A subscriber whose webhook is verified; with `email_first`, an email tried before it."""
    receiver.secret = receiver.secret or new_secret()
    hook = contact_point(
        f"{receiver.url}/hooks/{len(receiver.requests)}",
        Channel.webhook,
        key=f"hook-{new_secret()}",
        priority=2,
        secret=receiver.secret,
        meta={"notify_email": notify},
    )
    before = [contact_point(email_first)] if email_first else []
    subscriber(*before, hook, components=components)
    db.session.commit()
    return hook


# Every field of the incident object in Statuspage's incident webhook (its documented sample,
# "Webhook notifications" in Statuspage's help), with the type it carries there.
OPTIONAL_TIME = (str, type(None))
STATUSPAGE_INCIDENT_FIELDS = {
    "backfilled": bool,
    "created_at": str,
    "id": str,
    "impact": str,
    "impact_override": (str, type(None)),
    "incident_updates": list,
    "monitoring_at": OPTIONAL_TIME,
    "name": str,
    "postmortem_body": (str, type(None)),
    "postmortem_body_last_updated_at": OPTIONAL_TIME,
    "postmortem_ignored": bool,
    "postmortem_notified_subscribers": bool,
    "postmortem_notified_twitter": bool,
    "postmortem_published_at": OPTIONAL_TIME,
    "resolved_at": OPTIONAL_TIME,
    "scheduled_auto_transition": bool,
    "scheduled_for": OPTIONAL_TIME,
    "scheduled_remind_prior": bool,
    "scheduled_reminded_at": OPTIONAL_TIME,
    "scheduled_until": OPTIONAL_TIME,
    "shortlink": str,
    "status": str,
    "updated_at": str,
}


def test_an_update_reaches_the_webhook_signed_in_statuspage_shapes(client, receiver, queue):
    api, web = create_component("API"), create_component("Web")
    webhook_subscriber(receiver)
    db.session.commit()
    incident = create_incident(
        OpenIncident("API down", "**Errors** on every call.", components={api: "major_outage"})
    )
    db.session.commit()
    drain(queue)

    assert all(r.verified for r in receiver.requests)
    key = event_id(db.session.scalars(select(Delivery)).one())
    assert [r.headers["webhook-id"] for r in receiver.requests] == [
        key,
        f"{key}-component-{api.id}",
    ]
    event, component_event = receiver.bodies()
    assert set(event) == {"meta", "page", "incident"}
    assert event["meta"]["unsubscribe"].startswith(f"{BASE}/subscriptions/unsubscribe/")
    assert event["meta"]["documentation"].startswith("https://")
    assert event["meta"]["generated_at"].endswith("Z")
    assert event["page"] == {
        "id": get_page().id,
        "status_indicator": "critical",
        "status_description": "Major Service Outage",
    }
    # The incident is what the public API v2 says about it, and Statuspage's other fields.
    (listed,) = client.get("/api/v2/incidents.json").get_json()["incidents"]
    assert {k: v for k, v in event["incident"].items() if k in listed} == listed
    assert event["incident"]["incident_updates"][0]["body"] == "**Errors** on every call."
    for field, kind in STATUSPAGE_INCIDENT_FIELDS.items():
        assert isinstance(event["incident"][field], kind), field
    assert event["incident"]["backfilled"] is False

    assert set(component_event) == {"meta", "page", "component_update", "component"}
    assert component_event["meta"] == event["meta"]
    update = component_event["component_update"]
    assert set(update) == {"created_at", "new_status", "old_status", "id", "component_id"}
    assert (update["old_status"], update["new_status"]) == ("operational", "major_outage")
    assert update["component_id"] == api.id
    assert component_event["component"]["id"] == api.id
    assert component_event["component"]["name"] == "API"
    assert component_event["component"]["status"] == "major_outage"

    # A later update that changes nothing in the components sends the incident alone.
    post_update(incident, PostUpdate("Still looking.", status="identified"))
    db.session.commit()
    drain(queue)
    assert len(receiver.requests) == 3
    assert receiver.requests[2].json["incident"]["status"] == "identified"
    assert web.id not in str(receiver.bodies())


def test_component_updates_go_only_to_followers_of_the_component(receiver, queue):
    api, web = create_component("API"), create_component("Web")
    webhook_subscriber(receiver, components=[web])
    create_incident(
        OpenIncident("Both down", "Down.", components={api: "partial_outage", web: "major_outage"})
    )
    db.session.commit()
    drain(queue)
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    key = event_id(db.session.scalars(select(Delivery)).one())
    assert ids == [key, f"{key}-component-{web.id}"]


def _later(queue, at: datetime) -> None:
    """The sweep at `at`: due retries are sent (the receiver's clock moves with ours)."""
    with time_machine.travel(at, tick=False):
        sweep()
        db.session.commit()
        drain(queue)


def test_a_failure_is_retried_with_backoff_and_then_delivered(receiver, queue):
    hook = webhook_subscriber(receiver)
    receiver.answer(500)
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    drain(queue)
    delivery = db.session.scalars(select(Delivery)).one()
    assert delivery.state is DeliveryState.retry
    wait = delivery.next_attempt_at - utcnow()
    assert timedelta(seconds=10) < wait <= timedelta(seconds=31)  # 30 s, jittered
    _later(queue, utcnow() + timedelta(seconds=5))
    assert len(receiver.requests) == 1  # not due yet
    _later(queue, delivery.next_attempt_at + timedelta(seconds=1))
    db.session.expire_all()
    assert delivery.state is DeliveryState.sent
    attempts = db.session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [a.outcome for a in attempts] == ["retry", "sent"]
    assert attempts[0].error.startswith("HTTP 500")
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == event_id(delivery)
    assert second.verified
    assert db.session.get(ContactPoint, hook.id).failures_in_row == 0


def test_a_run_of_failures_disables_the_webhook_and_tells_its_owner(receiver, queue, smtp):
    staff_user("owner@example.com", Role.owner)
    hook = webhook_subscriber(receiver, notify="integrator@example.com")
    receiver.default = 503
    clock = utcnow()
    incident = create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    drain(queue)
    for _ in range(12):  # a first delivery runs out of attempts...
        clock += timedelta(hours=2)
        _later(queue, clock)
    post_update(incident, PostUpdate("Still down.", status="identified"))  # ...then the next one
    db.session.commit()
    drain(queue)
    for _ in range(3):
        clock += timedelta(hours=2)
        _later(queue, clock)
    db.session.expire_all()
    hook = db.session.get(ContactPoint, hook.id)
    assert hook.active is False
    assert hook.failures_in_row == FAILURES_TO_DISABLE_ENDPOINT
    assert f"{FAILURES_TO_DISABLE_ENDPOINT} failures in a row" in hook.disabled_reason
    assert len(receiver.requests) == FAILURES_TO_DISABLE_ENDPOINT  # and not one more
    assert {d.state for d in db.session.scalars(select(Delivery))} == {DeliveryState.failed}

    # The owner also gets the incident's cadence reminders (incidents.cadence): not these.
    notices = [m for m in smtp.inbox.messages if "Update due" not in m["Subject"]]
    assert sorted(m["To"] for m in notices) == ["integrator@example.com", "owner@example.com"]
    text = notices[0].get_body(("plain",)).get_content()
    assert notices[0]["Subject"].endswith("Updates to your webhook endpoint have stopped")
    assert hook.address in text
    assert "HTTP 503" in text

    # Disabled means skipped: the next incident is not even tried there.
    create_incident(OpenIncident("Again", "Down."))
    db.session.commit()
    drain(queue)
    assert len(receiver.requests) == FAILURES_TO_DISABLE_ENDPOINT


def test_a_410_disables_the_webhook_at_once(receiver, queue, smtp):
    hook = webhook_subscriber(receiver, notify="integrator@example.com")
    receiver.answer(410)
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    drain(queue)
    hook = db.session.get(ContactPoint, hook.id)
    assert hook.active is False
    assert hook.disabled_reason.startswith("gone: HTTP 410")
    assert [m["To"] for m in smtp.inbox.messages] == ["integrator@example.com"]


def test_an_email_that_fails_for_good_falls_back_to_the_webhook(receiver, queue, smtp):
    smtp.inbox.refuse.add("gone@example.com")
    hook = webhook_subscriber(receiver, email_first="gone@example.com")
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    drain(queue)
    assert smtp.inbox.messages == []
    (request,) = receiver.requests
    assert request.verified
    assert request.json["incident"]["name"] == "Down"
    first, second = sorted(db.session.scalars(select(Delivery)), key=lambda d: d.id)
    assert (first.channel, first.state) == (Channel.email, DeliveryState.failed)
    assert (second.contact_point_id, second.fallback_of_id) == (hook.id, first.id)
    assert second.state is DeliveryState.sent
    assert request.headers["webhook-id"] == event_id(second)


def test_a_chat_channel_can_acknowledge_a_notice_that_asks_for_it(client, receiver, queue):
    subscriber(contact_point(f"{receiver.url}/services/T/B/x", Channel.slack, key="slack-1"))
    db.session.commit()
    create_incident(
        OpenIncident("Breach", "Confirm you read this.", ack_window=timedelta(minutes=30))
    )
    db.session.commit()
    drain(queue)
    (message,) = receiver.bodies()
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    ack = actions["elements"][0]["url"]
    assert ack.startswith(f"{BASE}/ack/")
    path = ack.removeprefix(BASE)
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    assert client.post(path, data={"csrf_token": token}).status_code == 200
    db.session.expire_all()
    acknowledged = db.session.scalars(select(Delivery)).one()
    assert acknowledged.acknowledged_at is not None
    assert acknowledged.ack_path == "slack-link"  # how: the link came in the Slack message


def test_a_retry_is_scheduled_in_the_queue_for_its_due_time(receiver, queue):
    """An outside check saw a webhook answering 500 retried ~55 s later with a 1 s backoff:
    retries waited for the minute sweep. Now the engine schedules a deliver job at the
    delivery's next_attempt_at; the queue's own scheduler (read here as the consumer reads it)
    runs it then, with no sweep at all."""
    webhook_subscriber(receiver)
    receiver.answer(500)  # then the receiver's default answer, 200
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    drain(queue)
    delivery = db.session.scalars(select(Delivery)).one()
    assert delivery.state is DeliveryState.retry
    due = delivery.next_attempt_at
    # (the incident's cadence reminder is scheduled too, for its own time: not this test's)
    (scheduled,) = [task for task in queue.huey.scheduled() if task.name == "deliver"]
    assert scheduled.args == ([delivery.id],)
    assert due <= scheduled.eta.replace(tzinfo=due.tzinfo) <= due + timedelta(seconds=1)

    assert queue.huey.read_schedule(scheduled.eta - timedelta(seconds=1)) == []  # not early
    with time_machine.travel(scheduled.eta.replace(tzinfo=due.tzinfo), tick=False):
        for task in queue.huey.read_schedule(scheduled.eta):  # what the consumer does
            queue.huey.enqueue(task)
        drain(queue)
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).state is DeliveryState.sent
    assert len(receiver.requests) == 2


def test_a_backfilled_incident_says_so_in_its_webhook(receiver, queue):
    webhook_subscriber(receiver)
    create_incident(
        OpenIncident("Yesterday's outage", "It happened.", at=utcnow() - timedelta(days=1))
    )
    db.session.commit()
    drain(queue)
    (event,) = receiver.bodies()
    assert event["incident"]["backfilled"] is True
