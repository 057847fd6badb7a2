"""Browser notifications in a real browser: the service worker registers, the control sends a
subscription to Herald, and a message Herald sends is shown by the service worker.

Chromium cannot get a real push subscription offline (it would ask Google's push service),
so the page's `PushManager.subscribe()` is replaced before any script runs with one that
answers a subscription made here like a browser's (a P-256 key pair and an auth secret, an
endpoint on a local push service). Everything else is real: the service worker, the permission,
herald.js, Herald's endpoint and database, the engine, VAPID and the encryption.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, Route, expect
from sqlalchemy import func, select

from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.jobs.queue import QUEUE_KEY
from statuspage.models import Channel, Component, ContactPoint
from statuspage.vapid import vapid_keys
from tests.fakes.push_service import Browser, PushService
from tests.queue import drain

pytestmark = pytest.mark.e2e

# Stands in for PushManager.subscribe()/getSubscription() with the subscription the test made.
# The real subscribe() would try to reach Google; herald.js bounds it with a timeout anyway.
FAKE_PUSH_MANAGER = """
(made => {
  let current = null;
  const asSubscription = () => ({
    endpoint: made.endpoint,
    expirationTime: null,
    options: {userVisibleOnly: true},
    toJSON() { return made; },
    unsubscribe() { current = null; return Promise.resolve(true); },
  });
  PushManager.prototype.subscribe = function (options) {
    window.__subscribeOptions = {
      userVisibleOnly: options.userVisibleOnly,
      key: Array.from(new Uint8Array(options.applicationServerKey)),
    };
    current = asSubscription();
    return Promise.resolve(current);
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
})(%s);
"""


@pytest.fixture
def push_service(app: Flask, live_server: str) -> Iterator[PushService]:
    """A local push service the app accepts subscriptions for; BASE_URL is the live server, as
    it is in production (the control only shows on the app's own origin)."""
    service = PushService().start()
    previous = app.config["PUSH_SERVICES"], app.config["BASE_URL"]
    app.config["PUSH_SERVICES"], app.config["BASE_URL"] = "http://127.0.0.1:*", live_server
    limiter.reset()
    yield service
    app.config["PUSH_SERVICES"], app.config["BASE_URL"] = previous
    limiter.reset()
    service.stop()


def contact_count(channel: Channel) -> int:
    """The contact points of a channel (the demo's crisis team and regulators have others)."""
    return db.session.scalar(
        select(func.count()).select_from(ContactPoint).where(ContactPoint.channel == channel)
    )


def contact_of(browser: Browser) -> ContactPoint | None:
    db.session.expire_all()
    key = hashlib.sha256(browser.endpoint.encode()).hexdigest()
    return db.session.scalars(
        select(ContactPoint).where(
            ContactPoint.channel == Channel.webpush, ContactPoint.address_key == key
        )
    ).one_or_none()


def test_the_control_subscribes_this_browser_with_the_chosen_components(
    app: Flask, page: Page, live_server: str, push_service: PushService, script_errors: list[str]
):
    keys = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path)
    browser = push_service.browser(application_server_key=keys.application_server_key)
    page.context.grant_permissions(["notifications"], origin=live_server)
    page.add_init_script(FAKE_PUSH_MANAGER % json.dumps(browser.subscription()))
    page.goto("/")

    control = page.locator("details.push-control")
    expect(control).to_be_visible()
    control.get_by_text("Get browser notifications").click()
    control.get_by_label("Only the ones I choose").check()
    control.get_by_label("API", exact=True).check()
    control.get_by_label("EU West").check()
    control.get_by_label("Scheduled maintenance").uncheck()
    control.get_by_role("button", name="Turn on notifications").click()
    expect(control.locator(".push-status")).to_have_text("Browser notifications are on.")
    expect(control.get_by_role("button", name="Turn off notifications")).to_be_visible()

    worker = page.evaluate(
        """navigator.serviceWorker.getRegistration().then(r => r && r.active &&
             {script: r.active.scriptURL, scope: r.scope})"""
    )
    assert worker == {"script": f"{live_server}/sw.js", "scope": f"{live_server}/"}
    # The browser was asked for a subscription bound to Herald's public key.
    asked = page.evaluate("window.__subscribeOptions")
    assert asked["userVisibleOnly"] is True
    assert bytes(asked["key"]) == _b64url_decode(keys.application_server_key)

    contact = contact_of(browser)
    assert contact is not None
    assert contact.active
    assert contact.verified_at is not None
    assert json.loads(contact.address)["endpoint"] == browser.endpoint
    person = contact.subscriber
    assert sorted(c.name for c in person.components) == ["API", "EU West"]
    assert (person.all_components, person.notify_incidents, person.notify_maintenance) == (
        False,
        True,
        False,
    )
    assert "Chrome" in contact.meta["user_agent"]
    assert script_errors == []


def test_a_message_herald_sends_is_shown_and_turning_off_stops_them(
    app: Flask, page: Page, live_server: str, push_service: PushService, script_errors: list[str]
):
    keys = vapid_keys(app.config["VAPID_PRIVATE_KEY"], app.instance_path)
    browser = push_service.browser(application_server_key=keys.application_server_key)
    page.context.grant_permissions(["notifications"], origin=live_server)
    page.add_init_script(FAKE_PUSH_MANAGER % json.dumps(browser.subscription()))
    page.goto("/")
    control = page.locator("details.push-control")
    control.get_by_text("Get browser notifications").click()
    control.get_by_role("button", name="Turn on notifications").click()
    expect(control.locator(".push-status")).to_have_text("Browser notifications are on.")

    # Herald sends an update through the real engine; the push service decrypts it.
    queue = app.extensions[QUEUE_KEY]
    queue.huey.flush()
    api = db.session.scalars(select(Component).where(Component.name == "API")).one()
    incident = create_incident(
        OpenIncident("API errors", "Writes fail.", components={api: "major_outage"})
    )
    db.session.commit()
    drain(queue)
    assert push_service.problems == []
    (got,) = push_service.received
    assert got.message["url"] == f"{live_server}/incidents/{incident.id}"

    # The browser's push service hands that payload to the service worker (DevTools stands
    # in for it), which shows it as a notification that opens the incident.
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")  # DevTools then lists the registrations it knows
    for _ in range(100):
        if registrations:
            break
        page.wait_for_timeout(50)  # let Playwright deliver the DevTools events
    registration_id = next(r["registrationId"] for r in registrations if not r["isDeleted"])
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server, "registrationId": registration_id, "data": json.dumps(got.message)},
    )
    # Polled here: a predicate that returns a promise is truthy at once for wait_for_function.
    shown: list[dict] = []
    for _ in range(200):
        shown = page.evaluate(
            """() => navigator.serviceWorker.getRegistration().then(r => r.getNotifications())
                 .then(list => list.map(n => ({title: n.title, body: n.body, tag: n.tag,
                                               url: n.data && n.data.url})))"""
        )
        if shown:
            break
        page.wait_for_timeout(50)
    assert shown == [
        {
            "title": "API errors: Investigating",
            "body": "Writes fail.",
            "tag": f"incident-{incident.id}",
            "url": f"{live_server}/incidents/{incident.id}",
        }
    ]

    control.get_by_role("button", name="Turn off notifications").click()
    expect(control.locator(".push-status")).to_have_text("Browser notifications are off.")
    contact = contact_of(browser)
    assert contact is not None
    assert not contact.active
    assert script_errors == []


# No init script: chromium's own subscribe(), which refuses in a private browser context.
REAL_SUBSCRIBE = None
# A push service that never answers.
SILENT_SUBSCRIBE = "PushManager.prototype.subscribe = () => new Promise(() => {});"


@pytest.mark.parametrize(
    ("script", "says"),
    [
        (REAL_SUBSCRIBE, "Your browser could not subscribe"),
        (SILENT_SUBSCRIBE, "The browser's push service did not answer. Try again later."),
    ],
    ids=["chromium-refuses", "never-answers"],
)
def test_a_failing_subscribe_never_leaves_the_control_hanging(
    app: Flask,
    page: Page,
    live_server: str,
    push_service: PushService,
    script_errors: list[str],
    script: str | None,
    says: str,
):
    """Offline, chromium's own subscribe() fails; a push service may also never answer. Either
    way the reader is told, within the control's timeout (shortened through its attribute)."""

    def short_timeout(route: Route) -> None:
        served = route.fetch()
        body = served.text().replace(
            "data-push-subscribe=", 'data-push-timeout="1500" data-push-subscribe='
        )
        route.fulfill(response=served, body=body)

    page.route(lambda url: urlsplit(url).path == "/", short_timeout)
    page.context.grant_permissions(["notifications"], origin=live_server)
    if script:
        page.add_init_script(script)
    page.goto("/")
    control = page.locator("details.push-control")
    control.get_by_text("Get browser notifications").click()
    control.get_by_role("button", name="Turn on notifications").click()
    status = control.locator(".push-status")
    expect(status).to_contain_text(says, timeout=10_000)
    expect(status).to_have_class(re.compile(r"\berror\b"))
    expect(control.get_by_role("button", name="Turn on notifications")).to_be_enabled()
    db.session.expire_all()
    assert contact_count(Channel.webpush) == 0  # nothing was stored for this browser
    # Chromium explains, as a console error of its own, why it refuses in a private context.
    assert [e for e in script_errors if "does not support the Push API" not in e] == []


def _b64url_decode(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
