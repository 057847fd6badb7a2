"""Taking one integration's reported alerts: keep them, map them, reconsider components.

Alerts are kept by (integration, fingerprint), upserted so a tool that sends the same
alert twice, or two workers that take it at once, leave one row. Each alert is matched
against the page's rules in position order (a rule for any integration, or for this one;
the first that matches takes it) and remembers its component and the status it asks for;
the generic JSON names its component outright. The automation engine then reconsiders
every component an alert touched, before or after this report. The caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, tuple_

from statuspage.core.errors import InvalidInput
from statuspage.core.upsert import conflict_insert
from statuspage.extensions import db
from statuspage.models import (
    Alert,
    AlertRule,
    AlertState,
    Component,
    ComponentStatus,
    Integration,
)
from statuspage.monitoring import automation
from statuspage.monitoring.matchers import matches
from statuspage.monitoring.sources import ReportedAlert


@dataclass(frozen=True)
class IntakeSummary:
    """What one report did, for the tool's log: counts, never names of components."""

    alerts: int
    firing: int
    resolved: int
    matched: int

    def as_json(self) -> dict[str, int]:
        return {
            "alerts": self.alerts,
            "firing": self.firing,
            "resolved": self.resolved,
            "matched": self.matched,
        }


@dataclass(frozen=True)
class AlertTarget:
    """Where an alert points: the rule that took it (None for the generic JSON's named
    component), its component and the status it asks for; all None when nothing matched."""

    rule_id: int | None
    component_id: str | None
    status: ComponentStatus | None


UNMATCHED = AlertTarget(None, None, None)


def take_alerts(
    integration: Integration, reported: Sequence[ReportedAlert], now: datetime
) -> IntakeSummary:
    """Keep `reported` for `integration` at `now`, map each to its component, and have the
    engine reconsider the components touched. Flushes; returns what was taken."""
    rules = _rules(integration)
    previous = _previous_components(integration, reported)
    touched: set[str] = {c for c in previous.values() if c}
    matched = 0
    for alert in reported:
        target = _target(integration, alert, rules)
        if target.component_id:
            matched += 1
            touched.add(target.component_id)
        _upsert(integration, alert, target, now)
    integration.last_received_at = now
    db.session.flush()
    automation.reconsider(sorted(touched), now, reported=True)
    firing = sum(1 for a in reported if a.state is AlertState.firing)
    return IntakeSummary(len(reported), firing, len(reported) - firing, matched)


def _rules(integration: Integration) -> list[AlertRule]:
    return list(
        db.session.scalars(
            select(AlertRule)
            .where(
                AlertRule.page_id == integration.page_id,
                or_(
                    AlertRule.integration_id.is_(None),
                    AlertRule.integration_id == integration.id,
                ),
            )
            .order_by(AlertRule.position, AlertRule.id)
        )
    )


def _previous_components(
    integration: Integration, reported: Sequence[ReportedAlert]
) -> dict[str, str | None]:
    """Where each reported alert pointed before: a rule since changed may move it away,
    and the component it leaves must be reconsidered too."""
    fingerprints = sorted({a.fingerprint for a in reported})
    found: dict[str, str | None] = {}
    for start in range(0, len(fingerprints), 200):
        rows = db.session.execute(
            select(Alert.fingerprint, Alert.component_id).where(
                tuple_(Alert.integration_id, Alert.fingerprint).in_(
                    [(integration.id, f) for f in fingerprints[start : start + 200]]
                )
            )
        )
        found.update({fingerprint: component for fingerprint, component in rows})
    return found


def _target(integration: Integration, alert: ReportedAlert, rules: list[AlertRule]) -> AlertTarget:
    if alert.component is not None:
        component = _named_component(integration.page_id, alert.component)
        return AlertTarget(None, component.id, alert.status)
    for rule in rules:
        if matches(rule.matchers or [], alert.labels):
            return AlertTarget(rule.id, rule.component_id, rule.component_status)
    return UNMATCHED


def _named_component(page_id: str, name_or_id: str) -> Component:
    """The page's component with this id, else with exactly this name."""
    component = db.session.scalar(
        select(Component).where(Component.page_id == page_id, Component.id == name_or_id)
    ) or db.session.scalar(
        select(Component)
        .where(Component.page_id == page_id, Component.name == name_or_id)
        .order_by(Component.created_at)
        .limit(1)
    )
    if component is None:
        raise InvalidInput(f"no component with the id or name {name_or_id[:60]!r}")
    return component


def _upsert(
    integration: Integration, alert: ReportedAlert, target: AlertTarget, now: datetime
) -> None:
    values = {
        "state": alert.state,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "summary": alert.summary,
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at,
        "updated_at": now,
        "rule_id": target.rule_id,
        "component_id": target.component_id,
        "component_status": target.status,
    }
    insert = conflict_insert(Alert).values(
        integration_id=integration.id, fingerprint=alert.fingerprint, received_at=now, **values
    )
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[Alert.integration_id, Alert.fingerprint],
            set_={name: getattr(insert.excluded, name) for name in values},
        )
    )
