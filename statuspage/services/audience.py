"""THE scoping rule: who may see a notice. Every read surface asks here; none filters itself.

For now every notice is public. Segments and private viewers arrive with [5/7] and change
this module alone: every surface already routes through `visible` and `may_see`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select, true

from statuspage.extensions import db
from statuspage.models import (
    PUBLIC_CHANNELS,
    Audience,
    Channel,
    ContactPoint,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Notice,
    Subscriber,
    Visibility,
)
from statuspage.models.subscribers import subscription_component


@dataclass(frozen=True)
class Viewer:
    """Who is looking: anonymous (the default), a private viewer of some segments, or staff."""

    segment_ids: frozenset[int] = frozenset()
    staff: bool = False


PUBLIC = Viewer()


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL filter every incident query applies for this viewer."""
    if viewer.staff:
        return true()
    return Incident.visibility == Visibility.public


def may_see(viewer: Viewer, incident: Incident) -> bool:
    """The same rule as `visible`, for one incident already loaded."""
    return viewer.staff or incident.visibility is Visibility.public


def reachable_contact(notice: Notice) -> ColumnElement[bool]:
    """The contact points a notice may go to: active and verified, and a channel that may
    carry it (the world-readable channels, PUBLIC_CHANNELS, carry public notices only; SMS
    carries the updates that open and close, `sms_worthy`, unless the number chose every
    update). The first one receives a notice; the engine's fallback walks the rest in
    priority order, by this same rule."""
    rule = and_(ContactPoint.active.is_(True), ContactPoint.verified_at.is_not(None))
    if notice.audience is not Audience.public:
        rule = and_(rule, ContactPoint.channel.not_in(PUBLIC_CHANNELS))
    if not sms_worthy(notice):
        rule = and_(rule, or_(ContactPoint.channel != Channel.sms, _texts_every_update()))
    return rule


# Like Statuspage, a text goes out when an incident or maintenance is created, resolved or
# completed, and when maintenance begins; the updates in between go to the other channels.
SMS_STATUSES = frozenset(
    {IncidentStatus.resolved, IncidentStatus.completed, IncidentStatus.in_progress}
)


def sms_worthy(notice: Notice) -> bool:
    """The notice's update opens its incident (the earliest by display time) or has one of
    SMS_STATUSES: every SMS contact point receives it, not only those that asked for all."""
    update = db.session.get(IncidentUpdate, notice.update_id)
    if update is None:
        return False
    if update.status in SMS_STATUSES:
        return True
    first = db.session.scalar(
        select(IncidentUpdate.id)
        .where(IncidentUpdate.incident_id == update.incident_id)
        .order_by(IncidentUpdate.display_at, IncidentUpdate.created_at, IncidentUpdate.id)
        .limit(1)
    )
    return first == update.id


def _texts_every_update() -> ColumnElement[bool]:
    """An SMS number whose owner chose every update (services.sms writes this JSON boolean;
    SQLAlchemy renders the lookup for SQLite and PostgreSQL alike)."""
    return ContactPoint.meta["all_updates"].as_boolean().is_(True)


@dataclass(frozen=True)
class Recipient:
    """A subscriber who receives a notice, and the contact point to try first."""

    subscriber_id: int
    contact_point_id: int
    channel: str


def recipients(
    notice: Notice, *, after_subscriber_id: int = 0, limit: int = 1000
) -> list[Recipient]:
    """One page of a notice's recipients, in subscriber id order (the caller pages by cursor).

    Who receives a public notice: every subscriber not paused or unsubscribed, following the
    notice's kind (incidents or maintenance) and either all components or one the incident
    touches (an incident that names no component goes to every follower of its kind), through
    their first active, verified contact point. Private audiences arrive with [5/7] and
    [6/7]; until then they reach no one, by this rule and no other.
    """
    if notice.audience is not Audience.public:
        return []
    incident = db.session.get(Incident, notice.incident_id)
    if incident is None or not may_see(PUBLIC, incident):
        return []
    follows_kind = (
        Subscriber.notify_maintenance if incident.is_maintenance else Subscriber.notify_incidents
    )
    component_ids = [c.id for c in incident.components]
    follows_component = Subscriber.all_components.is_(True)
    if component_ids:
        follows_component = or_(
            follows_component,
            exists().where(
                subscription_component.c.subscriber_id == Subscriber.id,
                subscription_component.c.component_id.in_(component_ids),
            ),
        )
    else:
        follows_component = true()
    first_contact = (
        select(ContactPoint.id)
        .where(ContactPoint.subscriber_id == Subscriber.id, reachable_contact(notice))
        .order_by(ContactPoint.priority, ContactPoint.id)
        .limit(1)
        .correlate(Subscriber)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Subscriber.id, first_contact.label("contact_point_id"))
        .where(
            Subscriber.id > after_subscriber_id,
            Subscriber.paused.is_(False),
            Subscriber.unsubscribed_at.is_(None),
            follows_kind.is_(True),
            follows_component,
        )
        .order_by(Subscriber.id)
        .limit(limit)
    ).all()
    channels = dict(
        db.session.execute(
            select(ContactPoint.id, ContactPoint.channel).where(
                ContactPoint.id.in_([r.contact_point_id for r in rows if r.contact_point_id])
            )
        ).all()
    )
    return [
        Recipient(r.id, r.contact_point_id, channels[r.contact_point_id].value)
        if r.contact_point_id
        else Recipient(r.id, 0, "")
        for r in rows
    ]
