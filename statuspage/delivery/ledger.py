"""The delivery engine's row-level steps: notices, deliveries, leases, retries, acks, fallback.

Every state change is a row update in the caller's transaction with its attempt logged; the
engine (delivery.engine) calls these in its order, enqueues what they start, and commits.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import contains_eager, selectinload

from statuspage.audience.recipients import Recipient, reachable_contact
from statuspage.channels.base import Result
from statuspage.core.upsert import conflict_insert
from statuspage.delivery import paging_audit
from statuspage.delivery.outbox import ENDPOINT_DISABLED, FAN_OUT, after_commit
from statuspage.extensions import db
from statuspage.models import (
    ENDPOINT_CHANNELS,
    Audience,
    Channel,
    ContactPoint,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    FanOutState,
    Incident,
    IncidentUpdate,
    Notice,
    TeamCallout,
    Visibility,
)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
BASE_BACKOFF = 30  # seconds; doubles per attempt, with jitter
MAX_BACKOFF = 3600
BOUNCES_TO_DISABLE = 3
# An endpoint someone registered (webhook, Slack, Teams, Discord) is disabled after this many
# failed attempts in a row, and whoever registered it is told (the `endpoint_disabled` job).
FAILURES_TO_DISABLE_ENDPOINT = 10
STALE_FANOUT = timedelta(minutes=2)
LOST_PENDING = timedelta(minutes=2)


def write_notices(
    incident: Incident, update: IncidentUpdate, *, ack_window: timedelta | None = None
) -> list[Notice]:
    """The notices an update makes, in the publishing transaction; fanned out after commit.

    With `ack_window`, each recipient must acknowledge receipt within it, or the engine
    moves on to their next contact point. A private incident's update makes a segments
    notice (audience resolves who is in its segments), never a public one.
    """
    if not update.deliver_notifications:
        return []
    private = incident.visibility is Visibility.segments
    notice = Notice(
        incident_id=incident.id,
        update_id=update.id,
        audience=Audience.segments if private else Audience.public,
        requires_ack=ack_window is not None,
        ack_window_seconds=int(ack_window.total_seconds()) if ack_window else None,
    )
    db.session.add(notice)
    db.session.flush()
    after_commit(FAN_OUT, notice.id)
    return [notice]


def create_deliveries(notice: Notice, recipients: Sequence[Recipient]) -> list[int]:
    """Insert one delivery per (notice, contact point), skipping any that exist; new ids."""
    rows = [
        {
            "notice_id": notice.id,
            "contact_point_id": r.contact_point_id,
            "subscriber_id": r.subscriber_id,
            "channel": r.channel,
            "state": DeliveryState.pending.value,
            "attempts": 0,
            "created_at": notice.created_at,
        }
        for r in recipients
        if r.contact_point_id
    ]
    if not rows:
        return []
    statement = conflict_insert(Delivery).on_conflict_do_nothing(
        index_elements=["notice_id", "contact_point_id"]
    )
    result = db.session.execute(statement.returning(Delivery.id), rows)
    return [row.id for row in result]


def claim(ids: Iterable[int], now: datetime, *, lease: timedelta = LEASE) -> list[int]:
    """Lease the deliveries that are due among `ids`; returns the ones this worker now holds.

    UPDATEs with a WHERE on state: two workers asking for the same ids get disjoint sets,
    and a lease a crashed worker left behind expires and can be claimed again. That lost
    attempt is logged ("lease-expired"), so a delivery's attempts always match its log.
    On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED: a row another worker is
    claiming at this moment is skipped (it is theirs) instead of waited for, so workers with
    overlapping batches never queue behind each other's locks or deadlock on them. SQLite
    has one writer at a time, so there the conditional UPDATE alone is atomic.
    """
    ids = list(ids)
    if not ids:
        return []
    leased = {"state": DeliveryState.sending, "lease_until": now + lease}
    options = {"synchronize_session": False}
    lost = and_(Delivery.state == DeliveryState.sending, Delivery.lease_until < now)
    # A page of a crisis-team call-out stood down since it was queued (a retry, or a send in
    # flight at the stand-down that came back "retry") is never sent: it is superseded.
    db.session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(ids),
            or_(Delivery.state.in_([DeliveryState.pending, DeliveryState.retry]), lost),
            Delivery.notice_id.in_(_stood_down_notices()),
        )
        .values(
            state=DeliveryState.superseded,
            next_attempt_at=None,
            lease_until=None,
            last_error="stood down",
        )
        .execution_options(**options)
    )
    expired = [
        row.id
        for row in db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(_unlocked(ids, lost)), lost)
            .values(**leased, attempts=Delivery.attempts + 1)
            .returning(Delivery.id),
            execution_options=options,
        )
    ]
    if expired:
        db.session.execute(
            insert(DeliveryAttempt),
            [
                {"delivery_id": i, "at": now, "outcome": "lease-expired", "error": "lease expired"}
                for i in expired
            ],
        )
    due = and_(
        Delivery.state.in_([DeliveryState.pending, DeliveryState.retry]),
        or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
    )
    fresh = db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(_unlocked(ids, due)), due)
        .values(**leased, attempts=Delivery.attempts + 1)
        .returning(Delivery.id),
        execution_options=options,
    )
    return sorted([*expired, *(row.id for row in fresh)])


def renew(
    ids: Sequence[int], held_until: datetime, now: datetime, *, lease: timedelta = LEASE
) -> tuple[set[int], datetime]:
    """Extend this worker's lease on `ids` just before it sends them; returns the ids it
    still holds and their new lease_until (the token to record them with).

    A claim leases a whole batch that is sent chunk by chunk: without renewal, a batch that
    takes longer than the lease would let another worker take over its tail and send it
    too. The lease_until this worker set is its token: a row whose lease differs was taken
    over, and is left to whoever holds it now.
    """
    until = now + lease
    held = db.session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(list(ids)),
            Delivery.state == DeliveryState.sending,
            Delivery.lease_until == held_until,
        )
        .values(lease_until=until)
        .returning(Delivery.id),
        execution_options={"synchronize_session": False},
    )
    return {row.id for row in held}, until


def record_sent(results: Sequence[Result], held_until: datetime, now: datetime) -> set[int]:
    """Record the sent results of public notices' deliveries this worker still holds, in a
    few statements for the whole chunk (the delivery rows and their providers' ids, their
    attempts, their contact points' failure counts); returns the ids recorded. The rest (not
    sent, not held any more, a crisis page whose audit entry `record` writes) are left to
    `record`.

    A fan-out to a hundred thousand people records a hundred thousand results: one ORM object
    loaded, changed and flushed per result cost as much as building its message.
    """
    sent = {r.delivery_id: r.provider_id for r in results if r.outcome == "sent"}
    if not sent:
        return set()
    public = select(Notice.id).where(Notice.crisis_message_id.is_(None))
    rows = db.session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(list(sent)),
            Delivery.state == DeliveryState.sending,
            Delivery.lease_until == held_until,
            Delivery.notice_id.in_(public),
        )
        .values(
            state=DeliveryState.sent,
            sent_at=now,
            lease_until=None,
            last_error=None,
        )
        .returning(Delivery.id, Delivery.contact_point_id),
        execution_options={"synchronize_session": False},
    ).all()
    if not rows:
        return set()
    named = [{"row": i, "named": sent[i]} for i, _contact in rows if sent[i] is not None]
    if named:  # the providers' ids, one executemany (a CASE of fifty costs more to build)
        table = Delivery.__table__
        db.session.execute(
            table.update()
            .where(table.c.id == bindparam("row"))
            .values(provider_id=bindparam("named")),
            named,
        )
    db.session.execute(
        insert(DeliveryAttempt),
        [
            {"delivery_id": i, "at": now, "outcome": "sent", "provider_id": sent[i], "error": None}
            for i, _contact in rows
        ],
    )
    db.session.execute(
        update(ContactPoint)
        .where(
            ContactPoint.id.in_({contact for _i, contact in rows}),
            ContactPoint.failures_in_row != 0,
        )
        .values(failures_in_row=0)
        .execution_options(synchronize_session=False)
    )
    return {i for i, _contact in rows}


def record_late(delivery: Delivery, result: Result, now: datetime) -> None:
    """Log a result that came back after this worker's lease was taken over; the state
    belongs to the new holder. Counted as an attempt, so attempts still match the log."""
    delivery.attempts = Delivery.attempts + 1
    db.session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            at=now,
            outcome=result.outcome,
            provider_id=result.provider_id,
            error=f"after the lease was taken over; {result.error or ''}"[:2000],
        )
    )


def _unlocked(ids: list[int], condition: ColumnElement[bool]) -> Select[tuple[int]]:
    """The ids among `ids` that meet `condition`, locked for this transaction; on PostgreSQL
    rows locked by another transaction are left out (SKIP LOCKED), elsewhere a no-op."""
    query = select(Delivery.id).where(Delivery.id.in_(ids), condition)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


def fail_disabled(ids: Iterable[int], now: datetime) -> list[Delivery]:
    """Fail, unsent, the deliveries among `ids` (held by this worker) whose contact point was
    disabled after they were made: a 404/410 from a push service, a hard bounce, an endpoint
    gone, even while this notice waited behind others. Flushed; returned for the engine to
    fall back from (the recipient's next contact point)."""
    dead = db.session.scalars(
        select(Delivery)
        .join(Delivery.contact_point)
        .where(Delivery.id.in_(list(ids)), ContactPoint.active.is_(False))
        .options(contains_eager(Delivery.contact_point))
    ).all()
    for delivery in dead:
        error = f"contact point disabled: {delivery.contact_point.disabled_reason or 'stopped'}"
        db.session.add(
            DeliveryAttempt(delivery_id=delivery.id, at=now, outcome="skipped", error=error)
        )
        delivery.state, delivery.lease_until = DeliveryState.failed, None
        delivery.last_error = error
    db.session.flush()
    return list(dead)


STUCK_ERROR = "stuck: {channel} channel not configured"


def park_unconfigured(ids: Iterable[int], channel: str, now: datetime) -> list[Delivery]:
    """Park, unsent, the deliveries among `ids` (held by this worker) whose channel is not
    configured: state `stuck`, one "stuck" attempt logged. Not a retry (no backoff could
    make Twilio appear) and not a failure (the contact point is fine, and no bounce is
    counted): `unpark` sends them once a worker runs with the channel configured. Flushed;
    returned for the engine to fall back from at once (the recipient's next contact point)."""
    parked = db.session.scalars(
        select(Delivery)
        .where(Delivery.id.in_(list(ids)), Delivery.state == DeliveryState.sending)
        .options(selectinload(Delivery.contact_point))
        .order_by(Delivery.id)
    ).all()
    error = STUCK_ERROR.format(channel=channel)
    for delivery in parked:
        db.session.add(
            DeliveryAttempt(delivery_id=delivery.id, at=now, outcome="stuck", error=error)
        )
        delivery.state, delivery.lease_until, delivery.next_attempt_at = (
            DeliveryState.stuck,
            None,
            None,
        )
        delivery.last_error = error
    db.session.flush()
    return list(parked)


def any_stuck() -> bool:
    """Whether any delivery is parked for want of a configured channel (one indexed lookup)."""
    query = select(Delivery.id).where(Delivery.state == DeliveryState.stuck).limit(1)
    return db.session.scalar(query) is not None


def unpark(configured: Iterable[str], limit: int = 5000) -> list[int]:
    """Make the stuck deliveries of the channels now `configured` due again (pending); returns
    their ids for the caller to enqueue after commit. No delivery is lost to a missing
    configuration: the minute's sweep calls this, so a worker started with Twilio configured
    sends what waited for it. A stuck delivery whose recipient has since acknowledged the
    notice on another path, or that a fallback already carried on from, is superseded instead:
    the person was reached, and a late copy would only be noise. At most `limit` a sweep:
    the next sweep takes the rest."""
    channels = [Channel(name) for name in configured if name in Channel.__members__]
    stuck = db.session.scalars(
        select(Delivery)
        .where(Delivery.state == DeliveryState.stuck, Delivery.channel.in_(channels))
        .order_by(Delivery.id)
        .limit(limit)
    ).all()
    if not stuck:
        return []
    ids = [d.id for d in stuck]
    carried_on = set(
        db.session.scalars(select(Delivery.fallback_of_id).where(Delivery.fallback_of_id.in_(ids)))
    )
    acknowledged = {
        (notice_id, subscriber_id)
        for notice_id, subscriber_id in db.session.execute(
            select(Delivery.notice_id, Delivery.subscriber_id).where(
                Delivery.notice_id.in_({d.notice_id for d in stuck}),
                Delivery.acknowledged_at.is_not(None),
            )
        )
    }
    due = []
    for delivery in stuck:
        if (
            delivery.id in carried_on
            or (delivery.notice_id, delivery.subscriber_id) in acknowledged
        ):
            delivery.state = DeliveryState.superseded
            continue
        delivery.state, delivery.next_attempt_at = DeliveryState.pending, None
        delivery.last_error = f"{delivery.last_error}; channel configured since, sent again"
        due.append(delivery.id)
    db.session.flush()
    return due


def backoff(
    attempts: int, rng: random.Random | None = None, *, base: float = BASE_BACKOFF
) -> timedelta:
    """Exponential backoff with full jitter: 30 s, 60 s, 120 s ... capped at an hour."""
    ceiling = min(MAX_BACKOFF, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def record(
    delivery: Delivery, result: Result, now: datetime, *, base_backoff: float = BASE_BACKOFF
) -> DeliveryState:
    """Apply one channel result; returns the delivery's new state (failed: for good, and the
    engine falls back to the recipient's next contact point)."""
    db.session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            at=now,
            outcome=result.outcome,
            provider_id=result.provider_id,
            error=(result.error or "")[:2000] or None,
        )
    )
    delivery.lease_until = None
    delivery.last_error = result.error
    contact = delivery.contact_point
    if result.outcome == "sent":
        delivery.state, delivery.sent_at = DeliveryState.sent, now
        delivery.provider_id = result.provider_id
        contact.failures_in_row = 0
        return delivery.state
    contact.failures_in_row += 1
    if result.gone:
        _disable(contact, now, f"gone: {result.error}")
    elif (
        contact.channel in ENDPOINT_CHANNELS
        and contact.failures_in_row >= FAILURES_TO_DISABLE_ENDPOINT
    ):
        _disable(contact, now, f"{contact.failures_in_row} failures in a row; last: {result.error}")
    if result.outcome == "retry" and contact.active and delivery.attempts < MAX_ATTEMPTS:
        delivery.state = DeliveryState.retry
        delivery.next_attempt_at = now + backoff(delivery.attempts, base=base_backoff)
        if result.not_before is not None:  # the provider said when (a rate limit's reset)
            delivery.next_attempt_at = max(delivery.next_attempt_at, result.not_before)
        return delivery.state
    delivery.state = DeliveryState.failed
    if result.outcome == "permanent":
        _bounce(delivery.contact_point, now, result.error)
    return delivery.state


def record_bounce(
    delivery: Delivery, now: datetime, error: str, *, permanent: bool, gone: bool
) -> DeliveryState:
    """A bounce that came back after the mail was handed over (delivery.bounces): the mail
    never arrived. Logged as a "bounced" attempt; a sent delivery fails (the engine's caller
    falls back from it), one already superseded stays so. Its contact point counts it as an
    SMTP-time refusal (`record`) is counted: `gone` (the address does not exist) disables it
    at once, `permanent` (any other 5.x.x) counts toward BOUNCES_TO_DISABLE, and a message
    the relay gave up on after retrying (4.x.x) counts nothing. Returns the new state."""
    db.session.add(
        DeliveryAttempt(delivery_id=delivery.id, at=now, outcome="bounced", error=error[:2000])
    )
    delivery.attempts = Delivery.attempts + 1  # one log row each: attempts match the log
    delivery.last_error = error
    if delivery.state is DeliveryState.sent:
        delivery.state = DeliveryState.failed
    contact = delivery.contact_point
    if gone:
        _disable(contact, now, f"gone: {error}")
    if permanent or gone:
        contact.failures_in_row += 1
        _bounce(contact, now, error)
    db.session.flush()
    return delivery.state


def already_bounced(delivery: Delivery) -> bool:
    """Whether a bounce of this delivery was recorded: a second copy counts nothing."""
    return (
        db.session.scalar(
            select(DeliveryAttempt.id)
            .where(DeliveryAttempt.delivery_id == delivery.id, DeliveryAttempt.outcome == "bounced")
            .limit(1)
        )
        is not None
    )


def _bounce(contact: ContactPoint, now: datetime, error: str | None) -> None:
    contact.bounces += 1
    if contact.bounces >= BOUNCES_TO_DISABLE:
        _disable(contact, now, f"{contact.bounces} permanent failures; last: {error}")


def _disable(contact: ContactPoint, now: datetime, reason: str) -> None:
    """Stop using a contact point; an endpoint's owner is told after commit."""
    if not contact.active:
        return
    contact.active = False
    contact.disabled_at = now
    contact.disabled_reason = reason[:300]
    if contact.channel in ENDPOINT_CHANNELS:
        after_commit(ENDPOINT_DISABLED, contact.id)


def _stood_down_notices() -> Select[tuple[int]]:
    """The notices that page a crisis-team call-out that was stood down."""
    return (
        select(Notice.id)
        .join(TeamCallout, TeamCallout.crisis_message_id == Notice.crisis_message_id)
        .where(TeamCallout.stood_down_at.is_not(None))
    )


def stood_down(notice_id: int) -> bool:
    """Whether the notice pages a crisis-team call-out that was stood down: nothing more of
    it goes out (crisis.assembly.stand_down)."""
    query = _stood_down_notices().where(Notice.id == notice_id).limit(1)
    return db.session.scalar(query) is not None


def fallback(delivery: Delivery, now: datetime, reason: str) -> Delivery | None:
    """The delivery to the subscriber's next active, verified contact point after this one,
    created once (flushed, for the caller to enqueue); None when there is none or it exists,
    or when the page was stood down."""
    if stood_down(delivery.notice_id):
        return None
    current = delivery.contact_point
    next_contact = db.session.scalar(
        select(ContactPoint)
        .where(
            ContactPoint.subscriber_id == delivery.subscriber_id,
            reachable_contact(db.session.get(Notice, delivery.notice_id)),
            or_(
                ContactPoint.priority > current.priority,
                and_(ContactPoint.priority == current.priority, ContactPoint.id > current.id),
            ),
        )
        .order_by(ContactPoint.priority, ContactPoint.id)
        .limit(1)
    )
    if next_contact is None:
        return None
    exists = db.session.scalar(
        select(Delivery.id).where(
            Delivery.notice_id == delivery.notice_id,
            Delivery.contact_point_id == next_contact.id,
        )
    )
    if exists:
        return None
    successor = Delivery(
        notice_id=delivery.notice_id,
        contact_point_id=next_contact.id,
        subscriber_id=delivery.subscriber_id,
        channel=next_contact.channel,
        fallback_of_id=delivery.id,
        created_at=now,
        last_error=f"fallback after {reason} on contact point {current.id}",
    )
    db.session.add(successor)
    db.session.flush()
    paging_audit.fell_back(delivery, successor, reason, now)  # crisis pages only
    return successor


def supersede(delivery: Delivery) -> None:
    """Mark a delivery replaced by its fallback (it was sent, but never acknowledged)."""
    delivery.state = DeliveryState.superseded


def acknowledge(delivery: Delivery, now: datetime, path: str) -> bool:
    """Record the recipient's acknowledgement; True the first time, False after."""
    if delivery.acknowledged_at is not None:
        return False
    delivery.acknowledged_at, delivery.ack_path = now, path[:50]
    db.session.flush()
    paging_audit.acknowledged(delivery, now, delivery.ack_path)  # crisis pages only
    return True


def missed_acks(now: datetime, limit: int = 500) -> list[Delivery]:
    """Sent deliveries of notices that require acknowledgement, whose window has passed.

    A notice that requires acknowledgement without a window is escalated by its sender
    (a crisis team page: crisis), not here."""
    candidates = db.session.scalars(
        select(Delivery)
        .join(Notice, Notice.id == Delivery.notice_id)
        .where(
            Notice.requires_ack.is_(True),
            Notice.ack_window_seconds.is_not(None),
            Delivery.state == DeliveryState.sent,
            Delivery.acknowledged_at.is_(None),
        )
        .limit(limit)
    ).all()
    # The window is per notice; comparing in Python keeps the query the same on both databases.
    notice_ids = {d.notice_id for d in candidates}
    notices = {n.id: n for n in db.session.scalars(select(Notice).where(Notice.id.in_(notice_ids)))}
    return [
        d
        for d in candidates
        if d.sent_at + timedelta(seconds=notices[d.notice_id].ack_window_seconds or 0) <= now
    ]


def due_deliveries(
    now: datetime, limit: int = 5000, *, lost_pending: timedelta = LOST_PENDING
) -> list[int]:
    """Deliveries the queue may have lost: due retries, expired leases, old pending ones."""
    return list(
        db.session.scalars(
            select(Delivery.id)
            .where(
                or_(
                    and_(Delivery.state == DeliveryState.retry, Delivery.next_attempt_at <= now),
                    and_(Delivery.state == DeliveryState.sending, Delivery.lease_until < now),
                    and_(
                        Delivery.state == DeliveryState.pending,
                        Delivery.created_at < now - lost_pending,
                    ),
                )
            )
            .order_by(Delivery.id)
            .limit(limit)
        )
    )


def stale_notices(now: datetime, *, stale_after: timedelta = STALE_FANOUT) -> list[int]:
    """Notices whose fan-out never started or stopped making progress.

    Progress is the last page a fan-out committed: a fan-out to a million people runs for
    minutes, and taking it over while it runs would only make two walk the same pages.
    """
    last_seen = func.coalesce(Notice.fanout_progress_at, Notice.created_at)
    return list(
        db.session.scalars(
            select(Notice.id).where(
                Notice.fanout_state != FanOutState.done,
                Notice.created_at < now - stale_after,
                last_seen < now - stale_after,
            )
        )
    )
