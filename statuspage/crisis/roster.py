"""The crisis response team: its roles, its members and their contact paths and quiet hours."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from statuspage.audience.recipients import internal_reachable
from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import Actor, values_of
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.crisis.notices import (
    current_contacts,
    internal_subscriber,
    set_contacts,
)
from statuspage.extensions import db
from statuspage.models import (
    ContactPoint,
    CrisisRole,
    StaffUser,
    TeamMember,
)
from statuspage.subscribers.sms import normalise_phone

DEFAULT_ROLES = ("Comms lead", "Technical liaison", "Legal adviser", "Executive sponsor")
QUIET = "quiet_hours"  # ContactPoint.meta key: hold this path during the member's quiet hours


# --- roles -----------------------------------------------------------------------------------


def ensure_default_roles() -> None:
    """Seed the default roles on a roster that has none yet (flushed)."""
    if db.session.scalar(select(func.count()).select_from(CrisisRole)):
        return
    db.session.add_all(CrisisRole(name=name) for name in DEFAULT_ROLES)
    db.session.flush()


def list_roles() -> list[CrisisRole]:
    return list(db.session.scalars(select(CrisisRole).order_by(CrisisRole.name)))


def add_role(name: str, *, actor: Actor) -> CrisisRole:
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise InvalidInput("a role needs a name of at most 100 characters")
    taken = db.session.scalar(
        select(CrisisRole.id).where(func.lower(CrisisRole.name) == name.lower())
    )
    if taken:
        raise InvalidInput(f"there is already a role called {name}")
    role = CrisisRole(name=name)
    db.session.add(role)
    db.session.flush()
    record_created(actor, "team.role_add", role, ("name",), target_type="crisis_role")
    return role


def delete_role(role_id: int, *, actor: Actor) -> None:
    role = db.session.get(CrisisRole, role_id)
    if role is None:
        raise NotFound(f"no role {role_id}")
    record_removed(actor, "team.role_delete", role, ("name",), target_type="crisis_role")
    db.session.delete(role)
    db.session.flush()


# --- members ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactLine:
    """One of a member's contact points as staff enter it, in order."""

    channel: str
    address: str
    quiet: bool = False  # held during quiet hours


def parse_contacts(text: str) -> list[ContactLine]:
    """Contact points from the roster form, one a line: `channel address [quiet]`."""
    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        parts = raw.split()
        if not parts:
            continue
        quiet = parts[-1].lower() == "quiet"
        if quiet:
            parts = parts[:-1]
        if len(parts) < 2:
            raise InvalidInput(
                f"line {number}: write a channel and an address, like `sms +15551230001`, "
                "and `quiet` at the end to hold it during quiet hours"
            )
        # the address is the rest of the line: a phone number may be written with spaces
        lines.append(ContactLine(parts[0].lower(), " ".join(parts[1:]), quiet))
    return lines


def _check_address(line: ContactLine) -> tuple[str, str]:
    """(channel, address) as set_contacts stores them: phone numbers in E.164."""
    if line.channel == "sms":
        return line.channel, normalise_phone(line.address)
    if line.channel in ("slack", "teams", "discord"):
        parts = urlsplit(line.address)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InvalidInput(f"a {line.channel} contact point is its incoming webhook URL")
    return line.channel, line.address


def _zone(name: str) -> str:
    name = (name or "UTC").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"{name!r} is not a time zone, like Europe/London") from exc
    return name


def list_members() -> list[TeamMember]:
    return list(db.session.scalars(select(TeamMember).order_by(TeamMember.name, TeamMember.id)))


def get_member(member_id: int) -> TeamMember:
    member = db.session.get(TeamMember, member_id)
    if member is None:
        raise NotFound(f"no team member {member_id}")
    return member


def _member_values(member: TeamMember) -> dict[str, object]:
    return values_of(
        member, "name", "staff_user_id", "executive", "timezone", "quiet_start", "quiet_end"
    ) | {
        "roles": [r.name for r in member.roles],
        "contacts": [
            f"{c.channel.value} {c.address}{' quiet' if (c.meta or {}).get(QUIET) else ''}"
            for c in current_contacts(member.subscriber)
        ],
    }


def save_member(
    member: TeamMember | None,
    *,
    name: str,
    role_ids: Iterable[int],
    contacts: Sequence[ContactLine],
    actor: Actor,
    executive: bool = False,
    staff_user_id: int | None = None,
    timezone: str = "UTC",
    quiet_start: time | None = None,
    quiet_end: time | None = None,
) -> TeamMember:
    """Add a member (`member` None) or change one: roles, contact points in order (replaced),
    quiet hours. Audited with before and after; flushed."""
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise InvalidInput("a member needs a name of at most 200 characters")
    if not contacts:
        raise InvalidInput("a member needs at least one contact point")
    if (quiet_start is None) != (quiet_end is None) or (quiet_start and quiet_start == quiet_end):
        raise InvalidInput("quiet hours need a start and a different end, or neither")
    role_ids = sorted(set(role_ids))
    roles = list(db.session.scalars(select(CrisisRole).where(CrisisRole.id.in_(role_ids))))
    if len(roles) != len(role_ids):
        raise InvalidInput("choose roles from the list")
    if staff_user_id is not None and db.session.get(StaffUser, staff_user_id) is None:
        raise InvalidInput("choose a staff account from the list")
    checked = [_check_address(line) for line in contacts]
    action = "team.member_add" if member is None else "team.member_update"
    with record_change(actor, action, member, _member_values, target_type="team_member") as change:
        if member is None:
            member = change.obj = TeamMember(name=name, subscriber=internal_subscriber(name))
            db.session.add(member)
        member.name = member.subscriber.name = name
        member.roles = roles
        member.executive = executive
        member.staff_user_id = staff_user_id
        member.timezone = _zone(timezone)
        member.quiet_start, member.quiet_end = quiet_start, quiet_end
        points = set_contacts(member.subscriber, checked)
        for point, line in zip(points, contacts, strict=True):
            point.meta = {QUIET: True} if line.quiet else None
        db.session.flush()
    return member


def delete_member(member: TeamMember, *, actor: Actor) -> None:
    """Take someone off the roster; the deliveries they received stay in the record (their
    internal subscriber is paused, not deleted)."""
    record_removed(actor, "team.member_delete", member, _member_values, target_type="team_member")
    member.subscriber.paused = True
    db.session.delete(member)
    db.session.flush()


# --- quiet hours and paths -------------------------------------------------------------------


def in_quiet_hours(member: TeamMember, now: datetime) -> bool:
    """Whether `now` falls in the member's quiet window, read on their own clock (a window
    may span midnight: 22:00-07:00)."""
    if member.quiet_start is None or member.quiet_end is None:
        return False
    local = now.astimezone(ZoneInfo(member.timezone)).time().replace(tzinfo=None)
    start, end = member.quiet_start, member.quiet_end
    return start <= local < end if start < end else (local >= start or local < end)


def usable_paths(member: TeamMember, now: datetime) -> list[int]:
    """The member's reachable contact point ids in order, without those held for quiet hours
    when it is quiet for them (unless only held ones are left)."""
    points = list(
        db.session.scalars(
            select(ContactPoint)
            .where(ContactPoint.subscriber_id == member.subscriber_id, internal_reachable())
            .order_by(ContactPoint.priority, ContactPoint.id)
        )
    )
    if in_quiet_hours(member, now):
        awake = [p for p in points if not (p.meta or {}).get(QUIET)]
        points = awake or points
    return [p.id for p in points]
