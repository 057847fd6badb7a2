"""Browser push subscriptions (statuspage/subscribers/push_subscriptions.py) called directly:
what a PushSubscription must look like, and subscribing, renewing and stopping one.

The same over HTTP, delivered to a local push service, is in tests/web/test_push_subscribe.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.models import Channel, ContactPoint
from statuspage.subscribers.push_subscriptions import (
    MAX_ENDPOINT,
    MAX_USER_AGENT,
    PushSubscription,
    check_endpoint,
    endpoint_key,
    parse_subscription,
    renew_browser,
    subscribe_browser,
    unsubscribe_browser,
)
from statuspage.subscribers.subscriptions import Preferences
from tests.factories import contact_point

SERVICES = "https://push.example.test https://*.push.example.net"
ENDPOINT = "https://push.example.test/send/abc"
OTHER_ENDPOINT = "https://eu.push.example.net/send/xyz"
EVERYTHING = Preferences()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def browser_keys() -> dict[str, str]:
    """A browser's fresh keys, padded as some browsers send them."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def pushed(endpoint: str = ENDPOINT) -> PushSubscription:
    return parse_subscription({"endpoint": endpoint, "keys": browser_keys()}, SERVICES)


def _contacts() -> int:
    return db.session.scalar(select(func.count()).select_from(ContactPoint))


def test_a_subscription_is_checked_and_kept_as_the_browsers_json():
    keys = browser_keys()
    subscription = parse_subscription({"endpoint": ENDPOINT, "keys": keys}, SERVICES)

    assert subscription.p256dh == keys["p256dh"].rstrip("=")
    assert subscription.auth == keys["auth"].rstrip("=")
    assert json.loads(subscription.address) == {
        "endpoint": ENDPOINT,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    assert subscription.address_key == endpoint_key(ENDPOINT)
    assert endpoint_key(ENDPOINT) == hashlib.sha256(ENDPOINT.encode()).hexdigest()


@pytest.mark.parametrize(
    "endpoint",
    [ENDPOINT, OTHER_ENDPOINT, "https://PUSH.example.test/x", "https://push.example.test:443/x"],
)
def test_an_endpoint_of_an_allowed_push_service_is_taken(endpoint):
    assert check_endpoint(endpoint, SERVICES) == endpoint


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        (None, "at most"),
        ("", "at most"),
        ("https://push.example.test/" + "x" * MAX_ENDPOINT, "at most"),
        ("https://push.example.test:port/x", "must be a URL"),
        ("ftp://push.example.test/x", "http\\(s\\) URL"),
        ("https:///x", "http\\(s\\) URL"),
        ("https://user@push.example.test/x", "no user name"),
        ("https://push.example.net/x", "not a push service"),  # the pattern needs a subdomain
        ("https://attacker.example/x", "not a push service"),
        # An allowed host on another port: a push service answers on 443 only, and another
        # port of the same host (an admin interface, a metrics port) is not a push service.
        ("https://push.example.test:8443/x", "not a push service"),
        ("https://push.example.test:22/x", "not a push service"),
    ],
)
def test_other_endpoints_are_refused(endpoint, message):
    with pytest.raises(InvalidInput, match=message):
        check_endpoint(endpoint, SERVICES)


def test_a_pattern_may_name_its_port():
    """`scheme://host:port` (or `:*`) in PUSH_SERVICES: a push service under test, say."""
    assert check_endpoint("http://127.0.0.1:8123/x", "http://127.0.0.1:*")
    assert check_endpoint("http://127.0.0.1:8123/x", "http://127.0.0.1:8123")
    with pytest.raises(InvalidInput, match="not a push service"):
        check_endpoint("http://127.0.0.1:8124/x", "http://127.0.0.1:8123")
    with pytest.raises(InvalidInput, match="not a push service"):
        check_endpoint("http://127.0.0.1:8123/x", "http://127.0.0.1")  # port 80 only


def _with(**keys: str) -> dict:
    return {"endpoint": ENDPOINT, "keys": browser_keys() | keys}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not an object", "an object with endpoint and keys"),
        ({"endpoint": ENDPOINT}, "keys must be an object"),
        ({"endpoint": ENDPOINT, "keys": ["p256dh", "auth"]}, "keys must be an object"),
        (_with(p256dh="not base64!"), "p256dh must be base64url"),
        (_with(auth=b64url(b"too short")), "auth must be 16 bytes, not 9"),
        (_with(p256dh=b64url(b"\x04" + bytes(64))), "not a P-256 public key"),
    ],
)
def test_a_subscription_with_unusable_keys_is_refused(raw, message):
    with pytest.raises(InvalidInput, match=message):
        parse_subscription(raw, SERVICES)


def test_subscribing_makes_a_verified_push_contact_point_with_the_choices():
    api = create_component("API")
    now = utcnow()
    subscription = pushed()

    contact = subscribe_browser(
        subscription, Preferences(component_ids=(api.id,), maintenance=False), now, "x" * 300
    )

    assert (contact.channel, contact.address, contact.address_key) == (
        Channel.webpush,
        subscription.address,
        subscription.address_key,
    )
    assert (contact.verified_at, contact.active) == (now, True)
    assert contact.meta == {"user_agent": "x" * MAX_USER_AGENT}
    person = contact.subscriber
    assert (person.all_components, person.components, person.notify_maintenance) == (
        False,
        [api],
        False,
    )


def test_choices_that_cannot_be_honoured_are_refused_before_any_write():
    with pytest.raises(InvalidInput, match="no longer exist"):
        subscribe_browser(pushed(), Preferences(component_ids=("gone",)), utcnow())
    with pytest.raises(InvalidInput, match="incidents, maintenance, or both"):
        subscribe_browser(pushed(), Preferences(incidents=False, maintenance=False), utcnow())
    assert _contacts() == 0


def test_subscribing_again_refreshes_the_same_subscription_and_starts_it_again():
    first = subscribe_browser(pushed(), EVERYTHING, utcnow(), "Firefox")
    unsubscribe_browser(ENDPOINT, utcnow())
    again = pushed()  # new keys for the same endpoint

    contact = subscribe_browser(again, Preferences(incidents=False), utcnow())

    assert contact is first
    assert _contacts() == 1
    assert (contact.address, contact.meta, contact.active) == (again.address, None, True)
    assert (contact.disabled_at, contact.disabled_reason) == (None, None)
    assert contact.subscriber.unsubscribed_at is None
    assert contact.subscriber.notify_incidents is False


def test_a_renewal_moves_the_live_subscription_to_the_new_endpoint_with_its_choices():
    contact = subscribe_browser(pushed(), Preferences(maintenance=False), utcnow())
    renewed = pushed(OTHER_ENDPOINT)

    renew_browser(ENDPOINT, renewed, utcnow())

    assert (contact.address, contact.address_key) == (renewed.address, renewed.address_key)
    assert contact.subscriber.notify_maintenance is False
    assert _contacts() == 1


def test_a_renewal_of_the_same_endpoint_takes_its_new_keys():
    contact = subscribe_browser(pushed(), EVERYTHING, utcnow())
    new_keys = pushed()
    renew_browser(ENDPOINT, new_keys, utcnow())
    assert (contact.address, contact.address_key) == (new_keys.address, endpoint_key(ENDPOINT))


def test_a_renewal_to_an_endpoint_already_known_stops_the_old_one():
    old = subscribe_browser(pushed(), EVERYTHING, utcnow())
    known = subscribe_browser(pushed(OTHER_ENDPOINT), EVERYTHING, utcnow())
    now = utcnow()

    renew_browser(ENDPOINT, pushed(OTHER_ENDPOINT), now)

    assert (old.active, old.disabled_at, old.disabled_reason) == (
        False,
        now,
        "replaced by the browser",
    )
    assert known.active


def test_a_renewal_never_subscribes_anyone():
    renew_browser(ENDPOINT, pushed(OTHER_ENDPOINT), utcnow())  # unknown
    stopped = subscribe_browser(pushed(), EVERYTHING, utcnow())
    unsubscribe_browser(ENDPOINT, utcnow())
    renew_browser(ENDPOINT, pushed(OTHER_ENDPOINT), utcnow())  # stopped
    assert _contacts() == 1
    assert stopped.address_key == endpoint_key(ENDPOINT)
    assert not stopped.active


def test_unsubscribing_stops_the_endpoint_and_a_subscriber_left_with_no_other_way():
    contact = subscribe_browser(pushed(), EVERYTHING, utcnow())
    now = utcnow()

    unsubscribe_browser(ENDPOINT, now)
    unsubscribe_browser(ENDPOINT, now + timedelta(minutes=1))  # again: nothing more
    unsubscribe_browser(OTHER_ENDPOINT, now)  # unknown: nothing, and no error

    assert (contact.active, contact.disabled_at) == (False, now)
    assert contact.disabled_reason == "unsubscribed in the browser"
    assert contact.subscriber.unsubscribed_at == now


def test_unsubscribing_a_browser_keeps_a_subscriber_reachable_by_email():
    contact = subscribe_browser(pushed(), EVERYTHING, utcnow())
    person = contact.subscriber
    person.contact_points.append(contact_point("ann@example.com", priority=2))

    unsubscribe_browser(ENDPOINT, utcnow())

    assert not contact.active
    assert person.unsubscribed_at is None
