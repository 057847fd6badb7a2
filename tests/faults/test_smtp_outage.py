"""An SMTP outage mid-fan-out delays messages, loses none, and the attempt log shows why."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from statuspage.extensions import db
from statuspage.models import Delivery, DeliveryAttempt, DeliveryState
from statuspage.services.publishing import create_incident
from tests.faults.conftest import Herald, attempt_log_gaps, seed_subscribers

SUBSCRIBERS = 2000
OUTAGE_SECONDS = 4


@pytest.mark.faults
def test_messages_sent_during_an_smtp_outage_arrive_after_it(herald: Herald) -> None:
    with herald.app.app_context():
        addresses = seed_subscribers(SUBSCRIBERS)
        create_incident("Mail relay down", "Our own mail relay is failing over.")
        db.session.commit()
    inbox = herald.smtp.handler
    herald.start_worker()
    herald.wait_for(lambda: inbox.total >= SUBSCRIBERS // 4, seconds=60)
    herald.smtp.stop()
    stopped_at = inbox.total
    time.sleep(OUTAGE_SECONDS)
    herald.smtp.start()

    # Retries are due after the backoff (1 s base here); the sweep enqueues them.
    herald.wait_for(
        lambda: herald.count(Delivery.state != DeliveryState.sent) == 0,
        seconds=90,
        sweep_every=3,
    )
    received = inbox.received
    with herald.app.app_context():
        outcomes = dict(
            db.session.execute(
                select(DeliveryAttempt.outcome, func.count()).group_by(DeliveryAttempt.outcome)
            ).all()
        )
        retried = herald.count(Delivery.attempts > 1)
    print(
        f"\n[{herald.env['QUEUE_URL'] or 'huey-sqlite'}] SMTP down after {stopped_at} messages"
        f" for {OUTAGE_SECONDS}s; received {len(received)} of {SUBSCRIBERS} recipients,"
        f" {sum(received.values()) - len(received)} duplicates; attempts {outcomes};"
        f" {retried} deliveries needed more than one"
    )
    assert stopped_at < SUBSCRIBERS
    assert set(received) == set(addresses)
    assert outcomes["sent"] == SUBSCRIBERS
    assert outcomes["retry"] >= 1
    assert retried >= 1
    assert attempt_log_gaps(herald.app) == []
