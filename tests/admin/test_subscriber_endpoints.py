"""Staff add a webhook or chat contact point to a person in the admin; a webhook's signing
secret is shown once, a chat hook must take its welcome message."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.models import AuditEvent, Channel, ContactPoint, Subscriber
from tests.admin.staff_client import Staff, signed_in
from tests.factories import subscriber
from tests.fakes.receiver import Receiver

SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')


def person() -> Subscriber:
    """Ann, with a verified email address; committed."""
    someone = subscriber("ann@example.com", name="Ann")
    db.session.commit()
    return someone


def add(staff: Staff, someone: Subscriber, channel: str, url: str, **fields):
    page = f"/admin/subscribers/{someone.id}"
    data = {"channel": channel, "url": url, "notify_email": "ops@example.com"} | fields
    return staff.submit(f"{page}/endpoints", data, page=page)


def points(someone: Subscriber) -> list[ContactPoint]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ContactPoint)
            .where(ContactPoint.subscriber_id == someone.id)
            .order_by(ContactPoint.priority)
        )
    )


def test_a_webhook_is_added_after_the_persons_email_and_its_secret_shown_once(
    owner: Staff, receiver: Receiver
):
    someone = person()
    assert "Add a webhook or chat channel" in owner.get(f"/admin/subscribers/{someone.id}").text
    response = add(owner, someone, "webhook", receiver.url + "/ann")
    assert response.status_code == 200
    secret = SECRET.search(response.get_data(as_text=True))[1]
    _, hook = points(someone)
    assert (hook.channel, hook.priority, hook.secret) == (Channel.webhook, 2, secret)
    assert hook.verified_at is not None  # on staff's word
    assert hook.meta == {"notify_email": "ops@example.com"}
    assert secret not in owner.get(f"/admin/subscribers/{someone.id}").get_data(as_text=True)
    event = db.session.scalars(select(AuditEvent)).all()[-1]
    assert event.action == "subscriber.endpoint_added"
    assert event.after["channel"] == "webhook"


def test_a_slack_hook_is_added_when_it_takes_the_welcome(owner: Staff, receiver: Receiver):
    someone = person()
    response = add(owner, someone, "slack", receiver.url + "/services/T/B/x")
    assert response.status_code == 302
    (welcome,) = receiver.requests
    assert welcome.json["blocks"][0]["type"] == "header"
    assert [p.channel for p in points(someone)] == [Channel.email, Channel.slack]


def test_a_hook_that_refuses_the_welcome_is_not_added(owner: Staff, receiver: Receiver):
    someone = person()
    receiver.answer(404)
    response = add(owner, someone, "discord", receiver.url + "/api/webhooks/1/x")
    assert response.status_code == 422
    assert "did not accept" in response.get_data(as_text=True)
    assert [p.channel for p in points(someone)] == [Channel.email]


def test_a_bad_url_is_shown_again_with_the_reason(owner: Staff):
    someone = person()
    response = add(owner, someone, "teams", "https://example.com/hook")
    assert response.status_code == 422
    assert "webhook.office.com" in response.get_data(as_text=True)
    assert len(points(someone)) == 1


def test_only_those_who_may_add_people_may_add_endpoints(app: Flask, receiver: Receiver):
    someone = person()
    viewer = signed_in(app, "viewer")
    assert "Add a webhook" not in viewer.get(f"/admin/subscribers/{someone.id}").text
    page = f"/admin/subscribers/{someone.id}"
    data = {"channel": "webhook", "url": receiver.url, "csrf_token": viewer.token(page)}
    assert viewer.post(f"{page}/endpoints", data).status_code == 403
    assert len(points(someone)) == 1
