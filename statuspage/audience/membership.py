"""Who belongs to which organization (by member email or domain), and the viewer that makes."""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    and_,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from statuspage.audience.visibility import Viewer
from statuspage.extensions import db
from statuspage.models import (
    Channel,
    ContactPoint,
    Organization,
    OrganizationDomain,
    OrganizationMember,
    Subscriber,
    SubscriberKind,
)


def organizations_of(email: str) -> list[Organization]:
    """The organizations an address belongs to: explicit membership, or its domain's rule.

    The caller vouches that the address is verified (a magic link was followed, or the
    contact point was confirmed): an unverified address belongs to nobody.
    """
    email = email.strip().lower()
    domain = email.rpartition("@")[2]
    by_member = select(OrganizationMember.organization_id).where(OrganizationMember.email == email)
    by_domain = select(OrganizationDomain.organization_id).where(
        OrganizationDomain.domain == domain
    )
    return list(
        db.session.scalars(
            select(Organization)
            .where(or_(Organization.id.in_(by_member), Organization.id.in_(by_domain)))
            .order_by(Organization.name)
        )
    )


def resolve_organizations(affected: ColumnElement[bool]) -> int:
    """Set `Subscriber.organization_id` afresh on the persons matching `affected` (a WHERE
    on Subscriber), in one UPDATE; returns how many rows it visited.

    `organizations_of`'s rule, read from the person's verified email contact points: the
    organization an explicit member address names, else the one whose domain an address is
    at; when several could, the contact point with the highest priority decides (a
    subscriber has one organization). NULL when nothing matches: public notices only.
    """
    email = aliased(ContactPoint)
    verified = and_(
        email.subscriber_id == Subscriber.id,
        email.channel == Channel.email,
        email.verified_at.is_not(None),
    )
    explicit = (
        select(OrganizationMember.organization_id)
        .join(email, email.address_key == OrganizationMember.email)
        .where(verified)
        .order_by(email.priority, email.id, OrganizationMember.organization_id)
        .limit(1)
        .correlate(Subscriber)
        .scalar_subquery()
    )
    by_domain = (
        select(OrganizationDomain.organization_id)
        .join(email, email.address_key.like(literal("%@").concat(OrganizationDomain.domain)))
        .where(verified)
        .order_by(email.priority, email.id)
        .limit(1)
        .correlate(Subscriber)
        .scalar_subquery()
    )
    result = db.session.execute(
        update(Subscriber)
        .where(Subscriber.kind == SubscriberKind.person, affected)
        .values(organization_id=func.coalesce(explicit, by_domain))
        .execution_options(synchronize_session=False)
    )
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, Subscriber):
            db.session.expire(loaded, ["organization_id"])
    return result.rowcount or 0


def viewer_for(email: str) -> Viewer:
    """The private viewer a verified address is: its organizations' segments, read now."""
    organizations = organizations_of(email)
    segment_ids = frozenset(s.id for o in organizations for s in o.segments)
    return Viewer(
        segment_ids=segment_ids,
        email=email.strip().lower(),
        organization_ids=frozenset(o.id for o in organizations),
    )


def viewer_for_organization(organization: Organization) -> Viewer:
    """What an organization's private JSON API token sees: its segments."""
    return Viewer(
        segment_ids=frozenset(s.id for s in organization.segments),
        organization_ids=frozenset({organization.id}),
    )
