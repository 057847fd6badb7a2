"""The minute's sweep prunes metric points past their retention; pushing never bumps the page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.jobs import tasks
from statuspage.models import MetricPoint, Page
from statuspage.models.system_metrics import FIVE_MINUTES, HOURLY, RAW
from statuspage.system_metrics import data, metrics, providers


def test_the_sweep_prunes_each_resolution_past_its_retention():
    metric = metrics.create_metric(providers.create_provider("Self"), name="Latency")
    now = int(utcnow().timestamp())
    two_days_ago = now - int(timedelta(days=2).total_seconds())
    data.add_points(metric, [(two_days_ago, 5.0), (now, 1.0)])
    db.session.commit()

    tasks.sweep()
    db.session.commit()

    kept = set(db.session.execute(select(MetricPoint.resolution, MetricPoint.bucket)))
    assert (RAW, now) in kept
    assert (RAW, two_days_ago) not in kept  # raw points live a day
    assert (FIVE_MINUTES, two_days_ago - two_days_ago % 300) in kept  # 5-minute: a week
    assert (HOURLY, two_days_ago - two_days_ago % 3600) in kept


def test_pushing_data_leaves_the_page_version_and_moves_the_last_data_time():
    metric = metrics.create_metric(providers.create_provider("Self"), name="Latency")
    db.session.commit()
    version = db.session.scalar(select(Page.version))
    now = int(utcnow().timestamp())
    data.add_points(metric, [(now - 10, 1.0), (now - 20, 2.0)])
    db.session.commit()
    assert db.session.scalar(select(Page.version)) == version
    assert metric.most_recent_data_at is not None
    assert int(metric.most_recent_data_at.timestamp()) == now - 10
    data.add_points(metric, [(now - 100, 3.0)])  # older: the last data time stays
    assert int(metric.most_recent_data_at.timestamp()) == now - 10
