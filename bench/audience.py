"""Benchmark resolving a notice's recipients: `audience.recipients` paged as fan_out pages it.

The data (built once, reused while its fingerprint matches; --rebuild forces it): 1,000,000
subscribers by default; 5,000 organizations, each in 1-3 of 200 segments; 80% of the
subscribers in a random organization, 20% in none; half follow every component, the others
1-3 of 30 components; 1% paused, 2% unsubscribed, 3% do not follow incidents. Each has a
verified email address at priority 1; 10% also a webhook at priority 2; 3% had their first
address disabled (bounced) and have a second verified one at priority 2; 0.5% never confirmed
theirs (no reachable contact point). Loaded in a process of its own (so its memory counts
nowhere) with COPY on PostgreSQL and Core executemany on SQLite, into a schema made by the
migrations; PostgreSQL is VACUUM ANALYZEd as its autovacuum would, SQLite is left as Herald
leaves it.

Two notices, published through incidents.publishing: (a) `private`, an incident private to 3
segments that names no component (every follower in those segments' organizations), and
(b) `public`, a public incident touching 2 components.

What is measured, each run in a fresh process so its peak RSS is its own (the app's start-up
peak is set aside, `reset_peak_rss`: rss_mb is the process's peak while it resolves, Herald's
loaded app included, about 135 MB here before the first query; "before" prints that part),
after --warmups untimed passes in that process (1: a worker is warm after its first notice):
- `herald`: `audience.recipient_batches(notice, batch_size=page)`, exactly as
  delivery.engine.fan_out walks it (one streamed query; one commit per batch, which expires
  the session as fan_out's commit does), at each --pages batch size (FANOUT_BATCH is 1000).
  The Delivery inserts are not part of it: only who receives, through what.
- `baseline`: one streamed SQLAlchemy Core query (stream_results + yield_per) joining
  subscribers to their reachable contact points for the same audience, ordered by subscriber
  and priority, keeping the first contact point per subscriber in Python.
Both must find the same (subscriber, contact point) pairs: their counts and checksums are
compared, and the run fails if they differ. rows_per_s counts recipients with a contact
point; each figure is the median of --runs runs (3), alternating baseline and Herald so a
machine that slows down weighs on both; rss_mb is the highest peak of those runs.
ratio = Herald's rows/s over the baseline's. Targets: >= 300,000 rows/s, rss < 150 MB.

PostgreSQL by default (database herald_audience, created if missing); --sqlite uses
bench/out/audience.db. The last line is `RESULT audience rows_per_s=<x> rss_mb=<y>`, for the
slower of the two notices at FANOUT_BATCH (it names which).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

OUT = REPO / "bench" / "out"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "herald_audience"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"
SECRET_KEY = "bench-only-not-a-secret"  # noqa: S105 - a throwaway benchmark database
GENERATOR = 1  # bump when the generated data changes shape: forces a rebuild
SEGMENTS, ORGANIZATIONS, COMPONENTS = 200, 5_000, 30
CHUNK = 50_000
PRIVATE_NAME = "Bench: private incident for 3 segments"
PUBLIC_NAME = "Bench: public incident on 2 components"
TARGET_ROWS_PER_S, TARGET_RSS_MB = 300_000, 150


def database_url(sqlite: bool) -> str:
    return f"sqlite:///{OUT / 'audience.db'}" if sqlite else PG_URL


def fingerprint_file(sqlite: bool) -> Path:
    return OUT / f"audience-{'sqlite' if sqlite else 'postgres'}.json"


def make_app(sqlite: bool):
    from statuspage import create_app
    from statuspage.config import from_environment

    instance = OUT / "audience-instance"
    instance.mkdir(parents=True, exist_ok=True)
    config = from_environment(
        {
            "DATABASE_URL": database_url(sqlite),
            "SECRET_KEY": SECRET_KEY,
            "INSTANCE_PATH": str(instance),
            "BASE_URL": "http://status.bench.test",
        }
    )
    return create_app(config)


# -- building the data (its own process) -----------------------------------------------------


def ensure_postgres_database() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        found = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}
        )
        if not found:
            connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    admin.dispose()


def built(sqlite: bool, wanted: dict) -> bool:
    """The data is there, with this fingerprint, and its notices exist."""
    from sqlalchemy import func, select

    from statuspage.extensions import db
    from statuspage.models import Notice, Subscriber

    try:
        recorded = json.loads(fingerprint_file(sqlite).read_text())
    except (OSError, ValueError):
        return False
    if {k: recorded.get(k) for k in wanted} != wanted:
        return False
    ids = [recorded.get("private_notice"), recorded.get("public_notice")]
    found = db.session.scalar(select(func.count()).select_from(Notice).where(Notice.id.in_(ids)))
    count = db.session.scalar(select(func.count()).select_from(Subscriber))
    return found == 2 and count == wanted["subscribers"]


def wipe(sqlite: bool) -> None:
    from sqlalchemy import text

    from statuspage.extensions import db

    db.session.remove()
    if sqlite:
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{OUT / 'audience.db'}{suffix}").unlink(missing_ok=True)
    else:
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


def subscriber_rows(count: int, rng: random.Random, component_ids: list[str]) -> Iterator[tuple]:
    """(subscriber row, contact point rows, followed component ids) per subscriber."""
    now = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(1, count + 1):
        organization = None if rng.random() < 0.2 else rng.randint(1, ORGANIZATIONS)
        every = rng.random() < 0.5
        follows = [] if every else rng.sample(component_ids, rng.randint(1, 3))
        roll = rng.random()
        subscriber = {
            "id": i,
            "name": "",
            "kind": "person",
            "all_components": every,
            "notify_incidents": rng.random() >= 0.03,
            "notify_maintenance": True,
            "paused": roll < 0.01,
            "created_at": now,
            "unsubscribed_at": now if 0.01 <= roll < 0.03 else None,
            "organization_id": organization,
            "token_version": 1,
        }
        domain = f"org{organization}.example" if organization else "example.net"
        first = {
            "subscriber_id": i,
            "channel": "email",
            "address": f"s{i}@{domain}",
            "address_key": f"s{i}@{domain}",
            "priority": 1,
            "verified_at": now,
            "active": True,
            "bounces": 0,
            "failures_in_row": 0,
            "created_at": now,
        }
        contacts = [first]
        roll = rng.random()
        if roll < 0.005:
            first["verified_at"] = None  # never confirmed: no reachable contact point
        elif roll < 0.035:
            first.update(active=False, bounces=3)  # bounced: the second address receives
            contacts.append(
                dict(first, address=f"s{i}.b@{domain}", address_key=f"s{i}.b@{domain}")
                | {"priority": 2, "active": True, "bounces": 0}
            )
        elif roll < 0.135:
            url = f"https://hooks.{domain}/herald/{i}"
            contacts.append(
                dict(first, channel="webhook", address=url, address_key=url, priority=2)
            )
        yield subscriber, contacts, follows


def build(sqlite: bool, count: int, seed: int, rebuild: bool) -> None:
    """Migrate, and load the data unless the same data is already there."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from statuspage.components.catalog import create_component
    from statuspage.extensions import db
    from statuspage.incidents.commands import OpenIncident
    from statuspage.incidents.publishing import create_incident
    from statuspage.models import (
        ContactPoint,
        Notice,
        Organization,
        Segment,
        Subscriber,
        organization_segment,
    )
    from statuspage.models.subscribers import subscription_component

    OUT.mkdir(parents=True, exist_ok=True)
    if not sqlite:
        ensure_postgres_database()
    wanted = {"generator": GENERATOR, "subscribers": count, "seed": seed}
    app = make_app(sqlite)
    with app.app_context():
        if not rebuild:
            upgrade()
            if built(sqlite, wanted):
                print(f"data: reusing {count:,} subscribers ({fingerprint_file(sqlite).name})")
                return
        started = time.perf_counter()
        fingerprint_file(sqlite).unlink(missing_ok=True)
        wipe(sqlite)
        upgrade()
        rng = random.Random(seed)
        now = datetime(2025, 1, 1, tzinfo=UTC)
        components = [create_component(f"Service {n:02d}", at=now) for n in range(COMPONENTS)]
        component_ids = [c.id for c in components]
        db.session.execute(
            insert(Segment),
            [
                {"id": n, "name": f"segment-{n:03d}", "kind": "tenant", "created_at": now}
                for n in range(1, SEGMENTS + 1)
            ],
        )
        db.session.execute(
            insert(Organization),
            [
                {"id": n, "name": f"Organization {n:05d}", "created_at": now}
                for n in range(1, ORGANIZATIONS + 1)
            ],
        )
        db.session.execute(
            insert(organization_segment),
            [
                {"organization_id": n, "segment_id": s}
                for n in range(1, ORGANIZATIONS + 1)
                for s in rng.sample(range(1, SEGMENTS + 1), rng.randint(1, 3))
            ],
        )
        db.session.commit()
        rows = subscriber_rows(count, rng, component_ids)
        tables = (Subscriber.__table__, ContactPoint.__table__, subscription_component)
        if sqlite:
            _load_sqlite(rows, tables)
        else:
            _load_postgres(rows, tables)
        private = create_incident(
            OpenIncident(
                PRIVATE_NAME,
                "Only the organizations of three segments are told.",
                segments=rng.sample(range(1, SEGMENTS + 1), 3),
            )
        )
        public = create_incident(
            OpenIncident(
                PUBLIC_NAME,
                "Everyone who follows either component is told.",
                components={
                    component_ids[0]: "partial_outage",
                    component_ids[1]: "degraded_performance",
                },
            )
        )
        db.session.commit()
        notices = {
            name: db.session.scalar(select(Notice.id).where(Notice.incident_id == incident.id))
            for name, incident in (("private", private), ("public", public))
        }
        if not sqlite:
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE")
                )
        fingerprint_file(sqlite).write_text(
            json.dumps(wanted | {f"{k}_notice": v for k, v in notices.items()})
        )
        print(f"data: built {count:,} subscribers in {time.perf_counter() - started:.0f} s")


def _chunks(rows: Iterator[tuple]) -> Iterator[tuple[list, list, list]]:
    subscribers, contacts, follows = [], [], []
    for subscriber, its_contacts, its_follows in rows:
        subscribers.append(subscriber)
        contacts += its_contacts
        follows += [{"subscriber_id": subscriber["id"], "component_id": c} for c in its_follows]
        if len(subscribers) == CHUNK:
            yield subscribers, contacts, follows
            subscribers, contacts, follows = [], [], []
    if subscribers:
        yield subscribers, contacts, follows


def _load_sqlite(rows: Iterator[tuple], tables: tuple) -> None:
    from sqlalchemy import insert

    from statuspage.extensions import db

    for chunk in _chunks(rows):
        for table, batch in zip(tables, chunk, strict=True):
            if batch:
                db.session.execute(insert(table), batch)
        db.session.commit()


def _load_postgres(rows: Iterator[tuple], tables: tuple) -> None:
    """COPY, through psycopg: the fast path PostgreSQL has for bulk loads."""
    from sqlalchemy import text

    from statuspage.extensions import db

    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for chunk in _chunks(rows):
            for table, batch in zip(tables, chunk, strict=True):
                if not batch:
                    continue
                columns = list(batch[0])
                with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row([row[c] for c in columns])
        raw.commit()
    finally:
        raw.close()
    # COPY wrote explicit ids: move each sequence past them (our own table names, no input).
    move_on = "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT max(id) FROM {0}))"
    with db.engine.begin() as connection:
        for table in ("subscriber", "contact_point", "segment", "organization"):
            connection.execute(text(move_on.format(table)))


# -- measuring (one fresh process per run) ---------------------------------------------------


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> bool:
    """Start the peak-RSS mark afresh (Linux: clear_refs 5 resets VmHWM).

    Starting Herald's app peaks at ~155 MB and settles at ~125 MB: importing staff.accounts
    hashes a dummy password with scrypt (32 MB, once). That peak says nothing about
    resolving recipients, so the mark is reset once the app is up (ru_maxrss reads the same
    mark, so it then tells the peak since the reset).
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(sqlite: bool, case: str, method: str, page: int, warmups: int) -> dict:
    """One run; prints a JSON line: recipients found, seconds, peak RSS, a checksum.

    `warmups` untimed passes come first: a fan-out worker is a long-lived process whose
    connection pool, statement caches and database backends are warm after its first notice;
    the one-time cost of a cold process (a new database connection, its backend's catalog
    caches, SQLAlchemy's first compilations) says nothing about resolving recipients."""
    from statuspage.extensions import db
    from statuspage.models import Notice

    fingerprint = json.loads(fingerprint_file(sqlite).read_text())
    app = make_app(sqlite)
    with app.app_context():
        notice = db.session.get(Notice, fingerprint[f"{case}_notice"])
        notice_id = notice.id
        statement = baseline_statement(notice) if method == "baseline" else None
        db.session.commit()

        def resolve() -> tuple[int, int, int]:
            if method == "herald":
                return _herald(notice_id, page)
            return _baseline(statement)

        for _ in range(warmups):
            resolve()
            db.session.commit()
        reset = reset_peak_rss()
        rss_before = _status_mb("VmRSS")
        started = time.perf_counter()
        rows, subscribers, checksum = resolve()
        seconds = time.perf_counter() - started
    return {
        "case": case,
        "method": method,
        "page": page,
        "rows": rows,
        "subscribers": subscribers,
        "seconds": seconds,
        "checksum": checksum,
        "rss_before_mb": rss_before,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_reset": reset,
    }


def _herald(notice_id: int, page: int) -> tuple[int, int, int]:
    from statuspage.audience.recipients import recipient_batches
    from statuspage.extensions import db
    from statuspage.models import Notice

    rows = subscribers = checksum = 0
    notice = db.session.get(Notice, notice_id)
    for batch in recipient_batches(notice, after_subscriber_id=0, batch_size=page):
        for r in batch:
            subscribers += 1
            if r.contact_point_id:
                rows += 1
                checksum = (checksum + r.subscriber_id * 1_000_003 + r.contact_point_id) % 2**61
        db.session.commit()  # fan_out commits each page: the session starts afresh
    return rows, subscribers, checksum


def baseline_statement(notice):
    """The same audience, written as one plain Core query (no Herald code in the loop)."""
    from sqlalchemy import exists, select

    from statuspage.extensions import db
    from statuspage.models import (
        Audience,
        ContactPoint,
        Incident,
        Subscriber,
        organization_segment,
    )
    from statuspage.models.subscribers import subscription_component

    s, cp = Subscriber.__table__, ContactPoint.__table__
    incident = db.session.get(Incident, notice.incident_id)
    where = [
        s.c.paused.is_(False),
        s.c.unsubscribed_at.is_(None),
        s.c.notify_incidents.is_(True),
        cp.c.active.is_(True),
        cp.c.verified_at.is_not(None),
    ]
    # Both notices open their incident, so SMS needs no extra rule (and there is none here).
    if notice.audience is Audience.segments:
        where += [
            s.c.kind == "person",
            s.c.organization_id.in_(
                select(organization_segment.c.organization_id).where(
                    organization_segment.c.segment_id.in_([g.id for g in incident.segments])
                )
            ),
            cp.c.channel.not_in(["x", "mastodon"]),
        ]
    component_ids = [c.id for c in incident.components]
    if component_ids:
        where.append(
            s.c.all_components.is_(True)
            | exists().where(
                subscription_component.c.subscriber_id == s.c.id,
                subscription_component.c.component_id.in_(component_ids),
            )
        )
    return (
        select(s.c.id, cp.c.id, cp.c.channel)
        .select_from(s.join(cp, cp.c.subscriber_id == s.c.id))
        .where(*where)
        .order_by(s.c.id, cp.c.priority, cp.c.id)
    )


def _baseline(statement) -> tuple[int, int, int]:
    from statuspage.extensions import db

    rows = checksum = 0
    last = None
    with db.engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=10_000).execute(
            statement
        )
        for subscriber_id, contact_point_id, _channel in result:
            if subscriber_id != last:
                last = subscriber_id
                rows += 1
                checksum = (checksum + subscriber_id * 1_000_003 + contact_point_id) % 2**61
    return rows, rows, checksum


# -- the driver ------------------------------------------------------------------------------


def child(
    args: argparse.Namespace, *extra: str, capture: bool = True
) -> subprocess.CompletedProcess:
    command = [sys.executable, __file__, *extra]
    if args.sqlite:
        command.append("--sqlite")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run(command, env=env, check=True, capture_output=capture, text=True)


def run_one(args: argparse.Namespace, case: str, method: str, page: int) -> dict:
    done = child(args, "--measure", case, method, str(page), str(args.warmups))
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--rebuild", action="store_true", help="build the data even if present")
    parser.add_argument("--pages", default="1000,5000", help="page sizes to try (first: result)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median)")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--warmups", type=int, default=1, help="untimed passes first, in each run's process"
    )
    parser.add_argument("--measure", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.build:
        build(args.sqlite, args.subscribers, args.seed, args.rebuild)
        return 0
    if args.measure:
        case, method, page, warmups = args.measure
        print(json.dumps(measure(args.sqlite, case, method, int(page), int(warmups))))
        return 0

    database = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"== audience: {args.subscribers:,} subscribers on {database} ==", flush=True)
    build_args = ["--build", "--subscribers", str(args.subscribers), "--seed", str(args.seed)]
    child(args, *build_args, *(["--rebuild"] if args.rebuild else []), capture=False)
    pages = [int(p) for p in args.pages.split(",")]
    summary: dict[str, dict] = {}
    for case in ("private", "public"):
        runs: dict[str, list[dict]] = {"baseline": []} | {f"herald/{p}": [] for p in pages}
        for _ in range(args.runs):
            runs["baseline"].append(run_one(args, case, "baseline", 0))
            for p in pages:
                runs[f"herald/{p}"].append(run_one(args, case, "herald", p))
        expected = {(r["rows"], r["checksum"]) for r in runs["baseline"]}
        figures = {}
        for label, results in runs.items():
            found = {(r["rows"], r["checksum"]) for r in results}
            if found != expected or len(expected) != 1:
                print(f"MISMATCH {case} {label}: {found} != baseline {expected}")
                return 1
            rows = results[0]["rows"]
            seconds = statistics.median(r["seconds"] for r in results)
            figures[label] = {
                "rows": rows,
                "subscribers": results[0]["subscribers"],
                "seconds": seconds,
                "rows_per_s": rows / seconds,
                "rss_mb": max(r["rss_mb"] for r in results),
                "rss_before_mb": max(r["rss_before_mb"] for r in results),
            }
        if not all(r["peak_reset"] for results in runs.values() for r in results):
            print("  (the peak RSS mark could not be reset: rss_mb includes the app's start)")
        base = figures["baseline"]["rows_per_s"]
        print(f"-- {case}: {figures['baseline']['rows']:,} recipients --")
        for label, f in figures.items():
            ratio = f["rows_per_s"] / base
            print(
                f"  {label:12} {f['rows_per_s']:>10,.0f} rows/s  {f['seconds']:6.2f} s  "
                f"ratio {ratio:4.2f}  peak rss {f['rss_mb']:5.1f} MB "
                f"(before the query {f['rss_before_mb']:.1f} MB)"
            )
        summary[case] = figures[f"herald/{pages[0]}"] | {
            "ratio": figures[f"herald/{pages[0]}"]["rows_per_s"] / base
        }
    slower = min(summary, key=lambda c: summary[c]["rows_per_s"])
    worst = summary[slower]
    rss = max(f["rss_mb"] for f in summary.values())
    verdict = (
        "meets" if worst["rows_per_s"] >= TARGET_ROWS_PER_S and rss < TARGET_RSS_MB else "misses"
    )
    print(
        f"{database}, page {pages[0]}: the slower notice is '{slower}' "
        f"(ratio to baseline {worst['ratio']:.2f}); {verdict} the targets "
        f"(>= {TARGET_ROWS_PER_S:,} rows/s, < {TARGET_RSS_MB} MB)"
    )
    print(f"RESULT audience rows_per_s={worst['rows_per_s']:.0f} rss_mb={rss:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
