"""Fault tests: a real Herald (own database, own queue) with real worker processes.

Each test gets a `Herald`: an app built from environment variables as production builds it,
on its own SQLite file + Huey-SQLite, or on the herald_fault PostgreSQL database + Huey on
Redis DB 11; the engine's clocks (lease, lost pending, backoff) set to seconds so recovery
happens within the test. Workers and sweeps run as subprocesses (`flask worker`,
`flask sweep`), the SMTP server is aiosmtpd in this process, counting per recipient.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, insert, select, text

from statuspage import create_app
from statuspage.clock import utcnow
from statuspage.config import from_environment
from statuspage.extensions import db
from statuspage.models import Channel, ContactPoint, Delivery, DeliveryAttempt, Subscriber
from tests.smtp import free_port

REPO = Path(__file__).resolve().parents[2]
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "herald_fault"
REDIS_URL = "redis://127.0.0.1:6379/11"
WORKER_THREADS = 2
# Seconds, not minutes: a killed worker's leases expire and lost deliveries are found again
# while the test waits.
CLOCKS = {
    "DELIVERY_LEASE_SECONDS": "3",
    "FANOUT_STALE_SECONDS": "3",
    "LOST_PENDING_SECONDS": "3",
    "DELIVERY_BASE_BACKOFF_SECONDS": "1",
}


class CountingHandler:
    """aiosmtpd handler that keeps no message, only how many each recipient received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received: Counter[str] = Counter()

    @property
    def total(self) -> int:
        with self._lock:
            return self.received.total()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.received.update(envelope.rcpt_tos)
        return "250 Message accepted"


class CountingSmtp:
    """Starts and stops on one port, so an outage ends with the same SMTP_URL working."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = CountingHandler()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass
class Herald:
    """One Herald installation under test and the processes it runs."""

    app: Flask
    env: dict[str, str]
    logs: Path
    smtp: CountingSmtp
    _workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def flask(self, *argv: str, **popen: object) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{argv[0]}-{time.monotonic_ns()}.log").open("wb")
        with log:
            return subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", *argv],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own group: SIGKILL reaches it and nothing else
                **popen,  # type: ignore[arg-type]
            )

    def start_worker(self) -> subprocess.Popen[bytes]:
        worker = self.flask("worker", "--workers", str(WORKER_THREADS))
        self._workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no cleanup, no graceful stop, exactly what an OOM kill does."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        if worker in self._workers:
            self._workers.remove(worker)

    def sweep(self) -> None:
        sweep = self.flask("sweep")
        assert sweep.wait(60) == 0, self.log_tail()

    def stop_workers(self) -> None:
        for worker in self._workers:
            if worker.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(10)
                except subprocess.TimeoutExpired:
                    self.kill(worker)
        self._workers.clear()

    def log_tail(self, lines: int = 30) -> str:
        newest = sorted(self.logs.glob("*.log"), key=lambda p: p.stat().st_mtime)[-2:]
        return "\n".join(
            f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-lines:])
            for p in newest
        )

    def count(self, *where) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(Delivery).where(*where))

    def wait_for(self, done: Callable[[], bool], seconds: float, sweep_every: float = 0) -> None:
        """Poll `done`; with `sweep_every`, run `flask sweep` that often meanwhile."""
        deadline = time.monotonic() + seconds
        next_sweep = time.monotonic() + sweep_every
        while not done():
            assert time.monotonic() < deadline, f"timed out\n{self.log_tail()}"
            for worker in self._workers:
                assert worker.poll() is None, f"a worker exited\n{self.log_tail()}"
            if sweep_every and time.monotonic() >= next_sweep:
                self.sweep()
                next_sweep = time.monotonic() + sweep_every
            time.sleep(0.1)


def seed_subscribers(count: int) -> list[str]:
    """`count` subscribers to everything, each with one verified email address; Core, bulk."""
    now = utcnow()
    addresses = [f"sub{i}@example.com" for i in range(1, count + 1)]
    db.session.execute(
        insert(Subscriber), [{"id": i, "created_at": now} for i in range(1, count + 1)]
    )
    db.session.execute(
        insert(ContactPoint),
        [
            {
                "subscriber_id": i,
                "channel": Channel.email,
                "address": address,
                "address_key": address,
                "priority": 1,
                "verified_at": now,
                "created_at": now,
            }
            for i, address in enumerate(addresses, start=1)
        ],
    )
    db.session.commit()
    return addresses


def attempt_log_gaps(app: Flask) -> list[int]:
    """Deliveries whose attempt count differs from their logged attempts."""
    with app.app_context():
        logged = (
            select(DeliveryAttempt.delivery_id, func.count().label("n"))
            .group_by(DeliveryAttempt.delivery_id)
            .subquery()
        )
        return list(
            db.session.scalars(
                select(Delivery.id)
                .outerjoin(logged, logged.c.delivery_id == Delivery.id)
                .where(Delivery.attempts != func.coalesce(logged.c.n, 0))
            )
        )


def _database(kind: str, instance: Path) -> tuple[str, str]:
    """DATABASE_URL and QUEUE_URL for this kind, each empty and ours alone."""
    if kind == "sqlite":
        return f"sqlite:///{instance / 'herald.db'}", ""
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}
            )
            if not found:
                connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    finally:
        admin.dispose()
    url = f"{PG_SERVER}/{PG_DATABASE}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()
    return url, REDIS_URL


def _wanted(kind: str) -> bool:
    """`make test` runs the suite once per database (TEST_DATABASE_URL set, maybe empty):
    each run takes the configuration on its database. Run by hand, both run."""
    suite = os.environ.get("TEST_DATABASE_URL")
    if suite is None:
        return True
    return (kind == "postgres") == suite.startswith("postgresql")


@pytest.fixture(params=["sqlite", "postgres"], ids=["sqlite-huey", "postgres-redis"])
def herald(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Herald]:
    if not _wanted(request.param):
        pytest.skip(f"this suite run is on {os.environ.get('TEST_DATABASE_URL') or 'SQLite'}")
    instance, logs = tmp_path / "instance", tmp_path / "logs"
    instance.mkdir()
    logs.mkdir()
    smtp = CountingSmtp()
    smtp.start()
    database_url, queue_url = _database(request.param, instance)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "TEST_"))}
    env.update(
        CLOCKS,
        DATABASE_URL=database_url,
        QUEUE_URL=queue_url,
        SMTP_URL=smtp.url,
        INSTANCE_PATH=str(instance),
        SECRET_KEY="fault-test-secret",
        BASE_URL="http://status.fault.test",
        PYTHONUNBUFFERED="1",
    )
    app = create_app(from_environment(env))
    with app.app_context():
        upgrade()
    herald = Herald(app, env, logs, smtp)
    try:
        yield herald
    finally:
        herald.stop_workers()
        smtp.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if queue_url:
            client = redis.Redis.from_url(queue_url)
            client.flushdb()
            client.close()
