"""What a chart shows: a metric's points over a window, read from its downsampled buckets.

A window reads one resolution (the day its 5-minute buckets, the week and the month their
hourly ones) and never the raw rows, so a render reads at most 288 + 720 rows per metric
however fast the data comes in. A point is a bucket: its start, and its total, count,
minimum and maximum, so a point's average is exact and points merge into coarser ones
exactly (the table fallback's rows, a window's average).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import isfinite
from typing import NamedTuple

from sqlalchemy import func, select

from statuspage.extensions import db
from statuspage.models import Metric, MetricPoint
from statuspage.models.system_metrics import FIVE_MINUTES, HOURLY


class Window(enum.Enum):
    """A chart's span, with the bucket width it reads and the step of its table fallback."""

    day = ("day", timedelta(hours=24), FIVE_MINUTES, 3600)
    week = ("week", timedelta(days=7), HOURLY, 6 * 3600)
    month = ("month", timedelta(days=30), HOURLY, 24 * 3600)

    def __init__(self, key: str, span: timedelta, resolution: int, table_step: int) -> None:
        self.key = key
        self.span = span
        self.resolution = resolution  # seconds per bucket (its MetricPoint.resolution)
        self.table_step = table_step  # seconds per row of the data table

    def bounds(self, now: datetime) -> tuple[int, int]:
        """[first bucket start, end) in epoch seconds: the window ending at `now`, the bucket
        `now` falls in included, so the newest (still filling) bucket shows too."""
        end = int(now.timestamp())
        first = end - int(self.span.total_seconds())
        first -= first % self.resolution
        return first + self.resolution, end + 1


WINDOWS = (Window.day, Window.week, Window.month)


class Point(NamedTuple):
    """One bucket of a series: its start (epoch seconds) and what it holds. A named tuple:
    a render makes some ten thousand of them."""

    bucket: int
    total: float
    count: int
    minimum: float
    maximum: float

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.bucket, UTC)

    @property
    def average(self) -> float:
        return self.total / self.count


@dataclass(frozen=True)
class Series:
    """A metric's points over one window, oldest first; `step` is the bucket width."""

    window: Window
    start: int  # epoch seconds, the window's first bucket
    end: int  # epoch seconds, exclusive: the render's "now" + 1
    points: tuple[Point, ...]

    @property
    def step(self) -> int:
        return self.window.resolution

    def summary(self) -> Summary | None:
        """Latest, minimum, average and maximum over the window; None when it is empty."""
        if not self.points:
            return None
        return Summary(
            latest=self.points[-1],
            minimum=min(p.minimum for p in self.points),
            average=sum(p.total for p in self.points) / sum(p.count for p in self.points),
            maximum=max(p.maximum for p in self.points),
        )


@dataclass(frozen=True)
class Summary:
    latest: Point
    minimum: float
    average: float
    maximum: float


def merged(points: Iterable[Point], step: int) -> list[Point]:
    """`points` merged into buckets of `step` seconds (epoch-aligned), oldest first."""
    coarse: dict[int, list[float]] = {}
    for bucket, total, count, minimum, maximum in points:
        key = bucket - bucket % step
        have = coarse.get(key)
        if have is None:
            coarse[key] = [total, count, minimum, maximum]
        else:
            have[0] += total
            have[1] += count
            have[2] = min(have[2], minimum)
            have[3] = max(have[3], maximum)
    return [Point(k, t, int(c), lo, hi) for k, (t, c, lo, hi) in sorted(coarse.items())]


def displayed_metrics(page_id: str) -> list[Metric]:
    """The metrics the public page shows (`display`), in their order (`position`)."""
    return list(
        db.session.scalars(
            select(Metric)
            .where(Metric.page_id == page_id, Metric.display.is_(True))
            .order_by(Metric.position, Metric.created_at, Metric.id)
        )
    )


def read_series(metrics: Sequence[Metric], now: datetime) -> dict[str, dict[Window, Series]]:
    """Every window of every metric in `metrics`, by metric id then window. One query per
    resolution for all of them: the month's hourly rows serve the week as well."""
    ids = [m.id for m in metrics]
    found: dict[str, dict[Window, Series]] = {i: {} for i in ids}
    if not ids:
        return found
    by_resolution: dict[int, list[Window]] = {}
    for window in WINDOWS:
        by_resolution.setdefault(window.resolution, []).append(window)
    for resolution, windows in by_resolution.items():
        ranges = {w: w.bounds(now) for w in windows}
        oldest = min(start for start, _ in ranges.values())
        end = max(stop for _, stop in ranges.values())
        rows: dict[str, list[Point]] = {i: [] for i in ids}
        for row in db.session.execute(
            select(
                MetricPoint.metric_id,
                MetricPoint.bucket,
                MetricPoint.total,
                MetricPoint.count,
                MetricPoint.minimum,
                MetricPoint.maximum,
            )
            .where(
                MetricPoint.metric_id.in_(ids),
                MetricPoint.resolution == resolution,
                MetricPoint.bucket >= oldest,
                MetricPoint.bucket < end,
            )
            .order_by(MetricPoint.metric_id, MetricPoint.bucket)
        ):
            point = Point._make(row[1:])
            if isfinite(point.total) and isfinite(point.minimum) and isfinite(point.maximum):
                rows[row[0]].append(point)  # else a gap: NaN or infinity draws nothing
        for metric_id, points in rows.items():
            for window, (start, stop) in ranges.items():
                found[metric_id][window] = Series(
                    window, start, stop, tuple(p for p in points if start <= p.bucket < stop)
                )
    return found


def newest_data_at(page_id: str) -> datetime | None:
    """The newest `most_recent_data_at` among the displayed metrics (what the charts would
    show if the page were rendered now), or None when none has data."""
    return db.session.scalar(
        select(func.max(Metric.most_recent_data_at)).where(
            Metric.page_id == page_id, Metric.display.is_(True)
        )
    )
