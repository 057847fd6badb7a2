"""THE scoping rule, send side: who receives a notice, through which contact point.

A private notice is delivered to the subscribers of the organizations in its incident's
segments, and never through a world-readable channel. Streamed in batches for fan_out.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import aliased, joinedload

from statuspage.audience.followers import audience_where, segment_organizations
from statuspage.audience.visibility import PUBLIC, may_see
from statuspage.extensions import db
from statuspage.models import (
    PUBLIC_CHANNELS,
    Audience,
    Channel,
    ContactPoint,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Notice,
    NoticeRecipient,
    Subscriber,
    SubscriberKind,
    Visibility,
)


def reachable_contact(notice: Notice) -> ColumnElement[bool]:
    """The contact points a notice may go to: active and verified, and a channel that may
    carry it (the world-readable channels, PUBLIC_CHANNELS, carry public notices only; SMS
    carries the updates that open and close, `sms_worthy`, unless the number chose every
    update). The first one receives a notice; the engine's fallback walks the rest in
    priority order, by this same rule.

    A customer's notice (public or segments) goes to those subscribed when it was published:
    an address confirmed later, even seconds later while the notice waits in the queue,
    does not receive news from before it subscribed. The crisis audiences are whoever is on
    the roster when they are paged."""
    rule = _reachable(private=notice.audience is not Audience.public, texts=sms_worthy(notice))
    if notice.audience in (Audience.public, Audience.segments):
        rule = and_(rule, ContactPoint.verified_at <= notice.created_at)
    return rule


def internal_reachable() -> ColumnElement[bool]:
    """The contact points an internal notice may use, before it exists (crisis picks
    among them for quiet hours and escalation): `reachable_contact`'s rule for a crisis
    notice."""
    return _reachable(private=True, texts=True)


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
    SMS_STATUSES: every SMS contact point receives it, not only those that asked for all.
    An internal notice (a page, a briefing, a regulator notice) always is."""
    if notice.update_id is None:
        return True
    earlier = aliased(IncidentUpdate)
    first = (
        select(earlier.id)
        .where(earlier.incident_id == IncidentUpdate.incident_id)
        .order_by(earlier.display_at, earlier.created_at, earlier.id)
        .limit(1)
        .correlate(IncidentUpdate)
        .scalar_subquery()
    )
    found = db.session.execute(  # one query: fan-out asks once per notice
        select(IncidentUpdate.status, first).where(IncidentUpdate.id == notice.update_id)
    ).one_or_none()
    if found is None:
        return False
    status, first_id = found
    return status in SMS_STATUSES or first_id == notice.update_id


def _texts_every_update() -> ColumnElement[bool]:
    """An SMS number whose owner chose every update (subscribers.sms writes this JSON boolean;
    SQLAlchemy renders the lookup for SQLite and PostgreSQL alike)."""
    return ContactPoint.meta["all_updates"].as_boolean().is_(True)


class Recipient(NamedTuple):
    """A subscriber who receives a notice, and the contact point to try first (a tuple: fan-out
    makes one per recipient, hundreds of thousands a second)."""

    subscriber_id: int
    contact_point_id: int
    channel: str


def recipients(
    notice: Notice, *, after_subscriber_id: int = 0, limit: int = 1000
) -> list[Recipient]:
    """One batch of a notice's recipients after `after_subscriber_id`: the first batch of
    `recipient_batches` (at most `limit` subscribers), read on the session's own connection so
    that it sees what the session has not committed yet; empty only when there are no more."""
    batches = recipient_batches(
        notice,
        after_subscriber_id=after_subscriber_id,
        batch_size=limit,
        connection=db.session.connection(),
    )
    try:
        return next(batches, [])
    finally:
        batches.close()


INTERNAL_AUDIENCES = frozenset({Audience.team, Audience.executives, Audience.regulators})


def _internal_recipients(
    notice: Notice, *, after_subscriber_id: int, limit: int
) -> list[Recipient]:
    """A crisis notice's recipients: its NoticeRecipient rows that are internal subscribers
    (paused or gone ones are not paged), through their first reachable contact point, or
    every reachable one when `notice.all_paths`. Where the sender chose a recipient's
    contact points (`NoticeRecipient.contact_point_ids`: quiet hours, escalation), only
    those, in that order. Batched by subscriber: a batch never splits one's contact points."""
    people = db.session.execute(
        select(NoticeRecipient.subscriber_id, NoticeRecipient.contact_point_ids)
        .join(Subscriber, Subscriber.id == NoticeRecipient.subscriber_id)
        .where(
            NoticeRecipient.notice_id == notice.id,
            NoticeRecipient.subscriber_id > after_subscriber_id,
            Subscriber.kind == SubscriberKind.internal,
            Subscriber.paused.is_(False),
            Subscriber.unsubscribed_at.is_(None),
        )
        .order_by(NoticeRecipient.subscriber_id)
        .limit(limit)
    ).all()
    if not people:
        return []
    reachable: dict[int, list[tuple[int, str]]] = {}
    for subscriber_id, contact_id, channel in db.session.execute(
        select(
            ContactPoint.subscriber_id, ContactPoint.id, type_coerce(ContactPoint.channel, String)
        )
        .where(ContactPoint.subscriber_id.in_([p[0] for p in people]), reachable_contact(notice))
        .order_by(ContactPoint.subscriber_id, ContactPoint.priority, ContactPoint.id)
    ):
        reachable.setdefault(subscriber_id, []).append((contact_id, channel))
    batch: list[Recipient] = []
    for subscriber_id, chosen in people:
        paths = reachable.get(subscriber_id, [])
        if chosen is not None:
            by_id = dict(paths)
            paths = [(i, by_id[i]) for i in chosen if i in by_id] or paths
        if not paths:
            batch.append(Recipient(subscriber_id, 0, ""))  # not reachable: the cursor moves on
            continue
        for contact_id, channel in paths if notice.all_paths else paths[:1]:
            batch.append(Recipient(subscriber_id, contact_id, channel))
    return batch


# Rows the driver hands over at a time while a fan-out streams its recipients.
STREAM_ROWS = 10_000


def recipient_batches(
    notice: Notice,
    *,
    after_subscriber_id: int = 0,
    batch_size: int = 1000,
    connection: Connection | None = None,
) -> Iterator[list[Recipient]]:
    """Every recipient of a notice after `after_subscriber_id`, in subscriber id order, in
    batches of at most `batch_size` subscribers (a batch never splits one subscriber's contact
    points): what fan_out walks, committing its deliveries and its cursor after each batch.

    Who receives a public notice: every subscriber not paused or unsubscribed, following the
    notice's kind (incidents or maintenance) and either all components or one the incident
    touches (an incident that names no component goes to every follower of its kind), through
    their first contact point that `reachable_contact` allows.

    A segments notice (a private incident's) goes to the same followers, but only those whose
    organization belongs to one of the incident's affected segments; a public notice never
    carries a private incident. Internal subscribers (crisis team, executives, regulators) are
    in neither audience: the crisis audiences reach them, and only them, through the notice's
    NoticeRecipient rows (`_internal_recipients`), short explicit lists read a batch at a time.

    The public and segments audiences stream from ONE query (`_customer_statement`), read on
    `connection` or else on a connection of its own, so the caller may commit between batches;
    on PostgreSQL it is a server-side cursor, so memory stays flat however many there are.
    """
    if notice.audience in INTERNAL_AUDIENCES:
        cursor = after_subscriber_id
        while batch := _internal_recipients(notice, after_subscriber_id=cursor, limit=batch_size):
            yield batch
            cursor = batch[-1].subscriber_id
        return
    if notice.audience not in (Audience.public, Audience.segments):
        return
    engine = db.engine
    statement = _customer_statement(notice, after_subscriber_id)
    if statement is None:
        return
    with nullcontext(connection) if connection is not None else engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # A cursor is planned for its first rows unless told otherwise; this one is read to
            # the end, so plan for all of them (a sort over a bitmap scan, not a walk of the
            # whole primary key). And compiling it to machine code costs more than running it.
            connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0; SET LOCAL jit = off")
        # Options for this statement only: Connection.execution_options would change the
        # connection, the session's own when `recipients` lends it. Closed on the way out,
        # also when the caller stops early (`recipients` reads one batch).
        with connection.execute(
            statement, execution_options={"stream_results": True, "yield_per": STREAM_ROWS}
        ) as result:
            yield from _batched(iter(result), batch_size)


def _batched(rows: Iterator[Row], batch_size: int) -> Iterator[list[Recipient]]:
    """Recipients from rows in subscriber id order, each subscriber's first row only (the
    later ones are the fallback's), in batches of at most `batch_size`.

    A batch is built with the cyclic garbage collector paused (`_collector_paused`): a batch's
    Recipients live until the batch is done and, unlike plain tuples, a NamedTuple's are never
    untracked, so they pile into the old generations and set off full collections of the
    whole process's heap while a large audience streams (a tenth of a public notice's time at
    1,000 a batch, a quarter at 5,000; bench/audience.py). Recipients hold no cycles, and the
    pause lasts one batch: other garbage with cycles is collected at most a batch later.
    """
    as_recipient = tuple.__new__  # the row's three columns, as a Recipient, in C
    previous = None
    carried: Recipient | None = None  # the first of the next batch, read while ending this one
    while True:
        batch: list[Recipient] = [] if carried is None else [carried]
        carried = None
        add = batch.append
        with _collector_paused():
            for row in rows:
                if row[0] == previous:
                    continue
                previous = row[0]
                if len(batch) == batch_size:
                    carried = as_recipient(Recipient, row)
                    break
                add(as_recipient(Recipient, row))
        if batch:
            yield batch
        if carried is None:
            return


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block, back on after it unless it was already
    off (another thread's pause, or the process's choice)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _customer_statement(notice: Notice, after_subscriber_id: int) -> Select | None:
    """The query behind a public or segments notice's recipients: each subscriber of the
    audience (`followers.audience_where`) after the cursor with their reachable contact points
    (`reachable_contact`) in the order they are tried, (0, "") when none is, in subscriber id
    order (`recipient_batches` keeps each one's first); None when the notice reaches no one (a
    public notice of a private incident, a segments notice without segments).

    A segments notice reaches a few thousand among millions, so its contact points are read
    by organization (`ContactPoint.organization_id`, the database's copy of the subscriber's):
    one range of the organization index per organization of its segments, merged with the
    audience's persons read the same way, where a lookup per recipient took three times as
    long (bench/audience.py). The copy only narrows the join: who is in the audience is still
    the subscriber's own organization, and a contact point joins only when the copy agrees with
    it, so a stale copy could lose a recipient but never reach anyone outside the segments.
    A public notice reaches a large share: subscribers and their contact points merge in id
    order. Both shapes are the same SQL on SQLite and PostgreSQL.
    """
    incident = db.session.get(
        Incident,
        notice.incident_id,
        options=[joinedload(Incident.segments), joinedload(Incident.components)],
    )
    if incident is None:
        return None
    organization_ids: list[int] | None = None  # None: the public audience
    if notice.audience is Audience.public:
        if not may_see(PUBLIC, incident):
            return None
    else:
        segment_ids = [s.id for s in incident.segments]
        if incident.visibility is not Visibility.segments or not segment_ids:
            return None
        organization_ids = segment_organizations(segment_ids)
    audience = and_(
        Subscriber.id > after_subscriber_id,
        audience_where(
            organization_ids=organization_ids,
            component_ids=[c.id for c in incident.components],
            maintenance=incident.is_maintenance,
        ),
    )
    contact = and_(ContactPoint.subscriber_id == Subscriber.id, reachable_contact(notice))
    if organization_ids is not None:
        contact = and_(
            contact,
            ContactPoint.organization_id == Subscriber.organization_id,
            ContactPoint.organization_id.in_(organization_ids),
        )
    channel = type_coerce(ContactPoint.channel, String)  # Recipient carries the stored str
    # No reachable contact point reads as (0, ""): counted in the audience, sent nothing.
    return (
        select(
            Subscriber.id,
            func.coalesce(ContactPoint.id, literal(0)),
            func.coalesce(channel, literal("")),
        )
        .outerjoin(ContactPoint, contact)
        .where(audience)
        .order_by(Subscriber.id, ContactPoint.priority, ContactPoint.id)
    )
