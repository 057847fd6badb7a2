"""The reach preview: how many people a notice would reach, asked before it is published."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, ScalarSelect, distinct, func, select

from statuspage.audience.followers import audience_where, segment_organizations
from statuspage.audience.recipients import _reachable
from statuspage.extensions import db
from statuspage.models import (
    ContactPoint,
    IncidentKind,
    Segment,
    Subscriber,
)


@dataclass(frozen=True)
class Reach:
    """Who a notice would reach, before it is written: the composer's preview (the admin
    puts it in words, admin/views/audience.py, in the staff member's language)."""

    people: int  # subscribers in the audience
    organizations: int  # distinct organizations among them
    contact_points: int  # the contact points tried first (people with none are not reached)
    segments: tuple[str, ...]  # the chosen segments' names; empty for the public


def reach(
    segment_ids: Iterable[int], component_ids: Iterable[str], kind: IncidentKind | str
) -> Reach:
    """How many the opening notice of a new incident (or maintenance) would reach: private to
    `segment_ids` (none: public), touching `component_ids`. Counted with `recipient_batches`' own
    WHERE (`followers.audience_where`) and contact rule; an opening update is SMS-worthy."""
    segment_ids = sorted(set(segment_ids))
    names = tuple(
        db.session.scalars(
            select(Segment.name).where(Segment.id.in_(segment_ids)).order_by(Segment.name)
        )
    )
    audience = audience_where(
        organization_ids=segment_organizations(segment_ids) if segment_ids else None,
        component_ids=list(component_ids),
        maintenance=IncidentKind(kind) is IncidentKind.maintenance,
    )
    first_contact = _first_contact(_reachable(private=bool(segment_ids), texts=True))
    people, organizations, contact_points = db.session.execute(
        select(
            func.count(Subscriber.id),
            func.count(distinct(Subscriber.organization_id)),
            func.count(first_contact),
        ).where(audience)
    ).one()
    return Reach(people, organizations, contact_points, names)


def _first_contact(reachable: ColumnElement[bool]) -> ScalarSelect[int]:
    """The id of the subscriber's first contact point that `reachable` allows, or NULL."""
    return (
        select(ContactPoint.id)
        .where(ContactPoint.subscriber_id == Subscriber.id, reachable)
        .order_by(ContactPoint.priority, ContactPoint.id)
        .limit(1)
        .correlate(Subscriber)
        .scalar_subquery()
    )
