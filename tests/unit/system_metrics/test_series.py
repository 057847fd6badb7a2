"""A chart's points per window, read from the 5-minute and hourly buckets, never raw rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from statuspage.extensions import db
from statuspage.models import MetricPoint
from statuspage.models.system_metrics import RAW
from statuspage.page.state import ensure_page
from statuspage.system_metrics.series import (
    Window,
    displayed_metrics,
    merged,
    newest_data_at,
    read_series,
)
from tests.unit.system_metrics.metric_rows import make_metric, push

NOW = datetime(2026, 12, 7, 12, 2, 30, tzinfo=UTC)


def test_each_window_reads_its_resolution_over_its_span():
    metric = make_metric()
    push(
        metric,
        [
            (NOW - timedelta(minutes=1), 10.0),
            (NOW - timedelta(minutes=2), 30.0),  # same 5-minute bucket as the one above
            (NOW - timedelta(hours=23), 5.0),
            (NOW - timedelta(hours=25), 7.0),  # beyond the day, within the week
            (NOW - timedelta(days=6, hours=23), 9.0),
            (NOW - timedelta(days=8), 11.0),  # beyond the week, within the month
            (NOW - timedelta(days=31), 13.0),  # beyond the month
        ],
    )
    series = read_series([metric], NOW)[metric.id]

    day = series[Window.day]
    assert [(p.at, p.total, p.count, p.minimum, p.maximum) for p in day.points] == [
        (datetime(2026, 12, 6, 13, 0, tzinfo=UTC), 5.0, 1, 5.0, 5.0),
        (datetime(2026, 12, 7, 12, 0, tzinfo=UTC), 40.0, 2, 10.0, 30.0),
    ]
    assert day.points[-1].average == 20.0
    assert day.step == 300

    week = series[Window.week]
    assert all(p.bucket % 3600 == 0 for p in week.points)
    assert sum(p.count for p in week.points) == 5  # 10, 30, 5, 7 and 9
    month = series[Window.month]
    assert sum(p.count for p in month.points) == 6  # and 11; not the 31-day-old 13
    assert month.summary().maximum == 30.0
    assert month.summary().average == (10 + 30 + 5 + 7 + 9 + 11) / 6


def test_raw_rows_are_never_read():
    """A raw row with no buckets (as if its buckets were pruned) shows in no window."""
    metric = make_metric()
    db.session.add(
        MetricPoint(
            metric_id=metric.id,
            resolution=RAW,
            bucket=int((NOW - timedelta(minutes=1)).timestamp()),
            total=99.0,
            count=1,
            minimum=99.0,
            maximum=99.0,
        )
    )
    db.session.flush()
    series = read_series([metric], NOW)[metric.id]
    assert [series[w].points for w in Window] == [(), (), ()]
    assert series[Window.day].summary() is None


def test_the_window_ends_with_the_bucket_now_falls_in_and_spans_its_length():
    start, end = Window.day.bounds(NOW)
    assert end == int(NOW.timestamp()) + 1
    assert start == int(datetime(2026, 12, 6, 12, 5, tzinfo=UTC).timestamp())
    start, end = Window.month.bounds(NOW)
    assert start == int(datetime(2026, 11, 7, 13, 0, tzinfo=UTC).timestamp())


def test_several_metrics_are_read_together_each_with_its_own_points():
    first, second = make_metric("First"), make_metric("Second")
    push(first, [(NOW - timedelta(minutes=3), 1.0)])
    push(second, [(NOW - timedelta(hours=2), 2.0), (NOW - timedelta(hours=1), 4.0)])
    found = read_series([first, second], NOW)
    assert [p.average for p in found[first.id][Window.day].points] == [1.0]
    assert [p.average for p in found[second.id][Window.week].points] == [2.0, 4.0]
    assert read_series([], NOW) == {}


def test_merged_buckets_keep_exact_totals_counts_and_extremes():
    metric = make_metric()
    push(metric, [(NOW - timedelta(minutes=m), float(m)) for m in range(0, 120, 7)])
    day = read_series([metric], NOW)[metric.id][Window.day]
    hours = merged(day.points, 3600)
    assert sum(p.count for p in hours) == sum(p.count for p in day.points) == 18
    assert sum(p.total for p in hours) == sum(range(0, 120, 7))
    assert min(p.minimum for p in hours) == 0.0
    assert max(p.maximum for p in hours) == 119.0
    assert all(p.bucket % 3600 == 0 for p in hours)


def test_the_displayed_metrics_in_their_order_and_their_newest_data():
    page = ensure_page()
    late = make_metric("Late", position=2)
    early = make_metric("Early", position=1)
    hidden = make_metric("Hidden", position=0, display=False)
    assert [m.name for m in displayed_metrics(page.id)] == ["Early", "Late"]
    assert newest_data_at(page.id) is None
    push(late, [(NOW - timedelta(minutes=5), 1.0)])
    push(early, [(NOW - timedelta(minutes=9), 1.0)])
    push(hidden, [(NOW, 1.0)])  # not on the page: its data is no reason to render it
    assert newest_data_at(page.id) == NOW - timedelta(minutes=5)


def test_a_bucket_holding_an_infinity_is_a_gap():
    """The API refuses such values; a row that holds one anyway draws nothing."""
    metric = make_metric()
    # (SQLite keeps no NaN, so the test holds no -inf: inf - inf is NaN in a bucket's sum.)
    push(metric, [(NOW - timedelta(minutes=30), float("inf")), (NOW - timedelta(minutes=1), 2.0)])
    push(metric, [(NOW - timedelta(minutes=10), 1.0)])
    day = read_series([metric], NOW)[metric.id][Window.day]
    assert [p.average for p in day.points] == [1.0, 2.0]
    month = read_series([metric], NOW)[metric.id][Window.month]
    assert [p.average for p in month.points] == [2.0]  # 11:00 held the infinity: a gap
