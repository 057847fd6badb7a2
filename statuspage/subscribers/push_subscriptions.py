"""Browser push subscriptions: each is a subscriber with one verified `webpush` contact point.

The browser's permission prompt is the opt-in, so there is no confirmation step. The push
endpoint is a capability only that browser (and Herald) knows: posting it again updates that
subscription's keys and choices, posting it to unsubscribe stops it. Answers never say
whether an endpoint was known.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from statuspage.core.errors import InvalidInput
from statuspage.core.validation import storable
from statuspage.extensions import db
from statuspage.models import Channel, Component, ContactPoint, Subscriber
from statuspage.subscribers.contact_points import find_contact, find_or_create_contact
from statuspage.subscribers.subscriptions import Preferences, check_preferences, update_preferences

MAX_ENDPOINT = 2000
MAX_USER_AGENT = 200
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


@dataclass(frozen=True)
class PushSubscription:
    """A browser's PushSubscription, checked: an allowed endpoint and usable keys."""

    endpoint: str
    p256dh: str
    auth: str

    @property
    def address(self) -> str:
        """What the contact point stores and the channel reads (PushSubscription.toJSON())."""
        keys = {"p256dh": self.p256dh, "auth": self.auth}
        return json.dumps({"endpoint": self.endpoint, "keys": keys}, separators=(",", ":"))

    @property
    def address_key(self) -> str:
        return endpoint_key(self.endpoint)


def endpoint_key(endpoint: str) -> str:
    """The contact point's unique key: endpoints can be longer than an index should be.

    Any string has one, a lone surrogate too (surrogatepass): the rate limit keys a request
    by it before the endpoint is checked, so a hostile one must not raise there.
    """
    return hashlib.sha256(endpoint.encode("utf-8", "surrogatepass")).hexdigest()


def _decode_key(value: object, name: str, length: int) -> bytes:
    if not isinstance(value, str) or not _BASE64URL.fullmatch(value):
        raise InvalidInput(f"keys.{name} must be base64url text.")
    try:
        raw = base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"keys.{name} must be base64url text.") from exc
    if len(raw) != length:
        raise InvalidInput(f"keys.{name} must be {length} bytes, not {len(raw)}.")
    return raw


def check_endpoint(endpoint: object, allowed_services: str) -> str:
    """The endpoint if it is a URL of an allowed push service (PUSH_SERVICES patterns)."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise InvalidInput(f"endpoint must be a URL of at most {MAX_ENDPOINT} characters.")
    storable(endpoint, "endpoint", one_line=True)
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as exc:
        raise InvalidInput("endpoint must be a URL.") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname or "@" in parts.netloc:
        raise InvalidInput("endpoint must be an http(s) URL with a host and no user name.")
    origin = (
        f"{parts.scheme}://{parts.hostname.lower()}:{parts.port or DEFAULT_PORTS[parts.scheme]}"
    )
    if not any(fnmatchcase(origin, _with_port(p)) for p in allowed_services.split()):
        raise InvalidInput("endpoint is not a push service this page sends to.")
    return endpoint


DEFAULT_PORTS = {"https": 443, "http": 80}


def _with_port(pattern: str) -> str:
    """A PUSH_SERVICES pattern with its port: the scheme's default (443) unless it names one
    (`http://127.0.0.1:*` for a push service under test), so an allowed host cannot be
    reached on another port."""
    pattern = pattern.lower()
    scheme, _, host = pattern.partition("://")
    if ":" in host.rsplit("]", 1)[-1]:
        return pattern
    return f"{pattern}:{DEFAULT_PORTS.get(scheme, 443)}"


def parse_subscription(raw: object, allowed_services: str) -> PushSubscription:
    """A PushSubscription's JSON ({endpoint, keys: {p256dh, auth}}), checked, or InvalidInput
    saying what is wrong."""
    if not isinstance(raw, dict):
        raise InvalidInput("subscription must be an object with endpoint and keys.")
    endpoint = check_endpoint(raw.get("endpoint"), allowed_services)
    keys = raw.get("keys")
    if not isinstance(keys, dict):
        raise InvalidInput("subscription.keys must be an object with p256dh and auth.")
    point = _decode_key(keys.get("p256dh"), "p256dh", 65)
    _decode_key(keys.get("auth"), "auth", 16)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:
        raise InvalidInput("keys.p256dh is not a P-256 public key.") from exc
    return PushSubscription(endpoint, keys["p256dh"].rstrip("="), keys["auth"].rstrip("="))


def _find(address_key: str) -> ContactPoint | None:
    return find_contact(Channel.webpush, address_key)


def _check_components(preferences: Preferences) -> None:
    if preferences.component_ids is None:
        return
    wanted = set(preferences.component_ids)
    found = set(db.session.scalars(select(Component.id).where(Component.id.in_(wanted))))
    if found != wanted:
        raise InvalidInput("Some of the chosen components no longer exist: reload the page.")


def subscribe_browser(
    subscription: PushSubscription, preferences: Preferences, now: datetime, user_agent: str = ""
) -> ContactPoint:
    """Create or refresh the browser's subscriber and its verified `webpush` contact point
    with these preferences (a subscription stopped earlier starts again). Flushes."""
    check_preferences(preferences)
    _check_components(preferences)
    contact = find_or_create_contact(
        Channel.webpush,
        subscription.address_key,
        lambda: Subscriber(name=""),
        lambda: ContactPoint(
            channel=Channel.webpush,
            address=subscription.address,
            address_key=subscription.address_key,
            verified_at=now,
        ),
    )
    meta: dict[str, Any] = {"user_agent": user_agent[:MAX_USER_AGENT]} if user_agent else {}
    contact.address, contact.meta = subscription.address, meta or None
    contact.verified_at = contact.verified_at or now
    contact.active, contact.bounces, contact.failures_in_row = True, 0, 0
    contact.disabled_at = contact.disabled_reason = None
    subscriber = contact.subscriber
    subscriber.unsubscribed_at, subscriber.paused = None, False
    update_preferences(subscriber, preferences)
    return contact


def renew_browser(old_endpoint: str, subscription: PushSubscription, now: datetime) -> None:
    """The browser replaced a subscription (`pushsubscriptionchange`): the live contact point
    of `old_endpoint` moves to the new one, keeping its choices. Nothing happens when the old
    one is unknown or was stopped: a renewal never subscribes anyone. Flushes."""
    contact = _find(endpoint_key(old_endpoint))
    if contact is None or not contact.active or contact.subscriber.unsubscribed_at is not None:
        return
    if contact.address_key == subscription.address_key:
        contact.address = subscription.address  # the same endpoint with new keys
    elif _find(subscription.address_key) is not None:  # already known: keep that one
        contact.active, contact.disabled_at = False, now
        contact.disabled_reason = "replaced by the browser"
    else:
        contact.address, contact.address_key = subscription.address, subscription.address_key
    db.session.flush()


def unsubscribe_browser(endpoint: str, now: datetime) -> None:
    """Stop the subscription of this endpoint, if there is one; its subscriber too when it has
    no other way to be reached. Flushes; says nothing either way."""
    contact = _find(endpoint_key(endpoint))
    if contact is None or not contact.active:
        return
    contact.active, contact.disabled_at = False, now
    contact.disabled_reason = "unsubscribed in the browser"
    subscriber = contact.subscriber
    if not any(c.active for c in subscriber.contact_points):
        subscriber.unsubscribed_at = subscriber.unsubscribed_at or now
    db.session.flush()
