"""Two worker processes racing for the same deliveries send each one exactly once.

Every delivery is put in three or four deliver jobs (the same batch twice in a row, and a
batch shifted by half), so the two workers' four threads keep asking for the same rows at
the same moment. The claim (a conditional UPDATE; on PostgreSQL over FOR UPDATE SKIP
LOCKED rows) must hand each delivery to one of them only. The SMTP server counts by
Message-ID (one per delivery) and by envelope sender (each worker sends as its own).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from statuspage.delivery.engine import DELIVER_BATCH, fan_out
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.jobs.queue import QUEUE_KEY
from statuspage.models import Delivery, DeliveryAttempt, Notice
from tests.faults.conftest import Herald, assert_recovered, seed_subscribers

SUBSCRIBERS = 1000
SENDERS = ("worker-a@herald.invalid", "worker-b@herald.invalid")


@pytest.mark.faults
def test_two_workers_on_the_same_deliveries_send_each_once(herald: Herald) -> None:
    queue = herald.app.extensions[QUEUE_KEY]
    with herald.app.app_context():
        addresses = seed_subscribers(SUBSCRIBERS)
        create_incident(OpenIncident("Two workers", "Both workers are on it."))
        db.session.commit()
        fan_out(db.session.scalars(select(Notice.id)).one())
        db.session.commit()
        ids = list(db.session.scalars(select(Delivery.id).order_by(Delivery.id)))
        db.session.remove()
    queue.huey.flush()  # the jobs the fan-out enqueued: replaced by the overlapping ones below
    half = DELIVER_BATCH // 2
    jobs = 0
    for start in range(0, len(ids), DELIVER_BATCH):
        for batch in (
            ids[start : start + DELIVER_BATCH],
            ids[start : start + DELIVER_BATCH],
            ids[start + half : start + half + DELIVER_BATCH],
        ):
            queue.enqueue("deliver", batch)
            jobs += 1
    started = time.monotonic()
    for sender in SENDERS:
        herald.start_worker(MAIL_FROM=f"Herald <{sender}>")

    # Settled means every delivery recorded as sent: the copies still queued find nothing
    # left to claim, so nothing more can reach the server.
    herald.wait_for(lambda: herald.settled(SUBSCRIBERS), seconds=120)
    inbox = herald.smtp.handler
    per_worker = {sender: inbox.senders[sender] for sender in SENDERS}
    assert_recovered(
        herald,
        "two-workers",
        addresses,
        started=started,
        recovered_from=started,
        bound=0,
        detail=f"{jobs} overlapping jobs; messages per worker {per_worker}",
    )
    assert len(inbox.message_ids) == SUBSCRIBERS
    assert set(inbox.message_ids.values()) == {1}
    assert sum(per_worker.values()) == SUBSCRIBERS
    assert all(per_worker.values()), "both workers must have taken part"
    with herald.app.app_context():
        assert herald.count(Delivery.attempts != 1) == 0
        assert db.session.scalar(select(func.count()).select_from(DeliveryAttempt)) == len(ids)
