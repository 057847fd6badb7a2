"""The real Alertmanager posts to Herald (served from a thread of this test's app): a firing
alert moves the component after its hold, resolving returns it, and a flapping alert
publishes nothing.

Alertmanager runs in real time; the hold's end is reached with time_machine, as the queue
would reach it: the job the intake scheduled for that second is run at that second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.models import (
    Alert,
    AlertState,
    AuditEvent,
    Component,
    ComponentAutomation,
    ComponentStatus,
    ComponentStatusChange,
)
from statuspage.page.state import ensure_page, page_version
from tests.factories.monitoring import automate, integration, rule
from tests.live_server import LiveServer
from tests.monitoring.alertmanager import Alertmanager, needs_alertmanager, wait_for

pytestmark = needs_alertmanager
API_DOWN = {"alertname": "ApiDown", "service": "api", "severity": "critical"}


@pytest.fixture
def herald(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app, "herald")
    yield server
    server.stop()


@pytest.fixture
def monitored(herald: LiveServer, tmp_path: Path) -> Iterator[tuple[Alertmanager, str]]:
    page = ensure_page()
    api = create_component("API")
    _source, secret = integration()
    rule(api, ComponentStatus.major_outage, [("service", "=", "api")])
    automate(api, hold=2)
    db.session.commit()
    url = f"{herald.url}/api/v1/pages/{page.id}/integrations/alertmanager/{secret}"
    manager = Alertmanager(tmp_path / "alertmanager", url)
    yield manager, api.id
    manager.stop()


def alert_state() -> AlertState | None:
    db.session.rollback()  # read what Herald's requests committed since
    alert = db.session.scalars(select(Alert)).first()
    return alert.state if alert else None


def run_due_jobs(queue) -> None:
    """Run each job the queue holds for later at its due second (the worker's scheduler)."""
    due = [task for task in queue.huey.pending() if task.eta is not None]
    assert due, "the intake queued no job for the hold's end"
    for task in due:
        with time_machine.travel(task.eta.replace(tzinfo=UTC), tick=False):  # huey: naive UTC
            queue.huey.execute(task, timestamp=task.eta)
    queue.huey.flush()


def _stored(component_id: str) -> ComponentStatus:
    db.session.rollback()
    return db.session.get(Component, component_id, populate_existing=True).status


def test_an_alert_through_alertmanager_moves_the_component_and_resolving_returns_it(
    monitored, queue
):
    manager, component_id = monitored
    manager.fire(API_DOWN, "API is down")
    wait_for(lambda: alert_state() is AlertState.firing, "Alertmanager's firing notification")
    setting = db.session.get(ComponentAutomation, component_id, populate_existing=True)
    assert setting.pending_status is ComponentStatus.major_outage
    assert _stored(component_id) is ComponentStatus.operational  # held for 2 s first
    run_due_jobs(queue)
    assert _stored(component_id) is ComponentStatus.major_outage

    manager.resolve(API_DOWN)
    wait_for(lambda: alert_state() is AlertState.resolved, "Alertmanager's resolved notification")
    run_due_jobs(queue)
    assert _stored(component_id) is ComponentStatus.operational
    entries = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "component.automation")
        .order_by(AuditEvent.id)  # in the trail's order: PostgreSQL returns rows in any order
    ).all()
    assert [e.after["status"] for e in entries] == ["major_outage", "operational"]
    assert {e.after["alert"]["labels"]["alertname"] for e in entries} == {"ApiDown"}


def test_a_flapping_alert_through_alertmanager_publishes_nothing(monitored, queue):
    manager, component_id = monitored
    version = page_version()
    manager.fire(API_DOWN, "API is down")
    wait_for(lambda: alert_state() is AlertState.firing, "Alertmanager's firing notification")
    manager.resolve(API_DOWN)  # within the hold: Herald is still holding the outage
    wait_for(lambda: alert_state() is AlertState.resolved, "Alertmanager's resolved notification")
    run_due_jobs(queue)  # the hold's end comes and finds nothing to publish
    assert _stored(component_id) is ComponentStatus.operational
    moved = db.session.scalars(
        select(ComponentStatusChange).where(ComponentStatusChange.component_id == component_id)
    ).all()
    assert len(moved) == 1  # its creation only
    assert page_version() == version
