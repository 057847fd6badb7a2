"""Escalation policies: saved, ordered tiers of the crisis team (primary, backup, next tier...)
with a window each. A call-out that follows a policy pages tier 1; when a tier's window ends
with nobody paged so far acknowledged, the sweep pages the next tier on top (earlier tiers
keep being re-paged, crisis.assembly) and tells the incident commander; when the last
tier's window ends unanswered, the commander is told that too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update

from statuspage.audit.changes import record_change, record_removed
from statuspage.audit.trail import SYSTEM, Actor, record
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.crisis.notices import notify, write_crisis_message
from statuspage.crisis.roster import usable_paths
from statuspage.extensions import db
from statuspage.models import (
    Audience,
    CrisisKind,
    CrisisMessage,
    CrisisRole,
    Delivery,
    EscalationPolicy,
    EscalationTier,
    Incident,
    Notice,
    TeamCallout,
    TeamCalloutEscalation,
    TeamCalloutMember,
    TeamMember,
    team_member_role,
)

MAX_TIERS = 6
MAX_WINDOW_MINUTES = 240
# The crisis role whose holders are told of escalations; without one on the roster (it is not
# a default role), whoever started the call-out is told, if they are on the roster.
COMMANDER_ROLE = "Incident commander"


# --- policies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierSpec:
    """One tier as staff enter it: who it pages (roles and/or members) and its window."""

    role_ids: Sequence[int]
    member_ids: Sequence[int]
    window_minutes: int


def list_policies() -> list[EscalationPolicy]:
    return list(db.session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.name)))


def get_policy(policy_id: int) -> EscalationPolicy:
    policy = db.session.get(EscalationPolicy, policy_id)
    if policy is None:
        raise NotFound(f"no escalation policy {policy_id}")
    return policy


def _policy_values(policy: EscalationPolicy) -> dict[str, object]:
    return {
        "name": policy.name,
        "tiers": [
            {
                "roles": [r.name for r in tier.roles],
                "members": [m.name for m in tier.members],
                "window_minutes": tier.window_minutes,
            }
            for tier in policy.tiers
        ],
    }


def save_policy(
    policy: EscalationPolicy | None, *, name: str, tiers: Sequence[TierSpec], actor: Actor
) -> EscalationPolicy:
    """Add a policy (`policy` None) or change one: its name and its tiers, in order
    (replaced; tiers that page nobody are left out). Audited with before and after; flushed."""
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise InvalidInput("a policy needs a name of at most 100 characters")
    taken = db.session.scalar(
        select(EscalationPolicy.id).where(func.lower(EscalationPolicy.name) == name.lower())
    )
    if taken is not None and (policy is None or taken != policy.id):
        raise InvalidInput(f"there is already a policy called {name}")
    tiers = [t for t in tiers if t.role_ids or t.member_ids]
    if not tiers:
        raise InvalidInput("a policy needs at least one tier with a role or a member")
    if len(tiers) > MAX_TIERS:
        raise InvalidInput(f"a policy has at most {MAX_TIERS} tiers")
    built = []
    for number, spec in enumerate(tiers, start=1):
        if not 1 <= spec.window_minutes <= MAX_WINDOW_MINUTES:
            raise InvalidInput(f"tier {number}: a window of 1 to {MAX_WINDOW_MINUTES} minutes")
        role_ids, member_ids = sorted(set(spec.role_ids)), sorted(set(spec.member_ids))
        roles = list(db.session.scalars(select(CrisisRole).where(CrisisRole.id.in_(role_ids))))
        members = list(db.session.scalars(select(TeamMember).where(TeamMember.id.in_(member_ids))))
        if len(roles) != len(role_ids) or len(members) != len(member_ids):
            raise InvalidInput(f"tier {number}: choose roles and members from the list")
        built.append((spec.window_minutes, roles, members))
    action = "team.policy_add" if policy is None else "team.policy_update"
    with record_change(
        actor, action, policy, _policy_values, target_type="escalation_policy"
    ) as change:
        if policy is None:
            policy = change.obj = EscalationPolicy(name=name)
            db.session.add(policy)
        policy.name, policy.updated_at = name, utcnow()
        policy.tiers.clear()
        db.session.flush()  # the old tiers go before the new take their positions
        policy.tiers.extend(
            EscalationTier(position=n, window_minutes=w, roles=r, members=m)
            for n, (w, r, m) in enumerate(built, start=1)
        )
        db.session.flush()
    return policy


def delete_policy(policy_id: int, *, actor: Actor) -> None:
    """Delete a policy; call-outs that follow it stop escalating by tier (they keep their
    re-pages)."""
    policy = get_policy(policy_id)
    record_removed(
        actor, "team.policy_delete", policy, _policy_values, target_type="escalation_policy"
    )
    db.session.execute(
        update(TeamCallout)
        .where(TeamCallout.policy_id == policy.id)
        .values(tier_deadline_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(policy)
    db.session.flush()


def tier_members(tier: EscalationTier) -> list[TeamMember]:
    """Who a tier pages: the holders of its roles and its named members, by name."""
    role_ids = [r.id for r in tier.roles]
    holders = select(team_member_role.c.member_id).where(team_member_role.c.role_id.in_(role_ids))
    named = [m.id for m in tier.members]
    return list(
        db.session.scalars(
            select(TeamMember)
            .where(TeamMember.id.in_(holders) | TeamMember.id.in_(named))
            .order_by(TeamMember.name, TeamMember.id)
        )
    )


def first_paths(member: TeamMember, now: datetime, *, all_paths: bool) -> list[int]:
    """The contact points a member's first page goes to: all usable ones, or the first."""
    paths = usable_paths(member, now)
    return paths if all_paths else paths[:1]


# --- escalation (the sweep) ------------------------------------------------------------------


def _acknowledged(callout: TeamCallout) -> set[int]:
    """The subscribers who acknowledged any page of the call-out."""
    return set(
        db.session.scalars(
            select(Delivery.subscriber_id)
            .join(Notice, Notice.id == Delivery.notice_id)
            .where(
                Notice.crisis_message_id == callout.crisis_message_id,
                Delivery.acknowledged_at.is_not(None),
            )
        )
    )


def _paged_members(callout: TeamCallout) -> list[tuple[TeamMember, int | None]]:
    """(member, tier) of everyone the call-out reached for, by tier then name."""
    rows = db.session.execute(
        select(TeamMember, TeamCalloutMember.tier)
        .join(TeamCalloutMember, TeamCalloutMember.member_id == TeamMember.id)
        .where(TeamCalloutMember.callout_id == callout.id)
        .order_by(TeamCalloutMember.tier, TeamMember.name, TeamMember.id)
    ).all()
    return [(member, tier) for member, tier in rows]


def commanders(callout: TeamCallout) -> list[TeamMember]:
    """Who is told of the call-out's escalations: the holders of the "Incident commander"
    role when the roster has that role and someone holds it, else the roster member who is
    the staff member that started the call-out; nobody when neither exists."""
    role_id = db.session.scalar(
        select(CrisisRole.id).where(func.lower(CrisisRole.name) == COMMANDER_ROLE.lower())
    )
    if role_id is not None:
        holders = list(
            db.session.scalars(
                select(TeamMember)
                .join(team_member_role, team_member_role.c.member_id == TeamMember.id)
                .where(team_member_role.c.role_id == role_id)
                .order_by(TeamMember.name, TeamMember.id)
            )
        )
        if holders:
            return holders
    if callout.created_by_id is None:
        return []
    return list(
        db.session.scalars(
            select(TeamMember)
            .where(TeamMember.staff_user_id == callout.created_by_id)
            .order_by(TeamMember.id)
        )
    )


def _tell_commander(
    callout: TeamCallout, incident: Incident, *, subject: str, line: str, now: datetime
) -> tuple[CrisisMessage | None, list[str]]:
    """A short crisis message to the commander (no acknowledgement asked), sent through the
    internal notify path; returns it and who it went to (none reachable: None, [])."""
    told = [m for m in commanders(callout) if usable_paths(m, now)]
    if not told:
        return None, []
    message = write_crisis_message(
        incident,
        kind=CrisisKind.team_page,
        subject=subject,
        body=f"**{incident.name}**: {line}",
        short_text=line,
        actor=SYSTEM,
    )
    notify(
        message,
        audience=Audience.team,
        recipients={m.subscriber_id: usable_paths(m, now)[:1] for m in told},
        actor=SYSTEM,
        ack_window=None,
        requires_ack=False,
    )
    return message, [m.name for m in told]


def _record_escalation(
    callout: TeamCallout,
    *,
    tier: int,
    exhausted: bool,
    message: CrisisMessage | None,
    now: datetime,
    after: dict[str, object],
) -> None:
    """Keep an escalation (a next tier paged, or the tiers run out) twice: as the row that
    `tier_status` and `commander_messages` read, and as the `team.escalated` audit entry,
    whose `after` the caller writes since the two kinds tell different things. Flushed."""
    db.session.add(
        TeamCalloutEscalation(
            callout_id=callout.id,
            tier=tier,
            exhausted=exhausted,
            at=now,
            crisis_message_id=message.id if message else None,
        )
    )
    record(
        SYSTEM,
        "team.escalated",
        target_type="team_page",
        target_id=callout.id,
        incident_id=callout.incident_id,
        at=now,
        after=after,
    )
    db.session.flush()


def _escalate_one(callout: TeamCallout, now: datetime) -> int | None:
    """Page the call-out's next tier (or, after the last, tell the commander the tiers ran
    out), already claimed; returns the new page notice's id, if one was written."""
    policy = db.session.get(EscalationPolicy, callout.policy_id) if callout.policy_id else None
    if policy is None or callout.tier is None:
        return None
    acknowledged = _acknowledged(callout)
    paged = _paged_members(callout)
    if any(m.subscriber_id in acknowledged for m, _ in paged):
        return None  # someone is on it: no tier beyond
    incident = db.session.get(Incident, callout.incident_id)
    later = [t for t in policy.tiers if t.position > callout.tier]
    if not later:
        unreached = [m.name for m, _ in paged]
        message, told = _tell_commander(
            callout,
            incident,
            subject=f"Nobody answered: {incident.name}",
            line=(
                f"all {len(policy.tiers)} tiers of {policy.name} were paged and nobody has "
                f"acknowledged. Still unreached: {', '.join(unreached) or 'nobody'}."
            ),
            now=now,
        )
        _record_escalation(
            callout,
            tier=callout.tier,
            exhausted=True,
            message=message,
            now=now,
            after={
                "policy": policy.name,
                "from_tier": callout.tier,
                "to_tier": None,
                "exhausted": True,
                "unreached": unreached,
                "commander_told": told,
            },
        )
        return None
    tier = later[0]
    already = {m.id for m, _ in paged}
    new = [m for m in tier_members(tier) if m.id not in already]
    db.session.add_all(
        TeamCalloutMember(callout_id=callout.id, member_id=m.id, tier=tier.position) for m in new
    )
    chosen = {m.subscriber_id: first_paths(m, now, all_paths=callout.all_paths) for m in new}
    chosen = {s: paths for s, paths in chosen.items() if paths}
    from_tier = callout.tier
    callout.tier = tier.position
    callout.tier_deadline_at = now + timedelta(minutes=tier.window_minutes)
    notice = None
    if chosen:
        notice = notify(
            db.session.get(CrisisMessage, callout.crisis_message_id),
            audience=Audience.team,
            recipients=chosen,
            actor=SYSTEM,
            ack_window=None,
            all_paths=callout.all_paths,
            requires_ack=True,
        )
    message, told = _tell_commander(
        callout,
        incident,
        subject=f"Escalated to tier {tier.position}: {incident.name}",
        line=(
            f"nobody acknowledged tier {from_tier} of {policy.name} in time; tier "
            f"{tier.position} is paged now ({', '.join(m.name for m in new) or 'nobody new'})."
        ),
        now=now,
    )
    _record_escalation(
        callout,
        tier=tier.position,
        exhausted=False,
        message=message,
        now=now,
        after={
            "policy": policy.name,
            "from_tier": from_tier,
            "to_tier": tier.position,
            "paged": [m.name for m in new],
            "unreached": [m.name for m, _ in paged],
            "commander_told": told,
            "window_minutes": tier.window_minutes,
        },
    )
    return notice.id if notice else None


@dataclass(frozen=True)
class Due:
    """A call-out whose tier window ended, as a sweep read it: its claim checks that nobody
    moved it on since."""

    callout_id: int
    deadline: datetime
    tier: int | None


def due_callouts(now: datetime) -> list[Due]:
    """The call-outs (not stood down) whose tier window ended by `now`."""
    rows = db.session.execute(
        select(TeamCallout.id, TeamCallout.tier_deadline_at, TeamCallout.tier)
        .where(TeamCallout.tier_deadline_at <= now, TeamCallout.stood_down_at.is_(None))
        .order_by(TeamCallout.id)
    ).all()
    return [Due(*row) for row in rows]


def escalate_due(due: Sequence[Due], now: datetime) -> list[int]:
    """Escalate the call-outs of `due` still as read (see `escalate_tiers`): each is claimed
    with one conditional UPDATE on its deadline and tier, so of two sweeps that read the
    same call-out, one escalates it and the other finds it claimed."""
    notices = []
    for item in due:
        claimed = db.session.execute(
            update(TeamCallout)
            .where(
                TeamCallout.id == item.callout_id,
                TeamCallout.tier_deadline_at == item.deadline,
                TeamCallout.tier == item.tier,
                TeamCallout.stood_down_at.is_(None),
            )
            .values(tier_deadline_at=None)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        callout = db.session.get(TeamCallout, item.callout_id, populate_existing=True)
        notice_id = _escalate_one(callout, now)
        if notice_id is not None:
            notices.append(notice_id)
    return notices


def escalate_tiers(now: datetime) -> list[int]:
    """Escalate every call-out whose tier window ended by `now` (not stood down): the next
    tier is paged and the commander told, or the commander is told the tiers ran out; returns
    the new page notices' ids. Two sweeps never escalate, nor page, twice (`escalate_due`).
    Flushed."""
    return escalate_due(due_callouts(now), now)


def commander_messages() -> Select[tuple[int | None]]:
    """The ids of the messages that told a commander of an escalation (never a stand-down)."""
    return select(TeamCalloutEscalation.crisis_message_id).where(
        TeamCalloutEscalation.crisis_message_id.is_not(None)
    )


# --- the incident view -----------------------------------------------------------------------


@dataclass(frozen=True)
class TierStatus:
    """Where a call-out that follows a policy stands: the tier paged last, of how many, and
    until when (None: someone acknowledged, or the tiers ran out: `exhausted`)."""

    policy_name: str | None  # None: the policy was deleted since
    tier: int
    tiers: int
    deadline: datetime | None
    exhausted: bool


def tier_status(callout: TeamCallout) -> TierStatus | None:
    """The call-out's tier status for the incident view; None without a policy."""
    if callout.tier is None:
        return None
    policy = db.session.get(EscalationPolicy, callout.policy_id) if callout.policy_id else None
    exhausted = (
        db.session.scalar(
            select(TeamCalloutEscalation.id).where(
                TeamCalloutEscalation.callout_id == callout.id,
                TeamCalloutEscalation.exhausted.is_(True),
            )
        )
        is not None
    )
    return TierStatus(
        policy.name if policy else None,
        callout.tier,
        len(policy.tiers) if policy else callout.tier,
        callout.tier_deadline_at,
        exhausted,
    )
