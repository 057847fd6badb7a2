"""Internal notices: the people Herald pages directly (team, executives, regulators), the
messages it pages them with, and who acknowledged.

An internal subscriber holds someone's contact points, so the delivery engine (retries,
fallback, acknowledgement links, audit) serves them as it serves customers; audience
keeps them out of every customer audience and reaches them only through the NoticeRecipient
rows written here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from statuspage.audience.recipients import INTERNAL_AUDIENCES
from statuspage.audit.trail import Actor, record
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput
from statuspage.delivery.outbox import FAN_OUT, after_commit
from statuspage.extensions import db
from statuspage.models import (
    Audience,
    Channel,
    ContactPoint,
    CrisisKind,
    CrisisMessage,
    Delivery,
    Incident,
    Notice,
    NoticeRecipient,
    Subscriber,
    SubscriberKind,
)

# The channels an internal contact point may use: the engine's person-to-person channels.
# Why a contact point staff took off someone's list is disabled (rosters hide these).
REMOVED = "removed by staff"
INTERNAL_CHANNELS = frozenset(
    {Channel.email, Channel.sms, Channel.slack, Channel.teams, Channel.discord}
)


def internal_subscriber(name: str) -> Subscriber:
    """A new holder of someone's contact points: internal, confirmed, not paused (flushed)."""
    subscriber = Subscriber(
        name=(name or "").strip()[:200],
        kind=SubscriberKind.internal,
        paused=False,
        # Internal subscribers are paged about every kind of incident; what they follow is
        # never asked (audience reaches them only through NoticeRecipient rows).
        all_components=True,
        notify_incidents=True,
        notify_maintenance=True,
    )
    db.session.add(subscriber)
    db.session.flush()
    return subscriber


def _internal_key(subscriber: Subscriber, channel: Channel, address: str) -> str:
    """An internal contact point's unique key: scoped to its holder, so a team member's
    address never collides with (nor reveals) the same address subscribed as a customer."""
    return f"internal:{subscriber.id}:{channel.value}:{address.lower()}"[:320]


def set_contacts(subscriber: Subscriber, contacts: Sequence[tuple[str, str]]) -> list[ContactPoint]:
    """Make `contacts`, (channel, address) pairs in priority order, an internal subscriber's
    active contact points, each verified (staff vouch for them); returns them. Others it
    had are disabled."""
    if subscriber.kind is not SubscriberKind.internal:
        raise InvalidInput("only an internal subscriber's contact points are set here")
    now = utcnow()
    checked: list[tuple[Channel, str]] = []
    for raw_channel, raw_address in contacts:
        try:
            channel = Channel(raw_channel)
        except ValueError as exc:
            raise InvalidInput(f"{raw_channel!r} is not a channel Herald pages on") from exc
        if channel not in INTERNAL_CHANNELS:
            raise InvalidInput(f"Herald does not page people by {channel.value}")
        address = (raw_address or "").strip()
        if not address or len(address) > 2000:
            raise InvalidInput(f"enter the {channel.value} address")
        if any(c is channel and a.lower() == address.lower() for c, a in checked):
            raise InvalidInput(f"{address} is listed twice")
        checked.append((channel, address))
    # Points kept (same channel and address) keep their rows; points dropped are disabled,
    # not deleted: the deliveries made through them, and their acknowledgements, stay.
    existing = {
        (p.channel, p.address_key): p
        for p in db.session.scalars(
            select(ContactPoint).where(ContactPoint.subscriber_id == subscriber.id)
        )
    }
    points = []
    for priority, (channel, address) in enumerate(checked, start=1):
        key = _internal_key(subscriber, channel, address)
        point = existing.pop((channel, key), None)
        if point is None:
            point = ContactPoint(subscriber_id=subscriber.id, channel=channel, address_key=key)
            db.session.add(point)
        point.address, point.priority, point.verified_at = address, priority, now
        point.active, point.disabled_at, point.disabled_reason = True, None, None
        point.bounces = point.failures_in_row = 0
        points.append(point)
    for position, dropped in enumerate(existing.values(), start=len(points) + 1):
        dropped.priority = position
        if dropped.active:
            dropped.active, dropped.disabled_at = False, now
            dropped.disabled_reason = REMOVED
    db.session.flush()
    db.session.expire(subscriber, ["contact_points"])
    return points


def current_contacts(subscriber: Subscriber) -> list[ContactPoint]:
    """An internal subscriber's contact points in order, without those staff removed (a
    path the engine disabled after failures is still listed, for staff to see)."""
    return [p for p in subscriber.contact_points if p.disabled_reason != REMOVED]


def write_crisis_message(
    incident: Incident,
    *,
    kind: CrisisKind,
    subject: str,
    body: str,
    actor: Actor,
    short_text: str | None = None,
    created_by_id: int | None = None,
) -> CrisisMessage:
    subject = (subject or "").strip()
    if not subject or not (body or "").strip():
        raise InvalidInput("an internal message needs a subject and a body")
    message = CrisisMessage(
        incident_id=incident.id,
        kind=kind,
        subject=subject[:300],
        body=body,
        short_text=(short_text or "").strip()[:300] or None,
        created_by_id=created_by_id if created_by_id is not None else _staff_id(actor),
    )
    db.session.add(message)
    db.session.flush()
    return message


def _staff_id(actor: Actor) -> int | None:
    """The staff user id an actor label names ("staff:<id> <email>"), else None."""
    label = actor.label
    if not label.startswith("staff:"):
        return None
    head = label.removeprefix("staff:").split(" ", 1)[0]
    return int(head) if head.isdigit() else None


def notify(
    message: CrisisMessage,
    *,
    audience: Audience,
    recipients: Iterable[int] | dict[int, list[int] | None],
    actor: Actor,
    ack_window: timedelta | None,
    all_paths: bool = False,
    requires_ack: bool | None = None,
) -> Notice:
    """A notice carrying `message` to internal subscribers (ids; or ids mapped to the
    contact point ids chosen for each, None: audience's rule), audited, fanned out after
    commit. `requires_ack` defaults to whether an `ack_window` is given; a notice that
    requires acknowledgement without a window is escalated by its sender (crisis),
    not by the engine's ack-window fallback."""
    if audience not in INTERNAL_AUDIENCES:
        raise InvalidInput(f"{audience.value} is not an internal audience")
    chosen = dict(recipients) if isinstance(recipients, dict) else dict.fromkeys(recipients, None)
    if not chosen:
        raise InvalidInput("choose at least one recipient")
    kinds = dict(
        db.session.execute(
            select(Subscriber.id, Subscriber.kind).where(Subscriber.id.in_(sorted(chosen)))
        ).all()
    )
    if len(kinds) != len(chosen) or any(k is not SubscriberKind.internal for k in kinds.values()):
        raise InvalidInput("internal notices go to internal subscribers only")
    if requires_ack is None:
        requires_ack = ack_window is not None
    notice = Notice(
        incident_id=message.incident_id,
        update_id=None,
        crisis_message_id=message.id,
        audience=audience,
        all_paths=all_paths,
        requires_ack=requires_ack,
        ack_window_seconds=int(ack_window.total_seconds()) if ack_window else None,
    )
    db.session.add(notice)
    db.session.flush()
    db.session.add_all(
        NoticeRecipient(notice_id=notice.id, subscriber_id=subscriber_id, contact_point_ids=ids)
        for subscriber_id, ids in sorted(chosen.items())
    )
    db.session.flush()
    record(
        actor,
        f"notice.{message.kind.value}",
        target_type="notice",
        target_id=notice.id,
        incident_id=message.incident_id,
        after={
            "audience": audience.value,
            "subject": message.subject,
            "recipients": sorted(chosen),
            "all_paths": all_paths,
            "requires_ack": requires_ack,
        },
    )
    after_commit(FAN_OUT, notice.id)
    return notice


def send_internal(
    incident: Incident,
    *,
    audience: Audience,
    kind: CrisisKind,
    subject: str,
    body: str,
    subscriber_ids: Iterable[int],
    actor: Actor,
    ack_window: timedelta | None,
    all_paths: bool = False,
    short_text: str | None = None,
    requires_ack: bool | None = None,
) -> Notice:
    """Write the CrisisMessage, its Notice (requiring acknowledgement when `ack_window` is
    given) and the NoticeRecipient rows; audit, flush, and fan out after commit.

    InvalidInput (a DomainError) on an empty recipient list or a non-internal subscriber.
    """
    ids = sorted(set(subscriber_ids))
    if not ids:
        raise InvalidInput("choose at least one recipient")
    message = write_crisis_message(
        incident, kind=kind, subject=subject, body=body, actor=actor, short_text=short_text
    )
    return notify(
        message,
        audience=audience,
        recipients=ids,
        actor=actor,
        ack_window=ack_window,
        all_paths=all_paths,
        requires_ack=requires_ack,
    )


@dataclass(frozen=True)
class Ack:
    """One delivery of a notice: to whom, on which channel, and whether (when, how) it was
    acknowledged."""

    subscriber_id: int
    acknowledged_at: datetime | None
    path: str | None  # "email-link", "sms-link"...
    channel: str


def acknowledgements(notice_id: int) -> list[Ack]:
    """Every delivery of a notice, by subscriber then time of acknowledgement."""
    rows = db.session.execute(
        select(
            Delivery.subscriber_id, Delivery.acknowledged_at, Delivery.ack_path, Delivery.channel
        )
        .where(Delivery.notice_id == notice_id)
        .order_by(Delivery.subscriber_id, Delivery.id)
    ).all()
    return [Ack(s, at, path, channel.value) for s, at, path, channel in rows]
