"""Integrations and alert rules as rows only: no audit entry (tests of those go through
statuspage/monitoring/setup.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from statuspage.extensions import db
from statuspage.models import (
    AlertRule,
    Component,
    ComponentStatus,
    Integration,
    IntegrationKind,
    Page,
)
from statuspage.monitoring.secrets import digest, new_secret


def integration(
    kind: IntegrationKind | str = IntegrationKind.generic,
    name: str = "Cron",
    *,
    secret: str | None = None,
    **fields: Any,
) -> Integration:
    """An integration of the page whose secret is `secret` (a fresh one nobody knows if not
    given); added and flushed."""
    row = Integration(
        page_id=db.session.scalars(select(Page.id)).one(),
        kind=IntegrationKind(kind),
        name=name,
        secret_digest=digest(secret or new_secret()),
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row


def alert_rule(
    component: Component,
    name: str = "Rule",
    *,
    matchers: list[list[str]] | None = None,
    status: ComponentStatus | str = ComponentStatus.major_outage,
    position: int | None = None,
    **fields: Any,
) -> AlertRule:
    """A rule moving `component` to `status`, after every rule there is; added and flushed."""
    last = db.session.scalar(select(db.func.max(AlertRule.position))) or 0
    row = AlertRule(
        page_id=component.page_id,
        name=name,
        matchers=matchers or [["service", "=", "api"]],
        component_id=component.id,
        component_status=ComponentStatus(status),
        position=last + 1 if position is None else position,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row
