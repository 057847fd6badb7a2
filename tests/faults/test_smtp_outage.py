"""An SMTP outage mid-fan-out delays messages, loses none, and the attempt log shows why."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Delivery, DeliveryAttempt
from tests.faults.conftest import WORKER_THREADS, Herald, assert_recovered, seed_subscribers

SUBSCRIBERS = 2000
OUTAGE_SECONDS = 4


@pytest.mark.faults
def test_messages_sent_during_an_smtp_outage_arrive_after_it(herald: Herald) -> None:
    with herald.app.app_context():
        addresses = seed_subscribers(SUBSCRIBERS)
        create_incident(OpenIncident("Mail relay down", "Our own mail relay is failing over."))
        db.session.commit()
    started = time.monotonic()
    inbox = herald.smtp.handler
    herald.start_worker()
    herald.wait_for(lambda: inbox.total >= SUBSCRIBERS // 4, seconds=60)
    herald.smtp.stop()
    stopped_at = inbox.total
    time.sleep(OUTAGE_SECONDS)
    herald.smtp.start()
    back = time.monotonic()

    # Retries are due after the backoff (1 s base here); the sweep enqueues them.
    herald.wait_for(lambda: herald.settled(SUBSCRIBERS), seconds=120, sweep_every=3)
    with herald.app.app_context():
        outcomes = dict(
            db.session.execute(
                select(DeliveryAttempt.outcome, func.count()).group_by(DeliveryAttempt.outcome)
            ).all()
        )
        retried = herald.count(Delivery.attempts > 1)
    # A refused connection sends nothing; only a message the server accepted as it went
    # down, its answer lost, is sent again: one per worker thread at most.
    assert_recovered(
        herald,
        "smtp-down-then-up",
        addresses,
        started=started,
        recovered_from=back,
        bound=WORKER_THREADS,
        detail=f"SMTP down after {stopped_at} messages for {OUTAGE_SECONDS}s; attempts"
        f" {outcomes}; {retried} deliveries needed more than one",
    )
    assert stopped_at < SUBSCRIBERS
    assert outcomes["sent"] == SUBSCRIBERS
    assert outcomes["retry"] >= 1
    assert retried >= 1
