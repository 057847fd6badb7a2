"""Fault tests: a real Herald (own database, own queue) with real worker processes.

Each test gets a `Herald`: an app built from environment variables as production builds it,
on its own SQLite file + Huey-SQLite, or on PostgreSQL + Huey on Redis, both servers the
suite's own (tests/faults/servers.py: never the shared 5432/6379, so tests may restart them
and other runs cannot disturb them; `private_herald` hands the test the servers too); the
engine's clocks (lease, lost pending, backoff) set to seconds so recovery happens within
the test. Workers and sweeps run
as subprocesses (`flask worker`, `flask sweep`), the SMTP server is aiosmtpd in this process,
counting per recipient, per Message-ID and per sender.

Every scenario ends with `assert_recovered`: every recipient served at least once, duplicates
within the batch in flight, nothing left pending or in flight, every fan-out done; it prints
the scenario's figures on a line starting with FAULT.
"""

from __future__ import annotations

import contextlib
import os
import re
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
from aiosmtpd.controller import Controller
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from statuspage import create_app
from statuspage.clock import utcnow
from statuspage.config import from_environment
from statuspage.extensions import db
from statuspage.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    FanOutState,
    Notice,
    Subscriber,
)
from tests.fakes.smtp import free_port
from tests.faults.servers import PrivatePostgres, PrivateRedis

REPO = Path(__file__).resolve().parents[2]
WORKER_THREADS = 2
# Seconds, not minutes: a killed worker's leases expire and lost deliveries are found again
# while the test waits. The lease must still outlast sending one chunk (SEND_CHUNK messages)
# on a busy machine, or a live worker's chunk is taken over and sent twice.
CLOCKS = {
    "DELIVERY_LEASE_SECONDS": "10",
    "FANOUT_STALE_SECONDS": "3",
    "LOST_PENDING_SECONDS": "3",
    "DELIVERY_BASE_BACKOFF_SECONDS": "1",
}


UNFINISHED = (DeliveryState.pending, DeliveryState.sending, DeliveryState.retry)
_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


class CountingHandler:
    """aiosmtpd handler that keeps no message, only counts: per recipient, per Message-ID
    (one per delivery, the same on a retry) and per envelope sender."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received: Counter[str] = Counter()
        self.message_ids: Counter[str] = Counter()
        self.senders: Counter[str] = Counter()

    @property
    def total(self) -> int:
        with self._lock:
            return self.received.total()

    async def handle_DATA(self, server, session, envelope):
        found = _MESSAGE_ID.search(envelope.content)
        with self._lock:
            self.received.update(envelope.rcpt_tos)
            self.message_ids[found.group(1).decode() if found else ""] += 1
            self.senders[envelope.mail_from] += 1
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

    def flask(
        self, *argv: str, env: dict[str, str] | None = None, **popen: object
    ) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{argv[0]}-{time.monotonic_ns()}.log").open("wb")
        with log:
            return subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", *argv],
                cwd=REPO,
                env=env or self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own group: SIGKILL reaches it and nothing else
                **popen,  # type: ignore[arg-type]
            )

    def start_worker(self, **env: str) -> subprocess.Popen[bytes]:
        """`flask worker` with this installation's environment, and `env` on top."""
        worker = self.flask("worker", "--workers", str(WORKER_THREADS), env={**self.env, **env})
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

    def settled(self, recipients: int) -> bool:
        """Every fan-out done, a delivery per recipient, none pending or in flight."""
        with self.app.app_context():
            fanning = db.session.scalar(
                select(func.count())
                .select_from(Notice)
                .where(Notice.fanout_state != FanOutState.done)
            )
            db.session.remove()
        return (
            fanning == 0
            and self.count() == recipients
            and self.count(Delivery.state.in_(UNFINISHED)) == 0
        )

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


_FIGURES: list[str] = []  # every scenario's line, repeated at the end of the run


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures at the end of the run, also when pytest captured the tests' output."""
    if _FIGURES:
        terminalreporter.section("fault suite figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@dataclass(frozen=True)
class Figures:
    recipients: int
    served: int
    duplicates: int
    bound: int
    recover_s: float
    total_s: float


def assert_recovered(
    herald: Herald,
    scenario: str,
    addresses: list[str],
    *,
    started: float,
    recovered_from: float,
    bound: int,
    detail: str = "",
) -> Figures:
    """The end of every scenario: print its figures, then check nothing was lost or stuck.

    `started`: when the update was published; `recovered_from`: when the fault ended (the
    server back, the worker restarted); `bound`: the most duplicates the fault may cause
    (what was in flight: sent, not yet recorded).
    """
    finished = time.monotonic()
    received = Counter(herald.smtp.handler.received)
    figures = Figures(
        recipients=len(addresses),
        served=len(set(received) & set(addresses)),
        duplicates=sum(n - 1 for n in received.values()),
        bound=bound,
        recover_s=finished - recovered_from,
        total_s=finished - started,
    )
    setup = "postgres+redis" if herald.env["QUEUE_URL"] else "sqlite+huey-sqlite"
    line = (
        f"FAULT {scenario} [{setup}] recipients={figures.recipients} served={figures.served}"
        f" duplicates={figures.duplicates} (bound {bound})"
        f" recover_s={figures.recover_s:.1f} total_s={figures.total_s:.1f}"
        + (f"; {detail}" if detail else "")
    )
    print(f"\n{line}")
    _FIGURES.append(line)
    assert set(received) == set(addresses)
    assert figures.duplicates <= bound
    assert herald.settled(len(addresses))
    assert herald.count(Delivery.state != DeliveryState.sent) == 0
    assert attempt_log_gaps(herald.app) == []
    return figures


def _wanted(kind: str) -> bool:
    """`make test` runs the suite once per database (TEST_DATABASE_URL set, maybe empty):
    each run takes the configuration on its database. Run by hand, both run."""
    suite = os.environ.get("TEST_DATABASE_URL")
    if suite is None:
        return True
    return (kind == "postgres") == suite.startswith("postgresql")


@dataclass(frozen=True)
class PrivateServers:
    postgres: PrivatePostgres
    redis: PrivateRedis

    def fresh(self) -> tuple[str, str]:
        """DATABASE_URL and QUEUE_URL: a new empty database, an empty Redis."""
        self.redis.flush()
        return self.postgres.fresh_database("herald_fault"), self.redis.url


@pytest.fixture(scope="session")
def private_servers() -> Iterator[PrivateServers]:
    """A PostgreSQL and a Redis for this session alone, never the shared ones: tests may
    restart them, and other test runs on the machine cannot disturb them."""
    postgres, queue = PrivatePostgres(), PrivateRedis()
    try:
        postgres.start()
        queue.start()
        yield PrivateServers(postgres, queue)
    finally:
        queue.stop()
        postgres.stop()


@pytest.fixture(params=["sqlite", "postgres"], ids=["sqlite-huey", "postgres-redis"])
def herald(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Herald]:
    """A Herald on SQLite + Huey-SQLite, or on the suite's PostgreSQL + Redis."""
    if not _wanted(request.param):
        pytest.skip(f"this suite run is on {os.environ.get('TEST_DATABASE_URL') or 'SQLite'}")
    instance = tmp_path / "instance"
    instance.mkdir()
    if request.param == "sqlite":
        urls = f"sqlite:///{instance / 'herald.db'}", ""
    else:
        urls = request.getfixturevalue("private_servers").fresh()
    with _installation(tmp_path, *urls) as herald:
        yield herald


@pytest.fixture
def private_herald(
    private_servers: PrivateServers, tmp_path: Path
) -> Iterator[tuple[Herald, PrivateServers]]:
    """A Herald on the suite's PostgreSQL + Redis, with the servers, for tests that restart
    them. These run in the PostgreSQL pass of `make test`, and when run by hand."""
    if not _wanted("postgres"):
        pytest.skip("this suite run is on SQLite; restarts run in the PostgreSQL pass")
    (tmp_path / "instance").mkdir()
    with _installation(tmp_path, *private_servers.fresh()) as herald:
        yield herald, private_servers


@contextlib.contextmanager
def _installation(tmp_path: Path, database_url: str, queue_url: str) -> Iterator[Herald]:
    instance, logs = tmp_path / "instance", tmp_path / "logs"
    logs.mkdir()
    smtp = CountingSmtp()
    smtp.start()
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
