"""`audience.recipient_batches` as fan_out walks it (committing between batches), and
`audience.recipients` page by page: whatever the page size, every recipient once, with their
first reachable contact point, and the component rule."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from statuspage.audience.recipients import Recipient, recipient_batches, recipients
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Channel, ContactPoint, Notice
from tests.factories import contact_point, subscriber


def _contact(channel: Channel, key: str, priority: int, *, reachable: bool = True) -> ContactPoint:
    address = key if channel is Channel.email else f"https://hooks.example/{key}"
    return contact_point(address, channel, key=key, priority=priority, verified=reachable)


def _all_pages(notice: Notice, limit: int) -> list[Recipient]:
    found, cursor = [], 0
    while page := recipients(notice, after_subscriber_id=cursor, limit=limit):
        assert len(page) <= limit
        found += page
        cursor = page[-1].subscriber_id
    return found


def _streamed(notice: Notice, page: int) -> list[Recipient]:
    """fan_out's walk: one stream, a commit after each batch (the stream is on a connection of
    its own, so the commits do not end it)."""
    found = []
    for batch in recipient_batches(notice, batch_size=page):
        assert 0 < len(batch) <= page
        found += batch
        db.session.commit()
    return found


@pytest.mark.parametrize("limit", [1, 2, 3, 1000])
def test_every_page_size_finds_each_recipient_once_with_their_first_contact(limit):
    api, web = create_component("API"), create_component("Web")
    people = [
        # three reachable contact points, listed out of priority order
        subscriber(
            _contact(Channel.email, "a3@example.com", 3),
            _contact(Channel.webhook, "a1", 1),
            _contact(Channel.email, "a2@example.com", 2),
        ),
        # the first is not reachable: the second receives
        subscriber(
            _contact(Channel.email, "b1@example.com", 1, reachable=False),
            _contact(Channel.webhook, "b2", 2),
        ),
        subscriber(_contact(Channel.email, "c@example.com", 1, reachable=False)),
        subscriber(_contact(Channel.email, "d@example.com", 1), components=[web]),  # Web only
        subscriber(
            _contact(Channel.email, "e1@example.com", 1),
            _contact(Channel.email, "e2@example.com", 2),
            components=[api],
        ),
    ]
    incident = create_incident(OpenIncident("Down", "Looking.", components={api: "major_outage"}))
    db.session.commit()
    notice = db.session.scalars(select(Notice).where(Notice.incident_id == incident.id)).one()

    found = _all_pages(notice, limit)
    assert _streamed(notice, limit) == found

    a, b, c, _, e = people
    first = {p.id: min(p.contact_points, key=lambda cp: cp.priority) for p in (a, e)}
    assert found == [
        Recipient(a.id, first[a.id].id, "webhook"),
        Recipient(b.id, b.contact_points[1].id, "webhook"),
        Recipient(c.id, 0, ""),  # in the audience, reached through nothing
        Recipient(e.id, first[e.id].id, "email"),  # d follows Web only
    ]
