"""The one find-or-create of contact points (statuspage/subscribers/contact_points.py) that
every public way in uses: an address is found by its channel and key, never made twice."""

from __future__ import annotations

from sqlalchemy import func, select

from statuspage.extensions import db
from statuspage.models import Channel, ContactPoint, Subscriber
from statuspage.subscribers.contact_points import find_contact, find_or_create_contact


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _email(address: str):
    return lambda: ContactPoint(channel=Channel.email, address=address, address_key=address)


def test_a_new_address_gets_its_subscriber_and_the_second_ask_finds_it():
    assert find_contact(Channel.email, "ann@example.com") is None
    made = find_or_create_contact(
        Channel.email, "ann@example.com", lambda: Subscriber(name="Ann"), _email("ann@example.com")
    )
    assert made.id is not None
    assert made.subscriber.name == "Ann"

    again = find_or_create_contact(
        Channel.email, "ann@example.com", lambda: Subscriber(name="Other"), _email("x@example.com")
    )
    assert again is made
    assert (_count(Subscriber), _count(ContactPoint)) == (1, 1)
    assert find_contact(Channel.email, "ann@example.com") is made


def test_the_same_key_on_another_channel_is_another_contact_point():
    email = find_or_create_contact(Channel.email, "k", Subscriber, _email("k"))
    sms = find_or_create_contact(
        Channel.sms,
        "k",
        Subscriber,
        lambda: ContactPoint(channel=Channel.sms, address="k", address_key="k"),
    )
    assert email is not sms
    assert (_count(Subscriber), _count(ContactPoint)) == (2, 2)
