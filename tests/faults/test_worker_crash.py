"""Nothing is lost when a worker is killed mid-fan-out: 2,000 recipients, SIGKILL, recovery.

The test plays the supervisor (systemd's Restart=always): it starts a new worker.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from statuspage.delivery.engine import DELIVER_BATCH, SEND_CHUNK
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Delivery, DeliveryAttempt
from tests.faults.conftest import (
    UNFINISHED,
    WORKER_THREADS,
    Herald,
    assert_recovered,
    seed_subscribers,
)

SUBSCRIBERS = 2000


@pytest.mark.faults
def test_a_killed_worker_loses_no_message(herald: Herald) -> None:
    with herald.app.app_context():
        addresses = seed_subscribers(SUBSCRIBERS)
        create_incident(OpenIncident("Database failover", "Writes are failing; we are on it."))
        db.session.commit()  # the outbox enqueues fan_out now
    started = time.monotonic()
    inbox = herald.smtp.handler

    first = herald.start_worker()
    herald.wait_for(lambda: inbox.total >= SUBSCRIBERS // 5, seconds=60)
    herald.kill(first)
    at_kill = inbox.total
    killed_after = time.monotonic() - started

    herald.start_worker()  # as a supervisor restarts a crashed worker
    restarted = time.monotonic()
    # The sweep re-enqueues what the killed worker held (leases expire after 10 s) and what
    # the queue lost with it (pending for more than 3 s).
    herald.wait_for(lambda: herald.settled(SUBSCRIBERS), seconds=120, sweep_every=3)
    assert at_kill < SUBSCRIBERS
    # What a killed worker had sent but not yet recorded is sent again: at most one send
    # chunk per thread, which is one batch at most.
    assert SEND_CHUNK * WORKER_THREADS <= DELIVER_BATCH
    assert_recovered(
        herald,
        "worker-kill-9",
        addresses,
        started=started,
        recovered_from=restarted,
        bound=SEND_CHUNK * WORKER_THREADS,
        detail=f"killed after {at_kill} messages ({killed_after:.1f}s)",
    )
    with herald.app.app_context():
        assert herald.count(Delivery.state.in_(UNFINISHED)) == 0
        sent_logged = db.session.scalars(
            select(DeliveryAttempt.delivery_id).where(DeliveryAttempt.outcome == "sent")
        ).all()
        assert sorted(sent_logged) == sorted(db.session.scalars(select(Delivery.id)))
