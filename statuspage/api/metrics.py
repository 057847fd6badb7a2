"""Metrics providers, metrics and their data, at Statuspage's v1 paths and in its shapes.

Management (providers, metrics, resetting data) is audited in the domain; pushing data is
not, point by point, and does not bump the page version (system_metrics.data says why).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge

from statuspage.api.auth import actor
from statuspage.api.bodies import Fields, body_references, read_body
from statuspage.api.serializers import metric_json, metrics_provider_json
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.system_metrics import data, metrics, providers

NUMBERS = ("y_axis_min", "y_axis_max")
WHOLE_NUMBERS = ("decimal_places", "position")
TEXTS = ("name", "metric_identifier", "suffix", "tooltip_description")
FLAGS = ("display", "y_axis_hidden")


def list_providers() -> list[dict[str, Any]]:
    return [metrics_provider_json(p) for p in providers.list_providers()]


def show_provider(metrics_provider_id: str) -> dict[str, Any]:
    return metrics_provider_json(providers.get_provider(metrics_provider_id))


def create_provider() -> tuple[dict[str, Any], int]:
    fields = Fields(read_body(), "metrics_provider")
    provider = providers.create_provider(
        fields.text("type"),
        metric_base_uri=fields.text("metric_base_uri"),
        disabled=bool(fields.flag("disabled")),
        actor=actor(),
    )
    db.session.commit()
    return metrics_provider_json(provider), 201


def update_provider(metrics_provider_id: str) -> dict[str, Any]:
    provider = providers.get_provider(metrics_provider_id)
    fields = Fields(read_body(), "metrics_provider")
    changes: dict[str, Any] = {"type": fields.text("type"), "disabled": fields.flag("disabled")}
    if "metric_base_uri" in fields:
        changes["metric_base_uri"] = fields.text("metric_base_uri")
    providers.update_provider(provider, actor=actor(), **changes)
    db.session.commit()
    return metrics_provider_json(provider)


def delete_provider(metrics_provider_id: str) -> dict[str, Any]:
    provider = providers.get_provider(metrics_provider_id)
    shaped = metrics_provider_json(provider)
    providers.delete_provider(provider, actor=actor())
    db.session.commit()
    return shaped


def provider_metrics(metrics_provider_id: str) -> list[dict[str, Any]]:
    provider = providers.get_provider(metrics_provider_id)
    return [metric_json(m) for m in metrics.list_metrics(provider)]


def create_metric(metrics_provider_id: str) -> tuple[dict[str, Any], int]:
    provider = providers.get_provider(metrics_provider_id)
    metric = metrics.create_metric(provider, actor=actor(), **_metric_fields())
    db.session.commit()
    return metric_json(metric), 201


def list_metrics() -> list[dict[str, Any]]:
    return [metric_json(m) for m in metrics.list_metrics()]


def show_metric(metric_id: str) -> dict[str, Any]:
    return metric_json(metrics.get_metric(metric_id))


def update_metric(metric_id: str) -> dict[str, Any]:
    metric = metrics.get_metric(metric_id)
    metrics.update_metric(metric, actor=actor(), **_metric_fields())
    db.session.commit()
    return metric_json(metric)


def delete_metric(metric_id: str) -> dict[str, Any]:
    metric = metrics.get_metric(metric_id)
    shaped = metric_json(metric)
    metrics.delete_metric(metric, actor=actor())
    db.session.commit()
    return shaped


def reset_data(metric_id: str) -> dict[str, Any]:
    metric = metrics.get_metric(metric_id)
    metrics.reset_data(metric, actor=actor())
    db.session.commit()
    return metric_json(metric)


def add_data(metric_id: str) -> tuple[dict[str, Any], int]:
    """`{"data": {"timestamp": ..., "value": ...}}`; Herald takes a list there too."""
    metric = metrics.get_metric(metric_id)
    raw = _data(read_body())
    points = _points(raw, "data")
    data.add_points(metric, points)
    db.session.commit()
    shaped = [{"timestamp": t, "value": v} for t, v in points]
    return {"data": shaped[0] if isinstance(raw, Mapping) and len(shaped) == 1 else shaped}, 201


def add_bulk_data() -> tuple[dict[str, Any], int]:
    """`{"data": {"<metric id>": [{"timestamp": ..., "value": ...}, ...], ...}}`: all of it
    is stored, or none (an unknown metric id or one bad point refuses the whole request)."""
    raw = _data(read_body())
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidInput('data must map metric ids to lists of {"timestamp", "value"} points')
    now, found, total = utcnow(), [], 0
    for metric_id, items in raw.items():
        with body_references():  # an unknown id in the body, not the URL: a 422
            metric = metrics.get_metric(str(metric_id))
        points = _points(items, f"data[{metric.id}]", now)
        total += len(points)
        if total > data.MAX_POINTS:
            raise RequestEntityTooLarge(f"at most {data.MAX_POINTS} points per request")
        found.append((metric, points))
    for metric, points in found:
        data.add_points(metric, points)
    db.session.commit()
    return {
        metric.id: [{"timestamp": t, "value": v} for t, v in points] for metric, points in found
    }, 201


def _data(body: Mapping[str, Any]) -> Any:
    if body.get("data") is None:
        raise InvalidInput('the body needs "data"')
    return body["data"]


def _points(raw: Any, what: str, now: Any = None) -> list[tuple[int, float]]:
    try:
        return data.points_of(raw, what, now or utcnow())
    except data.TooManyPoints as exc:
        raise RequestEntityTooLarge(str(exc)) from exc


def _metric_fields() -> dict[str, Any]:
    """The metric's fields the body names, typed; a named field set to null clears it."""
    fields = Fields(read_body(), "metric")
    found: dict[str, Any] = {}
    for name in TEXTS:
        if name in fields:
            found[name] = fields.text(name)
    for name in FLAGS:
        if name in fields:
            found[name] = fields.flag(name)
    for name in (*NUMBERS, *WHOLE_NUMBERS):
        if name in fields:
            found[name] = _number(fields.raw[name], f"metric[{name}]", name in WHOLE_NUMBERS)
    return found


def _number(value: Any, label: str, whole: bool) -> Any:
    """JSON numbers as they are; a form's text read as the number it spells (or refused)."""
    if not isinstance(value, str):
        return value
    if value.strip() == "":
        return None
    try:
        return int(value) if whole else float(value)
    except ValueError as exc:
        raise InvalidInput(f"{label} must be a {'whole ' if whole else ''}number") from exc
