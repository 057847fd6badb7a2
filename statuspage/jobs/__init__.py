"""The task queue: Huey on a SQLite file by default, on Redis when QUEUE_URL says so.

Jobs take ids, are safe to run twice, and are listed in one schedule (`SCHEDULE`). The
database, not the queue, is the record: a job the queue loses is found again by the sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from statuspage.audience import sign_in_mail
from statuspage.delivery import engine
from statuspage.delivery.outbox import OUTBOX_KEY
from statuspage.extensions import db
from statuspage.incidents import cadence_reminders
from statuspage.regulators import reminder_mail
from statuspage.snapshots import render_job
from statuspage.subscribers import confirmation_mail, endpoint_notices, sms_opt_in

QUEUE_KEY = "herald.queue"

# The one schedule of periodic jobs: (task function, crontab).
SCHEDULE: list[tuple[Callable[[], Any], crontab]] = [
    (engine.sweep, crontab(minute="*")),
]


# Jobs enqueued by id through the outbox (delivery.outbox.after_commit).
JOBS: list[Callable[..., Any]] = [
    engine.fan_out,
    engine.deliver,
    confirmation_mail.send_confirmation,
    sms_opt_in.send_sms_opt_in,
    endpoint_notices.endpoint_disabled,
    sign_in_mail.send_sign_in_link,
    render_job.render_snapshots,
    reminder_mail.send_obligation_reminder,
    cadence_reminders.send_cadence_reminder,
]
# Deliveries retry through their rows (the sweep); a confirmation (email or SMS opt-in) has
# no row, so its job retries in the queue itself.
RETRIES: dict[str, dict[str, int]] = {
    "send_confirmation": {"retries": 10, "retry_delay": 60},
    "send_sms_opt_in": {"retries": 10, "retry_delay": 60},
    "endpoint_disabled": {"retries": 10, "retry_delay": 60},  # the notice of a disabled hook
    # A sign-in link is good for 30 minutes: past that, retrying would only annoy.
    "send_sign_in_link": {"retries": 5, "retry_delay": 60},
    # A reminder that an update is due: useful for a cadence, not forever.
    "send_cadence_reminder": {"retries": 5, "retry_delay": 60},
    # A deadline reminder is worth retrying until its deadline is long past.
    "send_obligation_reminder": {"retries": 10, "retry_delay": 60},
}


@dataclass
class Queue:
    huey: Huey
    periodic: dict[str, Any]
    jobs: dict[str, Any]

    def enqueue(self, job: str, *args: Any) -> None:
        self.jobs[job](*args)


def build_huey(queue_url: str, instance_path: str, connect_timeout: float = 5.0) -> Huey:
    if queue_url.startswith(("redis://", "rediss://", "unix://")):
        # Bounded waits: a Redis that accepts and never answers must fail /readyz and an
        # enqueue in seconds, not hang them. Longer than the worker's 1 s blocking read.
        pool = redis.ConnectionPool.from_url(
            queue_url,
            socket_connect_timeout=connect_timeout,
            socket_timeout=max(connect_timeout, 2.0),
        )
        return RedisHuey("herald", connection_pool=pool)
    path = queue_url.removeprefix("sqlite:///") if queue_url else ""
    return SqliteHuey("herald", filename=path or str(Path(instance_path) / "queue.db"))


def _in_app(app: Flask, job: Callable[..., Any]) -> Callable[..., Any]:
    """Run a job in an app context and commit at its end (jobs flush; some commit per step)."""

    def run(*args: Any) -> Any:
        with app.app_context():
            try:
                result = job(*args)
                db.session.commit()
                return result
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    run.__name__ = job.__name__
    return run


def _enqueue_outbox(session: Session) -> None:
    """After a commit: enqueue the jobs the committed transaction asked for."""
    pending = session.info.pop(OUTBOX_KEY, None)
    if not pending or not has_app_context():
        return
    queue: Queue | None = current_app.extensions.get(QUEUE_KEY)
    if queue is None:
        return
    for job, args in pending:
        queue.enqueue(job, *args)


def _forget_outbox(session: Session, *_: Any) -> None:
    session.info.pop(OUTBOX_KEY, None)


def init_queue(app: Flask) -> None:
    huey = build_huey(
        app.config["QUEUE_URL"], app.config["INSTANCE_PATH"], app.config.get("CONNECT_TIMEOUT", 5.0)
    )
    periodic = {
        job.__name__: huey.periodic_task(schedule, name=job.__name__)(_in_app(app, job))
        for job, schedule in SCHEDULE
    }
    jobs = {
        job.__name__: huey.task(name=job.__name__, **RETRIES.get(job.__name__, {}))(
            _in_app(app, job)
        )
        for job in JOBS
    }
    app.extensions[QUEUE_KEY] = Queue(huey, periodic, jobs)
    if not event.contains(Session, "after_commit", _enqueue_outbox):
        event.listen(Session, "after_commit", _enqueue_outbox)
        event.listen(Session, "after_soft_rollback", _forget_outbox)
