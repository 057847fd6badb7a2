"""The delivery engine: it owns the send loop, from a notice to every recipient's attempt.

`fan_out` turns a notice into deliveries; `deliver` sends a batch of them: claim (a lease,
committed) → per channel and per SEND_CHUNK: renew the lease → the channel's hook
(delivery.hooks) → send → record every result (committed) → fall back to the next contact
point of a delivery that failed for good. `sweep_deliveries` is the safety net, and
supersedes a sent delivery whose acknowledgement never came by its fallback. The row-level steps are
delivery.ledger's; the adapters come from channels.registry. Each job takes ids and is safe
to run twice: the database, not the queue, is the record.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from statuspage.audience.recipients import recipient_batches
from statuspage.channels import registry
from statuspage.channels.base import Channel, Outgoing, Result
from statuspage.clock import utcnow
from statuspage.delivery import ledger, paging_audit
from statuspage.delivery.address_gate import GATE
from statuspage.delivery.hooks import SendHook, hook_for
from statuspage.delivery.messages import outgoing_by_channel
from statuspage.delivery.outbox import DELIVER, FAN_OUT, after_commit, after_commit_at
from statuspage.extensions import db
from statuspage.models import Delivery, DeliveryState, FanOutState, Notice

log = logging.getLogger(__name__)

FANOUT_BATCH = 1000  # subscribers per fan-out step (one transaction each)
DELIVER_BATCH = 100  # deliveries per deliver job
# Deliveries per send: one SMTP connection each, results recorded and committed after it.
# A worker killed mid-send resends at most this many per thread (sent, not yet recorded), so
# the default two threads duplicate at most one DELIVER_BATCH.
SEND_CHUNK = 50


# The engine's clocks, from the app config when set there (config.py reads them from the
# environment), else the engine's own defaults.
_CLOCKS = {
    "DELIVERY_LEASE_SECONDS": ledger.LEASE.total_seconds(),
    "FANOUT_STALE_SECONDS": ledger.STALE_FANOUT.total_seconds(),
    "LOST_PENDING_SECONDS": ledger.LOST_PENDING.total_seconds(),
    "DELIVERY_BASE_BACKOFF_SECONDS": ledger.BASE_BACKOFF,
}


def _clock(key: str) -> timedelta:
    return timedelta(seconds=float(current_app.config.get(key, _CLOCKS[key])))


def sweep_deliveries(now: datetime) -> None:
    """The engine's safety net, run by the minute's sweep (jobs/every_minute.py): fan-outs that
    stalled start again, deliveries the queue lost are enqueued again, and a sent delivery
    whose acknowledgement never came is superseded by its fallback."""
    for notice_id in ledger.stale_notices(now, stale_after=_clock("FANOUT_STALE_SECONDS")):
        after_commit(FAN_OUT, notice_id)
    due = ledger.due_deliveries(now, lost_pending=_clock("LOST_PENDING_SECONDS"))
    for start in range(0, len(due), DELIVER_BATCH):
        after_commit(DELIVER, due[start : start + DELIVER_BATCH])
    _supersede_missed_acks(now)
    _unpark_configured()


def _unpark_configured() -> None:
    """Deliveries parked as stuck on a channel that is configured now (the worker was
    restarted with Twilio's settings) are sent after all."""
    if not ledger.any_stuck():
        return
    due = ledger.unpark(registry.channels())
    for start in range(0, len(due), DELIVER_BATCH):
        after_commit(DELIVER, due[start : start + DELIVER_BATCH])


def fan_out(notice_id: int) -> int:
    """Create the notice's deliveries batch by batch, resuming at its cursor; returns how many.

    The recipients stream from one query (`audience.recipient_batches`). Each batch commits its
    deliveries and the cursor together, so a killed worker resumes where it stopped and the
    unique (notice, contact point) key makes a repeat a no-op.
    """
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.fanout_state is FanOutState.done:
        return 0
    if ledger.stood_down(notice.id):  # a re-page queued before its call-out was stood down
        notice.fanout_state, notice.fanout_finished_at = FanOutState.done, utcnow()
        return 0
    created = 0
    if notice.fanout_state is FanOutState.pending:
        notice.fanout_state, notice.fanout_started_at = FanOutState.running, utcnow()
    notice.fanout_progress_at = utcnow()
    batches = recipient_batches(
        notice, after_subscriber_id=notice.fanout_cursor, batch_size=FANOUT_BATCH
    )
    for batch in batches:
        ids = ledger.create_deliveries(notice, batch)
        # In SQL, not from this session's copy: should a stalled fan-out wake up after the
        # sweep took it over, the two counts add up and the cursor never moves back.
        last = batch[-1].subscriber_id
        notice.fanout_cursor = case((Notice.fanout_cursor < last, last), else_=Notice.fanout_cursor)
        notice.recipients = Notice.recipients + len(ids)
        notice.fanout_progress_at = utcnow()
        created += len(ids)
        for start in range(0, len(ids), DELIVER_BATCH):
            after_commit(DELIVER, ids[start : start + DELIVER_BATCH])
        db.session.commit()
    notice.fanout_state, notice.fanout_finished_at = FanOutState.done, utcnow()
    return created


def deliver(delivery_ids: list[int]) -> list[Result]:
    """Send a batch: claim it (a lease, committed), render it, then send it through each
    channel chunk by chunk (`_send_chunks`); returns every result, in the order sent."""
    now = utcnow()
    lease = _clock("DELIVERY_LEASE_SECONDS")
    claimed = ledger.claim(delivery_ids, now, lease=lease)
    claimed_until = now + lease  # the lease claim() set: this worker's token for these rows
    db.session.commit()  # the lease is the record that this worker holds them
    if not claimed:
        return []
    deliveries = db.session.scalars(
        select(Delivery)
        .where(Delivery.id.in_(claimed))
        .options(selectinload(Delivery.contact_point))
        .order_by(Delivery.id)
    ).all()
    available = registry.channels()
    results: list[Result] = []
    for name, batch in outgoing_by_channel(deliveries).items():
        results += _send_chunks(name, available.get(name), batch, claimed_until, lease)
    return results


def _send_chunks(
    name: str,
    channel: Channel | None,
    batch: Sequence[Outgoing],
    claimed_until: datetime,
    lease: timedelta,
) -> list[Result]:
    """One channel's share of a batch, SEND_CHUNK at a time: renew → send → record, each
    step committed, so a crash resends at most the chunk in flight."""
    hook = hook_for(name)
    results: list[Result] = []
    for start in range(0, len(batch), SEND_CHUNK):
        part = batch[start : start + SEND_CHUNK]
        # After any other thread's send to these addresses has been answered and recorded
        # (address_gate): the checks below then see what that send learnt.
        with GATE.holding(o.address for o in part):
            # Renew the lease on this chunk just before sending it: a batch slower than the
            # lease must not let another worker take its tail over and send it twice.
            held, held_until = ledger.renew(
                [o.delivery_id for o in part], claimed_until, utcnow(), lease=lease
            )
            # Checked again just before sending: a contact point disabled since the claim (a
            # 410 to another notice's push a moment ago) gets nothing more.
            for dead in ledger.fail_disabled(held, utcnow()):
                held.discard(dead.id)
                _fall_back(dead, utcnow(), "disabled")
            db.session.commit()
            chunk = [o for o in part if o.delivery_id in held]
            if not chunk:
                continue
            if channel is None:
                _park_unconfigured(name, [o.delivery_id for o in chunk])
                continue
            sent = _send(name, channel, hook, chunk)
            _record_and_commit(sent, held_until)
        results += sent
    return results


def _park_unconfigured(name: str, ids: list[int]) -> None:
    """A chunk for a channel that is not configured (SMS without Twilio): nothing is sent,
    the deliveries are parked as "stuck: channel not configured" (ledger.park_unconfigured;
    the minute's sweep sends them once the channel is configured), and each recipient's next
    contact point is paged at once instead of after a retry that could never succeed."""
    now = utcnow()
    for delivery in ledger.park_unconfigured(ids, name, now):
        _fall_back(delivery, now, "channel not configured")
    db.session.commit()


def _send(name: str, channel: Channel, hook: SendHook, chunk: list[Outgoing]) -> list[Result]:
    """Send one chunk through the channel with its hook around it."""
    chunk = hook.before_send(chunk)  # social posts reply in their thread
    try:
        sent = channel.send(chunk)
    except Exception:  # a channel turns what a retry can fix into results: not this
        log.exception("%s channel raised on a chunk of %d; sending one by one", name, len(chunk))
        sent = [_send_alone(name, channel, outgoing) for outgoing in chunk]
    hook.after_send(chunk, sent)
    return sent


def _send_alone(name: str, channel: Channel, outgoing: Outgoing) -> Result:
    """One delivery of a chunk the channel raised on: sent, or failed at once if it raises
    again. A message no retry can fix (poison) must not hold back the notice, its other
    recipients or its other channels, try after try."""
    try:
        (result,) = channel.send([outgoing])
    except Exception as exc:
        log.exception("%s channel cannot send delivery %d", name, outgoing.delivery_id)
        error = f"cannot be sent: {type(exc).__name__}: {exc}"[:500]
        return Result(outgoing.delivery_id, "permanent", error=error)
    return result


def _record_and_commit(results: list[Result], held_until: datetime) -> None:
    """Record one send's results and the fallbacks they start, and commit them, so a crash
    after it resends none of them.

    A delivery whose lease is no longer `held_until` was taken over while this worker sent
    it (the send outlasted the lease): its result is logged, its state left to the holder.
    """
    done = utcnow()
    # Sent, for a public notice, still held: the common case, a few statements a chunk.
    recorded = ledger.record_sent(results, held_until, done)
    results = [r for r in results if r.delivery_id not in recorded]
    # The previous chunk's commit expired the loaded rows: reload the rest in one query.
    rows = (
        {
            d.id: d
            for d in db.session.scalars(
                select(Delivery)
                .where(Delivery.id.in_([r.delivery_id for r in results]))
                .options(selectinload(Delivery.contact_point))
            )
        }
        if results
        else {}
    )
    base_backoff = _clock("DELIVERY_BASE_BACKOFF_SECONDS").total_seconds()
    retries: dict[datetime, list[int]] = {}
    for result in results:
        delivery = rows[result.delivery_id]
        if delivery.state is not DeliveryState.sending or delivery.lease_until != held_until:
            ledger.record_late(delivery, result, done)
            continue
        state = ledger.record(delivery, result, done, base_backoff=base_backoff)
        paging_audit.page_result(delivery, result, state, done)  # crisis pages only
        if state is DeliveryState.failed:
            _fall_back(delivery, done, "failed")
        elif state is DeliveryState.retry and delivery.next_attempt_at is not None:
            # Due to the second: one scheduled job for the retries falling due together.
            due = delivery.next_attempt_at.replace(microsecond=0) + timedelta(seconds=1)
            retries.setdefault(due, []).append(delivery.id)
    for due, ids in retries.items():
        after_commit_at(DELIVER, due, ids)  # on time; the minute sweep is only the safety net
    db.session.commit()


def _fall_back(delivery: Delivery, now: datetime, reason: str) -> Delivery | None:
    """Start the delivery to the recipient's next contact point, if there is one not yet
    tried, and enqueue it after commit; returns it."""
    successor = ledger.fallback(delivery, now, reason)
    if successor is not None:
        after_commit(DELIVER, [successor.id])
    return successor


def _supersede_missed_acks(now: datetime) -> None:
    """A sent delivery whose acknowledgement window passed: page the recipient's next contact
    point, and mark this one superseded by it (with none left, it stays as it is)."""
    for delivery in ledger.missed_acks(now):
        if _fall_back(delivery, now, "no acknowledgement in time") is not None:
            ledger.supersede(delivery)
