"""Subscribers and their contact points, as rows: what a test needs, without the sign-up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from statuspage.audience.membership import resolve_organizations
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import Channel, Component, ContactPoint, Subscriber


def contact_point(
    address: str,
    channel: Channel = Channel.email,
    *,
    key: str | None = None,
    priority: int = 1,
    verified: bool = True,
    at: datetime | None = None,
    **fields: Any,
) -> ContactPoint:
    """A contact point for a subscriber to take (not added to the session): verified now, or
    `at`, unless `verified` is false; its address_key the address lowercased, as subscribing
    keys an email address, unless `key` is given."""
    return ContactPoint(
        channel=channel,
        address=address,
        address_key=address.lower() if key is None else key,
        priority=priority,
        verified_at=(at or utcnow()) if verified else None,
        **fields,
    )


def subscriber(
    *contacts: str | ContactPoint,
    name: str = "",
    components: list[Component] | None = None,
    **fields: Any,
) -> Subscriber:
    """A subscriber with `contacts`, added and flushed. A plain string is a verified email
    address whose priority is its place in the list; a ContactPoint keeps its own. Follows
    every component unless `components` names some."""
    person = Subscriber(
        name=name,
        components=components or [],
        **{"all_components": components is None, **fields},
    )
    for place, contact in enumerate(contacts, start=1):
        if isinstance(contact, str):
            contact = contact_point(contact, priority=place)
        person.contact_points.append(contact)
    db.session.add(person)
    db.session.flush()
    return person


def organization_person(
    email: str,
    *,
    verified: bool = True,
    components: list[Component] | None = None,
    more: list[ContactPoint] | None = None,
    **flags: bool,
) -> Subscriber:
    """A subscriber with an email contact point (and `more`), its organization resolved as
    the hub's confirmation resolves it."""
    person = subscriber(
        contact_point(email, verified=verified), *(more or []), components=components, **flags
    )
    resolve_organizations(Subscriber.id == person.id)  # as confirming the address does
    return person


def webhook_subscriber(receiver: Any, path: str = "/hooks/acme") -> Subscriber:
    """A person with a verified webhook endpoint at `receiver` (tests/fakes/receiver.py),
    signing with a fresh secret the receiver then checks each call against."""
    from statuspage.subscribers.endpoints import new_secret

    receiver.secret = new_secret()
    return subscriber(
        contact_point(
            f"{receiver.url}{path}",
            Channel.webhook,
            key=f"hook-{path}",
            secret=receiver.secret,
            meta={"notify_email": "ops@example.com"},
        )
    )
