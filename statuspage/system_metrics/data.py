"""Data points in: checked, stored at every resolution, the metric's last data time moved.

A point is Statuspage's `{"timestamp": <epoch seconds>, "value": <number>}`. The checks are
the storage's own limits: a timestamp older than the longest retention would be pruned at
once, one more than a few minutes ahead is a clock or unit error (milliseconds sent as
seconds), and a value must be a finite number small enough that bucket sums stay finite.

Pushing data does not bump the page version: the public charts are refreshed from
`Metric.most_recent_data_at` (at most once a minute), so a metric pushed every second does
not re-render the page every second. Points are not audited one by one either; the
management changes around them are (metrics.py).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from statuspage.core.errors import InvalidInput
from statuspage.models import Metric
from statuspage.system_metrics.metrics import provider_of
from statuspage.system_metrics.providers import PROMETHEUS
from statuspage.system_metrics.store import RETENTION, record_points

MAX_FUTURE = timedelta(minutes=5)
OLDEST = max(RETENTION.values())
MAX_VALUE = 1e15  # summed into buckets: a million of them still stay finite and exact enough
MAX_POINTS = 3000  # per request, single or bulk: a minute of 50 metrics pushed every second


class TooManyPoints(InvalidInput):
    """More points in one request than MAX_POINTS: the API answers 413."""


def timestamp_of(raw: Any, what: str, now: datetime) -> int:
    """Epoch seconds as an integer (a form's digits too), within what the storage keeps."""
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit() and len(raw) < 20:
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidInput(f"{what} must be a whole number of seconds since 1970 (UTC)")
    oldest, latest = now - OLDEST, now + MAX_FUTURE
    if not int(oldest.timestamp()) <= raw <= int(latest.timestamp()):
        raise InvalidInput(
            f"{what} must fall between {oldest:%Y-%m-%dT%H:%M:%SZ} (the oldest data kept) and "
            f"{latest:%Y-%m-%dT%H:%M:%SZ}; got {raw} (seconds, not milliseconds)"
        )
    return raw


def value_of(raw: Any, what: str) -> float:
    """A finite number within ±MAX_VALUE (a form's decimal text too); NaN and ±Infinity never."""
    if isinstance(raw, str) and len(raw) <= 40:
        with contextlib.suppress(ValueError):
            raw = float(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidInput(f"{what} must be a number")
    if isinstance(raw, int) and abs(raw) > MAX_VALUE:
        raise InvalidInput(f"{what} must be within ±{MAX_VALUE:g}")
    value = float(raw)
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise InvalidInput(f"{what} must be a finite number within ±{MAX_VALUE:g}")
    return value


def point_of(raw: Any, what: str, now: datetime) -> tuple[int, float]:
    if not isinstance(raw, Mapping) or not {"timestamp", "value"} <= set(raw):
        raise InvalidInput(f'{what} must be {{"timestamp": <epoch seconds>, "value": <number>}}')
    return (
        timestamp_of(raw["timestamp"], f"{what}[timestamp]", now),
        value_of(raw["value"], f"{what}[value]"),
    )


def points_of(raw: Any, what: str, now: datetime) -> list[tuple[int, float]]:
    """One point or a list of them (a form sends the list as an object keyed "0", "1", ...)."""
    if isinstance(raw, Mapping) and "timestamp" not in raw and raw:
        if not all(str(key).isdigit() for key in raw):
            raise InvalidInput(f"{what} must be a list of points")
        raw = [raw[key] for key in sorted(raw, key=lambda key: int(key))]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise InvalidInput(f"{what} holds no points")
    if len(items) > MAX_POINTS:
        raise TooManyPoints(f"at most {MAX_POINTS} points per request; got {len(items)}")
    return [point_of(item, f"{what}[{i}]", now) for i, item in enumerate(items)]


def add_points(metric: Metric, points: Iterable[tuple[int, float]]) -> int:
    """Store checked `points` for a pushed (Self) metric and move its last data time.

    Flushes; the request commits. Does not bump the page version (see the module's doc)."""
    if provider_of(metric).type == PROMETHEUS:
        raise InvalidInput(
            f"metric {metric.id!r} is read from Prometheus; push data to a Self provider's metric"
        )
    return record(metric, points)


def record(metric: Metric, points: Iterable[tuple[int, float]]) -> int:
    """Store `points` (already checked) and move `most_recent_data_at` forward, never back."""
    points = list(points)
    stored = record_points(metric, points)
    if points:
        newest = datetime.fromtimestamp(max(t for t, _ in points), UTC)
        if metric.most_recent_data_at is None or newest > metric.most_recent_data_at:
            metric.most_recent_data_at = newest
    return stored
