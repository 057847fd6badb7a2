"""The queue: Huey on SQLite by default, Redis by URL; the periodic sweep through real storage."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import redis
from huey import RedisHuey, SqliteHuey

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.incidents.commands import ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.jobs.every_minute import sweep
from statuspage.jobs.queue import QUEUE_KEY, build_huey
from statuspage.jobs.tasks import SCHEDULE
from statuspage.models import ComponentStatus, IncidentStatus

# The shared Redis (.ci/run starts it): a database per suite pass, as `make test` runs the
# SQLite and PostgreSQL passes side by side (tests/deploy uses 14).
ON_POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")
REDIS_URL = f"redis://127.0.0.1:6379/{11 if ON_POSTGRES else 15}"


def test_the_queue_is_sqlite_by_default_and_redis_by_url(tmp_path):
    assert isinstance(build_huey("", str(tmp_path)), SqliteHuey)
    assert isinstance(build_huey(REDIS_URL, str(tmp_path)), RedisHuey)


def test_the_schedule_lists_the_sweep_and_the_metrics_pull():
    assert [job.__name__ for job, _ in SCHEDULE] == ["sweep", "pull_metrics"]


def _due_maintenance():
    api = create_component("API")
    start = utcnow() - timedelta(minutes=1)
    window = schedule_maintenance(
        ScheduleMaintenance(
            "Upgrade",
            "Now.",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
            components=[api],
            auto_start=True,
            at=start - timedelta(days=1),
        )
    )
    db.session.commit()
    return api, window


def _run_one(huey) -> None:
    """What the consumer does for one message: dequeue it from storage and execute it."""
    task = huey.dequeue()
    assert task is not None
    huey.execute(task)


def test_the_sweep_runs_through_the_sqlite_queue_and_commits(app):
    api, window = _due_maintenance()
    queue = app.extensions[QUEUE_KEY]
    queue.huey.flush()
    queue.periodic["sweep"]()  # enqueue, as the scheduler does every minute
    _run_one(queue.huey)
    db.session.expire_all()
    assert db.session.get(type(window), window.id).status is IncidentStatus.in_progress
    assert db.session.get(type(api), api.id).status is ComponentStatus.under_maintenance


def test_the_sweep_runs_through_redis(app):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 (.ci/run starts it)")
    _, window = _due_maintenance()
    huey = build_huey(REDIS_URL, "")
    huey.flush()
    task = huey.periodic_task(SCHEDULE[0][1], name="sweep")(
        app.extensions[QUEUE_KEY].periodic["sweep"].func
    )
    task()
    _run_one(huey)
    db.session.expire_all()
    assert db.session.get(type(window), window.id).status is IncidentStatus.in_progress
    huey.flush()


def test_running_the_sweep_twice_changes_nothing_twice():
    _, window = _due_maintenance()
    sweep()
    sweep()
    assert [u.status for u in window.updates].count(IncidentStatus.in_progress) == 1
