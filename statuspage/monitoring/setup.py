"""What owners set up for monitoring: the integrations alerts come in through (each with a
secret shown once), the rules that say what an alert means for a component, and each
component's automation mode and hold.

Plain service functions that flush; the request commits. Every change is audited through
audit.changes, and no entry holds a secret or its digest: the secret is returned once, to be
shown once, and the database keeps only `secrets.digest(secret)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import Actor, record
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import choice, one_line
from statuspage.extensions import db
from statuspage.models import Component, Page
from statuspage.models.enums import ComponentStatus
from statuspage.models.monitoring import (
    AlertRule,
    AutomationMode,
    ComponentAutomation,
    Integration,
    IntegrationKind,
)
from statuspage.monitoring import matchers as label_matchers
from statuspage.monitoring.secrets import digest, new_secret

MAX_NAME = 200
# A status must hold this long before automation publishes it, unless the component says
# otherwise; an hour is the most: a longer hold is no longer damping but switching it off.
DEFAULT_HOLD_SECONDS = 60
MIN_HOLD_SECONDS = 0
MAX_HOLD_SECONDS = 3600


# ---------------------------------------------------------------------------- integrations


def _integration_values(integration: Integration) -> dict[str, Any]:
    """What an integration's audit entry shows: never its secret, nor the secret's digest."""
    return {"name": integration.name, "kind": integration.kind.value}


def _name(name: str, what: str) -> str:
    return one_line(name, what, MAX_NAME)


def list_integrations(page: Page) -> list[Integration]:
    query = (
        select(Integration)
        .where(Integration.page_id == page.id)
        .order_by(Integration.created_at, Integration.id)
    )
    return list(db.session.scalars(query))


def get_integration(page: Page, integration_id: str) -> Integration:
    integration = db.session.get(Integration, integration_id)
    if integration is None or integration.page_id != page.id:
        raise NotFound(f"no integration {integration_id!r}")
    return integration


def create_integration(
    page: Page, kind: IntegrationKind | str, name: str, actor: Actor
) -> tuple[Integration, str]:
    """A new integration and its secret: the only time the secret exists outside the
    monitoring tool, so the caller shows it once and keeps it nowhere."""
    secret = new_secret()
    integration = Integration(
        page_id=page.id,
        kind=choice(IntegrationKind, kind, "an integration's kind"),
        name=_name(name, "an integration's name"),
        secret_digest=digest(secret),
    )
    db.session.add(integration)
    db.session.flush()
    record_created(
        actor, "integration.create", integration, _integration_values, target_type="integration"
    )
    return integration, secret


def rename_integration(integration: Integration, name: str, actor: Actor) -> Integration:
    with record_change(
        actor, "integration.rename", integration, _integration_values, target_type="integration"
    ):
        integration.name = _name(name, "an integration's name")
        db.session.flush()
    return integration


def rotate_secret(integration: Integration, actor: Actor) -> str:
    """A new secret for `integration`, returned once; the old one stops working with this
    transaction's commit (only the new digest is kept)."""
    secret = new_secret()
    integration.secret_digest = digest(secret)
    db.session.flush()
    record(
        actor,
        "integration.rotate_secret",
        target_type="integration",
        target_id=integration.id,
        after=_integration_values(integration) | {"secret": "replaced"},
    )
    return secret


def delete_integration(integration: Integration, actor: Actor) -> None:
    """Remove `integration`, and with it the rules that listen to it alone (each audited:
    the database would otherwise cascade them away without a word)."""
    for rule in db.session.scalars(
        select(AlertRule).where(AlertRule.integration_id == integration.id)
    ):
        _remove_rule(rule, actor, reason="its integration was deleted")
    record_removed(
        actor, "integration.delete", integration, _integration_values, target_type="integration"
    )
    db.session.delete(integration)
    db.session.flush()


def intake_url(integration: Integration, secret: str | None = None) -> str:
    """Where `integration`'s tool posts its alerts: with the secret in the path, or, without
    `secret`, the same path for tools that send it as `Authorization: Bearer <secret>`."""
    base = current_app.config["BASE_URL"]
    path = f"/api/v1/pages/{integration.page_id}/integrations/{integration.kind.value}"
    return f"{base}{path}/{secret}" if secret else f"{base}{path}"


# ---------------------------------------------------------------------------------- rules


def _rule_values(rule: AlertRule) -> dict[str, Any]:
    """A rule's audit entry: its matchers as they are written, the rest by id and value."""
    return {
        "name": rule.name,
        "matchers": label_matchers.written(rule.matchers or []),
        "component_id": rule.component_id,
        "component_status": rule.component_status.value if rule.component_status else None,
        "integration_id": rule.integration_id,
        "position": rule.position,
        "publish_automatically": rule.publish_automatically,
    }


def list_rules(page: Page) -> list[AlertRule]:
    """The page's rules in the order alerts try them."""
    query = (
        select(AlertRule)
        .where(AlertRule.page_id == page.id)
        .order_by(AlertRule.position, AlertRule.id)
    )
    return list(db.session.scalars(query))


def get_rule(page: Page, rule_id: int) -> AlertRule:
    rule = db.session.get(AlertRule, rule_id)
    if rule is None or rule.page_id != page.id:
        raise NotFound(f"no alert rule {rule_id!r}")
    return rule


def _parsed(written: str | Sequence[Sequence[str]]) -> list[list[str]]:
    """Matchers from their written form (the parser's refusal is the caller's message), or
    from [label, op, value] triples, each checked as the parser checks one."""
    if isinstance(written, str):
        found = label_matchers.parse(written)
    else:
        found = [label_matchers.checked(*matcher) for matcher in written]
        if not found:
            raise InvalidInput('give at least one matcher, e.g. service="api"')
        if len(found) > label_matchers.MAX_MATCHERS:
            raise InvalidInput(f"a rule takes at most {label_matchers.MAX_MATCHERS} matchers")
    return [list(matcher) for matcher in found]


def _rule_status(value: ComponentStatus | str) -> ComponentStatus:
    status = choice(ComponentStatus, value, "a rule's component status")
    if status is ComponentStatus.operational:
        # A rule says what a firing alert means; "all resolved" already means operational.
        raise InvalidInput("a rule moves its component to a status other than operational")
    return status


def _own_component(page: Page, component: Component) -> Component:
    if component.page_id != page.id:
        raise InvalidInput("a rule's component must be one of this page's components")
    return component


def _own_integration(page: Page, integration: Integration | None) -> Integration | None:
    if integration is not None and integration.page_id != page.id:
        raise InvalidInput("a rule's integration must be one of this page's integrations")
    return integration


def _next_rule_position(page: Page) -> int:
    query = select(func.coalesce(func.max(AlertRule.position), 0)).where(
        AlertRule.page_id == page.id
    )
    return int(db.session.scalar(query)) + 1


def create_rule(
    page: Page,
    *,
    name: str,
    matchers: str | Sequence[Sequence[str]],
    component: Component,
    component_status: ComponentStatus | str,
    integration: Integration | None = None,
    publish_automatically: bool = False,
    actor: Actor,
) -> AlertRule:
    """A rule, tried after every rule there is. `publish_automatically` is off unless the
    owner turns it on: then this rule's drafted incidents publish without a person."""
    now = utcnow()
    rule = AlertRule(
        page_id=page.id,
        name=_name(name, "a rule's name"),
        matchers=_parsed(matchers),
        component_id=_own_component(page, component).id,
        component_status=_rule_status(component_status),
        integration_id=i.id if (i := _own_integration(page, integration)) else None,
        position=_next_rule_position(page),
        publish_automatically=bool(publish_automatically),
        created_at=now,
        updated_at=now,
    )
    db.session.add(rule)
    db.session.flush()
    record_created(actor, "alert_rule.create", rule, _rule_values, target_type="alert_rule")
    if rule.publish_automatically:
        _record_publishing_choice(rule, actor, before=False)
    return rule


def update_rule(
    rule: AlertRule,
    *,
    name: str,
    matchers: str | Sequence[Sequence[str]],
    component: Component,
    component_status: ComponentStatus | str,
    integration: Integration | None,
    publish_automatically: bool,
    actor: Actor,
) -> AlertRule:
    """Every field of the rule as the owner's form now has it; its place stays."""
    page = db.session.get_one(Page, rule.page_id)
    was_publishing = rule.publish_automatically
    with record_change(actor, "alert_rule.update", rule, _rule_values, target_type="alert_rule"):
        rule.name = _name(name, "a rule's name")
        rule.matchers = _parsed(matchers)
        rule.component_id = _own_component(page, component).id
        rule.component_status = _rule_status(component_status)
        chosen = _own_integration(page, integration)
        rule.integration_id = chosen.id if chosen else None
        rule.publish_automatically = bool(publish_automatically)
        rule.updated_at = utcnow()
        db.session.flush()
    if rule.publish_automatically != was_publishing:
        _record_publishing_choice(rule, actor, before=was_publishing)
    return rule


def _record_publishing_choice(rule: AlertRule, actor: Actor, *, before: bool) -> None:
    """An entry of its own, so "who let automation publish to customers" is one search."""
    record(
        actor,
        "alert_rule.publish_automatically",
        target_type="alert_rule",
        target_id=rule.id,
        before={"publish_automatically": before},
        after={"publish_automatically": rule.publish_automatically},
    )


def move_rule(rule: AlertRule, direction: str, actor: Actor) -> AlertRule:
    """Swap `rule` with its neighbour in the order ("up" or "down"); at either end it stays.
    Positions are renumbered 1..n, so equal positions left by older rows sort out too."""
    if direction not in ("up", "down"):
        raise InvalidInput("a rule moves up or down")
    page = db.session.get_one(Page, rule.page_id)
    rules = list_rules(page)
    at = rules.index(rule)
    to = at - 1 if direction == "up" else at + 1
    with record_change(actor, "alert_rule.move", rule, ("position",), target_type="alert_rule"):
        if 0 <= to < len(rules):
            rules[at], rules[to] = rules[to], rules[at]
        for position, each in enumerate(rules, start=1):
            each.position = position
        db.session.flush()
    return rule


def delete_rule(rule: AlertRule, actor: Actor) -> None:
    _remove_rule(rule, actor)


def _remove_rule(rule: AlertRule, actor: Actor, *, reason: str | None = None) -> None:
    extra = {"reason": reason} if reason else {}
    record_removed(
        actor, "alert_rule.delete", rule, _rule_values, target_type="alert_rule", **extra
    )
    db.session.delete(rule)
    db.session.flush()


# ----------------------------------------------------------------------------- automation


@dataclass(frozen=True)
class AutomationSettings:
    """What alerts may do to one component, and how long a status must hold first."""

    mode: AutomationMode = AutomationMode.off
    hold_seconds: int = DEFAULT_HOLD_SECONDS

    @property
    def on(self) -> bool:
        return self.mode is not AutomationMode.off


def _settings(row: ComponentAutomation | None) -> AutomationSettings:
    if row is None:
        return AutomationSettings()
    return AutomationSettings(row.mode, row.hold_seconds)


def automation_for(component: Component) -> AutomationSettings:
    """`component`'s automation; a component nobody set up is off, with the default hold."""
    return _settings(db.session.get(ComponentAutomation, component.id))


def automation_of(components: Iterable[Component]) -> dict[str, AutomationSettings]:
    """`automation_for` each of `components` (by id), in one query."""
    ids = [component.id for component in components]
    rows = db.session.scalars(
        select(ComponentAutomation).where(ComponentAutomation.component_id.in_(ids))
    )
    found = {row.component_id: row for row in rows}
    return {component_id: _settings(found.get(component_id)) for component_id in ids}


def _hold(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("the hold is a whole number of seconds")
    if not MIN_HOLD_SECONDS <= value <= MAX_HOLD_SECONDS:
        raise InvalidInput(
            f"the hold is from {MIN_HOLD_SECONDS} to {MAX_HOLD_SECONDS} seconds (an hour)"
        )
    return value


def _automation_values(row: ComponentAutomation) -> dict[str, Any]:
    return {"mode": row.mode.value, "hold_seconds": row.hold_seconds}


def set_automation(
    component: Component, mode: AutomationMode | str, hold_seconds: int, actor: Actor
) -> ComponentAutomation:
    """Set what alerts may do to `component` and its hold (0..3600 s). Turning it off also
    forgets a status that was waiting out its hold, so switching it back on starts afresh."""
    chosen = choice(AutomationMode, mode, "an automation mode")
    hold = _hold(hold_seconds)
    row = db.session.get(ComponentAutomation, component.id)
    if row is None:
        row = ComponentAutomation(
            component_id=component.id,
            mode=AutomationMode.off,
            hold_seconds=DEFAULT_HOLD_SECONDS,
        )
        db.session.add(row)
        db.session.flush()
    with record_change(
        actor,
        "component.automation",
        row,
        _automation_values,
        target_type="component",
        target_id=component.id,
    ):
        row.mode = chosen
        row.hold_seconds = hold
        if chosen is AutomationMode.off:
            row.pending_status = None
            row.pending_since = None
            row.pending_alert_id = None
        row.updated_at = utcnow()
        db.session.flush()
    return row
