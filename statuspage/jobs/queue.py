"""The task queue's wiring: Huey on a SQLite file by default, on Redis when QUEUE_URL says so.

Registers what jobs.tasks lists (its tasks under their job names, its schedule), runs each in
an app context that commits at its end, and enqueues the outbox's jobs after each commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import event
from sqlalchemy.orm import Session

from statuspage.delivery.outbox import OUTBOX_KEY
from statuspage.extensions import db
from statuspage.jobs.tasks import SCHEDULE, TASKS

QUEUE_KEY = "herald.queue"


@dataclass
class Queue:
    huey: Huey
    periodic: dict[str, Any]
    jobs: dict[str, Any]

    def enqueue(self, job: str, *args: Any, eta: datetime | None = None) -> None:
        """Run `job(*args)` as soon as a worker is free, or from `eta` on (Huey's schedule)."""
        if eta is None:
            self.jobs[job](*args)
        else:
            self.jobs[job].schedule(args=args, eta=eta)


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
    for job, args, eta in pending:
        queue.enqueue(job, *args, eta=eta)


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
        task.job.name: huey.task(
            name=task.job.name, retries=task.retries, retry_delay=task.retry_delay
        )(_in_app(app, task.run))
        for task in TASKS
    }
    app.extensions[QUEUE_KEY] = Queue(huey, periodic, jobs)
    if not event.contains(Session, "after_commit", _enqueue_outbox):
        event.listen(Session, "after_commit", _enqueue_outbox)
        event.listen(Session, "after_soft_rollback", _forget_outbox)
