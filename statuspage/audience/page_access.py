"""Statuspage's page access groups and users, read and written as segments and organizations.

A page access group is a segment together with its own organization: the organization of
the same name (whatever its case) that belongs to it, made when first needed. The group's
users are that organization's explicit members; its components are the components private
to the segment. A page access user is an email address, an explicit member of the own
organizations of its groups, so `audience.viewer_for(email)` sees what its groups see.

Herald keeps no row per user: a user exists while it belongs to a group, and its id is
derived from its address (stable, opaque). Every write goes through audience.segments, so
it is audited and re-resolves the subscribers it touches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from statuspage.audience import organizations, segments
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.extensions import db
from statuspage.models import (
    Component,
    Organization,
    OrganizationMember,
    Segment,
    Visibility,
    component_segment,
    organization_segment,
)
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


@dataclass
class AccessUser:
    email: str
    group_ids: list[int] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None

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
    return list(users.values())


def get_user(page_access_user_id: str) -> AccessUser:
    for user in list_users():
        if user.id == page_access_user_id:
            return user
    raise NotFound(f"no page access user {page_access_user_id!r}")


def _group(segment: Segment) -> AccessGroup:
    organization = own_organization(segment)
    members = organization.members if organization else []
    components = db.session.scalars(
        select(Component.id)
        .join(component_segment, component_segment.c.component_id == Component.id)
        .where(
            component_segment.c.segment_id == segment.id,
            Component.visibility == Visibility.segments,
        )
        .order_by(Component.position, Component.name)
    )
    return AccessGroup(segment, [user_id(m.email) for m in members], list(components))


def list_groups() -> list[AccessGroup]:
    return [_group(segment) for segment in segments.list_segments()]


def get_group(page_access_group_id: str) -> AccessGroup:
    try:
        return _group(segments.get_segment(page_access_group_id))
    except NotFound:
        raise NotFound(f"no page access group {page_access_group_id!r}") from None


# --- groups ----------------------------------------------------------------------------------


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
    actor: Actor = SYSTEM,
) -> AccessGroup:
    segment = segments.create_segment(name, kind=GROUP_KIND, actor=actor)
    _own_organization_made(segment, actor)
    _set_components(segment, component_ids, actor)
    _set_users(segment, user_ids, actor)
    return _group(segment)


def update_group(
    group: AccessGroup,
    *,
    name: str | None = None,
    component_ids: Iterable[str] | None = None,
    user_ids: Iterable[str] | None = None,
    actor: Actor = SYSTEM,
) -> AccessGroup:
    """Rename the group (its own organization too), or set exactly its components or users."""
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
    return _group(segment)


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


def create_user(email: str, group_ids: Iterable[str | int], *, actor: Actor = SYSTEM) -> AccessUser:
    """A new page access user: `email` joins each group's own organization."""
    _, email = normalise_email(email)
    if list_users(email):
        raise InvalidInput(f"{email} is already a page access user")
    _join(email, _groups_named(group_ids), actor)
    return list_users(email)[0]


def update_user(
    user: AccessUser,
    *,
    email: str | None = None,
    group_ids: Iterable[str | int] | None = None,
    actor: Actor = SYSTEM,
) -> AccessUser:
    """Change the user's address (its memberships move with it) or set exactly its groups."""
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
            current = email
    if groups is not None:
        wanted = {segment.id for segment in groups}
        held_ids = list_users(current)[0].group_ids
        _leave(current, [gid for gid in held_ids if gid not in wanted], actor)
        _join(current, groups, actor)
    return list_users(current)[0]


def delete_user(user: AccessUser, *, actor: Actor = SYSTEM) -> None:
    """The address leaves every group's own organization (its other memberships stay)."""
    _leave(user.email, user.group_ids, actor)
