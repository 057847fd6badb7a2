"""[4/7]'s "done means", end to end: one update posted in the admin appears on the page, in the
feeds, in an inbox, as a browser notification, as a reply in the incident's thread on X and
Mastodon, in Slack and at a webhook, signed; and a notice that is not public reaches none of
them.

Every far end is real or replaced only at the HTTP boundary: aiosmtpd, a local push service
that checks VAPID and decrypts, a fake Mastodon server, X intercepted by `responses`, a local
receiver that verifies Standard Webhooks signatures. The queue is Huey's, drained here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import feedparser
import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.components.catalog import create_component
from statuspage.delivery.outbox import FAN_OUT, after_commit
from statuspage.extensions import db, limiter
from statuspage.models import (
    Audience,
    Channel,
    Delivery,
    Incident,
    Role,
)
from statuspage.social import accounts
from statuspage.vapid import vapid_keys
from tests.admin.staff_client import signed_in
from tests.factories import contact_point, notice, subscriber, webhook_subscriber
from tests.fakes.push_service import PushService
from tests.fakes.social import MASTODON_TOKEN
from tests.queue import drain

BASE = "http://status.example.test"
X_KEYS = {
    "consumer_key": "consumer-key-1234",
    "consumer_secret": "consumer-secret-5678",
    "access_token": "access-token-9012",
    "access_token_secret": "access-secret-3456",
}


@pytest.fixture
def push_service(app: Flask) -> Iterator[PushService]:
    service = PushService().start()
    previous = app.config["PUSH_SERVICES"]
    app.config["PUSH_SERVICES"] = "http://127.0.0.1:*"
    limiter.reset()
    yield service
    app.config["PUSH_SERVICES"] = previous
    limiter.reset()
    service.stop()


def test_one_update_reaches_every_channel_and_a_private_notice_none(
    app, client, smtp, queue, push_service, mastodon, x_api, receiver
):
    api = create_component("API")
    subscriber("ann@example.com")
    webhook_subscriber(receiver)
    subscriber(
        contact_point(f"{receiver.url}/services/T0/B0/slack", Channel.slack, key="slack-acme")
    )
    accounts.save_account(
        Channel.mastodon,
        label="@acme@fake.example",
        credentials={"base_url": mastodon.url, "access_token": MASTODON_TOKEN},
        enabled=True,
        allow_loopback=True,  # the fake Mastodon runs on this machine
    )
    accounts.save_account(Channel.x, label="@acmestatus", credentials=X_KEYS, enabled=True)
    db.session.commit()
    key = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path).application_server_key
    browser = push_service.browser(application_server_key=key)
    subscribed = client.post(
        "/push/subscriptions",
        data=json.dumps({"subscription": browser.subscription()}),
        headers={"Content-Type": "application/json", "Origin": BASE},
    )
    assert subscribed.status_code in (200, 201), subscribed.get_data(as_text=True)

    comms = signed_in(app, Role.comms)
    posted = comms.submit(
        "/admin/incidents/new",
        {
            "name": "Checkout failing",
            "status": "investigating",
            "impact": "",
            "body": "Payments **fail** for some customers.",
            f"component-{api.id}": "major_outage",
            "notify": "y",
        },
        page="/admin/incidents/new",
    )
    assert posted.status_code == 302
    incident = db.session.scalars(select(Incident)).one()
    drain(queue)

    # The page and the feeds.
    assert "Checkout failing" in client.get("/").get_data(as_text=True)
    feed = feedparser.parse(client.get("/history.atom").get_data())
    assert any("Checkout failing" in entry.title for entry in feed.entries)
    # An inbox.
    (mail,) = smtp.inbox.messages
    assert mail["To"] == "ann@example.com"
    assert "Checkout failing" in mail["Subject"]
    # A browser notification, decrypted with the subscriber's own key.
    assert push_service.problems == []
    (push,) = push_service.received
    assert "Checkout failing" in push.message["title"]
    assert push.message["url"] == f"{BASE}/incidents/{incident.id}"
    # Mastodon and X: the first post of the incident starts a thread.
    (toot,) = mastodon.statuses.values()
    assert "Checkout failing" in toot["content"]
    assert toot["in_reply_to_id"] is None
    (tweet,) = x_api.posted
    assert "Checkout failing" in tweet.text
    assert tweet.reply_to is None
    # Slack and the webhook: the webhook signed (the receiver verified it), Slack in its shape.
    hooks = [r for r in receiver.requests if r.path.startswith("/hooks/")]
    slack = [r for r in receiver.requests if r.path.startswith("/services/")]
    assert hooks
    assert all(r.verified for r in hooks)
    assert hooks[0].json["incident"]["name"] == "Checkout failing"
    (slack_post,) = slack
    assert "Checkout failing" in json.dumps(slack_post.json)
    assert "blocks" in slack_post.json or "attachments" in slack_post.json

    # A further update: everything again, and on X and Mastodon a reply in the thread.
    updated = comms.submit(
        f"/admin/incidents/{incident.id}/updates",
        {
            "status": "identified",
            "body": "A certificate expired; renewing it.",
            f"component-{api.id}": "partial_outage",
            "notify": "y",
        },
        page=f"/admin/incidents/{incident.id}",
    )
    assert updated.status_code == 302
    drain(queue)
    assert len(smtp.inbox.messages) == 2
    assert len(push_service.received) == 2
    first_toot_id = next(iter(mastodon.statuses))
    assert mastodon.requests[-1].reply_to == first_toot_id
    assert x_api.posted[-1].reply_to == tweet.id
    assert len([r for r in receiver.requests if r.path.startswith("/services/")]) == 2
    assert all(r.verified for r in receiver.requests if r.path.startswith("/hooks/"))

    # A notice for an audience that is not the public reaches none of these channels.
    seen = (
        len(smtp.inbox.messages),
        len(push_service.received),
        len(mastodon.requests),
        len(x_api.requests),
        len(receiver.requests),
    )
    deliveries = len(db.session.scalars(select(Delivery.id)).all())
    private = notice(incident, Audience.segments)
    after_commit(FAN_OUT, private.id)
    db.session.commit()
    drain(queue)
    assert len(db.session.scalars(select(Delivery.id)).all()) == deliveries
    assert seen == (
        len(smtp.inbox.messages),
        len(push_service.received),
        len(mastodon.requests),
        len(x_api.requests),
        len(receiver.requests),
    )
