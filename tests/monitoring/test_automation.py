"""The automation engine: alerts to a component's status, damped, audited, on a moving clock.

Time moves with time_machine (statuspage.clock reads the real clock): each test sets the
second it runs at, as tests/admin/test_maintenance.py does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from statuspage.components.catalog import create_component, set_component_status
from statuspage.components.uptime import rollup_uptime, stored_uptime
from statuspage.delivery.outbox import OUTBOX_KEY, SETTLE_AUTOMATION
from statuspage.extensions import db
from statuspage.models import (
    Alert,
    AuditEvent,
    AutomationMode,
    ComponentAutomation,
    ComponentStatus,
    ComponentStatusChange,
)
from statuspage.monitoring import automation
from statuspage.monitoring.intake import take_alerts
from statuspage.monitoring.sources import alertmanager
from statuspage.page.state import ensure_page, page_version
from tests.factories.monitoring import automate, integration, rule
from tests.monitoring.world import am_alert, am_body

T0 = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
API_DOWN = {"alertname": "ApiDown", "service": "api", "severity": "critical"}
API_SLOW = {"alertname": "ApiSlow", "service": "api", "severity": "warning"}


def report(source, *alerts, at):
    with time_machine.travel(at, tick=False):
        return take_alerts(source, alertmanager.read(am_body(*alerts)), at)


def settle(component, at):
    with time_machine.travel(at, tick=False):
        return automation.settle(component.id, at)


def changes(component):
    return list(
        db.session.scalars(
            select(ComponentStatusChange)
            .where(ComponentStatusChange.component_id == component.id)
            .order_by(ComponentStatusChange.id)
        )
    )[1:]  # the first is the component's creation


def scheduled_settles():
    return [e for e in db.session.info.get(OUTBOX_KEY, []) if e[0] == SETTLE_AUTOMATION.name]


def api_world(hold=60, mode=AutomationMode.status):
    ensure_page()
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        api = create_component("API")
    source, _ = integration()
    critical = [("service", "=", "api"), ("severity", "=", "critical")]
    rule(api, ComponentStatus.major_outage, critical)
    rule(api, ComponentStatus.degraded_performance, [("service", "=", "api")], position=1)
    automate(api, mode, hold)
    return api, source


def test_a_firing_alert_is_held_then_applied_at_its_second_with_the_alert_in_the_audit():
    api, source = api_world(hold=60)
    db.session.info.pop(OUTBOX_KEY, None)
    summary = report(source, am_alert("fp-down", API_DOWN, summary="API is down"), at=T0)
    assert summary.as_json() == {"alerts": 1, "firing": 1, "resolved": 0, "matched": 1}
    setting = db.session.get(ComponentAutomation, api.id)
    assert (setting.pending_status, setting.pending_since) == (ComponentStatus.major_outage, T0)
    assert api.status is ComponentStatus.operational  # held, not yet published
    # The apply is queued for the second the hold ends, not left to the minute's sweep.
    assert scheduled_settles() == [("settle_automation", (api.id,), T0 + timedelta(seconds=60))]

    assert settle(api, T0 + timedelta(seconds=59)) == []
    assert api.status is ComponentStatus.operational
    assert settle(api, T0 + timedelta(seconds=60)) == [api.id]
    assert api.status is ComponentStatus.major_outage
    (change,) = changes(api)
    assert (change.new_status, change.changed_at) == (
        ComponentStatus.major_outage, T0 + timedelta(seconds=60))  # fmt: skip

    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "component.automation")
    ).one()
    assert entry.actor == "automation"
    assert entry.target_id == api.id
    assert entry.after["status"] == "major_outage"
    assert entry.after["alert"]["fingerprint"] == "fp-down"
    assert entry.after["alert"]["integration"] == "Prometheus"
    assert entry.after["alert"]["labels"] == API_DOWN
    assert entry.after["alert"]["summary"] == "API is down"

    # The job run again (or the sweep after it) does nothing twice.
    assert settle(api, T0 + timedelta(seconds=61)) == []
    with time_machine.travel(T0 + timedelta(seconds=90), tick=False):
        assert automation.reconsider_all(T0 + timedelta(seconds=90)) == []
    assert len(changes(api)) == 1


def test_a_flapping_alert_publishes_nothing():
    api, source = api_world(hold=60)
    db.session.commit()
    version = page_version()
    report(source, am_alert("fp-down", API_DOWN), at=T0)
    report(source, am_alert("fp-down", API_DOWN, firing=False), at=T0 + timedelta(seconds=20))
    setting = db.session.get(ComponentAutomation, api.id)
    assert setting.pending_status is None  # dropped: the wanted status came back
    report(source, am_alert("fp-down", API_DOWN), at=T0 + timedelta(seconds=40))
    report(source, am_alert("fp-down", API_DOWN, firing=False), at=T0 + timedelta(seconds=70))
    # The jobs queued for each hold's end find nothing due.
    assert settle(api, T0 + timedelta(seconds=60)) == []
    assert settle(api, T0 + timedelta(seconds=100)) == []
    assert api.status is ComponentStatus.operational
    assert changes(api) == []
    assert page_version() == version


def test_the_worst_firing_alert_wins_and_all_resolved_returns_to_operational():
    api, source = api_world(hold=0)  # no hold: each report applies at once
    report(source, am_alert("slow", API_SLOW), at=T0)
    assert api.status is ComponentStatus.degraded_performance
    report(source, am_alert("down", API_DOWN), at=T0 + timedelta(minutes=1))
    assert api.status is ComponentStatus.major_outage
    report(source, am_alert("down", API_DOWN, firing=False), at=T0 + timedelta(minutes=2))
    assert api.status is ComponentStatus.degraded_performance  # the slow one still fires
    report(source, am_alert("slow", API_SLOW, firing=False), at=T0 + timedelta(minutes=3))
    assert api.status is ComponentStatus.operational
    assert [c.new_status for c in changes(api)] == [
        ComponentStatus.degraded_performance,
        ComponentStatus.major_outage,
        ComponentStatus.degraded_performance,
        ComponentStatus.operational,
    ]


def test_mode_off_or_no_setting_changes_nothing_but_keeps_the_alert():
    ensure_page()
    api = create_component("API")
    web = create_component("Web")
    source, _ = integration()
    rule(api, ComponentStatus.major_outage, [("service", "=", "api")])
    rule(web, ComponentStatus.major_outage, [("service", "=", "web")])
    automate(web, AutomationMode.off, hold=0)
    report(source, am_alert("a", {"service": "api"}), am_alert("w", {"service": "web"}), at=T0)
    assert (api.status, web.status) == (ComponentStatus.operational, ComponentStatus.operational)
    kept = {a.fingerprint: a.component_id for a in db.session.scalars(select(Alert))}
    assert kept == {"a": api.id, "w": web.id}
    assert source.last_received_at == T0


def test_rules_by_position_and_integration_and_an_alert_kept_once_by_fingerprint():
    ensure_page()
    api = create_component("API")
    web = create_component("Web")
    prometheus, _ = integration()
    grafana, _ = integration(name="Grafana")
    # Position 0 is for Grafana's alerts only; Prometheus's fall through to position 1.
    rule(web, ComponentStatus.partial_outage, [("service", "=~", "api|web")],
         integration=grafana)  # fmt: skip
    rule(api, ComponentStatus.major_outage, [("service", "=", "api")], position=1)
    report(prometheus, am_alert("x", {"service": "api"}), at=T0)
    report(prometheus, am_alert("x", {"service": "api"}), at=T0 + timedelta(seconds=5))
    report(grafana, am_alert("x", {"service": "api"}), at=T0)
    rows = db.session.scalars(select(Alert).order_by(Alert.id)).all()
    assert [(r.integration_id, r.component_id, r.component_status) for r in rows] == [
        (prometheus.id, api.id, ComponentStatus.major_outage),
        (grafana.id, web.id, ComponentStatus.partial_outage),
    ]
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 2


def test_components_with_automation_show_uptime_from_the_recorded_history():
    api, source = api_world(hold=60)
    day = T0.date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    report(source, am_alert("down", API_DOWN), at=midnight)
    settle(api, midnight + timedelta(seconds=60))  # major outage from 00:01
    report(source, am_alert("down", API_DOWN, firing=False), at=midnight + timedelta(hours=6))
    settle(api, midnight + timedelta(hours=6, seconds=60))  # operational from 06:01
    with time_machine.travel(midnight + timedelta(hours=12), tick=False):
        rollup_uptime(api.id, day, midnight + timedelta(hours=12))
        daily, _ = stored_uptime([api.id], day)
    # Down 6 hours of the 12 observed: the history automation wrote is what uptime counts.
    assert abs(daily[(api.id, day)] - 0.5) < 1e-9


def test_a_status_a_person_sets_stands_until_an_alert_is_reported_again():
    """Automation answers alerts; the sweep does not undo a person's change."""
    api, source = api_world(hold=0)
    report(source, am_alert("fp-down", API_DOWN), at=T0)
    report(source, am_alert("fp-down", API_DOWN, firing=False), at=T0 + timedelta(minutes=5))
    assert api.status is ComponentStatus.operational
    # Comms know better: the API is still slow for some customers.
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        set_component_status(api, ComponentStatus.degraded_performance)
    for minutes in (11, 12, 30):
        at = T0 + timedelta(minutes=minutes)
        with time_machine.travel(at, tick=False):
            assert automation.reconsider_all(at) == []
    assert api.status is ComponentStatus.degraded_performance
    # The next report speaks again, and automation answers it.
    report(source, am_alert("fp-down", API_DOWN), at=T0 + timedelta(minutes=31))
    assert api.status is ComponentStatus.major_outage
    report(source, am_alert("fp-down", API_DOWN, firing=False), at=T0 + timedelta(minutes=40))
    assert api.status is ComponentStatus.operational


def test_the_hold_counts_from_when_the_alert_began_not_from_its_report():
    """Alertmanager waits group_wait (30 s by default) before its first notification, and the
    alert's startsAt says when it began firing (https://prometheus.io/docs/alerting/latest/
    configuration/#webhook_config): counting the hold from the report would add that wait to
    every outage's way to the page."""
    api, source = api_world(hold=60)
    db.session.info.pop(OUTBOX_KEY, None)
    began = T0 - timedelta(seconds=45)
    report(source, am_alert("fp-down", API_DOWN, starts_at=began), at=T0)
    assert scheduled_settles() == [("settle_automation", (api.id,), began + timedelta(seconds=60))]
    assert settle(api, began + timedelta(seconds=60)) == [api.id]
    assert api.status is ComponentStatus.major_outage
    # An alert that has fired longer than the hold when it is first reported applies at once;
    # a start in the future (a tool's clock ahead of ours) counts from the report.
    web = create_component("Web")
    rule(web, ComponentStatus.partial_outage, [("service", "=", "web")], position=2)
    automate(web, AutomationMode.status, 60)
    report(source, am_alert("fp-web", {"service": "web"}, starts_at=T0 - timedelta(minutes=5)),
           at=T0 + timedelta(seconds=61))  # fmt: skip
    assert web.status is ComponentStatus.partial_outage
    cron = create_component("Cron")
    rule(cron, ComponentStatus.partial_outage, [("service", "=", "cron")], position=3)
    automate(cron, AutomationMode.status, 60)
    ahead = T0 + timedelta(minutes=10)
    report(source, am_alert("fp-cron", {"service": "cron"}, starts_at=ahead), at=T0)
    assert db.session.get(ComponentAutomation, cron.id).pending_since == T0
