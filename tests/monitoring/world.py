"""A monitored page for tests: integrations with their secret, rules, automation settings,
and Alertmanager-shaped bodies (the webhook's payload version 4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from statuspage.extensions import db
from statuspage.models import (
    AlertRule,
    AutomationMode,
    Component,
    ComponentAutomation,
    ComponentStatus,
    Integration,
    IntegrationKind,
)
from statuspage.monitoring.secrets import digest, new_secret
from statuspage.page.state import ensure_page


def integration(
    kind: IntegrationKind = IntegrationKind.alertmanager, name: str = "Prometheus"
) -> tuple[Integration, str]:
    secret = new_secret()
    row = Integration(page_id=ensure_page().id, kind=kind, name=name, secret_digest=digest(secret))
    db.session.add(row)
    db.session.flush()
    return row, secret


def rule(
    component: Component,
    status: ComponentStatus,
    matchers: Sequence[Sequence[str]],
    *,
    integration: Integration | None = None,
    position: int = 0,
    publish_automatically: bool = False,
) -> AlertRule:
    row = AlertRule(
        page_id=ensure_page().id,
        integration_id=integration.id if integration else None,
        name=f"{component.name} {status.value}",
        matchers=[list(m) for m in matchers],
        component_id=component.id,
        component_status=status,
        position=position,
        publish_automatically=publish_automatically,
    )
    db.session.add(row)
    db.session.flush()
    return row


def automate(
    component: Component, mode: AutomationMode = AutomationMode.status, hold: int = 60
) -> ComponentAutomation:
    row = ComponentAutomation(component_id=component.id, mode=mode, hold_seconds=hold)
    db.session.add(row)
    db.session.flush()
    return row


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
