"""Benchmark email fan-out: Herald's real workers against a raw smtplib loop as concurrent.

What is measured: N subscribers (100,000 by default, bulk-inserted) with a verified email
address each; one incident update is published (the outbox enqueues the fan-out on commit)
while Herald's worker processes (`flask worker`, the real consumer) are already running;
the clock runs from the commit until the SMTP sink has counted N messages. The baseline, in
the same run: bench/raw_smtp.py builds each message with the standard `email` package
(multipart text + HTML, the very text and HTML Herald rendered for this update, the same
headers) and sends it with smtplib to the same sink, with the SAME concurrency as Herald's
workers (--workers processes x --threads threads, one reused connection per thread). It
sends --raw-count messages in all (N by default), half before Herald and half after, so a
machine that slows down during the run weighs on both; a smaller --raw-count makes it a
sample (rates and CPU are per message, so the ratios stay fair) and spares a
million-recipient run (`--subscribers 1000000 --postgres --raw-count 100000`) as long again
on the baseline.

ratio = Herald's messages/s (publish to last message) over the raw loop's; cpu_ratio = the
raw loop's CPU per message over Herald's workers' CPU per message (user + system, all
threads: /proc for the workers, which fork nothing, getrusage of the children for the raw
senders); first_s = seconds from the publishing commit to the first message at the sink;
rss_mb = the highest peak RSS (VmHWM) of any process: Herald's workers, the raw senders, the
sink and this process (setup). Targets (CPU per message at most half the raw loop's, and
faster than it at the same concurrency): ratio >= 1.5, cpu_ratio >= 2.0, first_s < 1,
rss_mb < 300.

SQLite + Huey on SQLite by default; --postgres runs on PostgreSQL (database herald_bench,
created if missing, schema replaced) + Huey on Redis (DB 12, flushed before and after).
Everything else lives in a temporary directory; every process started here is stopped on
the way out. The last line is
`RESULT fanout_email ratio=<x> cpu_ratio=<y> first_s=<z> rss_mb=<w>`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.public_page import (  # noqa: E402
    CLOCK_TICKS,
    Processes,
    Started,
    free_port,
    log_tail,
)

BIN = Path(sys.executable).parent
BENCH = REPO / "bench"
SECRET_KEY = "bench-only-not-a-secret"  # noqa: S105 - a throwaway database in a temp dir
BASE_URL = "http://status.bench.test"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/herald_bench"
REDIS_URL = "redis://127.0.0.1:6379/12"
SEED_CHUNK = 10_000


def environment(instance: Path, args: argparse.Namespace, smtp_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "QUEUE_URL", "SMTP_URL", "FLASK_APP")
    }
    env.update(
        INSTANCE_PATH=str(instance),
        SECRET_KEY=SECRET_KEY,
        BASE_URL=BASE_URL,
        SMTP_URL=smtp_url,
        DATABASE_URL=PG_URL if args.postgres else f"sqlite:///{instance / 'herald.db'}",
        QUEUE_URL=REDIS_URL if args.postgres else "",
        PYTHONUNBUFFERED="1",
    )
    return env


def prepare_postgres(url: str = PG_URL) -> None:
    """Create the database of `url` on the shared server if missing, with an empty schema."""
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def flush_redis(url: str = REDIS_URL) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def seed(count: int, languages: Sequence[str]) -> None:
    """N subscribers to every component, one verified email address each, in bulk; their
    languages in turn (messages render once per language)."""
    from sqlalchemy import insert

    from statuspage.clock import utcnow
    from statuspage.extensions import db
    from statuspage.models import Channel, ContactPoint, Subscriber

    now = utcnow()
    for start in range(1, count + 1, SEED_CHUNK):
        ids = range(start, min(count + 1, start + SEED_CHUNK))
        db.session.execute(
            insert(Subscriber),
            [
                {"id": i, "name": "", "created_at": now, "language": languages[i % len(languages)]}
                for i in ids
            ],
        )
        db.session.execute(
            insert(ContactPoint),
            [
                {
                    "subscriber_id": i,
                    "channel": Channel.email,
                    "address": f"sub{i}@example.com",
                    "address_key": f"sub{i}@example.com",
                    "priority": 1,
                    "verified_at": now,
                    "created_at": now,
                }
                for i in ids
            ],
        )
    db.session.commit()


def peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (all its threads), from /proc."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclasses.dataclass(frozen=True)
class SinkStats:
    generation: int
    total: int
    unique: int
    first_at: float
    last_at: float
    size: int


class Sink:
    """bench/smtp_sink.py in a process of its own, read through its stats file."""

    def __init__(self, processes: Processes, tmp: Path) -> None:
        self.port = free_port()
        self.stats_file = tmp / "sink.stats"
        self.started = processes.start(
            "sink",
            [sys.executable, str(BENCH / "smtp_sink.py"), str(self.port), str(self.stats_file)],
            dict(os.environ),
            tmp / "sink.log",
        )
        deadline = time.monotonic() + 30
        while not self.stats_file.exists():
            if self.started.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the SMTP sink did not start:\n{log_tail(self.started.log)}")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def stats(self) -> SinkStats:
        generation, total, unique, first, last, size = self.stats_file.read_text().split()
        return SinkStats(
            int(generation), int(total), int(unique), float(first), float(last), int(size)
        )

    def reset(self) -> None:
        before = self.stats().generation
        os.kill(self.started.proc.pid, signal.SIGUSR1)
        while self.stats().generation == before:
            time.sleep(0.02)


@dataclasses.dataclass(frozen=True)
class RawRun:
    seconds: float
    cpu_s: float
    rss_mb: float
    size: int


def raw_run(sink: Sink, count: int, sample: Path, args: argparse.Namespace) -> RawRun:
    """The baseline loop sending `count` messages to the sink, with Herald's concurrency."""
    sink.reset()
    concurrency = ["--processes", str(args.workers), "--threads", str(args.threads)]
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "raw_smtp.py"),
            str(sink.port),
            str(count),
            str(sample),
            *concurrency,
        ],
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    fields = dict(pair.split("=") for pair in done.stdout.strip().splitlines()[-1].split())
    time.sleep(0.1)  # the sink's next stats line
    stats = sink.stats()
    if stats.total != count:
        raise RuntimeError(f"the sink counted {stats.total} of {count} raw messages")
    return RawRun(
        float(fields["seconds"]), float(fields["cpu_s"]), float(fields["rss_mb"]), stats.size
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (one a core)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Huey on Redis")
    parser.add_argument(
        "--languages",
        default="en,de",
        help="subscribers' languages, in turn (the update carries a translation for each)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for Herald")
    parser.add_argument(
        "--raw-count",
        type=int,
        help="messages the raw baseline sends in all, half before Herald and half after"
        " (default: --subscribers)",
    )
    args = parser.parse_args()
    args.languages = [code for code in args.languages.split(",") if code] or ["en"]
    if args.raw_count is None:
        args.raw_count = args.subscribers
    if args.raw_count < 2:
        parser.error("--raw-count must be at least 2: half runs before Herald, half after")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    processes = Processes()
    try:
        with tempfile.TemporaryDirectory(
            prefix="herald-fanout-", ignore_cleanup_errors=True
        ) as tmp:
            return run(args, Path(tmp), processes)
    finally:
        processes.stop_all()
        if args.postgres:
            with contextlib.suppress(Exception):
                flush_redis()


def start_workers(
    processes: Processes, args: argparse.Namespace, env: dict[str, str], tmp: Path
) -> list[Started]:
    workers = [
        processes.start(
            f"worker{index}",
            [str(BIN / "flask"), "--app", "wsgi", "worker", "--workers", str(args.threads)],
            env,
            tmp / f"worker{index}.log",
        )
        for index in range(args.workers)
    ]
    deadline = time.monotonic() + 30
    for worker in workers:
        while "Herald worker" not in worker.log.read_text(errors="replace"):
            if worker.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{worker.name} did not start:\n{log_tail(worker.log)}")
            time.sleep(0.1)
    time.sleep(1.0)  # the consumer's threads begin polling
    return workers


def run(args: argparse.Namespace, tmp: Path, processes: Processes) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from statuspage import create_app
    from statuspage.config import from_environment
    from statuspage.delivery.messages import render_message
    from statuspage.extensions import db
    from statuspage.incidents.commands import OpenIncident, PostUpdate
    from statuspage.incidents.publishing import create_incident, post_update
    from statuspage.models import Channel, Delivery, DeliveryState, Incident, Notice
    from statuspage.page.state import ensure_page

    n = args.subscribers
    instance = tmp / "instance"
    instance.mkdir()
    sink = Sink(processes, tmp)
    env = environment(instance, args, sink.url)
    if args.postgres:
        prepare_postgres()
        flush_redis()
    app = create_app(from_environment(env))
    started = time.monotonic()
    with app.app_context():
        upgrade()
        seed(n, args.languages)
        # The incident exists before the clock starts; the timed publish is its next update,
        # with the same body, so the sample below is the size of what Herald sends.
        incident = create_incident(
            OpenIncident("Database failover", _BODY, deliver_notifications=False)
        )
        db.session.commit()
        incident_id = incident.id
        first_update = incident.updates[0]
        probe_notice = Notice(id=0, incident_id=incident_id, update_id=first_update.id)
        probe = Delivery(
            id=0, notice_id=0, subscriber_id=1, contact_point_id=1, channel=Channel.email
        )
        message = render_message(probe, probe_notice, incident, first_update, ensure_page())
        headers = dict(message.headers)
        headers["Message-ID"] = "<raw-{i}@status.bench.test>"  # each raw mail its own id
        sample = tmp / "sample.json"
        sample.write_text(
            json.dumps(
                {
                    "from": app.config["MAIL_FROM"],
                    "subject": message.subject,
                    "text": message.text,
                    "html": message.html,
                    "headers": headers,
                }
            )
        )
        db.session.remove()
    print(
        f"seeded {n} subscribers in {time.monotonic() - started:.1f}s"
        f" ({'PostgreSQL + Redis' if args.postgres else 'SQLite + Huey-SQLite'},"
        f" {args.workers} worker process(es) x {args.threads} threads, the raw loop the same);"
        f" message text {len(message.text)} B, html {len(message.html)} B",
        flush=True,
    )
    workers = start_workers(processes, args, env, tmp)

    raw_n = args.raw_count
    first_half = raw_n // 2
    raw_a = raw_run(sink, first_half, sample, args)
    print(f"raw loop: {first_half} messages in {raw_a.seconds:.2f}s", flush=True)

    sink.reset()
    cpu_before = sum(cpu_seconds(w.proc.pid) for w in workers)
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        post_update(
            incident,
            PostUpdate(_BODY, status="investigating", translations=translations(args.languages)),
        )
        db.session.commit()  # the outbox enqueues the fan-out now
        published = time.monotonic()
        db.session.remove()
    deadline = published + args.timeout
    last_report = published
    while (stats := sink.stats()).total < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"Herald delivered {stats.total} of {n} in time")
        for worker in workers:
            if worker.proc.poll() is not None:
                raise RuntimeError(f"{worker.name} exited:\n{log_tail(worker.log)}")
        if time.monotonic() - last_report > 10:
            last_report = time.monotonic()
            print(f"  herald: {stats.total} delivered after {last_report - published:.0f}s")
        time.sleep(0.05)
    herald_cpu = sum(cpu_seconds(w.proc.pid) for w in workers) - cpu_before
    herald_s = stats.last_at - published
    first_s = stats.first_at - published
    worker_rss_each = [peak_rss_mb(w.proc.pid) for w in workers]
    worker_rss = max(worker_rss_each)
    print(
        f"herald: {n} messages in {herald_s:.2f}s ({n / herald_s:.0f}/s), first after"
        f" {first_s:.2f}s, duplicates {stats.total - stats.unique}, message {stats.size} B,"
        f" worker CPU {herald_cpu * 1e3 / n:.2f} ms/message",
        flush=True,
    )

    raw_b = raw_run(sink, raw_n - first_half, sample, args)
    print(
        f"raw loop: {raw_n - first_half} messages in {raw_b.seconds:.2f}s, message {raw_b.size} B"
    )

    with app.app_context():
        states = dict(
            db.session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
        )
        db.session.remove()
        db.engine.dispose()
    if states.get(DeliveryState.sent, 0) != n:
        raise RuntimeError(f"deliveries not all sent: {states}")

    raw_rate = raw_n / (raw_a.seconds + raw_b.seconds)
    herald_rate = n / herald_s
    ratio = herald_rate / raw_rate
    raw_cpu = (raw_a.cpu_s + raw_b.cpu_s) * 1e3 / raw_n
    herald_cpu_ms = herald_cpu * 1e3 / n
    cpu_ratio = raw_cpu / herald_cpu_ms
    sink_rss = peak_rss_mb(sink.started.proc.pid)
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    raw_rss = max(raw_a.rss_mb, raw_b.rss_mb)
    if raw_n < n:
        print(
            f"the raw loop was a sample: {raw_n} messages against Herald's {n};"
            " its rate and CPU are per message"
        )
    print(
        f"rates: herald {herald_rate:.0f}/s, raw {raw_rate:.0f}/s (ratio {ratio:.2f}),"
        f" both {args.workers} process(es) x {args.threads} threads;"
        f" CPU per message: herald workers {herald_cpu_ms:.2f} ms, raw {raw_cpu:.2f} ms"
        f" (cpu_ratio {cpu_ratio:.2f})\n"
        f"peak RSS: workers {', '.join(f'{peak:.0f}' for peak in worker_rss_each)} MB,"
        f" raw {raw_rss:.0f} MB (largest sender), sink {sink_rss:.0f} MB,"
        f" this process {own_rss:.0f} MB"
    )
    rss = max(worker_rss, raw_rss, sink_rss, own_rss)
    print(
        f"RESULT fanout_email ratio={ratio:.2f} cpu_ratio={cpu_ratio:.2f}"
        f" first_s={first_s:.2f} rss_mb={rss:.0f}"
    )
    return 0


_BODY = (
    "The primary database failed over to its replica at 14:02 UTC. Writes were refused for"
    " about 90 seconds; reads kept working. We are **watching** replication lag and will post"
    " again when it is back to normal.\n\n- API: errors on writes\n- Dashboard: slow saves"
)
_TRANSLATED = {
    "de": (
        "Datenbank-Failover",
        "Die primäre Datenbank ist um 14:02 UTC auf ihr Replikat umgeschaltet. Schreibzugriffe"
        " wurden etwa 90 Sekunden lang abgelehnt; Lesezugriffe funktionierten weiter. Wir"
        " **beobachten** die Replikationsverzögerung und melden uns wieder, sobald sie normal ist.",
    ),
    "fr": (
        "Bascule de la base de données",
        "La base de données principale a basculé sur sa réplique à 14:02 UTC. Les écritures ont"
        " été refusées pendant environ 90 secondes ; les lectures ont continué. Nous"
        " **surveillons** le retard de réplication et reviendrons vers vous dès qu'il sera normal.",
    ),
    "ja": (
        "データベースのフェイルオーバー",
        "プライマリデータベースは 14:02 UTC にレプリカへフェイルオーバーしました。約 90 秒間、"
        "書き込みが拒否されましたが、読み取りは継続しました。レプリケーションの遅延を**監視**しており、"
        "正常に戻り次第お知らせします。",
    ),
}


def translations(languages: Sequence[str]) -> list[tuple[str, str, str]]:
    """The update's translations into the subscribers' languages other than English."""
    return [(code, *_TRANSLATED[code]) for code in languages if code in _TRANSLATED]


if __name__ == "__main__":
    sys.exit(main())
