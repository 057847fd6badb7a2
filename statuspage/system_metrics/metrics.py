"""Metrics: one chartable series each, in Statuspage's shape, managed by owners.

A metric belongs to a provider: a Self provider's metrics take pushed data, a Prometheus
provider's are read with their `metric_identifier` as a PromQL query. Creating, editing,
deleting a metric and resetting its data are audited and, when the metric is (or was) on
the public page, bump the page version; the data points themselves are neither (see data.py).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import delete, select

from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import text
from statuspage.extensions import db
from statuspage.models import Metric, MetricPoint, MetricsProvider
from statuspage.page.state import bump_version
from statuspage.system_metrics.providers import PROMETHEUS

FIELDS = (
    "name", "metric_identifier", "display", "tooltip_description", "y_axis_min", "y_axis_max",
    "y_axis_hidden", "suffix", "decimal_places", "position", "metrics_provider_id",
)  # fmt: skip
EDITABLE = frozenset(FIELDS) - {"metrics_provider_id"}
MAX_DECIMAL_PLACES = 6  # a chart's labels; more digits than a float means are noise
AXIS_LIMIT = 1e15  # the data's own bound (data.MAX_VALUE): an axis past it shows nothing
MAX_POSITION = 10_000


def list_metrics(provider: MetricsProvider | None = None) -> list[Metric]:
    query = select(Metric).order_by(Metric.position, Metric.created_at, Metric.id)
    if provider is not None:
        query = query.where(Metric.metrics_provider_id == provider.id)
    return list(db.session.scalars(query))


def get_metric(metric_id: str) -> Metric:
    metric = db.session.get(Metric, metric_id)
    if metric is None:
        raise NotFound(f"no metric {metric_id!r}")
    return metric


def provider_of(metric: Metric) -> MetricsProvider:
    provider = db.session.get(MetricsProvider, metric.metrics_provider_id)
    assert provider is not None  # the foreign key holds it
    return provider


def _axis(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{name} must be a number")
    value = float(value)
    if not math.isfinite(value) or abs(value) > AXIS_LIMIT:
        raise InvalidInput(f"{name} must be a finite number within ±{AXIS_LIMIT:g}")
    return value


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number")
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}")
    return value


def _apply(metric: Metric, provider: MetricsProvider, changes: dict[str, Any]) -> None:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(f"unknown metric field {sorted(unknown)[0]!r}")
    for key, value in changes.items():
        if key == "name":
            value = text(value, "a metric's name", 200, one_line=True)
        elif key == "metric_identifier":
            value = text(value, "metric_identifier", 2000, required=False)
        elif key == "tooltip_description":
            value = text(value, "tooltip_description", 1000, required=False) or None
        elif key == "suffix":
            value = text(value, "suffix", 40, required=False, one_line=True)
        elif key in ("y_axis_min", "y_axis_max"):
            value = _axis(value, key)
        elif key == "decimal_places":
            value = _whole(value, key, 0, MAX_DECIMAL_PLACES)
        elif key == "position":
            value = _whole(value, key, 0, MAX_POSITION)
        elif key in ("display", "y_axis_hidden") and not isinstance(value, bool):
            raise InvalidInput(f"{key} must be true or false")
        setattr(metric, key, value)
    if not metric.name:
        raise InvalidInput("a metric's name is required")
    low, high = metric.y_axis_min, metric.y_axis_max
    if low is not None and high is not None and low >= high:
        raise InvalidInput("y_axis_min must be below y_axis_max")
    if provider.type == PROMETHEUS and not metric.metric_identifier:
        raise InvalidInput(
            "a Prometheus metric needs metric_identifier: the PromQL query that gives its "
            'value, e.g. sum(rate(http_requests_total{job="api"}[5m]))'
        )


def create_metric(provider: MetricsProvider, *, actor: Actor = SYSTEM, **fields: Any) -> Metric:
    """A metric of `provider`; `fields` are Statuspage's (name, display, suffix, ...)."""
    metric = Metric(
        page_id=provider.page_id,
        metrics_provider_id=provider.id,
        name="",
        metric_identifier="",
        display=True,
        y_axis_hidden=False,
        suffix="",
        decimal_places=0,
        position=0,
        backfilled=False,
    )
    _apply(metric, provider, {k: v for k, v in fields.items() if v is not None})
    db.session.add(metric)
    db.session.flush()
    record_created(actor, "metric.create", metric, FIELDS, target_type="metric")
    if metric.display:
        bump_version()
    return metric


def update_metric(metric: Metric, *, actor: Actor = SYSTEM, **changes: Any) -> Metric:
    """Change what `changes` names; None leaves a field alone, except the two axis bounds
    and the tooltip, which None clears (pass them only to change them)."""
    shown_before = metric.display
    with record_change(actor, "metric.update", metric, FIELDS, target_type="metric"):
        clearable = {"y_axis_min", "y_axis_max", "tooltip_description"}
        _apply(
            metric,
            provider_of(metric),
            {k: v for k, v in changes.items() if v is not None or k in clearable},
        )
        metric.updated_at = utcnow()
        db.session.flush()
    if shown_before or metric.display:
        bump_version()
    return metric


def delete_metric(metric: Metric, *, actor: Actor = SYSTEM) -> None:
    """The metric and every point of it."""
    shown = metric.display
    record_removed(actor, "metric.delete", metric, FIELDS, target_type="metric")
    db.session.delete(metric)
    db.session.flush()
    if shown:
        bump_version()


def reset_data(metric: Metric, *, actor: Actor = SYSTEM) -> int:
    """Statuspage's "reset data": every point of the metric, at every resolution, goes."""
    removed = (
        db.session.execute(
            delete(MetricPoint)
            .where(MetricPoint.metric_id == metric.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
    with record_change(
        actor, "metric.reset_data", metric, ("most_recent_data_at",), target_type="metric"
    ) as change:
        metric.most_recent_data_at = None
        metric.backfilled = False
        change.extra["points_removed"] = removed
    db.session.flush()
    if metric.display:
        bump_version()
    return removed
