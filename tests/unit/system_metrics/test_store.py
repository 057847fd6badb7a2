"""Data points stored at three resolutions as they arrive, and pruned by age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from statuspage.extensions import db
from statuspage.models import Metric, MetricPoint, MetricsProvider
from statuspage.models.system_metrics import FIVE_MINUTES, HOURLY, RAW
from statuspage.page.state import ensure_page
from statuspage.system_metrics.store import prune, record_points

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _metric() -> Metric:
    page = ensure_page()
    provider = MetricsProvider(page_id=page.id, type="Self")
    db.session.add(provider)
    db.session.flush()
    metric = Metric(page_id=page.id, metrics_provider_id=provider.id, name="API latency")
    db.session.add(metric)
    db.session.flush()
    return metric


def _rows(metric: Metric, resolution: int) -> dict[int, tuple[float, int, float, float]]:
    rows = db.session.execute(
        select(MetricPoint).where(
            MetricPoint.metric_id == metric.id, MetricPoint.resolution == resolution
        )
    ).scalars()
    return {r.bucket: (r.total, r.count, r.minimum, r.maximum) for r in rows}


def test_points_merge_into_their_buckets_across_calls():
    metric = _metric()
    start = int(NOON.timestamp())
    assert record_points(metric, [(start, 10.0), (start + 60, 30.0)]) == 2
    assert record_points(metric, [(start + 299, 5.0), (start + 300, 7.0)]) == 2
    db.session.commit()

    assert _rows(metric, RAW) == {
        start: (10.0, 1, 10.0, 10.0),
        start + 60: (30.0, 1, 30.0, 30.0),
        start + 299: (5.0, 1, 5.0, 5.0),
        start + 300: (7.0, 1, 7.0, 7.0),
    }
    assert _rows(metric, FIVE_MINUTES) == {
        start: (45.0, 3, 5.0, 30.0),
        start + 300: (7.0, 1, 7.0, 7.0),
    }
    assert _rows(metric, HOURLY) == {start: (52.0, 4, 5.0, 30.0)}


def test_a_second_sent_twice_keeps_the_last_raw_value():
    metric = _metric()
    start = int(NOON.timestamp())
    record_points(metric, [(start, 1.0)])
    record_points(metric, [(start, 4.0)])
    assert _rows(metric, RAW) == {start: (4.0, 1, 4.0, 4.0)}
    assert _rows(metric, FIVE_MINUTES) == {start: (5.0, 2, 1.0, 4.0)}


def test_prune_keeps_raw_a_day_five_minutes_a_week_hours_a_month():
    metric = _metric()
    ages = [timedelta(hours=23), timedelta(hours=25), timedelta(days=6), timedelta(days=8)]
    ages += [timedelta(days=30), timedelta(days=32)]
    record_points(metric, [(int((NOON - age).timestamp()) // 3600 * 3600, 1.0) for age in ages])
    counts_before = db.session.scalar(select(func.count()).select_from(MetricPoint))

    removed = prune(NOON)

    assert len(_rows(metric, RAW)) == 1  # 23 h old
    assert len(_rows(metric, FIVE_MINUTES)) == 3  # 23 h, 25 h, 6 days
    assert len(_rows(metric, HOURLY)) == 5  # all but 32 days
    assert removed == counts_before - 9
