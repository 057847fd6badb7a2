"""Job bodies: plain functions over the domain services. Each takes ids and is safe to run twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from statuspage.audience.recipients import recipient_pages
from statuspage.channels.base import Channel, Outgoing, Result
from statuspage.channels.email import EmailChannel
from statuspage.channels.endpoints import endpoint_channels
from statuspage.channels.sms import from_config as sms_from_config
from statuspage.channels.webpush import WebPushChannel
from statuspage.clock import utcnow
from statuspage.components.uptime import rollup_all
from statuspage.crisis import assembly
from statuspage.delivery import ledger
from statuspage.delivery.messages import render_crisis_messages, render_messages
from statuspage.delivery.outbox import after_commit
from statuspage.extensions import db
from statuspage.incidents.cadence import remind_due
from statuspage.incidents.maintenance import advance_maintenance
from statuspage.models import (
    CrisisMessage,
    Delivery,
    DeliveryState,
    FanOutState,
    Incident,
    IncidentUpdate,
    Notice,
)
from statuspage.page.state import ensure_page
from statuspage.regulators import periodic
from statuspage.social import accounts
from statuspage.vapid import vapid_keys

FANOUT_PAGE = 1000  # subscribers per fan-out step (one transaction each)
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


def sweep() -> None:
    """Every minute: maintenance edges and reminders, uptime up to now, and the engine's
    safety net (fan-outs that stalled, deliveries the queue lost, acknowledgements missed).

    Rolling up from yesterday too closes the last minutes of a day that ended mid-sweep.
    """
    now = utcnow()
    advance_maintenance(now)
    remind_due(now)  # comms reminded once per due update (incidents.cadence)
    rollup_all(now.date() - timedelta(days=1), now)
    for notice_id in ledger.stale_notices(now, stale_after=_clock("FANOUT_STALE_SECONDS")):
        after_commit("fan_out", notice_id)
    due = ledger.due_deliveries(now, lost_pending=_clock("LOST_PENDING_SECONDS"))
    for start in range(0, len(due), DELIVER_BATCH):
        after_commit("deliver", due[start : start + DELIVER_BATCH])
    for delivery in ledger.missed_acks(now):
        if ledger.fallback(delivery, now, "no acknowledgement in time") is not None:
            delivery.state = ledger.DeliveryState.superseded
    assembly.escalate(now)  # page again the crisis team members who have not acknowledged
    periodic.sweep(now)  # acknowledgements into obligations; deadline reminders


def fan_out(notice_id: int) -> int:
    """Create the notice's deliveries page by page, resuming at its cursor; returns how many.

    The recipients stream from one query (`audience.recipient_pages`). Each page commits its
    deliveries and the cursor together, so a killed worker resumes where it stopped and the
    unique (notice, contact point) key makes a repeat a no-op.
    """
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.fanout_state is FanOutState.done:
        return 0
    created = 0
    if notice.fanout_state is FanOutState.pending:
        notice.fanout_state, notice.fanout_started_at = FanOutState.running, utcnow()
    notice.fanout_progress_at = utcnow()
    pages = recipient_pages(notice, after_subscriber_id=notice.fanout_cursor, page=FANOUT_PAGE)
    for page in pages:
        ids = ledger.create_deliveries(notice, page)
        # In SQL, not from this session's copy: should a stalled fan-out wake up after the
        # sweep took it over, the two counts add up and the cursor never moves back.
        last = page[-1].subscriber_id
        notice.fanout_cursor = case((Notice.fanout_cursor < last, last), else_=Notice.fanout_cursor)
        notice.recipients = Notice.recipients + len(ids)
        notice.fanout_progress_at = utcnow()
        created += len(ids)
        for start in range(0, len(ids), DELIVER_BATCH):
            after_commit("deliver", ids[start : start + DELIVER_BATCH])
        db.session.commit()
    notice.fanout_state, notice.fanout_finished_at = FanOutState.done, utcnow()
    return created


def channels() -> dict[str, Channel]:
    """Every channel adapter, built from the config: one entry per channel (channels/*.py)."""
    config = current_app.config
    return {
        "email": EmailChannel(
            config["SMTP_URL"], config["MAIL_FROM"], Path(config["INSTANCE_PATH"]) / "mail"
        ),
        "webpush": WebPushChannel(
            vapid_keys(config["VAPID_PRIVATE_KEY"], Path(config["INSTANCE_PATH"])).signer,
            config["VAPID_SUBJECT"],
            ttl=config["PUSH_TTL_SECONDS"],
            timeout=config["HTTP_TIMEOUT_SECONDS"],
        ),
        # X, Mastodon: the enabled accounts, each with its own credentials
        **accounts.enabled_adapters(timeout=config["HTTP_TIMEOUT_SECONDS"]),
        **sms_from_config(config),  # Twilio, when TWILIO_ACCOUNT_SID is set
        # "webhook", "slack", "teams", "discord": registered URLs (channels/endpoints.py)
        **endpoint_channels(
            config["HTTP_TIMEOUT_SECONDS"],
            allow_loopback=current_app.testing or current_app.debug,  # as at registration
        ),
    }


def deliver(delivery_ids: list[int]) -> list[Result]:
    """Send a batch: claim (lease, committed), render, send per channel, record each result."""
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
    notices = {
        n.id: n
        for n in db.session.scalars(
            select(Notice).where(Notice.id.in_({d.notice_id for d in deliveries}))
        )
    }
    updates = {
        u.id: u
        for u in db.session.scalars(
            select(IncidentUpdate).where(
                IncidentUpdate.id.in_({n.update_id for n in notices.values() if n.update_id})
            )
        )
    }
    # Internal notices (team pages, briefings, regulator notices) carry a crisis message.
    crises = {
        c.id: c
        for c in db.session.scalars(
            select(CrisisMessage).where(
                CrisisMessage.id.in_(
                    {n.crisis_message_id for n in notices.values() if n.crisis_message_id}
                )
            )
        )
    }
    incidents = {
        i.id: i
        for i in db.session.scalars(
            select(Incident).where(Incident.id.in_({n.incident_id for n in notices.values()}))
        )
    }
    page = ensure_page()
    by_channel: dict[str, list[Outgoing]] = defaultdict(list)
    by_notice: dict[int, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        by_notice[d.notice_id].append(d)
    for notice_id, batch in by_notice.items():
        notice = notices[notice_id]
        incident = incidents[notice.incident_id]
        if notice.crisis_message_id is not None:
            crisis = crises[notice.crisis_message_id]
            messages = render_crisis_messages(batch, notice, incident, crisis, page)
        else:
            messages = render_messages(batch, notice, incident, updates[notice.update_id], page)
        for d, message in zip(batch, messages, strict=True):
            by_channel[d.channel.value].append(
                Outgoing(
                    d.id,
                    d.contact_point.address,
                    message,
                    idempotency_key=f"delivery-{d.id}",
                    secret=d.contact_point.secret,
                )
            )
    available = channels()
    results: list[Result] = []
    for name, batch in by_channel.items():
        channel = available.get(name)
        for start in range(0, len(batch), SEND_CHUNK):
            # Renew the lease on this chunk just before sending it: a batch slower than the
            # lease must not let another worker take its tail over and send it twice.
            held, held_until = ledger.renew(
                [o.delivery_id for o in batch[start : start + SEND_CHUNK]],
                claimed_until,
                utcnow(),
                lease=lease,
            )
            db.session.commit()
            chunk = [o for o in batch[start : start + SEND_CHUNK] if o.delivery_id in held]
            if not chunk:
                continue
            if channel is None:
                sent = [
                    Result(o.delivery_id, "retry", error=f"no {name} channel configured")
                    for o in chunk
                ]
            else:
                chunk = accounts.in_thread(name, chunk)  # social posts reply in their thread
                sent = channel.send(chunk)
                accounts.remember_posts(name, chunk, sent)
            _record_and_commit(sent, held_until)
            results += sent
    return results


def _record_and_commit(results: list[Result], held_until: datetime) -> None:
    """Record one send's results and commit them, so a crash after it resends none of them.

    A delivery whose lease is no longer `held_until` was taken over while this worker sent
    it (the send outlasted the lease): its result is logged, its state left to the holder.
    """
    # The previous chunk's commit expired the loaded rows: reload this chunk's in one query.
    rows = {
        d.id: d
        for d in db.session.scalars(
            select(Delivery)
            .where(Delivery.id.in_([r.delivery_id for r in results]))
            .options(selectinload(Delivery.contact_point))
        )
    }
    done = utcnow()
    base_backoff = _clock("DELIVERY_BASE_BACKOFF_SECONDS").total_seconds()
    for result in results:
        delivery = rows[result.delivery_id]
        if delivery.state is not DeliveryState.sending or delivery.lease_until != held_until:
            ledger.record_late(delivery, result, done)
            continue
        ledger.record(delivery, result, done, base_backoff=base_backoff)
    db.session.commit()
