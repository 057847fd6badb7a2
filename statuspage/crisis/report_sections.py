"""The sections of an incident's communication report, each as the record holds it.

The published updates and who posted them (from the audit trail); deliveries counted per
audience and channel; internal notices (pages, briefings, regulator notices) with every path
tried for each person; regulatory obligations. `crisis.report` puts them together into one
`Report`, which the admin renders three ways.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from statuspage.crisis.assembly import STOOD_DOWN
from statuspage.extensions import db
from statuspage.incidents.cadence_compliance import Compliance, compliance
from statuspage.models import (
    Audience,
    AuditEvent,
    ContactPoint,
    CrisisMessage,
    Delivery,
    DeliveryState,
    Incident,
    IncidentUpdate,
    Notice,
    NoticeRecipient,
    Obligation,
    Regulator,
    RegulatorRule,
    StaffUser,
    Subscriber,
    TeamMember,
)
from statuspage.regulators.deadlines import state as obligation_state

# Audit actions that post an update, each naming it in `after.update_id`.
POSTING_ACTIONS = ("incident.create", "incident.update", "maintenance.create")
# How the report names the system as a sender (the audit trail's SYSTEM actor).
SYSTEM_SENDER = "system"
# Audiences of people Herald pages directly (the crisis team, executives, regulators): the
# report names each of them and every path tried; customers are counted, never named.
INTERNAL_AUDIENCES = (Audience.team, Audience.executives, Audience.regulators)


@dataclass(frozen=True)
class TimelineEntry:
    """One update as published: when, by whom, what it said, whether it notified anyone."""

    update_id: str
    posted_at: datetime
    display_at: datetime
    status: str
    body: str
    posted_by: str  # the audit trail's actor: "staff:3 ann@example.com", "api:2 bot", "system"
    notified: bool


@dataclass(frozen=True)
class DeliveryCount:
    """Deliveries of one audience on one channel. A delivery is one notice to one contact point:
    attempted once tried, delivered once the provider took it (even if it was later superseded
    for want of an acknowledgement), failed when given up, acknowledged when the recipient
    confirmed receipt."""

    audience: str
    channel: str
    deliveries: int
    attempted: int
    delivered: int
    failed: int
    acknowledged: int
    stuck: int = 0  # parked: the channel is not configured (SMS without Twilio)


# A path's state as the report words it, from the most telling fact about its delivery.
STUCK_LABEL = "stuck: channel not configured"
PATH_STATES = ("sent", "delivered", "failed", "acknowledged", STUCK_LABEL)
# A page cancelled unsent by a stand-down (crisis.assembly.stand_down), stuck ones included.
STOOD_DOWN_LABEL = "stood down"


@dataclass(frozen=True)
class PathTried:
    channel: str
    address: str
    state: str  # the delivery's own state ("sent", "retry", "stuck"...)
    attempts: int
    sent_at: datetime | None
    acknowledged_at: datetime | None
    ack_path: str | None
    stood_down: bool = False  # cancelled unsent by a stand-down

    @property
    def status(self) -> str:
        """One of PATH_STATES, STOOD_DOWN_LABEL, or "waiting" (not tried yet, or due for a
        retry): acknowledged beats delivered (the provider took it), which beats sent (tried,
        not yet taken)."""
        if self.acknowledged_at is not None:
            return "acknowledged"
        if self.stood_down:
            return STOOD_DOWN_LABEL
        if self.state == "stuck":
            return STUCK_LABEL
        if self.state == "failed":
            return "failed"
        if self.sent_at is not None:
            return "delivered"
        if self.attempts > 0 and self.state in ("sending", "retry"):
            return "sent"
        return "waiting"


@dataclass(frozen=True)
class Paged:
    """One internal recipient of one notice: every path tried, and whether and how they acked."""

    subscriber_id: int
    name: str
    paths: tuple[PathTried, ...]
    roles: tuple[str, ...] = ()  # a team member's crisis roles ("Comms lead"), if one

    @property
    def acknowledgement(self) -> PathTried | None:
        acked = [p for p in self.paths if p.acknowledged_at is not None]
        return min(acked, key=lambda p: p.acknowledged_at) if acked else None  # type: ignore[arg-type,return-value]


@dataclass(frozen=True)
class InternalNotice:
    """A page, briefing or regulator notice: its audience, words, ack rule and recipients."""

    notice_id: int
    audience: str
    kind: str  # the crisis message's kind ("team_page", ...) or "update"
    subject: str
    sent_at: datetime
    requires_ack: bool
    recipients: tuple[Paged, ...]
    # Who sent this round, from the audit trail: the staff member's email, "system" (the
    # sweep's re-pages, escalations, automatic playbook runs) or an API key's label; the
    # message's author when the trail does not say.
    sent_by: str = ""
    started_by: str = ""  # the staff member who wrote the crisis message, when known
    body: str = ""  # the message's words as sent (Markdown), not only its subject

    @property
    def sent_by_system(self) -> bool:
        return self.sent_by == SYSTEM_SENDER

    @property
    def channel_states(self) -> dict[str, dict[str, int]]:
        """Per channel, how many of its paths are in each of PATH_STATES (and "waiting")."""
        states: dict[str, dict[str, int]] = {}
        for person in self.recipients:
            for path in person.paths:
                tally = states.setdefault(path.channel, dict.fromkeys(PATH_STATES, 0))
                tally[path.status] = tally.get(path.status, 0) + 1
        return dict(sorted(states.items()))


@dataclass(frozen=True)
class RegulatorObligation:
    """A regulator's deadline for this incident: when it was due, sent, acknowledged."""

    regulator: str
    what: str
    due_at: datetime | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    status: str
    note: str = ""


def timeline_of(incident: Incident) -> tuple[TimelineEntry, ...]:
    """Its updates, oldest first, each with the actor who posted it ("unknown" if none)."""
    posters: dict[str, str] = {}
    for action_after, actor in db.session.execute(
        select(AuditEvent.after, AuditEvent.actor).where(
            AuditEvent.incident_id == incident.id, AuditEvent.action.in_(POSTING_ACTIONS)
        )
    ):
        update_id = (action_after or {}).get("update_id")
        if update_id:
            posters.setdefault(update_id, actor)
    updates = db.session.scalars(
        select(IncidentUpdate)
        .where(IncidentUpdate.incident_id == incident.id)
        .order_by(IncidentUpdate.created_at, IncidentUpdate.id)
    )
    return tuple(
        TimelineEntry(
            update_id=u.id,
            posted_at=u.created_at,
            display_at=u.display_at,
            status=u.status.value,
            body=u.body,
            posted_by=posters.get(u.id, "unknown"),
            notified=u.deliver_notifications,
        )
        for u in updates
    )


def delivery_counts(incident_id: str) -> tuple[DeliveryCount, ...]:
    """Counted in the database, per (audience, channel): no delivery row is loaded."""
    rows = db.session.execute(
        select(
            Notice.audience,
            Delivery.channel,
            func.count(Delivery.id),
            func.sum(case((Delivery.attempts > 0, 1), else_=0)),
            func.sum(case((Delivery.sent_at.is_not(None), 1), else_=0)),
            func.sum(case((Delivery.state == DeliveryState.failed, 1), else_=0)),
            func.sum(case((Delivery.acknowledged_at.is_not(None), 1), else_=0)),
            func.sum(case((Delivery.state == DeliveryState.stuck, 1), else_=0)),
        )
        .join(Notice, Notice.id == Delivery.notice_id)
        .where(Notice.incident_id == incident_id)
        .group_by(Notice.audience, Delivery.channel)
    ).all()
    counts = [
        DeliveryCount(audience.value, channel.value, *(int(n or 0) for n in numbers))
        for audience, channel, *numbers in rows
    ]
    return tuple(sorted(counts, key=lambda c: (c.audience, c.channel)))


def _crisis_messages(notices: list[Notice]) -> dict[int, tuple[str, str, str, str]]:
    """(kind, subject, author's email, body) of the notices that carry a crisis message."""
    message_ids = {n.id: n.crisis_message_id for n in notices if n.crisis_message_id is not None}
    if not message_ids:
        return {}
    messages = {
        m.id: (m.kind.value, m.subject, author or "", m.body)
        for m, author in db.session.execute(
            select(CrisisMessage, StaffUser.email)
            .outerjoin(StaffUser, StaffUser.id == CrisisMessage.created_by_id)
            .where(CrisisMessage.id.in_(set(message_ids.values())))
        )
    }
    return {nid: messages[mid] for nid, mid in message_ids.items() if mid in messages}


def _sender(actor: str) -> str:
    """An audit actor as the report names a sender: a staff member by email ("staff:3
    sam@example.com" → "sam@example.com"), the system as SYSTEM_SENDER, an API key as is."""
    kind, _, rest = actor.partition(":")
    if kind == "staff" and " " in rest:
        return rest.split(" ", 1)[1]
    return actor


def _senders(notices: list[Notice]) -> dict[int, str]:
    """Who sent each notice, by the audit entry that wrote it (crisis.notices.notify records
    one per notice, as "notice.<kind>", with whoever sent that round as its actor)."""
    rows = db.session.execute(
        select(AuditEvent.target_id, AuditEvent.actor)
        .where(
            AuditEvent.target_type == "notice",
            AuditEvent.target_id.in_([str(n.id) for n in notices]),
            AuditEvent.action.like("notice.%"),
        )
        .order_by(AuditEvent.id)
    )
    senders: dict[int, str] = {}
    for target_id, actor in rows:
        senders.setdefault(int(target_id), _sender(actor))
    return senders


def _roles(subscriber_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """The crisis roles of the roster members among these subscribers."""
    if not subscriber_ids:
        return {}
    members = db.session.scalars(
        select(TeamMember).where(TeamMember.subscriber_id.in_(subscriber_ids))
    )
    return {m.subscriber_id: tuple(role.name for role in m.roles) for m in members}


def internal_notices(incident_id: str) -> tuple[InternalNotice, ...]:
    """Its pages, briefings and regulator notices, oldest first, each recipient by name."""
    notices = list(
        db.session.scalars(
            select(Notice)
            .where(Notice.incident_id == incident_id, Notice.audience.in_(INTERNAL_AUDIENCES))
            .order_by(Notice.created_at, Notice.id)
        )
    )
    if not notices:
        return ()
    crisis = _crisis_messages(notices)
    statuses = dict(
        db.session.execute(
            select(IncidentUpdate.id, IncidentUpdate.status).where(
                IncidentUpdate.id.in_({n.update_id for n in notices if n.update_id})
            )
        ).all()
    )
    paths: dict[int, dict[int, list[PathTried]]] = defaultdict(lambda: defaultdict(list))
    names: dict[int, str] = {}
    rows = db.session.execute(
        select(Delivery, ContactPoint.address, Subscriber.name)
        .join(ContactPoint, ContactPoint.id == Delivery.contact_point_id)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.notice_id.in_([n.id for n in notices]))
        .order_by(Delivery.id)
    )
    for delivery, address, name in rows:
        names[delivery.subscriber_id] = name or f"subscriber {delivery.subscriber_id}"
        paths[delivery.notice_id][delivery.subscriber_id].append(
            PathTried(
                channel=delivery.channel.value,
                address=address,
                state=delivery.state.value,
                attempts=delivery.attempts,
                sent_at=delivery.sent_at,
                acknowledged_at=delivery.acknowledged_at,
                ack_path=delivery.ack_path,
                stood_down=delivery.state is DeliveryState.superseded
                and delivery.sent_at is None
                and delivery.last_error == STOOD_DOWN,
            )
        )
    # Named recipients with no delivery (no reachable path, or the fan-out has not run) were
    # still paged: they show with no path tried.
    named = db.session.execute(
        select(NoticeRecipient.notice_id, NoticeRecipient.subscriber_id, Subscriber.name)
        .join(Subscriber, Subscriber.id == NoticeRecipient.subscriber_id)
        .where(NoticeRecipient.notice_id.in_([n.id for n in notices]))
    )
    for notice_id, subscriber_id, name in named:
        names.setdefault(subscriber_id, name or f"subscriber {subscriber_id}")
        paths[notice_id].setdefault(subscriber_id, [])
    roles = _roles(set(names))
    senders = _senders(notices)
    internal = []
    for notice in notices:
        status = statuses.get(notice.update_id)
        kind, subject, started_by, body = crisis.get(
            notice.id, ("update", status.label if status is not None else "", "", "")
        )
        internal.append(
            InternalNotice(
                notice_id=notice.id,
                audience=notice.audience.value,
                kind=kind,
                subject=subject,
                sent_at=notice.created_at,
                requires_ack=notice.requires_ack,
                sent_by=senders.get(notice.id, started_by),
                started_by=started_by,
                body=body,
                recipients=tuple(
                    Paged(
                        subscriber_id,
                        names[subscriber_id],
                        tuple(tried),
                        roles.get(subscriber_id, ()),
                    )
                    for subscriber_id, tried in sorted(
                        paths[notice.id].items(), key=lambda item: names[item[0]].lower()
                    )
                ),
            )
        )
    return tuple(internal)


def obligations_of(incident_id: str, now: datetime) -> tuple[RegulatorObligation, ...]:
    """Each regulator's obligations for this incident, by regulator then due time."""
    rows = db.session.execute(
        select(Obligation, RegulatorRule.stage, Regulator.name)
        .join(RegulatorRule, RegulatorRule.id == Obligation.rule_id)
        .join(Regulator, Regulator.id == RegulatorRule.regulator_id)
        .where(Obligation.incident_id == incident_id)
        .order_by(Regulator.name, RegulatorRule.position, Obligation.id)
    )
    found = []
    for obligation, stage, regulator in rows:
        notes = []
        if obligation.portal_reference:
            notes.append(f"portal reference {obligation.portal_reference}")
        if obligation.late_reason:
            notes.append(f"late: {obligation.late_reason}")
        found.append(
            RegulatorObligation(
                regulator=regulator,
                what=stage,
                due_at=obligation.due_at,
                sent_at=obligation.sent_at,
                acknowledged_at=obligation.acknowledged_at,
                status=obligation_state(
                    obligation.due_at,
                    now,
                    sent_at=obligation.sent_at,
                    acknowledged_at=obligation.acknowledged_at,
                ).value,
                note="; ".join(notes),
            )
        )
    return tuple(found)


def cadence_section(incident: Incident, now: datetime) -> Compliance:
    """Each due time of the incident's update cadence: due at, posted at, minutes overdue,
    reminded at, escalated at, and the summary ("3 of 4 updates on time; worst 7 min late")."""
    return compliance(incident, now)
