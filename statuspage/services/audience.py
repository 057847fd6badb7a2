"""THE scoping rule: who may see a notice, and who receives it. Every surface asks here;
none filters on its own.

An incident or a component is public, or private to segments. A viewer (anonymous, a signed-in
private viewer, or staff) sees the public ones and the private ones of their segments. A
private notice is delivered to the subscribers of the organizations in its incident's
segments, and never through a world-readable channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    String,
    and_,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.orm import aliased, joinedload

from statuspage.extensions import db
from statuspage.models import (
    PUBLIC_CHANNELS,
    Audience,
    Channel,
    Component,
    ContactPoint,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
    Notice,
    Organization,
    OrganizationDomain,
    OrganizationMember,
    Segment,
    Subscriber,
    SubscriberKind,
    Visibility,
    component_segment,
    incident_segment,
    organization_segment,
)
from statuspage.models.subscribers import subscription_component


@dataclass(frozen=True)
class Viewer:
    """Who is looking: anonymous (the default), a private viewer of some segments, or staff."""

    segment_ids: frozenset[int] = frozenset()
    staff: bool = False
    email: str | None = None  # a signed-in private viewer's address
    organization_ids: frozenset[int] = frozenset()

    @property
    def is_public(self) -> bool:
        """Sees exactly what the anonymous public sees: the snapshot may serve them."""
        return not self.staff and not self.segment_ids


PUBLIC = Viewer()
STAFF = Viewer(staff=True)  # the admin and the management API: everything, marked as such


def _scoped(viewer: Viewer, visibility, link_row_id, link_segment_id) -> ColumnElement[bool]:
    """Public rows, and private ones linked to at least one of the viewer's segments."""
    if viewer.staff:
        return true()
    public = visibility == Visibility.public
    if not viewer.segment_ids:
        return public
    return or_(
        public,
        and_(
            visibility == Visibility.segments,
            exists().where(link_row_id, link_segment_id.in_(sorted(viewer.segment_ids))),
        ),
    )


def _may_see(viewer: Viewer, row: Incident | Component) -> bool:
    if viewer.staff or row.visibility is Visibility.public:
        return True
    return any(segment.id in viewer.segment_ids for segment in row.segments)


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL filter every incident query applies for this viewer: public incidents, and
    the private ones with at least one affected segment among the viewer's."""
    return _scoped(
        viewer,
        Incident.visibility,
        incident_segment.c.incident_id == Incident.id,
        incident_segment.c.segment_id,
    )


def may_see(viewer: Viewer, incident: Incident) -> bool:
    """The same rule as `visible`, for one incident already loaded."""
    return _may_see(viewer, incident)


def component_visible(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL filter for components: public ones, and private ones of the viewer's segments."""
    return _scoped(
        viewer,
        Component.visibility,
        component_segment.c.component_id == Component.id,
        component_segment.c.segment_id,
    )


def may_see_component(viewer: Viewer, component: Component) -> bool:
    """The same rule as `component_visible`, for one component already loaded."""
    return _may_see(viewer, component)


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


def reachable_contact(notice: Notice) -> ColumnElement[bool]:
    """The contact points a notice may go to: active and verified, and a channel that may
    carry it (the world-readable channels, PUBLIC_CHANNELS, carry public notices only; SMS
    carries the updates that open and close, `sms_worthy`, unless the number chose every
    update). The first one receives a notice; the engine's fallback walks the rest in
    priority order, by this same rule."""
    return _reachable(private=notice.audience is not Audience.public, texts=sms_worthy(notice))


def _reachable(*, private: bool, texts: bool) -> ColumnElement[bool]:
    """`reachable_contact` for a notice that is private or not, and SMS-worthy or not: the
    reach preview asks this before any notice exists."""
    rule = and_(ContactPoint.active.is_(True), ContactPoint.verified_at.is_not(None))
    if private:
        rule = and_(rule, ContactPoint.channel.not_in(PUBLIC_CHANNELS))
    if not texts:
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
    """One page of a notice's recipients, in subscriber id order (the caller pages by cursor):
    at most `limit`, fewer when some have several reachable contact points (they count as
    rows of the page's query); empty only when there are no more.

    Who receives a public notice: every subscriber not paused or unsubscribed, following the
    notice's kind (incidents or maintenance) and either all components or one the incident
    touches (an incident that names no component goes to every follower of its kind), through
    their first contact point that `reachable_contact` allows.

    A segments notice (a private incident's) goes to the same followers, but only those whose
    organization belongs to one of the incident's affected segments; a public notice never
    carries a private incident. The crisis audiences (team, executives, regulators) arrive
    with [6/7]; until then they reach no one, by this rule and no other.
    """
    # One query for the incident and both its lists: fan_out calls this once per page.
    incident = db.session.get(
        Incident,
        notice.incident_id,
        options=[joinedload(Incident.segments), joinedload(Incident.components)],
    )
    if incident is None:
        return []
    if notice.audience is Audience.public:
        if not may_see(PUBLIC, incident):
            return []
        segment_ids: list[int] = []
    elif notice.audience is Audience.segments:
        segment_ids = [s.id for s in incident.segments]
        if incident.visibility is not Visibility.segments or not segment_ids:
            return []
    else:
        return []
    audience = _audience_where(
        segment_ids=segment_ids,
        component_ids=[c.id for c in incident.components],
        maintenance=incident.is_maintenance,
        paged=True,
    )
    # The page's subscribers and their reachable contact points in one query, each
    # subscriber's in priority order: the first row of a subscriber is its first contact
    # point (`_first_contact`'s order), and the LIMIT, counting rows, never cuts that one.
    # The second bound on the contact points lets PostgreSQL merge the two id-ordered
    # indexes rather than look each subscriber up.
    contact = ContactPoint.__table__.c
    rows = db.session.execute(
        # the channel as the string it is stored as: Recipient carries a str
        select(Subscriber.id, contact.id, type_coerce(contact.channel, String))
        .outerjoin(
            ContactPoint.__table__,
            and_(
                contact.subscriber_id == Subscriber.id,
                contact.subscriber_id > after_subscriber_id,
                reachable_contact(notice),
            ),
        )
        .where(Subscriber.id > after_subscriber_id, audience)
        .order_by(Subscriber.id, contact.priority, contact.id)
        .limit(limit)
    ).all()
    page: list[Recipient] = []
    previous = None
    for subscriber_id, contact_point_id, channel in rows:
        if subscriber_id != previous:  # else a later contact point: the fallback's
            page.append(Recipient(subscriber_id, contact_point_id or 0, channel or ""))
            previous = subscriber_id
    return page


def _audience_where(
    *,
    segment_ids: Sequence[int],
    component_ids: Sequence[str],
    maintenance: bool,
    paged: bool = False,
) -> ColumnElement[bool]:
    """Who a notice is for, as one WHERE on Subscriber: `recipients` and `reach` both build
    their query from it, so the preview staff read and the fan-out can never disagree.

    No `segment_ids`: the public audience. Otherwise the persons whose organization belongs to
    one of them. Either way: not paused, not unsubscribed, following the kind (incidents or
    maintenance) and all components or one of `component_ids` (none: every follower).
    `paged`: the same rule, shaped for a query that reads one page in id order.
    """
    if segment_ids:
        in_audience: ColumnElement[bool] = and_(
            Subscriber.kind == SubscriberKind.person,
            Subscriber.organization_id.in_(
                select(organization_segment.c.organization_id).where(
                    organization_segment.c.segment_id.in_(sorted(set(segment_ids)))
                )
            ),
        )
    else:
        in_audience = true()
    follows_kind = Subscriber.notify_maintenance if maintenance else Subscriber.notify_incidents
    follows_component: ColumnElement[bool] = true()
    if component_ids:
        follows = and_(
            subscription_component.c.subscriber_id == Subscriber.id,
            subscription_component.c.component_id.in_(sorted(set(component_ids))),
        )
        if paged:
            # A page (ORDER BY id LIMIT n) looks each subscriber up in the primary key:
            # PostgreSQL turns an EXISTS here into a hash of every follower of these
            # components, built again for every page (bench/audience.py: 25x slower).
            followed = select(subscription_component.c.subscriber_id).where(follows).limit(1)
            follows_any = followed.correlate(Subscriber).scalar_subquery().is_not(None)
        else:
            follows_any = exists().where(follows)
        follows_component = or_(Subscriber.all_components.is_(True), follows_any)
    return and_(
        Subscriber.paused.is_(False),
        Subscriber.unsubscribed_at.is_(None),
        follows_kind.is_(True),
        follows_component,
        in_audience,
    )


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


@dataclass(frozen=True)
class Reach:
    """Who a notice would reach, before it is written: the composer's preview."""

    people: int  # subscribers in the audience
    organizations: int  # distinct organizations among them
    contact_points: int  # the contact points tried first (people with none are not reached)
    segments: tuple[str, ...]  # the chosen segments' names; empty for the public

    @property
    def sentence(self) -> str:
        """The preview line: `Reaches N people in K organizations through M contact points: EU`."""

        def counted(n: int, noun: str) -> str:
            return f"{n:,} {noun if n == 1 else noun + 's'}"

        people = "person" if self.people == 1 else "people"
        if not self.segments:
            return (
                f"Public: reaches {self.people:,} {people} through "
                f"{counted(self.contact_points, 'contact point')}."
            )
        return (
            f"Reaches {self.people:,} {people} in {counted(self.organizations, 'organization')}"
            f" through {counted(self.contact_points, 'contact point')}: "
            f"{', '.join(self.segments)}."
        )


def reach(
    segment_ids: Iterable[int], component_ids: Iterable[str], kind: IncidentKind | str
) -> Reach:
    """How many the opening notice of a new incident (or maintenance) would reach: private to
    `segment_ids` (none: public), touching `component_ids`. Counted with `recipients`' own
    WHERE (`_audience_where`) and contact rule; an opening update is SMS-worthy."""
    segment_ids = sorted(set(segment_ids))
    names = tuple(
        db.session.scalars(
            select(Segment.name).where(Segment.id.in_(segment_ids)).order_by(Segment.name)
        )
    )
    audience = _audience_where(
        segment_ids=segment_ids,
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
