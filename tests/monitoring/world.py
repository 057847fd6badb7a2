"""A monitored page for tests: integrations with their secret, rules, automation settings,
and Alertmanager-shaped bodies (the webhook's payload version 4)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def am_alert(
    fingerprint: str,
    labels: Mapping[str, str],
    *,
    firing: bool = True,
    summary: str = "",
    description: str = "",
    starts_at: datetime | None = None,
) -> dict[str, Any]:
    annotations = {k: v for k, v in (("summary", summary), ("description", description)) if v}
    return {
        "status": "firing" if firing else "resolved",
        "labels": dict(labels),
        "annotations": annotations,
        "startsAt": (starts_at or datetime(2026, 3, 6, 12, 0, tzinfo=UTC)).isoformat(),
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example:9090/graph",
        "fingerprint": fingerprint,
    }


def am_body(*alerts: dict[str, Any]) -> dict[str, Any]:
    """Alertmanager's webhook body (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config)."""
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4",
        "groupKey": '{}:{alertname="ApiDown"}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "herald",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": list(alerts),
    }
