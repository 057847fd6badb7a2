"""Metrics made as rows for the charts' tests (the metrics API is built elsewhere; these
tests depend only on the models and store.record_points)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from statuspage.extensions import db
from statuspage.models import Metric, MetricsProvider
from statuspage.page.state import ensure_page
from statuspage.system_metrics.store import record_points


def make_metric(name: str = "API latency", **fields: Any) -> Metric:
    page = ensure_page()
    provider = MetricsProvider(page_id=page.id, type="Self")
    db.session.add(provider)
    db.session.flush()
    metric = Metric(page_id=page.id, metrics_provider_id=provider.id, name=name, **fields)
    db.session.add(metric)
    db.session.flush()
    return metric


def push(metric: Metric, points: list[tuple[datetime, float]]) -> None:
    """Store `points` as the API would: through the store, then the metric's newest data."""
    record_points(metric, [(int(at.timestamp()), value) for at, value in points])
    newest = max(at for at, _ in points)
    if metric.most_recent_data_at is None or newest > metric.most_recent_data_at:
        metric.most_recent_data_at = newest
    db.session.flush()
