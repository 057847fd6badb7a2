"""Nothing is lost when a worker is killed mid-fan-out: 5,000 recipients, SIGKILL, recovery."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.jobs.tasks import DELIVER_BATCH, SEND_CHUNK
from statuspage.models import Delivery, DeliveryAttempt, DeliveryState
from statuspage.services.publishing import create_incident
from tests.faults.conftest import WORKER_THREADS, Herald, attempt_log_gaps, seed_subscribers

SUBSCRIBERS = 5000
UNFINISHED = (DeliveryState.pending, DeliveryState.sending, DeliveryState.retry)


@pytest.mark.faults
def test_a_killed_worker_loses_no_message(herald: Herald) -> None:
    with herald.app.app_context():
        addresses = seed_subscribers(SUBSCRIBERS)
        create_incident("Database failover", "Writes are failing; we are on it.")
        db.session.commit()  # the outbox enqueues fan_out now
    started = time.monotonic()
    inbox = herald.smtp.handler

    first = herald.start_worker()
    herald.wait_for(lambda: inbox.total >= SUBSCRIBERS // 5, seconds=60)
    herald.kill(first)
    at_kill = inbox.total
    killed_after = time.monotonic() - started

    herald.start_worker()
    # The sweep re-enqueues what the killed worker held (leases expire after 3 s) and what
    # the queue lost with it (pending for more than 3 s).
    herald.wait_for(
        lambda: herald.count(Delivery.state != DeliveryState.sent) == 0,
        seconds=90,
        sweep_every=6,
    )
    seconds = time.monotonic() - started

    received = inbox.received
    duplicates = sum(n - 1 for n in received.values())
    print(
        f"\n[{herald.env['QUEUE_URL'] or 'huey-sqlite'}] killed after {at_kill} messages"
        f" ({killed_after:.1f}s); received {len(received)} of {SUBSCRIBERS} recipients,"
        f" {duplicates} duplicates, {seconds:.1f}s in all"
    )
    assert at_kill < SUBSCRIBERS
    assert set(received) == set(addresses)
    # What a killed worker had sent but not yet recorded is sent again: at most one send
    # chunk per thread, which is one batch at most.
    assert SEND_CHUNK * WORKER_THREADS <= DELIVER_BATCH
    assert duplicates <= DELIVER_BATCH
    with herald.app.app_context():
        assert herald.count(Delivery.state.in_(UNFINISHED)) == 0
        assert herald.count() == SUBSCRIBERS
        sent_logged = db.session.scalars(
            select(DeliveryAttempt.delivery_id).where(DeliveryAttempt.outcome == "sent")
        ).all()
        assert sorted(sent_logged) == sorted(db.session.scalars(select(Delivery.id)))
    assert attempt_log_gaps(herald.app) == []
