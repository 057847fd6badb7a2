"""Prometheus Alertmanager's webhook body (`webhook_config`, payload version 4).

The documented shape (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config):
`{"version": "4", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
"commonLabels", "commonAnnotations", "externalURL", "alerts": [{"status", "labels",
"annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}]}`.
Each alert is read on its own: the group's status says only whether any alert still fires.
"""

from __future__ import annotations

from typing import Any

from statuspage.core.errors import InvalidInput
from statuspage.monitoring.sources.reading import (
    ReportedAlert,
    alert_list,
    as_object,
    fingerprint_of,
    state_of,
    string_map,
    summary_of,
    timestamp,
)

VERSION = "4"


def read(body: Any) -> list[ReportedAlert]:
    body = as_object(body, "the body")
    if body.get("version") != VERSION:
        raise InvalidInput(
            f'not an Alertmanager webhook body: "version" must be "{VERSION}" '
            f"(got {str(body.get('version'))[:20]!r})"
        )
    return [one(alert, n) for n, alert in enumerate(alert_list(body))]


def one(raw: Any, n: int) -> ReportedAlert:
    """One alert of an Alertmanager-shaped body (Grafana's alerts have the same fields)."""
    where = f"alerts[{n}]"
    alert = as_object(raw, where)
    labels = string_map(alert.get("labels"), f"{where}.labels")
    annotations = string_map(alert.get("annotations"), f"{where}.annotations")
    return ReportedAlert(
        fingerprint=fingerprint_of(alert.get("fingerprint"), labels),
        state=state_of(alert.get("status"), f"{where}.status"),
        labels=labels,
        annotations=annotations,
        summary=summary_of(annotations, labels),
        starts_at=timestamp(alert.get("startsAt"), f"{where}.startsAt"),
        ends_at=timestamp(alert.get("endsAt"), f"{where}.endsAt"),
    )
