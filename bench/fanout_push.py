"""Benchmark web push fan-out: Herald's real workers against a raw pywebpush loop, same sink.

What is measured: N subscribers (20,000 by default, bulk-inserted) with a verified push
subscription each (unique endpoints on a local push service; a few hundred distinct subscriber
key pairs, made like a browser's, shared between them); one incident update is published
(the outbox enqueues the fan-out on commit) while Herald's worker processes (`flask worker`,
the real consumer) are already running; the clock runs from the commit until the push sink
has counted N pushes. Every push is encrypted for its subscriber (aes128gcm) and carries its
a valid VAPID JWT (Herald signs one per push service and reuses it until near expiry; the
baseline signs one per push). The baseline, in the same run: bench/raw_push.py sends the same
payload with the same headers and VAPID key through pywebpush's `webpush()` in a plain loop,
one call per push, with the SAME concurrency as Herald's workers (--workers processes x
--threads threads); --raw-session gives its threads a reused `requests` session each. It runs
half before Herald and half after, so a machine that slows down during the run weighs on both.

The sink (bench/push_sink.py, aiohttp, a process of its own) answers 201 without decrypting
and counts requests that do not look like web push as `bad`.

ratio = Herald's messages/s (publish to last push) over the raw loop's; cpu_ratio = the raw
loop's CPU per push over Herald's workers' CPU per push (user + system of the processes, all
threads and children: /proc for the workers, getrusage for the raw senders); first_s = seconds
from the publishing commit to the first push at the sink. Targets: ratio >= 1.2, cpu_ratio >=
1.2.

SQLite + Huey on SQLite by default; --postgres runs on PostgreSQL (database herald_bench) +
Huey on Redis, as bench/fanout_email.py does. Everything else lives in a temporary directory;
every process started here is stopped on the way out. The last line is
`RESULT fanout_push ratio=<x> cpu_ratio=<y> first_s=<z>`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.fanout_email import (  # noqa: E402
    CLOCK_TICKS,
    environment,
    flush_redis,
    peak_rss_mb,
    prepare_postgres,
    start_workers,
    translations,
)
from bench.public_page import Processes, free_port, log_tail  # noqa: E402

BENCH = REPO / "bench"
SEED_CHUNK = 10_000


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscriber_keys(count: int) -> list[tuple[str, str]]:
    """(p256dh, auth) pairs made as a browser makes them: a P-256 key pair, 16 random bytes."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pairs = []
    for _ in range(count):
        point = (
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        )
        pairs.append((b64url(point), b64url(secrets.token_bytes(16))))
    return pairs


def seed(count: int, origin: str, keys: list[tuple[str, str]], languages: Sequence[str]) -> None:
    """N subscribers to every component, one verified push subscription each, in bulk; their
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
        rows = []
        for i in ids:
            endpoint = f"{origin}/push/{i}"
            p256dh, auth = keys[i % len(keys)]
            subscription = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
            rows.append(
                {
                    "subscriber_id": i,
                    "channel": Channel.webpush,
                    "address": json.dumps(subscription, separators=(",", ":")),
                    "address_key": hashlib.sha256(endpoint.encode()).hexdigest(),
                    "priority": 1,
                    "verified_at": now,
                    "created_at": now,
                }
            )
        db.session.execute(insert(ContactPoint), rows)
    db.session.commit()


@dataclasses.dataclass(frozen=True)
class SinkStats:
    generation: int
    total: int
    unique: int
    bad: int
    first_at: float
    last_at: float
    size: int


class Sink:
    """bench/push_sink.py in a process of its own, read through its stats file."""

    def __init__(self, processes: Processes, tmp: Path) -> None:
        self.port = free_port()
        self.stats_file = tmp / "sink.stats"
        self.started = processes.start(
            "sink",
            [sys.executable, str(BENCH / "push_sink.py"), str(self.port), str(self.stats_file)],
            dict(os.environ),
            tmp / "sink.log",
        )
        deadline = time.monotonic() + 30
        while not self.stats_file.exists():
            if self.started.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the push sink did not start:\n{log_tail(self.started.log)}")
            time.sleep(0.05)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stats(self) -> SinkStats:
        generation, total, unique, bad, first, last, size = self.stats_file.read_text().split()
        return SinkStats(
            int(generation), int(total), int(unique), int(bad), float(first), float(last), int(size)
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


def cpu_with_children(pid: int) -> float:
    """User + system CPU of a process (all its threads) and of its waited-for children."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def raw_run(sink: Sink, count: int, sample: Path, args: argparse.Namespace) -> RawRun:
    """The baseline loop sending `count` pushes to the sink, with Herald's concurrency."""
    sink.reset()
    concurrency = ["--processes", str(args.workers), "--threads", str(args.threads)]
    if args.raw_session:
        concurrency.append("--session")
    done = subprocess.run(
        [sys.executable, str(BENCH / "raw_push.py"), str(sample), str(count), *concurrency],
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    fields = dict(pair.split("=") for pair in done.stdout.strip().splitlines()[-1].split())
    time.sleep(0.1)  # the sink's next stats line
    stats = sink.stats()
    if stats.total != count or stats.bad:
        raise RuntimeError(f"the sink counted {stats.total} of {count} raw pushes, {stats.bad} bad")
    return RawRun(float(fields["seconds"]), float(fields["cpu_s"]), float(fields["rss_mb"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("subscribers", type=int, nargs="?", default=20_000)
    parser.add_argument("--keys", type=int, default=300, help="distinct subscriber key pairs")
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
        "--raw-session",
        action="store_true",
        help="the baseline's threads reuse a requests session each (keep-alive)",
    )
    args = parser.parse_args()
    args.languages = [code for code in args.languages.split(",") if code] or ["en"]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    processes = Processes()
    try:
        with tempfile.TemporaryDirectory(prefix="herald-push-", ignore_cleanup_errors=True) as tmp:
            return run(args, Path(tmp), processes)
    finally:
        processes.stop_all()
        if args.postgres:
            with contextlib.suppress(Exception):
                flush_redis()


def run(args: argparse.Namespace, tmp: Path, processes: Processes) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from statuspage import create_app
    from statuspage.channels.webpush import URGENCY, payload_for, topic_for
    from statuspage.components.catalog import create_component
    from statuspage.config import from_environment
    from statuspage.delivery.messages import render_message
    from statuspage.extensions import db
    from statuspage.incidents.commands import OpenIncident, PostUpdate
    from statuspage.incidents.publishing import create_incident, post_update
    from statuspage.models import Component, Delivery, DeliveryState, Incident, Notice
    from statuspage.page.state import ensure_page
    from statuspage.vapid import KEY_FILE

    n = args.subscribers
    instance = tmp / "instance"
    instance.mkdir()
    sink = Sink(processes, tmp)
    env = environment(instance, args, smtp_url="")
    if args.postgres:
        prepare_postgres()
        flush_redis()
    app = create_app(from_environment(env))  # generates the VAPID key the workers will read
    started = time.monotonic()
    keys = subscriber_keys(args.keys)
    with app.app_context():
        upgrade()
        seed(n, sink.origin, keys, args.languages)
        api = create_component("API")
        # The incident exists before the clock starts; the timed publish is its next update,
        # so the sample below is exactly what Herald sends.
        incident = create_incident(
            OpenIncident(
                "Database failover",
                _BODY,
                components={api: "major_outage"},
                deliver_notifications=False,
            )
        )
        db.session.commit()
        incident_id, api_id = incident.id, api.id
        first_update = incident.updates[0]
        probe_notice = Notice(id=0, incident_id=incident_id, update_id=first_update.id)
        probe = Delivery(id=0, notice_id=0, subscriber_id=1)
        message = render_message(probe, probe_notice, incident, first_update, ensure_page())
        payload = payload_for(message)
        sample = tmp / "sample.json"
        sample.write_text(
            json.dumps(
                {
                    "origin": sink.origin,
                    "keys": keys,
                    "payload": payload.decode(),
                    "headers": {
                        "Urgency": URGENCY[message.impact],
                        "Topic": topic_for(message.incident_id),
                    },
                    "ttl": app.config["PUSH_TTL_SECONDS"],
                    "timeout": app.config["HTTP_TIMEOUT_SECONDS"],
                    "subject": app.config["VAPID_SUBJECT"],
                    "vapid_key_file": str(instance / KEY_FILE),
                }
            )
        )
        db.session.remove()
    print(
        f"seeded {n} push subscribers ({args.keys} distinct key pairs) in"
        f" {time.monotonic() - started:.1f}s"
        f" ({'PostgreSQL + Redis' if args.postgres else 'SQLite + Huey-SQLite'},"
        f" {args.workers} worker process(es) x {args.threads} threads, the raw loop the same"
        f"{', a session per thread' if args.raw_session else ''}); payload {len(payload)} B",
        flush=True,
    )
    workers = start_workers(processes, args, env, tmp)

    first_half = n // 2
    raw_a = raw_run(sink, first_half, sample, args)
    print(f"raw loop: {first_half} pushes in {raw_a.seconds:.2f}s", flush=True)

    sink.reset()
    cpu_before = sum(cpu_with_children(w.proc.pid) for w in workers)
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        api = db.session.get(Component, api_id)
        post_update(
            incident,
            PostUpdate(
                _BODY,
                status="identified",
                components={api: "major_outage"},
                translations=translations(args.languages),
            ),
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
    herald_cpu = sum(cpu_with_children(w.proc.pid) for w in workers) - cpu_before
    herald_s = stats.last_at - published
    first_s = stats.first_at - published
    worker_rss = max(peak_rss_mb(w.proc.pid) for w in workers)
    print(
        f"herald: {n} pushes in {herald_s:.2f}s ({n / herald_s:.0f}/s), first after"
        f" {first_s:.2f}s, duplicates {stats.total - stats.unique}, not web push {stats.bad},"
        f" body {stats.size} B, worker CPU {herald_cpu * 1e3 / n:.2f} ms/push",
        flush=True,
    )
    if stats.bad:
        raise RuntimeError(f"{stats.bad} of Herald's requests did not look like web push")

    raw_b = raw_run(sink, n - first_half, sample, args)
    print(f"raw loop: {n - first_half} pushes in {raw_b.seconds:.2f}s")

    with app.app_context():
        states = dict(
            db.session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
        )
        db.session.remove()
        db.engine.dispose()
    if states.get(DeliveryState.sent, 0) != n:
        raise RuntimeError(f"deliveries not all sent: {states}")

    raw_rate = n / (raw_a.seconds + raw_b.seconds)
    herald_rate = n / herald_s
    ratio = herald_rate / raw_rate
    raw_cpu = (raw_a.cpu_s + raw_b.cpu_s) * 1e3 / n
    cpu_ratio = raw_cpu / (herald_cpu * 1e3 / n)
    sink_rss = peak_rss_mb(sink.started.proc.pid)
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"rates: herald {herald_rate:.0f}/s, raw {raw_rate:.0f}/s (ratio {ratio:.2f});"
        f" CPU per push: herald workers {herald_cpu * 1e3 / n:.2f} ms, raw {raw_cpu:.2f} ms\n"
        f"peak RSS: workers {worker_rss:.0f} MB, raw {max(raw_a.rss_mb, raw_b.rss_mb):.0f} MB,"
        f" sink {sink_rss:.0f} MB, this process {own_rss:.0f} MB"
    )
    print(f"RESULT fanout_push ratio={ratio:.2f} cpu_ratio={cpu_ratio:.2f} first_s={first_s:.2f}")
    return 0


_BODY = (
    "The primary database failed over to its replica at 14:02 UTC. Writes were refused for"
    " about 90 seconds; reads kept working. We are **watching** replication lag and will post"
    " again when it is back to normal."
)


if __name__ == "__main__":
    sys.exit(main())
