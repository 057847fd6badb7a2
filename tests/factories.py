"""Small builders for test data, all through the services (so tests exercise them too)."""

from __future__ import annotations

from datetime import datetime

from statuspage.audience.membership import resolve_organizations
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, create_group
from statuspage.extensions import db
from statuspage.models import Channel, Component, ComponentGroup, ContactPoint, Subscriber


def group_with_components(
    group_name: str, names: list[str], *, at: datetime | None = None
) -> tuple[ComponentGroup, list[Component]]:
    group = create_group(group_name)
    return group, [create_component(n, group=group, at=at) for n in names]


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
    person = Subscriber(
        all_components=components is None,
        components=components or [],
        contact_points=[
            ContactPoint(
                channel=Channel.email,
                address=email,
                address_key=email.lower(),
                verified_at=utcnow() if verified else None,
            ),
            *(more or []),
        ],
        **flags,
    )
    db.session.add(person)
    db.session.flush()
    resolve_organizations(Subscriber.id == person.id)  # as confirming the address does
    return person
