"""Statuspage's page access groups and users, read and written as segments and organizations.

A page access group is a segment together with its own organization: the organization of
the same name (whatever its case) that belongs to it, made when first needed. The group's
users are that organization's explicit members; its components are the components private
to the segment. A page access user is an email address, an explicit member of the own
organizations of its groups, so `audience.viewer_for(email)` sees what its groups see.

A user exists while it belongs to a group, and its id is derived from its address (stable,
opaque). What Statuspage keeps beside that (a group's external identifier, a user's external
login, when each last changed) is in their page_access_group and page_access_user rows; a group
or user without one reads null and its creation time. Every change of who sees what goes
through audience.segments and audience.organizations, so it is audited and re-resolves the
subscribers it touches; a change of the fields kept here is audited here.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from statuspage.audience import organizations, segments
from statuspage.audit.changes import record_change
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import text
from statuspage.extensions import db
from statuspage.models import (
    Component,
    Organization,
    OrganizationMember,
    PageAccessGroupRecord,
    PageAccessUserRecord,
    Segment,
    Visibility,
    component_segment,
    organization_segment,
)
from statuspage.models.page_access import MAX_EXTERNAL_ID
from statuspage.subscribers.subscriptions import normalise_email

GROUP_KIND = "page access group"  # what the admin shows as the kind of a group made here
_USER_ID_LENGTH = 20


def user_id(email: str) -> str:
    """A page access user's id: the same address always gives the same id."""
    return hashlib.sha256(b"page-access-user:" + email.encode()).hexdigest()[:_USER_ID_LENGTH]


@dataclass(frozen=True)
class AccessGroup:
    segment: Segment
    user_ids: list[str]
    component_ids: list[str]
    external_identifier: str | None = None
    updated_at: datetime | None = None  # None: never changed since it was made


@dataclass
class AccessUser:
    email: str
    group_ids: list[int] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    external_login: str | None = None

    @property
    def id(self) -> str:
        return user_id(self.email)


# --- reading ---------------------------------------------------------------------------------


def own_organization(segment: Segment) -> Organization | None:
    """The organization that is the group's own: same name, whatever its case, and in it."""
    return db.session.scalars(
        select(Organization)
        .join(organization_segment, organization_segment.c.organization_id == Organization.id)
        .where(
            organization_segment.c.segment_id == segment.id,
            func.lower(Organization.name) == func.lower(segment.name),
        )
    ).one_or_none()


def _memberships(email: str | None = None) -> list[tuple[str, int, datetime]]:
    """(email, segment id, since) for every explicit member of a group's own organization."""
    query = (
        select(OrganizationMember.email, Segment.id, OrganizationMember.created_at)
        .join(Organization, Organization.id == OrganizationMember.organization_id)
        .join(organization_segment, organization_segment.c.organization_id == Organization.id)
        .join(Segment, Segment.id == organization_segment.c.segment_id)
        .where(func.lower(Segment.name) == func.lower(Organization.name))
        .order_by(OrganizationMember.email, Segment.id)
    )
    if email is not None:
        query = query.where(OrganizationMember.email == email)
    return [(row[0], row[1], row[2]) for row in db.session.execute(query)]


def list_users(email: str | None = None) -> list[AccessUser]:
    """Every page access user (or the one with `email`), by address."""
    users: dict[str, AccessUser] = {}
    for address, segment_id, since in _memberships(email.lower() if email else None):
        user = users.setdefault(address, AccessUser(address, created_at=since, updated_at=since))
        user.group_ids.append(segment_id)
        user.created_at = min(user.created_at or since, since)
        user.updated_at = max(user.updated_at or since, since)
    records = select(PageAccessUserRecord)
    if email:
        records = records.where(PageAccessUserRecord.email == email.lower())
    for record in db.session.scalars(records):
        user = users.get(record.email)
        if user is None:
            continue  # an address that left its last group another way (the admin)
        user.external_login = record.external_login
        user.created_at = record.created_at
        user.updated_at = max(user.updated_at or record.updated_at, record.updated_at)
    return list(users.values())


def get_user(page_access_user_id: str) -> AccessUser:
    for user in list_users():
        if user.id == page_access_user_id:
            return user
    raise NotFound(f"no page access user {page_access_user_id!r}")


def _components_of(segment: Segment) -> list[Component]:
    return list(
        db.session.scalars(
            select(Component)
            .join(component_segment, component_segment.c.component_id == Component.id)
            .where(
                component_segment.c.segment_id == segment.id,
                Component.visibility == Visibility.segments,
            )
            .order_by(Component.position, Component.name)
        )
    )


def _group(segment: Segment) -> AccessGroup:
    organization = own_organization(segment)
    members = organization.members if organization else []
    record = db.session.get(PageAccessGroupRecord, segment.id)
    return AccessGroup(
        segment,
        [user_id(m.email) for m in members],
        [component.id for component in _components_of(segment)],
        external_identifier=record.external_identifier if record else None,
        updated_at=record.updated_at if record else None,
    )


def group_components(group: AccessGroup) -> list[Component]:
    """The components private to the group, in page order."""
    return _components_of(group.segment)


def user_components(user: AccessUser) -> list[Component]:
    """The components a user sees through its groups: those private to any of them."""
    through_groups = select(component_segment.c.component_id).where(
        component_segment.c.segment_id.in_(user.group_ids)
    )
    return list(
        db.session.scalars(
            select(Component)
            .where(Component.id.in_(through_groups), Component.visibility == Visibility.segments)
            .order_by(Component.position, Component.name)
        )
    )


def list_groups() -> list[AccessGroup]:
    return [_group(segment) for segment in segments.list_segments()]


def get_group(page_access_group_id: str) -> AccessGroup:
    try:
        return _group(segments.get_segment(page_access_group_id))
    except NotFound:
        raise NotFound(f"no page access group {page_access_group_id!r}") from None


# --- groups ----------------------------------------------------------------------------------


def _external(value: str | None, what: str) -> str | None:
    """An identifier from the customer's own systems (an IdP's uid): one line of text, through
    the shared text rule, with no control character at all, not even a tab. "" clears it;
    None leaves it alone."""
    if value is None:
        return None
    value = text(value, what, MAX_EXTERNAL_ID, required=False)
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise InvalidInput(f"{what} may not contain control characters")
    return value


def _changed_group(segment: Segment, actor: Actor, external_identifier: str | None = None) -> None:
    """The group changed now; a new `external_identifier` ("" for none) is kept and audited."""
    record = db.session.get(PageAccessGroupRecord, segment.id)
    if record is None:
        record = PageAccessGroupRecord(segment_id=segment.id)
        db.session.add(record)
    kept = record.external_identifier if external_identifier is None else external_identifier
    if (kept or None) != record.external_identifier:
        with record_change(
            actor,
            "page_access_group.update",
            record,
            ["external_identifier"],
            target_type="segment",
            target_id=segment.id,
        ):
            record.external_identifier = kept or None
    record.updated_at = utcnow()
    db.session.flush()


def _own_organization_made(segment: Segment, actor: Actor) -> Organization:
    """The group's own organization, made (or given the segment) when it lacks one."""
    organization = own_organization(segment)
    if organization is not None:
        return organization
    namesake = db.session.scalars(
        select(Organization).where(func.lower(Organization.name) == segment.name.lower())
    ).one_or_none()
    if namesake is None:
        return organizations.create_organization(segment.name, segments=[segment], actor=actor)
    return organizations.update_organization(
        namesake, segments=[*namesake.segments, segment], actor=actor
    )


def _set_components(segment: Segment, component_ids: Iterable[str], actor: Actor) -> None:
    """Exactly these components are private to the segment, among their other segments.

    A public component named here leaves the public page, for the group's eyes only (on
    Statuspage, an audience-specific page's components are all private). A component taken
    out of its last group stays private, seen by staff alone, never published by accident.
    """
    wanted: list[Component] = []
    for component_id in dict.fromkeys(component_ids):
        component = db.session.get(Component, component_id)
        if component is None:
            raise InvalidInput(f"no component {component_id!r}")
        wanted.append(component)
    current = db.session.scalars(
        select(Component)
        .join(component_segment, component_segment.c.component_id == Component.id)
        .where(component_segment.c.segment_id == segment.id)
    ).all()
    for component in current:
        if component not in wanted:
            others = [s for s in component.segments if s.id != segment.id]
            segments.set_component_audience(component, Visibility.segments, others, actor=actor)
    for component in wanted:
        private = component.visibility is Visibility.segments
        if private and segment in component.segments:
            continue
        others = list(component.segments) if private else []
        segments.set_component_audience(
            component, Visibility.segments, [*others, segment], actor=actor
        )


def _set_users(segment: Segment, user_ids: Iterable[str], actor: Actor) -> None:
    """Exactly these users are the group's (explicit members of its own organization)."""
    by_id = {user.id: user.email for user in list_users()}
    wanted: list[str] = []
    for uid in dict.fromkeys(user_ids):
        if uid not in by_id:
            raise InvalidInput(f"no page access user {uid!r}")
        wanted.append(by_id[uid])
    organization = _own_organization_made(segment, actor)
    for member in list(organization.members):
        if member.email not in wanted:
            organizations.remove_member(member, actor=actor)
    present = {member.email for member in organization.members}
    for email in wanted:
        if email not in present:
            organizations.add_member(organization, email, actor=actor)


def create_group(
    name: str,
    *,
    component_ids: Iterable[str] = (),
    user_ids: Iterable[str] = (),
    external_identifier: str | None = None,
    actor: Actor = SYSTEM,
) -> AccessGroup:
    external_identifier = _external(external_identifier, "an external identifier")
    segment = segments.create_segment(name, kind=GROUP_KIND, actor=actor)
    _own_organization_made(segment, actor)
    _set_components(segment, component_ids, actor)
    _set_users(segment, user_ids, actor)
    _changed_group(segment, actor, external_identifier)
    return _group(segment)


def update_group(
    group: AccessGroup,
    *,
    name: str | None = None,
    component_ids: Iterable[str] | None = None,
    user_ids: Iterable[str] | None = None,
    external_identifier: str | None = None,
    actor: Actor = SYSTEM,
) -> AccessGroup:
    """Rename the group (its own organization too), set exactly its components or users, or
    its external identifier; the group's `updated_at` moves to now."""
    external_identifier = _external(external_identifier, "an external identifier")
    segment = group.segment
    if name is not None and name.strip() != segment.name:
        organization = own_organization(segment)
        segments.update_segment(segment, name=name, actor=actor)
        if organization is not None:
            organizations.update_organization(organization, name=segment.name, actor=actor)
    if component_ids is not None:
        _set_components(segment, component_ids, actor)
    if user_ids is not None:
        _set_users(segment, user_ids, actor)
    _changed_group(segment, actor, external_identifier)
    return _group(segment)


def add_components(
    group: AccessGroup, component_ids: Iterable[str], *, actor: Actor = SYSTEM
) -> AccessGroup:
    """The components become private to the group too (a public one leaves the public page)."""
    _set_components(group.segment, [*group.component_ids, *component_ids], actor)
    _changed_group(group.segment, actor)
    return _group(group.segment)


def remove_components(
    group: AccessGroup, component_ids: Iterable[str], *, actor: Actor = SYSTEM
) -> AccessGroup:
    """The components leave the group (and stay private: to their other groups, or to staff
    alone). A component that is not the group's is left as it is; one that does not exist is
    NotFound."""
    leaving = set(component_ids)
    for component_id in leaving:
        if db.session.get(Component, component_id) is None:
            raise NotFound(f"no component {component_id!r}")
    kept = [cid for cid in group.component_ids if cid not in leaving]
    _set_components(group.segment, kept, actor)
    _changed_group(group.segment, actor)
    return _group(group.segment)


def delete_group(group: AccessGroup, *, actor: Actor = SYSTEM) -> None:
    """Delete the segment and its own organization (its users leave the group); its private
    components stay private, to their other groups or to staff alone."""
    organization = own_organization(group.segment)
    if organization is not None:
        organizations.delete_organization(organization, actor=actor)
    segments.delete_segment(group.segment, actor=actor)


# --- users -----------------------------------------------------------------------------------


def _groups_named(group_ids: Iterable[str | int]) -> list[Segment]:
    chosen = [segments.get_segment(gid) for gid in dict.fromkeys(group_ids)]
    if not chosen:
        raise InvalidInput(
            "a page access user belongs to at least one page access group; "
            "delete the user to take away its access"
        )
    return chosen


def _join(email: str, groups: Iterable[Segment], actor: Actor) -> None:
    for segment in groups:
        organization = _own_organization_made(segment, actor)
        if all(member.email != email for member in organization.members):
            organizations.add_member(organization, email, actor=actor)


def _leave(email: str, groups: Iterable[int], actor: Actor) -> None:
    for segment_id in groups:
        organization = own_organization(segments.get_segment(segment_id))
        for member in list(organization.members if organization else []):
            if member.email == email:
                organizations.remove_member(member, actor=actor)


def _changed_user(email: str, actor: Actor, external_login: str | None = None) -> None:
    """The user changed now; a new `external_login` ("" for none) is kept and audited."""
    record = db.session.get(PageAccessUserRecord, email)
    if record is None:  # its first change: it was made when it first joined a group
        since = min((row[2] for row in _memberships(email)), default=None)
        record = PageAccessUserRecord(email=email, created_at=since or utcnow())
        db.session.add(record)
    kept = record.external_login if external_login is None else external_login
    if (kept or None) != record.external_login:
        with record_change(
            actor,
            "page_access_user.update",
            record,
            ["external_login"],
            target_type="page_access_user",
            target_id=user_id(email),
        ):
            record.external_login = kept or None
    record.updated_at = utcnow()
    db.session.flush()


def _forget_user(email: str) -> None:
    """Drop what was kept of an address that is no longer a page access user."""
    record = db.session.get(PageAccessUserRecord, email)
    if record is not None:
        db.session.delete(record)
        db.session.flush()


def create_user(
    email: str,
    group_ids: Iterable[str | int],
    *,
    external_login: str | None = None,
    actor: Actor = SYSTEM,
) -> AccessUser:
    """A new page access user: `email` joins each group's own organization."""
    _, email = normalise_email(email)
    external_login = _external(external_login, "an external login")
    if list_users(email):
        raise InvalidInput(f"{email} is already a page access user")
    _join(email, _groups_named(group_ids), actor)
    _forget_user(email)  # whatever an earlier user of this address left behind
    _changed_user(email, actor, external_login)
    return list_users(email)[0]


def update_user(
    user: AccessUser,
    *,
    email: str | None = None,
    group_ids: Iterable[str | int] | None = None,
    external_login: str | None = None,
    actor: Actor = SYSTEM,
) -> AccessUser:
    """Change the user's address (its memberships and fields move with it), set exactly its
    groups, or its external login; the user's `updated_at` moves to now."""
    external_login = _external(external_login, "an external login")
    groups = _groups_named(group_ids) if group_ids is not None else None
    current = user.email
    if email is not None:
        _, email = normalise_email(email)
        if email != current:
            if list_users(email):
                raise InvalidInput(f"{email} is already a page access user")
            held = [segments.get_segment(gid) for gid in user.group_ids]
            _leave(current, user.group_ids, actor)
            _join(email, held, actor)
            _forget_user(email)
            record = db.session.get(PageAccessUserRecord, current)
            if record is not None:
                record.email = email
            current = email
    if groups is not None:
        wanted = {segment.id for segment in groups}
        held_ids = list_users(current)[0].group_ids
        _leave(current, [gid for gid in held_ids if gid not in wanted], actor)
        _join(current, groups, actor)
    _changed_user(current, actor, external_login)
    return list_users(current)[0]


def delete_user(user: AccessUser, *, actor: Actor = SYSTEM) -> None:
    """The address leaves every group's own organization (its other memberships stay)."""
    _leave(user.email, user.group_ids, actor)
    _forget_user(user.email)
