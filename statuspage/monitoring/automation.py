"""The automation engine: what alerts make of a component's status, damped.

A component's wanted status is the worst among its firing alerts (major outage, partial
outage, degraded performance, under maintenance), operational when none fire. With no
ComponentAutomation row, or mode off, alerts change nothing. Otherwise a wanted status
different from the component's becomes *pending* and is applied only once it has held
`hold_seconds` (counted from when the alert began, as its tool says): a wanted status that
changes back before then drops it, so a flapping alert publishes nothing. The apply
happens at its second through a job the queue holds until then (`SETTLE_AUTOMATION`,
scheduled after commit), with the minute's sweep as the safety net; both only call
`reconsider`, which does nothing twice.

Applying is `catalog.set_component_status`, as a person's change is (status history,
uptime, page version), plus an audit entry whose actor is automation and whose details
name the alert behind it; in mode status_and_draft, `drafts` follows up.

Automation answers alerts, it does not undo people: a status a person sets after the last
alert report stands (the sweep leaves it) until an alert of that component is reported
again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from statuspage.audit.trail import record
from statuspage.components.catalog import set_component_status
from statuspage.delivery.outbox import SETTLE_AUTOMATION, after_commit_at
from statuspage.extensions import db
from statuspage.models import (
    Alert,
    AlertState,
    AutomationMode,
    Component,
    ComponentAutomation,
    ComponentStatus,
    ComponentStatusChange,
)
from statuspage.monitoring import drafts
from statuspage.monitoring.evidence import AUTOMATION, alert_details

# Worst last.
ORDER = (
    ComponentStatus.operational,
    ComponentStatus.under_maintenance,
    ComponentStatus.degraded_performance,
    ComponentStatus.partial_outage,
    ComponentStatus.major_outage,
)


def wanted_status(component_id: str) -> tuple[ComponentStatus, Alert | None]:
    """The worst status the component's firing alerts ask for, and the alert asking it
    (the earliest of the worst); operational and None when none fire."""
    firing = db.session.scalars(
        select(Alert)
        .where(
            Alert.component_id == component_id,
            Alert.state == AlertState.firing,
            Alert.component_status.is_not(None),
        )
        .order_by(Alert.starts_at, Alert.id)
        .execution_options(populate_existing=True)
    ).all()
    worst: tuple[ComponentStatus, Alert | None] = (ComponentStatus.operational, None)
    for alert in firing:
        status = alert.component_status
        if status is not None and ORDER.index(status) > ORDER.index(worst[0]):
            worst = (status, alert)
    return worst


def reconsider(component_ids: Iterable[str], now: datetime, *, reported: bool = False) -> list[str]:
    """Move each component's damping on to `now`: start, keep, drop or apply its pending
    status. `reported`: the intake calls it for components an alert report just touched;
    otherwise (the sweep, a hold's end) a status a person set after the last report stands.
    Returns the ids of the components whose status was applied. Flushes."""
    applied = []
    for component_id in component_ids:
        if _reconsider_one(component_id, now, reported=reported):
            applied.append(component_id)
    return applied


def settle(component_id: str, now: datetime) -> list[str]:
    """The job at a hold's end: reconsider, and should the queue have run it early (another
    process's clock), ask again for the second the hold ends."""
    applied = reconsider([component_id], now)
    automation = db.session.get(ComponentAutomation, component_id)
    if automation is not None and automation.pending_since is not None and now < due_at(automation):
        after_commit_at(SETTLE_AUTOMATION, due_at(automation), component_id)
    return applied


def reconsider_all(now: datetime) -> list[str]:
    """The sweep's step: every component with automation on (a lost job, a mode just
    turned on with alerts already firing)."""
    ids = db.session.scalars(
        select(ComponentAutomation.component_id).where(
            ComponentAutomation.mode != AutomationMode.off
        )
    ).all()
    return reconsider(ids, now)


def _reconsider_one(component_id: str, now: datetime, *, reported: bool) -> bool:
    # Locked on PostgreSQL: the job at the hold's end and the sweep (or two reports at once)
    # decide one after the other, so a status is applied once. SQLite serialises writers.
    automation = db.session.get(
        ComponentAutomation, component_id, populate_existing=True, with_for_update=True
    )
    component = db.session.get(Component, component_id, populate_existing=True)
    if automation is None or component is None or automation.mode is AutomationMode.off:
        return False
    if not (reported or automation.pending_since or _reported_since_change(component_id)):
        return False  # a person set the status after the last report: theirs until alerts speak
    wanted, alert = wanted_status(component_id)
    alert = alert or _last_resolved(component_id)  # what a return to operational is due to
    if wanted is component.status:
        _clear_pending(automation, now)  # what was pending flapped back: nothing to publish
        return False
    if automation.pending_status is not wanted or automation.pending_since is None:
        automation.pending_status = wanted
        automation.pending_since = _held_since(wanted, alert, now)
        automation.pending_alert_id = alert.id if alert else None
        automation.updated_at = now
        db.session.flush()
        if now < due_at(automation):
            after_commit_at(SETTLE_AUTOMATION, due_at(automation), component_id)
            return False
    if now < due_at(automation):
        return False
    _apply(component, automation, wanted, alert, now)
    return True


def _held_since(wanted: ComponentStatus, alert: Alert | None, now: datetime) -> datetime:
    """Since when the wanted status has held: the alert's own start (or, for a return to
    operational, its end) as its tool reports it, never later than now.

    The tool has waited already (Alertmanager's group_wait, a rule's `for:`): counting the
    hold from the report would add that wait to every outage's way to the page.
    """
    began = None
    if alert is not None:
        began = alert.ends_at if wanted is ComponentStatus.operational else alert.starts_at
    return min(began, now) if began is not None else now


def _reported_since_change(component_id: str) -> bool:
    """Whether an alert of the component was reported after its status last changed.

    Automation answers alerts; it does not undo people. A status a person set after the last
    report stands (the sweep will not put it back) until an alert is reported again.
    """
    changed_at = db.session.scalar(
        select(func.max(ComponentStatusChange.changed_at)).where(
            ComponentStatusChange.component_id == component_id,
            ComponentStatusChange.old_status.is_not(None),  # not the component's creation
        )
    )
    spoke = select(Alert.id).where(Alert.component_id == component_id)
    if changed_at is not None:
        spoke = spoke.where(Alert.updated_at > changed_at)
    return db.session.scalar(spoke.limit(1)) is not None


def _last_resolved(component_id: str) -> Alert | None:
    return db.session.scalars(
        select(Alert)
        .where(Alert.component_id == component_id, Alert.state == AlertState.resolved)
        .order_by(Alert.updated_at.desc(), Alert.id.desc())
        .limit(1)
    ).first()


def due_at(automation: ComponentAutomation) -> datetime:
    assert automation.pending_since is not None
    return automation.pending_since + timedelta(seconds=max(automation.hold_seconds, 0))


def _clear_pending(automation: ComponentAutomation, now: datetime) -> None:
    if automation.pending_status is None and automation.pending_since is None:
        return
    automation.pending_status = None
    automation.pending_since = None
    automation.pending_alert_id = None
    automation.updated_at = now
    db.session.flush()


def _apply(
    component: Component,
    automation: ComponentAutomation,
    status: ComponentStatus,
    alert: Alert | None,
    now: datetime,
) -> None:
    old = component.status
    held_since = automation.pending_since
    set_component_status(component, status, at=now)
    _clear_pending(automation, now)
    record(
        AUTOMATION,
        "component.automation",
        target_type="component",
        target_id=component.id,
        before={"status": old.value},
        after={
            "status": status.value,
            "pending_since": held_since,
            "hold_seconds": automation.hold_seconds,
            "alert": alert_details(alert),
        },
        at=now,
    )
    if automation.mode is AutomationMode.status_and_draft:
        drafts.follow_status(component, status, alert, now)
