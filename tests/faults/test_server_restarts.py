"""PostgreSQL or Redis restarted mid-fan-out: the same worker process carries on, nothing lost.

Both run on the suite's own servers (tests/faults/servers.py), never the shared ones. The
worker is not restarted: a deployment's worker must ride out its database or queue going
away and coming back (SQLAlchemy's pool pings a connection before use and drops the dead
ones; Huey's consumer logs a failed read of the queue and polls again). Jobs that failed
while the server was away leave their deliveries leased or pending in the database; the
sweep finds them again (the Redis restart also empties the queue: every job in it is lost).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from statuspage.delivery.engine import SEND_CHUNK
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from tests.faults.conftest import (
    WORKER_THREADS,
    Herald,
    PrivateServers,
    assert_recovered,
    seed_subscribers,
)

SUBSCRIBERS = 2000


def _restart_mid_fan_out(herald: Herald, scenario: str, restart: Callable[[], None]) -> None:
    with herald.app.app_context():
        addresses = seed_subscribers(SUBSCRIBERS)
        create_incident(OpenIncident("Failover", "The primary is failing over."))
        db.session.commit()  # the outbox enqueues fan_out now
        db.session.remove()
    started = time.monotonic()
    inbox = herald.smtp.handler
    worker = herald.start_worker()
    herald.wait_for(lambda: inbox.total >= SUBSCRIBERS // 4, seconds=90)
    at_fault = inbox.total
    restart()
    recovered_from = time.monotonic()
    # wait_for fails the test if the worker exits: it must survive the restart.
    herald.wait_for(lambda: herald.settled(SUBSCRIBERS), seconds=120, sweep_every=3)
    assert worker.poll() is None
    assert at_fault < SUBSCRIBERS
    assert_recovered(
        herald,
        scenario,
        addresses,
        started=started,
        recovered_from=recovered_from,
        # A job cut off between sending a chunk and committing its results resends that
        # chunk: at most one chunk per worker thread.
        bound=SEND_CHUNK * WORKER_THREADS,
        detail=f"restarted after {at_fault} messages; the same worker process throughout",
    )


@pytest.mark.faults
def test_a_postgres_restart_mid_fan_out_loses_nothing(
    private_herald: tuple[Herald, PrivateServers],
) -> None:
    herald, servers = private_herald
    _restart_mid_fan_out(herald, "postgres-restart", servers.postgres.restart)


@pytest.mark.faults
def test_a_redis_restart_mid_fan_out_loses_nothing(
    private_herald: tuple[Herald, PrivateServers],
) -> None:
    herald, servers = private_herald
    _restart_mid_fan_out(herald, "redis-restart", servers.redis.restart)
