"""Benchmark metrics out: ingest at a steady rate, storage that stays bounded, and the public
page with ten charts against the same page without them.

What is measured, in one process on a throwaway database (SQLite in a temporary directory,
or PostgreSQL with --database-url), on a simulated clock:

1. `ingest`: `--rate` data points per second in all (default 100) spread over `--metrics`
   metrics (default 10) for `--minutes` of simulated time (default 60), each metric's
   points handed to `system_metrics.store.record_points` in batches of `--batch` simulated
   seconds (one call and one commit per metric and batch, as one API request each would),
   `store.prune` called once per simulated minute as the worker's sweep would. Baseline,
   measured in the same run on the same points: the cheapest store there is, one plain
   INSERT of each raw row (executemany, no buckets, no upsert) into a table of its own.
   ratio = Herald's points per second over the baseline's.
2. `storage`: the rows stored after the hour, against the bound `store.RETENTION` implies
   (raw rows are per second, so at most one per metric and second for a day; 5-minute
   buckets for a week; hourly ones for 31 days), then the rows left as the clock passes
   each retention and the sweep's prune removes what aged out: it ends at zero.
3. `page`: the public status page (`/`) with those 10 metrics displayed, first as the hour
   left them, then with their windows full (a month of history, one point per 5 minutes,
   so every chart draws its most points: 288, 168 and 720), against the same page and
   database with the metrics not displayed. `render_ratio` is the median, over alternating
   blocks, of the time a snapshot render takes with the charts over without them (what the
   worker pays once per page version, at most once a minute for the charts). `serve_ratio`
   is requests per second of `/` served from its snapshot with the charts over without:
   the public-page target (bench/public_page.py, docs/DEVELOPMENT.md) is that a public read
   costs a snapshot lookup, ratio >= 0.9 against a server doing nothing else; here the
   question is whether ten charts change that, so both sides are Herald's snapshot.
4. `http`: that page (windows full, charts shown) under gunicorn read by wrk against
   bench/minimal_app.py serving the same bytes, as bench/public_page.py measures the public
   page (its target: ratio >= 0.9, p99 < 25 ms); skipped without wrk (`make bench` installs
   it) or with `--wrk-seconds 0`.

Medians of alternating blocks, never bests, since this is a shared, noisy machine. The last
lines are `RESULT metrics_ingest ...`, `RESULT metrics_storage ...` and
`RESULT metrics_charts ...`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
sys.path.insert(0, str(REPO))

from flask import Flask, current_app, g  # noqa: E402 - after the repo is importable
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, func, select  # noqa: E402

from statuspage import create_app  # noqa: E402
from statuspage.config import from_environment  # noqa: E402
from statuspage.extensions import db  # noqa: E402
from statuspage.infra.demo import load_demo_data  # noqa: E402
from statuspage.models import Metric, MetricPoint, MetricsProvider  # noqa: E402
from statuspage.models.system_metrics import FIVE_MINUTES, HOURLY, RAW  # noqa: E402
from statuspage.page.state import bump_version, ensure_page  # noqa: E402
from statuspage.public import pages  # noqa: E402
from statuspage.system_metrics.store import RETENTION, prune, record_points  # noqa: E402

SECRET_KEY = "bench-only-not-a-secret"  # noqa: S105 - a throwaway database
BASELINE = Table(
    "bench_raw_point",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("metric_id", String(12)),
    Column("bucket", Integer),
    Column("value", Float),
)


def make_app(url: str, instance: Path) -> Flask:
    config = from_environment(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            "INSTANCE_PATH": str(instance),
            "BASE_URL": "http://status.bench.test",
            "PAGE_NAME": "Bench Status",
            # Each block of requests sees the version it was switched to at once; the
            # version check is one small query, on both sides alike.
            "SNAPSHOT_VERSION_TTL": "0",
            "SNAPSHOT_RENDER_GRACE": "0",
        }
    )
    return create_app(config)


def value_at(metric_index: int, second: int, k: int) -> float:
    """A latency-like wave per metric: repeatable, no randomness to explain."""
    return 100.0 + 10 * metric_index + (second % 600) / 10 + k


def batches(
    metrics: Sequence[str], start: int, seconds: int, rate: int, batch: int
) -> list[tuple[int, dict[str, list[tuple[int, float]]]]]:
    """(simulated second at the batch's end, points per metric id) for the whole run."""
    per_metric = max(1, rate // len(metrics))  # points per metric and second
    out = []
    for first in range(0, seconds, batch):
        points = {
            metric_id: [
                (start + s, value_at(i, s, k))
                for s in range(first, min(first + batch, seconds))
                for k in range(per_metric)
            ]
            for i, metric_id in enumerate(metrics)
        }
        out.append((start + min(first + batch, seconds), points))
    return out


def ingest(metrics: list[Metric], plan, prune_every: int = 60) -> tuple[float, float]:
    """Seconds of wall clock to store the plan through Herald's store (pruning each simulated
    minute, as the sweep would) and as plain rows, batch by batch in alternating order, so
    the machine's weather falls on both alike."""
    by_id = {m.id: m for m in metrics}
    BASELINE.create(db.engine, checkfirst=True)
    last_prune = plan[0][0]
    herald = baseline = 0.0
    for index, (now, points) in enumerate(plan):
        for side in ("herald", "plain") if index % 2 == 0 else ("plain", "herald"):
            started = time.perf_counter()
            if side == "herald":
                for metric_id, batch in points.items():
                    metric = by_id[metric_id]
                    record_points(metric, batch)
                    metric.most_recent_data_at = datetime.fromtimestamp(batch[-1][0], UTC)
                    db.session.commit()  # one API request per metric and batch
                if now - last_prune >= prune_every:
                    prune(datetime.fromtimestamp(now, UTC))
                    db.session.commit()
                    last_prune = now
                herald += time.perf_counter() - started
            else:
                for metric_id, batch in points.items():
                    db.session.execute(
                        BASELINE.insert(),
                        [{"metric_id": metric_id, "bucket": ts, "value": v} for ts, v in batch],
                    )
                    db.session.commit()
                baseline += time.perf_counter() - started
    BASELINE.drop(db.engine)
    return herald, baseline


def row_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(MetricPoint.resolution, func.count()).group_by(MetricPoint.resolution)
    )
    counts = dict.fromkeys((RAW, FIVE_MINUTES, HOURLY), 0)
    counts.update({resolution: count for resolution, count in rows})
    return counts


def retention_bound(metrics: int) -> int:
    """Rows the store can hold at most, whatever the rate: raw rows are keyed by the second,
    so one per metric and second; a bucket per metric and bucket width; each kept for its
    resolution's retention (+1: the bucket the clock is in)."""
    per_metric = sum(
        int(keep.total_seconds()) // (resolution or 1) + 1 for resolution, keep in RETENTION.items()
    )
    return metrics * per_metric


def render_once() -> float:
    """One snapshot render of `/`, as the worker renders it, in seconds."""
    with current_app.test_request_context("/"):
        g.public_snapshot = True
        started = time.perf_counter()
        pages.index.__wrapped__()
        return time.perf_counter() - started


def set_display(shown: bool) -> None:
    db.session.execute(Metric.__table__.update().values(display=shown))
    bump_version()
    db.session.commit()


def alternate(
    measure: Callable[[], float], blocks: int, per_block: int
) -> tuple[float, float, float]:
    """(median ratio with/without, median with, median without) over alternating blocks."""
    ratios, with_, without = [], [], []
    for index in range(blocks):
        order = (True, False) if index % 2 == 0 else (False, True)
        figures = {}
        for shown in order:
            set_display(shown)
            measure()  # the first after a switch renders the snapshot: not what is timed
            figures[shown] = statistics.median(measure() for _ in range(per_block))
        ratios.append(figures[True] / figures[False])
        with_.append(figures[True])
        without.append(figures[False])
    return statistics.median(ratios), statistics.median(with_), statistics.median(without)


def serve_once(client) -> Callable[[], float]:
    def measure() -> float:
        started = time.perf_counter()
        response = client.get("/")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        return elapsed

    return measure


def backfill_month(metrics: list[Metric], end: int) -> None:
    """A month of history, a point per 5 minutes: every window full."""
    start = end - 30 * 86400
    for i, metric in enumerate(metrics):
        record_points(metric, [(ts, value_at(i, ts, 0)) for ts in range(start, end, 300)])
    db.session.commit()


def measure_page(app: Flask, metrics: list[Metric], args: argparse.Namespace, label: str):
    client = app.test_client()
    set_display(True)
    body = client.get("/").data
    set_display(False)
    plain = client.get("/").data
    charts = body.count(b'<svg class="chart"')
    print(f"  {label}: / is {len(body)} bytes with {charts} charts, {len(plain)} without")
    render = alternate(render_once, args.blocks, args.renders)
    serve_time = alternate(serve_once(client), args.blocks, args.requests)
    print(
        f"  render: {render[1] * 1000:.1f} ms with the charts, {render[2] * 1000:.1f} ms "
        f"without: ratio {render[0]:.2f}"
    )
    # Requests per second is the inverse of the time per request.
    serve_ratio = 1 / serve_time[0]
    print(
        f"  served from the snapshot: {serve_time[1] * 1e6:.0f} us with the charts, "
        f"{serve_time[2] * 1e6:.0f} us without: requests/s ratio {serve_ratio:.2f}"
    )
    return render[0], serve_ratio


def measure_served_over_http(url: str, work: Path, args: argparse.Namespace):
    """The page with the charts under gunicorn, read by wrk, against bench/minimal_app.py
    serving the very same bytes: bench/public_page.py's comparison and its target (ratio
    >= 0.9, p99 < 25 ms), on this database. None when wrk is missing or --wrk-seconds 0."""
    if args.wrk_seconds <= 0 or not shutil.which("wrk"):
        print("  (over HTTP: skipped: wrk missing or --wrk-seconds 0)")
        return None
    import public_page as pp  # bench/public_page.py: its servers, wrk and comparison

    wrk_args = pp.parse_args(["--duration", str(args.wrk_seconds), "--languages", ""])
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    env = {**pp.base_env(work, wrk_args), "DATABASE_URL": url}
    procs = pp.Processes()
    try:
        herald, herald_url = pp.gunicorn(procs, "herald", "wsgi:app", env, logs, [])
        body, content_type = pp.fetch(herald_url)
        charts = body.count(b'<svg class="chart"')
        body_file = work / "index.body"
        body_file.write_bytes(body)
        minimal_env = {**env, "BENCH_BODY_FILE": str(body_file), "BENCH_CONTENT_TYPE": content_type}
        minimal, minimal_url = pp.gunicorn(
            procs, "minimal", "minimal_app:app", minimal_env, logs, ["--pythonpath", str(BENCH)]
        )
        pp.warm_up([herald_url, minimal_url], wrk_args)
        result = pp.compare(
            f"/ with {charts} charts ({len(body)} bytes) over HTTP",
            pp.Target("herald", herald_url, (herald.proc.pid,)),
            pp.Target("minimal", minimal_url, (minimal.proc.pid,)),
            wrk_args,
        )
    finally:
        procs.stop_all()
    return result


def benchmark(args: argparse.Namespace, work: Path) -> None:
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    app = make_app(url, work)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        end = int(datetime.now(UTC).timestamp())
        seconds = args.minutes * 60
        start = end - seconds
        load_demo_data(datetime.fromtimestamp(start, UTC), "Bench Status")
        page = ensure_page()
        provider = MetricsProvider(page_id=page.id, type="Self")
        db.session.add(provider)
        db.session.flush()
        metrics = [
            Metric(
                page_id=page.id,
                metrics_provider_id=provider.id,
                name=f"Service {i + 1} response time",
                suffix="ms",
                position=i,
            )
            for i in range(args.metrics)
        ]
        db.session.add_all(metrics)
        db.session.commit()
        plan = batches([m.id for m in metrics], start, seconds, args.rate, args.batch)
        points = sum(len(b) for _, p in plan for b in p.values())
        print(
            f"ingest: {points} points ({args.rate}/s for {args.minutes} min over "
            f"{args.metrics} metrics), {args.batch}-second batches, {len(plan)} batches, "
            f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}"
        )
        herald, baseline = ingest(metrics, plan)
        ingest_ratio = baseline / herald
        print(
            f"  Herald's store: {points / herald:.0f} points/s ({herald:.1f} s); plain "
            f"inserts: {points / baseline:.0f} points/s ({baseline:.1f} s); ratio "
            f"{ingest_ratio:.2f}"
        )

        counts = row_counts()
        stored = sum(counts.values())
        bound = retention_bound(args.metrics)
        print(
            f"storage after {args.minutes} min: {stored} rows (raw {counts[RAW]}, 5-minute "
            f"{counts[FIVE_MINUTES]}, hourly {counts[HOURLY]}); RETENTION bounds it at "
            f"{bound} rows for {args.metrics} metrics, at any rate"
        )

        print("page:")
        render_ratio, serve_ratio = measure_page(app, metrics, args, "after the hour")
        backfill_month(metrics, start)
        full_render, full_serve = measure_page(app, metrics, args, "windows full")
        set_display(True)
        db.session.remove()  # no transaction held while the servers read the database
        http = measure_served_over_http(url, work, args)

        left = []
        clock = datetime.fromtimestamp(end, UTC)
        for resolution in (RAW, FIVE_MINUTES, HOURLY):
            clock = datetime.fromtimestamp(end, UTC) + RETENTION[resolution] + timedelta(hours=1)
            prune(clock)
            db.session.commit()
            left.append(sum(row_counts().values()))
            print(f"  the sweep's prune at end + {RETENTION[resolution]} + 1 h: {left[-1]} rows")

    print(
        f"RESULT metrics_ingest points_per_s={points / herald:.0f} "
        f"ratio_vs_plain_insert={ingest_ratio:.2f}"
    )
    print(f"RESULT metrics_storage rows={stored} bound={bound} after_retention={left[-1]}")
    print(
        f"RESULT metrics_charts render_ratio={render_ratio:.2f} serve_ratio={serve_ratio:.2f} "
        f"full_render_ratio={full_render:.2f} full_serve_ratio={full_serve:.2f}"
        + (f" http_ratio={http.ratio:.2f} http_p99_ms={http.p99_ms:.1f}" if http else "")
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=100, help="points per second, in all")
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--minutes", type=int, default=60, help="simulated minutes")
    parser.add_argument("--batch", type=int, default=1, help="simulated seconds per batch")
    parser.add_argument("--blocks", type=int, default=6, help="alternating blocks per figure")
    parser.add_argument("--renders", type=int, default=5, help="renders timed per block")
    parser.add_argument("--requests", type=int, default=200, help="requests timed per block")
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL (an empty database); default SQLite"
    )
    parser.add_argument(
        "--wrk-seconds",
        type=float,
        default=8,
        help="seconds of wrk per server for the comparison over HTTP (0: skip it)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.keep:
        work = Path(tempfile.mkdtemp(prefix="herald-metrics-bench-"))
        print(f"working in {work}")
        benchmark(args, work)
    else:
        with tempfile.TemporaryDirectory(prefix="herald-metrics-bench-") as name:
            benchmark(args, Path(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
