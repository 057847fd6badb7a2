"""Browser notifications end to end: the page's JSON endpoints, then the real engine sending to a
local push service that checks VAPID and decrypts each message like the browser would."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.components.catalog import create_component
from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import Channel, ContactPoint, Delivery, DeliveryState, Subscriber
from statuspage.vapid import vapid_keys
from tests.fakes.push_service import Browser, PushService, b64url
from tests.queue import drain

BASE = "http://status.example.test"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def browser(app: Flask, push_service: PushService) -> Browser:
    """A subscription made with the page's application server key, as a browser would."""
    key = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path).application_server_key
    return push_service.browser(application_server_key=key)


def post(client, path: str, body: Any, *, remote: str = "127.0.0.1", **headers: str):
    return client.post(
        path,
        data=body if isinstance(body, str | bytes) else json.dumps(body),
        headers={"Content-Type": "application/json", "Origin": BASE, **headers},
        environ_overrides={"REMOTE_ADDR": remote},
    )


def subscribe(client, browser: Browser, **choices: Any):
    return post(client, "/push/subscriptions", {"subscription": browser.subscription(), **choices})


def contact_of(browser: Browser) -> ContactPoint:
    key = hashlib.sha256(browser.endpoint.encode()).hexdigest()
    return db.session.scalars(
        select(ContactPoint).where(
            ContactPoint.channel == Channel.webpush, ContactPoint.address_key == key
        )
    ).one()


def test_the_page_offers_the_control_without_anything_personal(client, app):
    api = create_component("API")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    control = re.search(r'<details class="push-control".*?</details>', html, re.S)[0]
    assert " hidden" in control.split(">")[0]  # herald.js shows it where push works
    assert f'data-push-subscribe="{BASE}/push/subscriptions"' in control
    assert f'value="{api.id}"' in control
    assert "csrf" not in html.lower()

    key = client.get("/push/key.json")
    assert key.status_code == 200
    expected = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path)
    assert key.get_json() == {"application_server_key": expected.application_server_key}
    assert len(b64url_decode(expected.application_server_key)) == 65

    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert b"notificationclick" in worker.data
    assert b"openWindow" in worker.data


def b64url_decode(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_subscription_becomes_a_verified_push_contact_point(client, browser):
    api, web = create_component("API"), create_component("Web")
    db.session.commit()
    answer = subscribe(client, browser, components=[api.id], incidents=True, maintenance=False)
    assert answer.status_code == 200
    assert answer.get_json()["subscribed"] is True
    assert answer.headers["Cache-Control"] == "private, no-store"

    contact = contact_of(browser)
    assert contact.verified_at is not None
    assert contact.active
    assert json.loads(contact.address) == {
        "endpoint": browser.endpoint,
        "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)},
    }
    person = contact.subscriber
    assert not person.all_components
    assert [c.id for c in person.components] == [api.id]
    assert (person.notify_incidents, person.notify_maintenance) == (True, False)

    # The same browser again (new choices, new keys): the same row, updated; the same answer.
    browser.auth = b"\x01" * 16
    again = subscribe(client, browser, components=None, incidents=True, maintenance=True)
    assert again.status_code == 200
    assert again.get_json() == answer.get_json()
    assert db.session.scalar(select(db.func.count()).select_from(ContactPoint)) == 1
    db.session.expire_all()
    contact = contact_of(browser)
    assert json.loads(contact.address)["keys"]["auth"] == b64url(b"\x01" * 16)
    assert contact.subscriber.all_components
    assert web.id not in [c.id for c in contact.subscriber.components]


def _bad_inputs(browser: Browser) -> list[tuple[Any, str]]:
    good = browser.subscription()
    keys = good["keys"]
    return [
        ("not json at all", "JSON object"),
        ([1, 2], "JSON object"),
        ({}, "subscription must be an object"),
        ({"subscription": {**good, "endpoint": "https://10.0.0.1/x"}}, "not a push service"),
        ({"subscription": {**good, "endpoint": "ftp://127.0.0.1/x"}}, "http(s) URL"),
        ({"subscription": {**good, "endpoint": "http://u@127.0.0.1/x"}}, "no user name"),
        ({"subscription": {**good, "endpoint": "http://127.0.0.1:x/"}}, "must be a URL"),
        ({"subscription": {**good, "endpoint": "http://127.0.0.1/" + "a" * 2000}}, "at most"),
        ({"subscription": {**good, "keys": None}}, "keys must be an object"),
        ({"subscription": {**good, "keys": {**keys, "p256dh": "AAAA"}}}, "65 bytes"),
        ({"subscription": {**good, "keys": {**keys, "p256dh": "BA" + "A" * 85}}}, "P-256"),
        ({"subscription": {**good, "keys": {**keys, "auth": "not base64!"}}}, "base64url"),
        ({"subscription": {**good, "keys": {**keys, "auth": b64url(b"x" * 8)}}}, "16 bytes"),
        ({"subscription": good, "components": "all"}, "components must be null"),
        ({"subscription": good, "components": []}, "at least one component"),
        ({"subscription": good, "components": ["nope"]}, "no longer exist"),
        ({"subscription": good, "incidents": "yes"}, "true or false"),
        ({"subscription": good, "incidents": False, "maintenance": False}, "incidents, maint"),
        ({"subscription": good, "replaces": 7}, "replaces"),
    ]


def test_bad_input_is_a_clear_400_never_a_500(client, push_service):
    browser = push_service.browser()
    for body, says in _bad_inputs(browser):
        limiter.reset()
        answer = post(client, "/push/subscriptions", body)
        assert answer.status_code == 400, (body, answer.data)
        assert says in answer.get_json()["message"], (body, answer.get_json())
    assert db.session.scalar(select(db.func.count()).select_from(Subscriber)) == 0


def test_only_json_from_this_site_is_taken(client, browser):
    body = {"subscription": browser.subscription()}
    form = client.post("/push/subscriptions", data={"subscription": "x"})
    assert form.status_code == 415
    assert "application/json" in form.get_json()["message"]
    assert (
        post(client, "/push/subscriptions", body, Origin="https://evil.example").status_code == 403
    )
    cross = post(client, "/push/subscriptions", body, **{"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert post(client, "/push/subscriptions", "x" * 20000).status_code == 413
    assert client.get("/push/subscriptions").status_code == 405
    assert db.session.scalar(select(db.func.count()).select_from(Subscriber)) == 0


def test_subscribing_is_rate_limited_like_the_email_form(client, push_service):
    for _ in range(10):  # per client: 10 an hour
        assert subscribe(client, push_service.browser()).status_code == 200
    limited = subscribe(client, push_service.browser())
    assert limited.status_code == 429
    assert limited.is_json

    same = push_service.browser()  # per endpoint: 3 an hour, whichever client sends it
    for number in range(3):
        answer = post(
            client,
            "/push/subscriptions",
            {"subscription": same.subscription()},
            remote=f"10.1.2.{number}",
        )
        assert answer.status_code == 200
    again = post(
        client, "/push/subscriptions", {"subscription": same.subscription()}, remote="10.9.9.9"
    )
    assert again.status_code == 429


def test_unsubscribing_stops_it_and_says_nothing_about_unknown_endpoints(client, browser):
    assert subscribe(client, browser).status_code == 200
    answer = post(client, "/push/unsubscribe", {"endpoint": browser.endpoint})
    unknown = post(client, "/push/unsubscribe", {"endpoint": "https://fcm.googleapis.com/x"})
    assert answer.status_code == unknown.status_code == 200
    assert answer.get_json() == unknown.get_json()
    db.session.expire_all()
    contact = contact_of(browser)
    assert not contact.active
    assert contact.subscriber.unsubscribed_at is not None
    assert post(client, "/push/unsubscribe", {"endpoint": 5}).status_code == 400

    # Turning notifications on again in the same browser starts it again.
    assert subscribe(client, browser).status_code == 200
    db.session.expire_all()
    assert contact_of(browser).active
    assert contact_of(browser).subscriber.unsubscribed_at is None


def test_a_renewed_subscription_keeps_the_choices_of_the_old_one(client, push_service, browser):
    api = create_component("API")
    db.session.commit()
    assert subscribe(client, browser, components=[api.id]).status_code == 200
    renewed = push_service.browser()
    answer = post(
        client,
        "/push/subscriptions",
        {"subscription": renewed.subscription(), "replaces": browser.endpoint},
    )
    assert answer.status_code == 200
    db.session.expire_all()
    contact = contact_of(renewed)
    assert [c.id for c in contact.subscriber.components] == [api.id]
    assert db.session.scalar(select(db.func.count()).select_from(ContactPoint)) == 1

    # A renewal of something never subscribed (or stopped) subscribes no one.
    stranger = push_service.browser()
    post(
        client,
        "/push/subscriptions",
        {"subscription": stranger.subscription(), "replaces": "https://fcm.googleapis.com/old"},
    )
    assert db.session.scalar(select(db.func.count()).select_from(ContactPoint)) == 1


def test_an_update_arrives_as_a_notification_and_410_deactivates(
    client, queue, push_service, browser
):
    api, web = create_component("API"), create_component("Web")
    db.session.commit()
    assert subscribe(client, browser, components=[api.id]).status_code == 200
    web_only = push_service.browser()
    assert subscribe(client, web_only, components=[web.id]).status_code == 200

    incident = create_incident(
        OpenIncident(
            "API errors", "Writes **fail** for some customers.", components={api: "major_outage"}
        )
    )
    db.session.commit()  # the outbox enqueues the fan-out
    drain(queue)
    assert push_service.problems == []
    (got,) = push_service.received  # the Web-only browser follows nothing this touches
    assert got.endpoint == browser.endpoint
    assert got.message["title"] == "API errors: Investigating"
    assert got.message["body"] == "Writes fail for some customers."
    assert got.message["url"] == f"{BASE}/incidents/{incident.id}"
    assert got.message["tag"] == f"incident-{incident.id}"
    assert got.headers["urgency"] == "high"
    assert got.headers["topic"] == f"incident-{incident.id}"
    sent = db.session.scalars(select(Delivery)).one()
    assert sent.state is DeliveryState.sent
    assert sent.provider_id == f"{push_service.origin}/messages/1"

    # The browser dropped the subscription: the push service says 410, Herald stops using it.
    push_service.answer(browser, 410)
    post_update(incident, PostUpdate("Still looking.", status="identified"))
    db.session.commit()
    drain(queue)
    db.session.expire_all()
    contact = contact_of(browser)
    assert not contact.active
    assert contact.disabled_reason.startswith("gone: 410")
    states = sorted(d.state.value for d in db.session.scalars(select(Delivery)))
    assert states == ["failed", "sent"]

    post_update(incident, PostUpdate("Fixed.", status="resolved", components={api: "operational"}))
    db.session.commit()
    drain(queue)
    assert len(push_service.received) == 1  # nothing more was sent to the dropped browser


def test_a_410_stops_the_pushes_already_queued_for_that_browser(
    client, queue, push_service, browser
):
    """Three notices queued before any is sent; the push service says 410 to the first (and
    would to every later one, as a real one does). Nothing more reaches it: the engine checks
    the contact point again just before each send, and the others fail unsent."""
    assert subscribe(client, browser).status_code == 200
    for _ in range(3):
        push_service.answer(browser, 410)
    incident = create_incident(OpenIncident("API errors", "Looking."))
    db.session.commit()
    post_update(incident, PostUpdate("Found it.", status="identified"))
    db.session.commit()
    post_update(incident, PostUpdate("Fixed.", status="resolved"))
    db.session.commit()
    drain(queue)  # three fan-outs, then three deliver jobs
    assert push_service.requests == 1
    db.session.expire_all()
    deliveries = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    assert [d.state for d in deliveries] == [DeliveryState.failed] * 3
    assert deliveries[0].last_error.startswith("410")
    assert all(d.last_error.startswith("contact point disabled: gone: 410") for d in deliveries[1:])


def test_the_engine_signs_once_per_push_service_and_every_browser_still_decrypts(
    client, queue, push_service, app
):
    """Two notices to three browsers through the real engine and worker jobs: six pushes, each
    decrypted by the push service with its browser's keys, all with one VAPID header (signed
    once for this push service); a 410 on the way still deactivates its browser."""
    key = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path).application_server_key
    browsers = [push_service.browser(application_server_key=key) for _ in range(3)]
    for browser in browsers:
        assert subscribe(client, browser).status_code == 200
    incident = create_incident(OpenIncident("API errors", "Looking."))
    db.session.commit()
    drain(queue)
    push_service.answer(browsers[0], 410)
    post_update(incident, PostUpdate("Found it.", status="identified"))
    db.session.commit()
    drain(queue)
    assert push_service.problems == []
    received = push_service.received
    assert len(received) == 5  # three, then two: the 410 is answered before decrypting
    assert sorted(got.message["body"] for got in received) == ["Found it."] * 2 + ["Looking."] * 3
    assert len({got.headers["authorization"] for got in received}) == 1
    assert push_service.requests == 6
    db.session.expire_all()
    assert not contact_of(browsers[0]).active
    assert contact_of(browsers[1]).active
    assert contact_of(browsers[2]).active
