"""The task queue: Huey on a SQLite file by default, on Redis when QUEUE_URL says so.

Jobs take ids, are safe to run twice, and are listed in one schedule (`SCHEDULE`). The
database, not the queue, is the record: a job the queue loses is found again by the sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab

from statuspage.jobs import tasks

QUEUE_KEY = "herald.queue"

# The one schedule of periodic jobs: (task function, crontab).
SCHEDULE: list[tuple[Callable[[], Any], crontab]] = [
    (tasks.sweep, crontab(minute="*")),
]


@dataclass
class Queue:
    huey: Huey
    periodic: dict[str, Any]


def build_huey(queue_url: str, instance_path: str) -> Huey:
    if queue_url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("herald", url=queue_url)
    path = queue_url.removeprefix("sqlite:///") if queue_url else ""
    return SqliteHuey("herald", filename=path or str(Path(instance_path) / "queue.db"))


def _in_app(app: Flask, job: Callable[[], Any]) -> Callable[[], Any]:
    """Run a job in an app context, committing once at the end (the job only flushes)."""

    def run() -> Any:
        from statuspage.extensions import db

        with app.app_context():
            try:
                result = job()
                db.session.commit()
                return result
            except Exception:
                db.session.rollback()
                raise

    run.__name__ = job.__name__
    return run


def init_queue(app: Flask) -> None:
    huey = build_huey(app.config["QUEUE_URL"], app.config["INSTANCE_PATH"])
    periodic = {
        job.__name__: huey.periodic_task(schedule, name=job.__name__)(_in_app(app, job))
        for job, schedule in SCHEDULE
    }
    app.extensions[QUEUE_KEY] = Queue(huey, periodic)
