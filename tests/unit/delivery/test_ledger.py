"""Claims under concurrency: two workers' transactions asking for overlapping deliveries.

Each "worker" is a thread with its own app context, so its own session and connection, as
two worker processes would have. tests/faults/test_two_workers.py shows the same with real
worker processes and an SMTP server.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import select, text

from statuspage.channels.base import Result
from statuspage.clock import utcnow
from statuspage.delivery.engine import fan_out
from statuspage.delivery.ledger import claim, record_late, renew
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Notice,
)
from tests.factories import contact_point, subscriber


def _deliveries(count: int, queue) -> list[int]:
    now = utcnow()
    for i in range(count):
        subscriber(contact_point(f"person{i}@example.com", at=now))
    create_incident(OpenIncident("Down", "Down."))
    db.session.commit()
    fan_out(db.session.scalars(select(Notice.id)).one())
    db.session.commit()
    queue.huey.flush()  # the deliver jobs are not what this test runs
    return list(db.session.scalars(select(Delivery.id).order_by(Delivery.id)))


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_two_workers_claiming_overlapping_batches_get_disjoint_sets(app: Flask, queue) -> None:
    ids = _deliveries(30, queue)
    first, second = ids[:20], ids[10:]  # ten in common
    now = utcnow()
    got: dict[str, list[int]] = {}
    a_holds = threading.Event()
    a_may_commit = threading.Event()
    errors: list[BaseException] = []

    def worker_a() -> None:
        try:
            with app.app_context():
                got["a"] = claim(first, now)
                a_holds.set()  # leased, not committed: its row locks are held
                a_may_commit.wait(30)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
            a_holds.set()

    thread = threading.Thread(target=worker_a)
    thread.start()
    assert a_holds.wait(30)
    with app.app_context():
        if _postgres():
            # B must not wait for A's locks at all: SKIP LOCKED passes over them. Waiting
            # would hit this timeout and fail the claim.
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            got["b"] = claim(second, now)
            db.session.commit()
            a_may_commit.set()
        else:
            # SQLite has one writer: B's UPDATE waits (busy_timeout) until A commits.
            a_may_commit.set()
            got["b"] = claim(second, now)
            db.session.commit()
        db.session.remove()
    thread.join(30)
    assert errors == []
    assert got["a"] == first
    assert set(got["a"]).isdisjoint(got["b"])
    assert sorted(got["a"] + got["b"]) == ids
    if _postgres():
        assert got["b"] == ids[20:]  # what A held was skipped, not waited for
    rows = db.session.scalars(select(Delivery)).all()
    assert {d.state for d in rows} == {DeliveryState.sending}
    assert {d.attempts for d in rows} == {1}


def test_an_expired_lease_is_taken_over_by_one_worker_only(app: Flask, queue) -> None:
    ids = _deliveries(10, queue)
    start = utcnow()
    assert claim(ids, start, lease=timedelta(seconds=5)) == ids
    db.session.commit()  # ... and that worker dies
    later = start + timedelta(seconds=10)
    barrier = threading.Barrier(2)
    got: list[list[int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                barrier.wait(30)
                got.append(claim(ids, later))
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(got[0] + got[1]) == ids  # each expired lease went to exactly one worker
    rows = db.session.scalars(select(Delivery)).all()
    assert {d.attempts for d in rows} == {2}  # the lost attempt and the new one


def test_a_lease_taken_over_mid_batch_is_not_renewed_for_its_first_holder(queue) -> None:
    ids = _deliveries(4, queue)
    lease = timedelta(seconds=5)
    start = utcnow()
    assert claim(ids, start, lease=lease) == ids  # worker A: four to send, chunk by chunk
    db.session.commit()
    # A is slow: its lease runs out and worker B takes over the two A has not sent yet.
    later = start + timedelta(seconds=10)
    assert claim(ids[2:], later, lease=lease) == ids[2:]
    db.session.commit()
    # A, about to send its next chunk, renews: only what it still holds comes back.
    held, until = renew(ids, start + lease, later + timedelta(seconds=1), lease=lease)
    db.session.commit()
    assert held == set(ids[:2])
    assert until == later + timedelta(seconds=1) + lease
    rows = {d.id: d for d in db.session.scalars(select(Delivery))}
    assert {rows[i].lease_until for i in ids[:2]} == {until}
    assert {rows[i].lease_until for i in ids[2:]} == {later + lease}  # B's, untouched


def test_a_result_after_a_take_over_is_logged_and_leaves_the_state_to_the_holder(queue) -> None:
    ids = _deliveries(1, queue)
    start = utcnow()
    claim(ids, start, lease=timedelta(seconds=5))
    claim(ids, start + timedelta(seconds=10), lease=timedelta(seconds=5))  # taken over
    db.session.commit()
    delivery = db.session.get(Delivery, ids[0])
    record_late(delivery, Result(ids[0], "sent", provider_id="<late@x>"), utcnow())
    db.session.commit()
    db.session.refresh(delivery)
    assert delivery.state is DeliveryState.sending  # the new holder records its own result
    logged = db.session.scalars(
        select(DeliveryAttempt.outcome).where(DeliveryAttempt.delivery_id == ids[0])
    ).all()
    assert sorted(logged) == ["lease-expired", "sent"]
    assert delivery.attempts == 3  # A's claim, B's claim, A's late result: one log each ...
    # ... but for B's own, still to come: B records it with record(), as any holder does.
