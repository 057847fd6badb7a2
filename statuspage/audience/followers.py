"""Who a customer notice is for: the subscribers of its audience, as one WHERE on Subscriber.

The fan-out (`recipients.recipient_batches`) and the composer's preview (`reach.reach`) both
build their query from `audience_where`, so what staff are shown and who is sent to can
never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, and_, exists, or_, select, true

from statuspage.extensions import db
from statuspage.models import Subscriber, SubscriberKind, organization_segment
from statuspage.models.subscribers import subscription_component


def segment_organizations(segment_ids: Iterable[int]) -> list[int]:
    """The ids of the organizations in any of `segment_ids`, in order."""
    return list(
        db.session.scalars(
            select(organization_segment.c.organization_id)
            .distinct()
            .where(organization_segment.c.segment_id.in_(sorted(set(segment_ids))))
            .order_by(organization_segment.c.organization_id)
        )
    )


def audience_where(
    *,
    organization_ids: Sequence[int] | None,
    component_ids: Sequence[str],
    maintenance: bool,
) -> ColumnElement[bool]:
    """Who a notice is for, as one WHERE on Subscriber: `recipient_batches` and `reach` both build
    their query from it, so the preview staff read and the fan-out can never disagree.

    `organization_ids` None: the public audience. Otherwise the persons whose organization is
    one of them (`segment_organizations`: a list, a few hundred ids let the database read the
    persons through the organization index, where a subquery made it scan them all). Either
    way: not paused, not unsubscribed, following the kind (incidents or maintenance) and all
    components or one of `component_ids` (none: every follower).
    """
    if organization_ids is not None:
        in_audience: ColumnElement[bool] = and_(
            Subscriber.kind == SubscriberKind.person,
            Subscriber.organization_id.in_(organization_ids),
        )
    else:
        # Everyone but the people Herald pages directly: a crisis team member, an executive
        # or a regulator is never a customer, whatever their address.
        in_audience = Subscriber.kind != SubscriberKind.internal
    follows_kind = Subscriber.notify_maintenance if maintenance else Subscriber.notify_incidents
    follows_component: ColumnElement[bool] = true()
    if component_ids:
        follows = and_(
            subscription_component.c.subscriber_id == Subscriber.id,
            subscription_component.c.component_id.in_(sorted(set(component_ids))),
        )
        follows_component = or_(Subscriber.all_components.is_(True), exists().where(follows))
    return and_(
        Subscriber.paused.is_(False),
        Subscriber.unsubscribed_at.is_(None),
        follows_kind.is_(True),
        follows_component,
        in_audience,
    )
