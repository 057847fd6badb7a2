"""Benchmark scale-out: fan-out with one and with two worker processes, the page under load.

What is measured, on PostgreSQL (database herald_scale on the shared server, schema
replaced) + Huey on Redis (DB 13, flushed before and after):

1. N subscribers (100,000 by default, bulk-inserted) with a verified web push subscription
   each, on the local push sink of bench/fanout_push.py (a process of its own that accepts
   and counts). Push, not email: every push is encrypted and signed for its subscriber, so
   the workers do the expensive part and the sink stays cheap, and the workers are what is
   measured.
2. Phase "1 worker": one `flask worker` process (the real consumer, --threads threads); an
   incident update is published and the clock runs from the commit until the sink has counted
   N pushes. Phase "2 workers": the same with two worker processes, and a new update (so N
   new deliveries). workers2_over_1 = the second rate over the first (target >= 1.3; this
   machine has 2 cores, shared with PostgreSQL, Redis, the sink, gunicorn and wrk).
3. In both phases Herald's public page `/` is served by gunicorn (gunicorn.conf.py) and read
   by wrk in back-to-back slices for as long as the fan-out runs; each connection pauses
   --pause-ms between requests (bench/wrk_paced.lua), a steady crowd of visitors rather
   than a closed loop that would take every cycle the workers need. page_p99_ms = the median
   of the slices' p99 during the two-worker phase (target < 50 ms); the one-worker phase's is
   printed too. Any socket error or non-2xx answer fails the run.

The same page load in both phases keeps the ratio fair. The figures are absolute and the
machine is shared: run it on a quiet machine to trust them. Every process started here is
stopped on the way out. The last line is `RESULT scale workers2_over_1=<x> page_p99_ms=<y>`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.fanout_email import (  # noqa: E402
    cpu_seconds,
    flush_redis,
    peak_rss_mb,
    prepare_postgres,
    start_workers,
)
from bench.fanout_push import Sink, seed, subscriber_keys  # noqa: E402
from bench.public_page import (  # noqa: E402
    BENCH,
    Processes,
    Run,
    Started,
    fetch,
    gunicorn,
    log_tail,
    wrk,
)

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/herald_scale"
REDIS_URL = "redis://127.0.0.1:6379/13"
SECRET_KEY = "bench-only-not-a-secret"  # noqa: S105 - a throwaway database
BASE_URL = "http://status.bench.test"


def environment(instance: Path, args: argparse.Namespace) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "QUEUE_URL", "SMTP_URL", "FLASK_APP", "ACCESS_LOG")
    }
    env.update(
        INSTANCE_PATH=str(instance),
        SECRET_KEY=SECRET_KEY,
        BASE_URL=BASE_URL,
        DATABASE_URL=PG_URL,
        QUEUE_URL=REDIS_URL,
        WEB_CONCURRENCY=str(args.web_workers),
        WEB_THREADS=str(args.web_threads),
        PYTHONUNBUFFERED="1",
    )
    return env


class PageLoad:
    """wrk against the page in back-to-back slices, in a thread, until stopped."""

    def __init__(self, url: str, args: argparse.Namespace) -> None:
        self.url, self.args = url, args
        self.runs: list[Run] = []
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                run = wrk(
                    self.url,
                    self.args.slice,
                    self.args.connections,
                    1,
                    script=BENCH / "wrk_paced.lua",
                    script_args=[str(self.args.pause_ms)],
                )
                if run.errors:
                    raise RuntimeError(f"the page answered {run.errors} errors under load")
                self.runs.append(run)
        except BaseException as exc:  # reported by stop(), in the main thread
            self.error = exc

    def __enter__(self) -> PageLoad:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(self.args.slice + 90)

    def check(self) -> None:
        if self.error is not None:
            raise RuntimeError(f"wrk failed: {self.error}") from self.error


@dataclasses.dataclass(frozen=True)
class Phase:
    workers: int
    seconds: float
    rate: float
    first_s: float
    duplicates: int
    cpu_ms: float  # worker CPU per push
    page: list[Run]

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.page) if self.page else float("nan")


def phase(
    workers: int,
    args: argparse.Namespace,
    processes: Processes,
    env: dict[str, str],
    tmp: Path,
    sink: Sink,
    page_url: str,
    publish: Callable[[], float],
) -> Phase:
    """Start `workers` worker processes, publish one update, wait for N pushes at the sink."""
    n = args.subscribers
    started = start_workers(
        processes, argparse.Namespace(workers=workers, threads=args.threads), env, tmp
    )
    sink.reset()
    cpu_before = sum(cpu_seconds(w.proc.pid) for w in started)
    with PageLoad(page_url, args) as load:
        published = publish()
        deadline = published + args.timeout
        last_report = published
        while (stats := sink.stats()).total < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{stats.total} of {n} pushes in {args.timeout:.0f}s")
            for worker in started:
                if worker.proc.poll() is not None:
                    raise RuntimeError(f"{worker.name} exited:\n{log_tail(worker.log)}")
            load.check()
            if time.monotonic() - last_report > 10:
                last_report = time.monotonic()
                print(f"  {stats.total} pushes after {last_report - published:.0f}s", flush=True)
            time.sleep(0.05)
    load.check()
    if stats.bad:
        raise RuntimeError(f"{stats.bad} requests did not look like web push")
    cpu = sum(cpu_seconds(w.proc.pid) for w in started) - cpu_before
    for worker in started:
        processes.stop(worker)
    seconds = stats.last_at - published
    result = Phase(
        workers=workers,
        seconds=seconds,
        rate=n / seconds,
        first_s=stats.first_at - published,
        duplicates=stats.total - stats.unique,
        cpu_ms=cpu * 1e3 / n,
        page=list(load.runs),
    )
    print(
        f"{workers} worker(s) x {args.threads} threads: {n} pushes in {seconds:.1f}s"
        f" ({result.rate:.0f}/s), first after {result.first_s:.2f}s, duplicates"
        f" {result.duplicates}, worker CPU {result.cpu_ms:.2f} ms/push; page under load:"
        f" {len(result.page)} wrk slices,"
        f" {statistics.median(r.rps for r in result.page) if result.page else 0:.0f} req/s,"
        f" p99 median {result.p99_ms:.1f} ms"
        f" (slices {', '.join(f'{r.p99_ms:.0f}' for r in result.page)} ms)",
        flush=True,
    )
    return result


def run(args: argparse.Namespace, tmp: Path, processes: Processes) -> int:
    from flask_migrate import upgrade

    from statuspage import create_app
    from statuspage.components.catalog import create_component
    from statuspage.config import from_environment
    from statuspage.extensions import db
    from statuspage.incidents.commands import OpenIncident, PostUpdate
    from statuspage.incidents.publishing import create_incident, post_update
    from statuspage.models import Component, Incident

    n = args.subscribers
    instance, logs = tmp / "instance", tmp / "logs"
    instance.mkdir()
    logs.mkdir()
    sink = Sink(processes, tmp)
    env = environment(instance, args)
    prepare_postgres(PG_URL)
    flush_redis(REDIS_URL)
    app = create_app(from_environment(env))  # generates the VAPID key the workers will read
    begun = time.monotonic()
    with app.app_context():
        upgrade()
        seed(n, sink.origin, subscriber_keys(args.keys))
        api = create_component("API")
        incident = create_incident(
            OpenIncident(
                "Database failover",
                "The primary failed over; writes were refused for a minute.",
                components={api: "major_outage"},
                deliver_notifications=False,
            )
        )
        db.session.commit()
        incident_id, api_id = incident.id, api.id
        db.session.remove()
    print(
        f"seeded {n} push subscribers in {time.monotonic() - begun:.1f}s (PostgreSQL + Redis);"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    web: Started
    web, page_url = gunicorn(processes, "herald-web", "wsgi:app", env, logs, [])
    body, _ = fetch(page_url)
    print(
        f"page / is {len(body)} bytes; gunicorn WEB_CONCURRENCY={args.web_workers}"
        f" WEB_THREADS={args.web_threads}; wrk -c{args.connections}, {args.pause_ms} ms pause"
        f" per connection, {args.slice:g}s slices",
        flush=True,
    )
    updates = iter(range(1, 100))

    def publish() -> float:
        with app.app_context():
            post_update(
                db.session.get(Incident, incident_id),
                PostUpdate(
                    f"Replication lag is down; update {next(updates)}.",
                    status="identified",
                    components={db.session.get(Component, api_id): "major_outage"},
                ),
            )
            db.session.commit()  # the outbox enqueues the fan-out now
            db.session.remove()
        return time.monotonic()

    one = phase(1, args, processes, env, tmp, sink, page_url, publish)
    two = phase(2, args, processes, env, tmp, sink, page_url, publish)
    with app.app_context():
        db.engine.dispose()
    ratio = two.rate / one.rate
    print(
        f"rates: 1 worker {one.rate:.0f}/s, 2 workers {two.rate:.0f}/s (x{ratio:.2f});"
        f" page p99 {one.p99_ms:.1f} ms beside 1 worker, {two.p99_ms:.1f} ms beside 2;"
        f" peak RSS sink {peak_rss_mb(sink.started.proc.pid):.0f} MB,"
        f" web {peak_rss_mb(web.proc.pid):.0f} MB (master); load average now"
        f" {os.getloadavg()[0]:.1f}"
    )
    print(f"RESULT scale workers2_over_1={ratio:.2f} page_p99_ms={two.p99_ms:.1f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=300, help="distinct subscriber key pairs")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker process")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn WEB_CONCURRENCY")
    parser.add_argument("--web-threads", type=int, default=4, help="gunicorn WEB_THREADS")
    parser.add_argument("--connections", type=int, default=20, help="wrk connections")
    parser.add_argument(
        "--pause-ms", type=int, default=50, help="each wrk connection's pause between requests"
    )
    parser.add_argument("--slice", type=float, default=5, help="seconds per wrk run")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per fan-out")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    processes = Processes()
    try:
        with tempfile.TemporaryDirectory(prefix="herald-scale-", ignore_cleanup_errors=True) as tmp:
            try:
                return run(args, Path(tmp), processes)
            finally:
                processes.stop_all()  # before the directory goes: the sink writes into it
    finally:
        with contextlib.suppress(Exception):
            flush_redis(REDIS_URL)


if __name__ == "__main__":
    sys.exit(main())
