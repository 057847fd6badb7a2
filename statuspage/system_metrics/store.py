"""Data points in, downsampled as they arrive; old buckets out.

Each point is written at three resolutions at once: raw (its own row), its 5-minute bucket
and its hourly bucket (sum, count, min, max merged by an upsert). So no rollup job has to
run before a chart can read a week or a month, and pruning is one DELETE per resolution:
raw rows live a day, 5-minute buckets a week, hourly buckets a month (`RETENTION`). A raw
point sent twice for the same second keeps the last value; its buckets count it twice,
which only weights that second in an average.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func

from statuspage.core.upsert import conflict_insert
from statuspage.extensions import db
from statuspage.models import Metric, MetricPoint
from statuspage.models.system_metrics import FIVE_MINUTES, HOURLY, RAW

RETENTION = {
    RAW: timedelta(days=1),
    FIVE_MINUTES: timedelta(days=7),
    HOURLY: timedelta(days=31),
}


def _bucket(timestamp: int, resolution: int) -> int:
    return timestamp - timestamp % resolution if resolution else timestamp


def record_points(metric: Metric, points: Iterable[tuple[int, float]]) -> int:
    """Store `points` ((epoch seconds, value) pairs, already validated) for `metric` at every
    resolution; returns how many were stored. Flushes; the caller commits."""
    rows: dict[tuple[int, int], dict[str, float | int]] = {}
    raw: dict[int, float] = {}
    for timestamp, value in points:
        raw[timestamp] = value
        for resolution in (FIVE_MINUTES, HOURLY):
            key = (resolution, _bucket(timestamp, resolution))
            row = rows.get(key)
            if row is None:
                rows[key] = {"total": value, "count": 1, "minimum": value, "maximum": value}
            else:
                row["total"] += value
                row["count"] += 1
                row["minimum"] = min(row["minimum"], value)
                row["maximum"] = max(row["maximum"], value)
    if not raw:
        return 0
    raw_insert = conflict_insert(MetricPoint)
    db.session.execute(
        raw_insert.on_conflict_do_update(
            index_elements=["metric_id", "resolution", "bucket"],
            set_={
                "total": raw_insert.excluded.total,
                "minimum": raw_insert.excluded.minimum,
                "maximum": raw_insert.excluded.maximum,
            },
        ),
        [
            {
                "metric_id": metric.id,
                "resolution": RAW,
                "bucket": timestamp,
                "total": value,
                "count": 1,
                "minimum": value,
                "maximum": value,
            }
            for timestamp, value in raw.items()
        ],
    )
    merge = conflict_insert(MetricPoint)
    table = MetricPoint.__table__
    db.session.execute(
        merge.on_conflict_do_update(
            index_elements=["metric_id", "resolution", "bucket"],
            set_={
                "total": table.c.total + merge.excluded.total,
                "count": table.c.count + merge.excluded.count,
                "minimum": _least(table.c.minimum, merge.excluded.minimum),
                "maximum": _greatest(table.c.maximum, merge.excluded.maximum),
            },
        ),
        [
            {"metric_id": metric.id, "resolution": resolution, "bucket": bucket, **row}
            for (resolution, bucket), row in rows.items()
        ],
    )
    db.session.flush()
    return len(raw)


def _least(a: ColumnElement[float], b: ColumnElement[float]) -> ColumnElement[float]:
    """The smaller of two columns: LEAST on PostgreSQL, the two-argument MIN on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.least(a, b)
    return func.min(a, b)


def _greatest(a: ColumnElement[float], b: ColumnElement[float]) -> ColumnElement[float]:
    """The larger of two columns: GREATEST on PostgreSQL, the two-argument MAX on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.greatest(a, b)
    return func.max(a, b)


def prune(now: datetime) -> int:
    """Delete every bucket past its resolution's retention; returns how many went."""
    removed = 0
    for resolution, keep in RETENTION.items():
        oldest = int((now - keep).timestamp())
        result = db.session.execute(
            delete(MetricPoint)
            .where(MetricPoint.resolution == resolution, MetricPoint.bucket < oldest)
            .execution_options(synchronize_session=False)
        )
        removed += result.rowcount or 0
    db.session.flush()
    return removed
