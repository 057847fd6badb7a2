"""Monitoring rows for tests, added and flushed without audit entries (tests of those go
through statuspage/monitoring/setup.py): integrations with their secret, alert rules,
components' automation settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

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


def alert_rule(
    component: Component,
    name: str = "Rule",
    *,
    matchers: list[list[str]] | None = None,
    status: ComponentStatus | str = ComponentStatus.major_outage,
    **fields: Any,
) -> AlertRule:
    """A rule moving `component` to `status` for `service="api"` alerts, after every rule
    there is."""
    last = db.session.scalar(select(func.max(AlertRule.position))) or 0
    row = AlertRule(
        page_id=component.page_id,
        name=name,
        matchers=matchers or [["service", "=", "api"]],
        component_id=component.id,
        component_status=ComponentStatus(status),
        position=last + 1,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row
