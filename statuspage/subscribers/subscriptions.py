"""Public subscriptions: double opt-in by email, preferences, pause, unsubscribe.

Enumeration safety is built in here rather than left to the views: `request_subscription`
changes nothing the requester could observe about an existing address. Whatever it finds,
it queues one email to the address itself; only the mailbox's owner learns which kind
(a confirmation link, or "you are already subscribed, manage here"). The preferences asked
for travel inside the signed confirmation link and take effect only when it is followed, so
a stranger typing someone's address can neither read nor change their subscription.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from statuspage import i18n
from statuspage.audience.membership import resolve_organizations
from statuspage.core.errors import InvalidInput
from statuspage.core.validation import email_address
from statuspage.delivery.outbox import SEND_CONFIRMATION, after_commit
from statuspage.extensions import db
from statuspage.i18n import zones
from statuspage.links import link
from statuspage.models import (
    Channel,
    Component,
    ContactPoint,
    Delivery,
    Incident,
    Notice,
    Subscriber,
    SubscriberKind,
)
from statuspage.subscribers.contact_points import find_or_create_contact


@dataclass(frozen=True)
class Preferences:
    """What a subscriber follows, and how their messages read. `component_ids` is None for
    every component; `language` and `time_zone` None leave the subscriber's as they are
    (a new one then reads the page's default language and zone)."""

    component_ids: tuple[str, ...] | None = None
    incidents: bool = True
    maintenance: bool = True
    language: str | None = None
    time_zone: str | None = None  # PAGE_ZONE: back to the page's zone

    def to_payload(self) -> dict:
        """For a signed link: what is unset is left out (the link stays short)."""
        payload = asdict(self)
        if self.component_ids is not None:
            payload["component_ids"] = list(self.component_ids)
        for unset in ("language", "time_zone"):
            if payload[unset] is None:
                del payload[unset]
        return payload

    @classmethod
    def from_payload(cls, payload: dict) -> Preferences:
        """From a signed link or a pending opt-in (links made before languages have none)."""
        ids = payload.get("component_ids")
        zone = payload.get("time_zone")
        return cls(
            component_ids=None if ids is None else tuple(str(i) for i in ids),
            incidents=bool(payload.get("incidents", True)),
            maintenance=bool(payload.get("maintenance", True)),
            language=i18n.language(payload.get("language")),
            time_zone=zone if zones.is_zone(zone) else None,
        )


PAGE_ZONE = ""  # a Preferences.time_zone that sets the subscriber's back to the page's


def reader_language(raw: object) -> str | None:
    """A subscriber's language as typed or chosen ("de", "de-AT" → "de"); None for empty.
    InvalidInput for a language Herald does not ship."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    code = i18n.language(raw)
    if code is None:
        names = ", ".join(i18n.LANGUAGES.values())
        raise InvalidInput(_("Choose one of the languages offered: %(names)s.", names=names))
    return code


def reader_zone(raw: object) -> str | None:
    """A subscriber's time zone, an IANA name ("Asia/Tokyo"); None for empty. InvalidInput
    for a name this machine's zone database does not know."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str) or not zones.is_zone(raw.strip()):
        raise InvalidInput(_("Choose a time zone by its name, like Europe/Berlin."))
    return raw.strip()


def normalise_email(raw: str) -> tuple[str, str]:
    """(address as given, trimmed; address_key) or InvalidInput."""
    address = email_address(raw, problem="Enter a valid email address, like name@example.com.")
    return address, address.lower()


def check_preferences(preferences: Preferences) -> None:
    if not (preferences.incidents or preferences.maintenance):
        raise InvalidInput(_("Choose incidents, maintenance, or both."))
    if preferences.component_ids is not None and not preferences.component_ids:
        raise InvalidInput(_("Choose at least one component, or all of them."))


def new_subscriber(preferences: Preferences) -> Subscriber:
    """A subscriber as a subscription form asks for it, before it has confirmed. Its
    language and zone are set now, so the confirmation reads in the language chosen."""
    return Subscriber(
        all_components=preferences.component_ids is None,
        notify_incidents=preferences.incidents,
        notify_maintenance=preferences.maintenance,
        language=preferences.language,
        time_zone=preferences.time_zone,
    )


def _apply(subscriber: Subscriber, preferences: Preferences) -> None:
    subscriber.notify_incidents = preferences.incidents
    subscriber.notify_maintenance = preferences.maintenance
    if preferences.language is not None:
        subscriber.language = preferences.language
    if preferences.time_zone is not None:
        subscriber.time_zone = preferences.time_zone or None  # PAGE_ZONE: back to the page's
    if preferences.component_ids is None:
        subscriber.all_components = True
        subscriber.components = []
        return
    # Components deleted since the link was sent are dropped, not an error.
    found = db.session.scalars(
        select(Component).where(Component.id.in_(preferences.component_ids))
    ).all()
    subscriber.all_components = False
    subscriber.components = list(found)


def request_subscription(raw_email: str, preferences: Preferences) -> None:
    """Find or create the email contact point (unverified when new) and queue, after commit,
    the email that answers this request. Raises InvalidInput for a malformed address or
    empty preferences; otherwise behaves the same whatever the address's state.
    """
    address, key = normalise_email(raw_email)
    check_preferences(preferences)
    contact = find_or_create_contact(
        Channel.email,
        key,
        lambda: new_subscriber(preferences),
        lambda: ContactPoint(channel=Channel.email, address=address, address_key=key),
    )
    after_commit(SEND_CONFIRMATION, contact.id, preferences.to_payload())


def is_subscribed(contact: ContactPoint) -> bool:
    """Already receiving updates here: nothing to confirm."""
    return (
        contact.verified_at is not None
        and contact.active
        and contact.subscriber.unsubscribed_at is None
    )


def confirm(contact: ContactPoint, preferences: Preferences, now: datetime) -> bool:
    """Verify the address, (re)activate the subscription with the preferences from the link.

    Returns True if this changed anything; a second confirmation of a live subscription
    changes nothing (so preferences edited since on the manage page are kept).
    """
    if is_subscribed(contact):
        return False
    subscriber = contact.subscriber
    contact.verified_at = contact.verified_at or now
    # Following the link proves the mailbox takes mail again.
    contact.active, contact.bounces = True, 0
    contact.disabled_at = contact.disabled_reason = None
    subscriber.unsubscribed_at = None
    subscriber.paused = False
    _apply(subscriber, preferences)
    db.session.flush()
    # A verified address may make them a customer's person (a member, or at its domain).
    resolve_organizations(Subscriber.id == subscriber.id)
    return True


def update_preferences(subscriber: Subscriber, preferences: Preferences) -> None:
    check_preferences(preferences)
    _apply(subscriber, preferences)
    db.session.flush()


def set_paused(subscriber: Subscriber, paused: bool) -> None:
    subscriber.paused = paused
    db.session.flush()


def unsubscribe(subscriber: Subscriber, now: datetime) -> bool:
    """Stop every message to this subscriber; True the first time, False after.

    The token version is left alone, so the manage link in old messages can still
    resubscribe them.
    """
    if subscriber.unsubscribed_at is not None:
        return False
    subscriber.unsubscribed_at = now
    db.session.flush()
    return True


def resubscribe(subscriber: Subscriber) -> None:
    subscriber.unsubscribed_at = None
    db.session.flush()


def subscriber_for_link(payload: object) -> Subscriber | None:
    """The subscriber a verified manage/unsubscribe payload names, if that link is current."""
    if not isinstance(payload, dict):
        return None
    subscriber_id, version = payload.get("s"), payload.get("v")
    if not isinstance(subscriber_id, int) or not isinstance(version, int):
        return None
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.token_version != version:
        return None
    # The page's own account, or someone Herald pages directly: staff manage them.
    if subscriber.kind is not SubscriberKind.person:
        return None
    return subscriber


def links_for(subscriber: Subscriber) -> dict[str, str]:
    """The signed manage and unsubscribe links of this subscriber's current token version."""
    payload = {"s": subscriber.id, "v": subscriber.token_version}
    return {
        "manage_url": link("manage", payload, "/subscriptions/manage"),
        "unsubscribe_url": link("unsubscribe", payload, "/subscriptions/unsubscribe"),
    }


def contact_for_confirmation(payload: object) -> ContactPoint | None:
    """The email contact point a verified confirm payload names, if it still exists."""
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), dict):
        return None
    contact_id = payload.get("c")
    if not isinstance(contact_id, int):
        return None
    return db.session.get(ContactPoint, contact_id)


def ack_target(payload: object) -> tuple[Delivery, Incident] | None:
    """The delivery a verified ack payload names, with the incident it was about."""
    delivery_id = payload.get("d") if isinstance(payload, dict) else None
    if not isinstance(delivery_id, int):
        return None
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        return None
    notice = db.session.get(Notice, delivery.notice_id)
    incident = db.session.get(Incident, notice.incident_id) if notice else None
    if incident is None:
        return None
    return delivery, incident
