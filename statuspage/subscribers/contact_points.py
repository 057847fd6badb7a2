"""Find a contact point by its channel and address key, or create it with its subscriber.

Every public way in (an email subscription, a text opt-in, a browser's push subscription, a
webhook or chat hook) starts here, so that all of them find an address the same way and
survive the same race: two requests creating one new address at once meet the unique
(channel, address_key) constraint, and the loser finds the winner's row instead of a 500.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from statuspage.extensions import db
from statuspage.models import Channel, ContactPoint, Subscriber


def find_contact(channel: Channel, address_key: str) -> ContactPoint | None:
    return db.session.scalars(
        select(ContactPoint).where(
            ContactPoint.channel == channel, ContactPoint.address_key == address_key
        )
    ).one_or_none()


def find_or_create_contact(
    channel: Channel,
    address_key: str,
    new_subscriber: Callable[[], Subscriber],
    new_contact: Callable[[], ContactPoint],
) -> ContactPoint:
    """The contact point of `channel` with `address_key`; if there is none, `new_contact()` on
    `new_subscriber()`, added in a savepoint. Flushes; the caller commits."""
    contact = find_contact(channel, address_key)
    if contact is not None:
        return contact
    subscriber = new_subscriber()
    contact = new_contact()
    subscriber.contact_points.append(contact)
    try:
        with db.session.begin_nested():
            db.session.add(subscriber)
    except IntegrityError:
        contact = find_contact(channel, address_key)
        if contact is None:
            raise
    return contact
