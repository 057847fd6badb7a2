"""`flask demo` fills an empty database with a realistic page, and only an empty one."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.jobs.every_minute import sweep
from statuspage.models import (
    Component,
    ComponentGroup,
    DailyUptime,
    Incident,
    IncidentStatus,
    Notice,
)
from statuspage.staff.accounts import authenticate
from tests.queue import drain


def test_demo_loads_a_realistic_page_once(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    assert "email:    owner@herald.example" in result.output
    password = result.output.split("password: ")[1].split()[0]
    assert authenticate("owner@herald.example", password) is not None

    assert db.session.scalar(select(func.count()).select_from(Component)) == 12
    assert db.session.scalar(select(func.count()).select_from(ComponentGroup)) == 3
    incidents = db.session.scalars(select(Incident)).all()
    statuses = {i.status for i in incidents}
    assert IncidentStatus.resolved in statuses or IncidentStatus.postmortem in statuses
    assert IncidentStatus.identified in statuses  # one still open
    assert IncidentStatus.scheduled in statuses  # upcoming maintenance
    outage_days = db.session.scalar(
        select(func.count()).select_from(DailyUptime).where(DailyUptime.uptime < 1)
    )
    assert outage_days >= 5

    summary = client.get("/api/v2/summary.json").get_json()
    assert summary["status"]["indicator"] == "minor"
    assert len(summary["scheduled_maintenances"]) == 1
    (ongoing,) = summary["incidents"]
    assert ongoing["name"] == "Increased latency in EU West"
    (translated,) = client.get("/api/v2/summary.json?lang=ja").get_json()["incidents"]
    assert translated["name"] == "EU Westでのレイテンシの増加"
    assert "容量を増強しています" in translated["incident_updates"][0]["body"]

    again = runner.invoke(args=["demo"])
    assert "already has data" in again.output
    assert "Demo owner created" not in again.output
    assert db.session.scalar(select(func.count()).select_from(Component)) == 12


def test_a_first_start_is_calm_no_mail_and_no_notice_waiting(app, smtp, queue):
    """An outside run of `make run` found ~38 notices left for the demo's fictional past, and
    the owner mailed "[Regulatory deadline] NIS2 early warning" and "Update due" within
    minutes. The demo is history: it leaves no notice for the worker, and the worker's
    sweeps over the next twenty minutes mail nobody."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
    start = utcnow()
    for minutes in (0, 1, 5, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            sweep()
            db.session.commit()
            drain(queue)
    assert [m["Subject"] for m in smtp.inbox.messages] == []
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
