""" "Assemble the team" on an incident: a bridge, an alert on every path at once, and
escalation until each member acknowledges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select, update

from statuspage.audit.trail import SYSTEM, Actor, record
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.crisis import escalation
from statuspage.crisis.notices import (
    notify,
    write_crisis_message,
)
from statuspage.crisis.roster import usable_paths
from statuspage.extensions import db
from statuspage.models import (
    Audience,
    CrisisKind,
    CrisisMessage,
    CrisisRole,
    Delivery,
    DeliveryState,
    EscalationPolicy,
    Incident,
    Notice,
    NoticeRecipient,
    TeamCallout,
    TeamCalloutMember,
    TeamMember,
    team_member_role,
)
from statuspage.subscribers.sms import normalise_phone

MAX_REPAGE_MINUTES = 240
MAX_ROUNDS = 10
# The last_error of a page a stand-down cancelled before it was sent (the report shows it so).
STOOD_DOWN = "stood down"
_PIN = re.compile(r"^[0-9*]{0,20}$")


def _paths_for_round(
    member: TeamMember, now: datetime, *, all_paths: bool, last: int | None
) -> list[int]:
    """The contact points a round pages a member on: all usable ones at once, or the one
    after the path the previous round used (the first again after the last)."""
    paths = usable_paths(member, now)
    if all_paths or not paths:
        return paths
    if last in paths:
        return [paths[(paths.index(last) + 1) % len(paths)]]
    if last is not None:  # the last path is held now (quiet hours) or gone: the next one on
        later = [p for p in paths if p > last]
        return [later[0] if later else paths[0]]
    return paths[:1]


# --- assembling the team ---------------------------------------------------------------------


def bridge_link(phone: str, pin: str = "") -> str:
    """The one-touch dial string: `tel:+15551234567,,123456#` (two pauses, the PIN, #)."""
    return f"tel:{phone},,{pin}#" if pin else f"tel:{phone}"


@dataclass(frozen=True)
class Bridge:
    phone: str = ""
    pin: str = ""
    meeting_url: str = ""

    @property
    def tel(self) -> str:
        return bridge_link(self.phone, self.pin) if self.phone else ""


def check_bridge(phone: str, pin: str, meeting_url: str) -> Bridge:
    """A conference bridge from the form: a phone number (E.164) with an optional PIN, and/or
    a meeting URL; at least one of the two."""
    phone, pin, meeting_url = (
        (phone or "").strip(),
        (pin or "").strip(),
        (meeting_url or "").strip(),
    )
    if not phone and not meeting_url:
        raise InvalidInput("give the bridge a dial-in number or a meeting URL, or both")
    if phone:
        phone = normalise_phone(phone)
    if pin and not phone:
        raise InvalidInput("a PIN needs a dial-in number")
    pin = pin.replace(" ", "").rstrip("#")
    if not _PIN.match(pin):
        raise InvalidInput("a PIN is digits (and *), at most 20")
    if meeting_url:
        parts = urlsplit(meeting_url)
        if parts.scheme not in ("https", "http") or not parts.hostname or len(meeting_url) > 500:
            raise InvalidInput("the meeting URL must be a full https:// address")
    return Bridge(phone, pin, meeting_url)


def _page_body(
    incident: Incident,
    roles: Sequence[CrisisRole],
    bridge: Bridge,
    note: str,
    policy: EscalationPolicy | None = None,
) -> str:
    lines = [f"**{incident.name}**: the crisis response team is being assembled.", ""]
    if policy is not None:
        lines += [f"Escalation policy: {policy.name} ({len(policy.tiers)} tiers).", ""]
    if roles:
        lines += [f"Roles paged: {', '.join(r.name for r in roles)}.", ""]
    if bridge.tel:
        lines.append(f"Join the bridge (one touch): [{bridge.tel}]({bridge.tel})  ")
        lines.append(f"Dial {bridge.phone}" + (f", PIN {bridge.pin}#" if bridge.pin else "") + "  ")
    if bridge.meeting_url:
        lines.append(f"Meeting: [{bridge.meeting_url}]({bridge.meeting_url})")
    if note.strip():
        lines += ["", note.strip()]
    lines += ["", "Acknowledge this page so the team knows you are on your way."]
    return "\n".join(lines)


def _short(incident: Incident, bridge: Bridge) -> str:
    """The SMS and chat line: the bridge goes last, in brackets, where SMS never cuts it."""
    dial = bridge.tel or bridge.meeting_url
    return f"Crisis team paged: {incident.name} (bridge {dial})"


def members_with_roles(role_ids: Iterable[int]) -> list[TeamMember]:
    return list(
        db.session.scalars(
            select(TeamMember)
            .where(
                TeamMember.id.in_(
                    select(team_member_role.c.member_id).where(
                        team_member_role.c.role_id.in_(sorted(set(role_ids)))
                    )
                )
            )
            .order_by(TeamMember.id)
        )
    )


def _policy_tier_one(
    policy_id: int, role_ids: list[int]
) -> tuple[EscalationPolicy, list[CrisisRole], list[TeamMember]]:
    """The policy a call-out follows, and its first tier's roles and members."""
    if role_ids:
        raise InvalidInput("page chosen roles or follow an escalation policy, not both")
    try:
        policy = escalation.get_policy(policy_id)
    except NotFound as exc:
        raise InvalidInput("choose an escalation policy from the list") from exc
    if not policy.tiers:
        raise InvalidInput("that escalation policy has no tiers")
    first = policy.tiers[0]
    return policy, list(first.roles), escalation.tier_members(first)


def assemble(
    incident: Incident,
    *,
    role_ids: Iterable[int],
    all_paths: bool,
    bridge: Bridge,
    repage_minutes: int,
    actor: Actor,
    now: datetime,
    max_rounds: int = 3,
    note: str = "",
    policy_id: int | None = None,
) -> TeamCallout:
    """Page every member holding one of the chosen roles, with the bridge in the message and
    acknowledgement required; the sweep pages the unacknowledged again every `repage_minutes`
    (`escalate`), at most `max_rounds` pages in all. Audited; flushed; sent after commit.

    With `policy_id` (and no `role_ids`), the call-out follows that escalation policy: its
    first tier is paged now, and each later tier when the one before went unacknowledged for
    its window (crisis.escalation)."""
    role_ids = sorted(set(role_ids))
    policy: EscalationPolicy | None = None
    if policy_id is not None:
        policy, roles, members = _policy_tier_one(policy_id, role_ids)
    else:
        roles = list(db.session.scalars(select(CrisisRole).where(CrisisRole.id.in_(role_ids))))
        if not roles or len(roles) != len(role_ids):
            raise InvalidInput("choose at least one role to page")
        members = members_with_roles(role_ids)
    if not 1 <= repage_minutes <= MAX_REPAGE_MINUTES:
        raise InvalidInput(f"page again after 1 to {MAX_REPAGE_MINUTES} minutes")
    if not 1 <= max_rounds <= MAX_ROUNDS:
        raise InvalidInput(f"page at most 1 to {MAX_ROUNDS} times")
    chosen = {
        m.subscriber_id: _paths_for_round(m, now, all_paths=all_paths, last=None) for m in members
    }
    chosen = {s: paths for s, paths in chosen.items() if paths}
    if not chosen:
        raise InvalidInput(
            "nobody in the policy's first tier has a contact point Herald can reach"
            if policy
            else "nobody with those roles has a contact point Herald can reach"
        )
    message = write_crisis_message(
        incident,
        kind=CrisisKind.team_page,
        subject=f"Crisis team: {incident.name}",
        body=_page_body(incident, roles, bridge, note, policy),
        short_text=_short(incident, bridge),
        actor=actor,
    )
    callout = TeamCallout(
        incident_id=incident.id,
        crisis_message_id=message.id,
        all_paths=all_paths,
        bridge_phone=bridge.phone,
        bridge_pin=bridge.pin,
        meeting_url=bridge.meeting_url,
        repage_minutes=repage_minutes,
        max_rounds=max_rounds,
        rounds=1,
        next_repage_at=now + timedelta(minutes=repage_minutes) if max_rounds > 1 else None,
        created_by_id=message.created_by_id,
        created_at=now,
        roles=roles,
        policy_id=policy.id if policy else None,
        tier=1 if policy else None,
        tier_deadline_at=(
            now + timedelta(minutes=policy.tiers[0].window_minutes) if policy else None
        ),
    )
    db.session.add(callout)
    db.session.flush()
    db.session.add_all(
        TeamCalloutMember(callout_id=callout.id, member_id=m.id, tier=1 if policy else None)
        for m in members
    )
    record(
        actor,
        "team.assemble",
        target_type="team_page",
        target_id=callout.id,
        incident_id=incident.id,
        after={
            "roles": [r.name for r in roles],
            "members": [m.name for m in members],
            "mode": "all paths" if all_paths else "one path after another",
            "bridge": bridge.tel,
            "meeting_url": bridge.meeting_url,
            "repage_minutes": repage_minutes,
            "max_rounds": max_rounds,
        }
        | ({"policy": policy.name, "tier": 1} if policy else {}),
    )
    # Escalation is this module's (`escalate`): no engine ack window, acknowledgement required.
    notify(
        message,
        audience=Audience.team,
        recipients=chosen,
        actor=actor,
        ack_window=None,
        all_paths=all_paths,
        requires_ack=True,
    )
    return callout


def start_callout_with_policy(
    incident: Incident,
    policy: EscalationPolicy,
    *,
    bridge: Bridge,
    actor: Actor,
    now: datetime,
    all_paths: bool = True,
    repage_minutes: int = 5,
    max_rounds: int = 3,
    note: str = "",
) -> TeamCallout:
    """Call the team out by an escalation policy (for playbooks and other callers that hold a
    policy): tier 1 is paged on all its paths now, re-paged every `repage_minutes` until it
    acknowledges, and each later tier is paged when the one before went unacknowledged for
    its window, the incident commander told (crisis.escalation). Audited; flushed; sent after
    commit. InvalidInput when nobody in tier 1 can be reached."""
    return assemble(
        incident,
        role_ids=(),
        all_paths=all_paths,
        bridge=bridge,
        repage_minutes=repage_minutes,
        actor=actor,
        now=now,
        max_rounds=max_rounds,
        note=note,
        policy_id=policy.id,
    )


# --- escalation (the sweep) ------------------------------------------------------------------


def acknowledged_subscribers(callout: TeamCallout) -> dict[int, Delivery]:
    """subscriber id -> their first acknowledged delivery of any round of the callout."""
    rows = db.session.scalars(
        select(Delivery)
        .join(Notice, Notice.id == Delivery.notice_id)
        .where(
            Notice.crisis_message_id == callout.crisis_message_id,
            Delivery.acknowledged_at.is_not(None),
        )
        .order_by(Delivery.acknowledged_at, Delivery.id)
    )
    first: dict[int, Delivery] = {}
    for delivery in rows:
        first.setdefault(delivery.subscriber_id, delivery)
    return first


def _callout_members(callout: TeamCallout) -> list[TeamMember]:
    return list(
        db.session.scalars(
            select(TeamMember)
            .join(TeamCalloutMember, TeamCalloutMember.member_id == TeamMember.id)
            .where(TeamCalloutMember.callout_id == callout.id)
            .order_by(TeamMember.name, TeamMember.id)
        )
    )


def _last_paths(callout: TeamCallout) -> dict[int, int | None]:
    """subscriber id -> the contact point the call-out's latest round used for them first."""
    latest = {}
    rows = db.session.execute(
        select(NoticeRecipient.subscriber_id, NoticeRecipient.contact_point_ids)
        .join(Notice, Notice.id == NoticeRecipient.notice_id)
        .where(Notice.crisis_message_id == callout.crisis_message_id)
        .order_by(Notice.id)
    )
    for subscriber_id, ids in rows:
        latest[subscriber_id] = ids[0] if ids else None
    return latest


def escalate(now: datetime) -> list[int]:
    """Page again the members of every due call-out who have not acknowledged: all their
    paths again, or the next path; returns the new notices' ids. A call-out whose members all
    acknowledged, or that ran out of rounds, is done. Each due call-out is claimed with one
    conditional UPDATE, so two sweeps never page twice. Then the call-outs that follow an
    escalation policy and whose tier went unacknowledged for its window page their next tier
    (`escalation.escalate_tiers`, claimed the same way)."""
    notices = []
    due = db.session.scalars(
        select(TeamCallout)
        .where(TeamCallout.next_repage_at <= now, TeamCallout.stood_down_at.is_(None))
        .order_by(TeamCallout.id)
    ).all()
    for callout in due:
        claimed = db.session.execute(
            update(TeamCallout)
            .where(
                TeamCallout.id == callout.id,
                TeamCallout.next_repage_at == callout.next_repage_at,
                TeamCallout.stood_down_at.is_(None),
            )
            .values(next_repage_at=None)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        db.session.refresh(callout)
        acknowledged = acknowledged_subscribers(callout)
        waiting = [m for m in _callout_members(callout) if m.subscriber_id not in acknowledged]
        if not waiting:
            continue
        last = _last_paths(callout)
        chosen = {
            m.subscriber_id: _paths_for_round(
                m, now, all_paths=callout.all_paths, last=last.get(m.subscriber_id)
            )
            for m in waiting
        }
        chosen = {s: paths for s, paths in chosen.items() if paths}
        if not chosen:
            continue
        callout.rounds += 1
        if callout.rounds < callout.max_rounds:
            callout.next_repage_at = now + timedelta(minutes=callout.repage_minutes)
        message = db.session.get(CrisisMessage, callout.crisis_message_id)
        record(
            SYSTEM,
            "team.repage",
            target_type="team_page",
            target_id=callout.id,
            incident_id=callout.incident_id,
            at=now,
            after={"round": callout.rounds, "members": [m.name for m in waiting]},
        )
        notice = notify(
            message,
            audience=Audience.team,
            recipients=chosen,
            actor=SYSTEM,
            ack_window=None,
            all_paths=callout.all_paths,
            requires_ack=True,
        )
        notices.append(notice.id)
    return notices + escalation.escalate_tiers(now)


# --- stand-down ------------------------------------------------------------------------------


def _stand_down_body(incident: Incident, reason: str) -> str:
    return "\n".join(
        [
            f"**{incident.name}**: stand down.",
            "",
            f"The crisis response team is no longer needed ({reason}).",
            "No further pages will be sent for this incident; no acknowledgement is needed.",
        ]
    )


def _last_notice(notices: Select[tuple[int]]) -> dict[int, int]:
    """subscriber id -> the newest of `notices` (ids, which only grow) they were sent."""
    return dict(
        db.session.execute(
            select(NoticeRecipient.subscriber_id, func.max(NoticeRecipient.notice_id))
            .where(NoticeRecipient.notice_id.in_(notices))
            .group_by(NoticeRecipient.subscriber_id)
        ).all()
    )


def _stand_down_notices(incident_id: str) -> Select[tuple[int]]:
    """The incident's stand-down notices: team messages that are no call-out's page nor a
    commander's news of an escalation."""
    return (
        select(Notice.id)
        .join(CrisisMessage, CrisisMessage.id == Notice.crisis_message_id)
        .where(
            CrisisMessage.incident_id == incident_id,
            CrisisMessage.kind == CrisisKind.team_page,
            Notice.requires_ack.is_(False),
            CrisisMessage.id.not_in(select(TeamCallout.crisis_message_id)),
            CrisisMessage.id.not_in(escalation.commander_messages()),
        )
    )


def stand_down(
    incident: Incident,
    callouts: Sequence[TeamCallout],
    *,
    reason: str,
    actor: Actor,
    now: datetime,
) -> Notice | None:
    """Stand the call-outs down: no page, re-page or fallback of them goes out from now on
    (their unsent deliveries are superseded, those parked as stuck for want of a configured
    channel too, so a later Twilio sends none of them; the sweep skips them, the engine falls
    back on none of them), and every member who was paged and not yet told is told once, through the
    normal delivery path. Each call-out is claimed with one conditional UPDATE, so a resolve
    and the button together stand it down (and tell the team) once. Audited; flushed; sent
    after commit. Returns the stand-down notice, None when nobody was left to tell."""
    stood: list[TeamCallout] = []
    for callout in callouts:
        claimed = db.session.execute(
            update(TeamCallout)
            .where(TeamCallout.id == callout.id, TeamCallout.stood_down_at.is_(None))
            .values(stood_down_at=now, next_repage_at=None, tier_deadline_at=None)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            db.session.refresh(callout)
            stood.append(callout)
    if not stood:
        return None
    message_ids = [c.crisis_message_id for c in stood]
    page_notices = select(Notice.id).where(Notice.crisis_message_id.in_(message_ids))
    cancelled = db.session.execute(
        update(Delivery)
        .where(
            Delivery.notice_id.in_(page_notices),
            Delivery.state.in_([DeliveryState.pending, DeliveryState.retry, DeliveryState.stuck]),
        )
        .values(
            state=DeliveryState.superseded,
            next_attempt_at=None,
            lease_until=None,
            last_error=STOOD_DOWN,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    # A member already told since their last page (the button, then the resolve) is not told
    # again; one paged again after being told (a later call-out) is.
    told = _last_notice(_stand_down_notices(incident.id))
    to_tell = sorted(
        subscriber
        for subscriber, last_page in _last_notice(page_notices).items()
        if told.get(subscriber, 0) < last_page
    )
    for callout in stood:
        record(
            actor,
            "team.stand_down",
            target_type="team_page",
            target_id=callout.id,
            incident_id=incident.id,
            at=now,
            after={
                "reason": reason,
                "members": [m.name for m in _callout_members(callout)],
                "pages_cancelled": cancelled,
            },
        )
    if not to_tell:
        return None
    message = write_crisis_message(
        incident,
        kind=CrisisKind.team_page,
        subject=f"Stand down: {incident.name}",
        body=_stand_down_body(incident, reason),
        short_text=f"Stand down: {incident.name} ({reason}). No further pages.",
        actor=actor,
    )
    return notify(
        message,
        audience=Audience.team,
        recipients=to_tell,
        actor=actor,
        ack_window=None,
        requires_ack=False,
    )


def stand_down_incident(
    incident: Incident, *, reason: str, actor: Actor, now: datetime
) -> Notice | None:
    """Stand down every call-out of the incident still standing (see `stand_down`)."""
    callouts = db.session.scalars(
        select(TeamCallout)
        .where(TeamCallout.incident_id == incident.id, TeamCallout.stood_down_at.is_(None))
        .order_by(TeamCallout.id)
    ).all()
    if not callouts:
        return None
    return stand_down(incident, callouts, reason=reason, actor=actor, now=now)


# --- the incident view -----------------------------------------------------------------------


@dataclass(frozen=True)
class MemberStatus:
    """One member of a call-out as the incident view shows them."""

    member: TeamMember
    deliveries: int  # sent to them, every round and path
    last_paged_at: datetime | None
    acknowledged_at: datetime | None
    ack_path: str | None  # how: "email-link", "sms-link"...
    ack_channel: str | None  # on which channel's message


@dataclass(frozen=True)
class CalloutView:
    callout: TeamCallout
    members: list[MemberStatus]
    tiers: escalation.TierStatus | None = None  # with an escalation policy

    @property
    def unreached(self) -> list[MemberStatus]:
        """Paged (reached for by the call-out, so far: by its tiers paged) and not acknowledged."""
        return [m for m in self.members if not m.acknowledged_at]

    @property
    def acknowledged(self) -> int:
        return sum(1 for m in self.members if m.acknowledged_at)


def callouts_for_incident(incident_id: str) -> list[CalloutView]:
    """The incident's call-outs of the team, newest first: who was paged, who answered."""
    callouts = db.session.scalars(
        select(TeamCallout)
        .where(TeamCallout.incident_id == incident_id)
        .order_by(TeamCallout.created_at.desc(), TeamCallout.id.desc())
    ).all()
    views = []
    for callout in callouts:
        acknowledged = acknowledged_subscribers(callout)
        sent = dict(
            (s, (n, last))
            for s, n, last in db.session.execute(
                select(Delivery.subscriber_id, func.count(Delivery.id), func.max(Delivery.sent_at))
                .join(Notice, Notice.id == Delivery.notice_id)
                .where(Notice.crisis_message_id == callout.crisis_message_id)
                .group_by(Delivery.subscriber_id)
            )
        )
        members = []
        for member in _callout_members(callout):
            ack = acknowledged.get(member.subscriber_id)
            count, last = sent.get(member.subscriber_id, (0, None))
            members.append(
                MemberStatus(
                    member,
                    count,
                    last,
                    ack.acknowledged_at if ack else None,
                    ack.ack_path if ack else None,
                    ack.channel.value if ack else None,
                )
            )
        views.append(CalloutView(callout, members, escalation.tier_status(callout)))
    return views
