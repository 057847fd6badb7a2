"""Cadence compliance on a moving clock: each due time with when its update came, minutes
overdue, reminded and escalated at; the summary; and the section in the communication report
(JSON and CSV)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from statuspage.crisis.report import communication_report
from statuspage.extensions import db
from statuspage.incidents import cadence
from statuspage.incidents.cadence_compliance import DueRow, cadence_compliance
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.jobs.every_minute import sweep
from statuspage.models import Incident
from statuspage.page.state import ensure_page

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def minute(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def post(incident: Incident, m: float, status: str | None = None) -> None:
    with time_machine.travel(minute(m), tick=False):
        post_update(incident, PostUpdate(f"At {m}.", status=status, deliver_notifications=False))
        db.session.commit()


def sweeps(*minutes: float) -> None:
    for m in minutes:
        with time_machine.travel(minute(m), tick=False):
            sweep()
            db.session.commit()


def a_crisis() -> Incident:
    """Cadence 30: on time at 9:20, 7 minutes late at 9:57 (reminded 9:45, escalated 9:50),
    resolved on time at 10:20."""
    ensure_page()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("Card payments", "Looking."))
        db.session.commit()
    post(incident, 20)
    sweeps(44, 45, 49, 50, 51)
    post(incident, 57)
    post(incident, 80, status="resolved")
    return incident


def test_each_due_time_with_its_update_lateness_reminder_and_escalation():
    incident = a_crisis()
    rows = cadence_compliance(incident.id, now=minute(200))
    assert rows == [
        DueRow(
            after_update_id=rows[0].after_update_id,
            due_at=minute(30),
            posted_at=minute(20),
            overdue_minutes=0,
            reminded_at=None,
            escalated_at=None,
        ),
        DueRow(
            after_update_id=rows[1].after_update_id,
            due_at=minute(50),
            posted_at=minute(57),
            overdue_minutes=7,
            reminded_at=minute(45),
            escalated_at=minute(50),
        ),
        DueRow(
            after_update_id=rows[2].after_update_id,
            due_at=minute(87),
            posted_at=minute(80),
            overdue_minutes=0,
            reminded_at=None,
            escalated_at=None,
        ),
    ]
    assert len({r.after_update_id for r in rows}) == 3


def test_a_missing_update_counts_as_late_until_now_and_a_due_time_to_come_not_at_all():
    ensure_page()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("Card payments", "Looking."))
        db.session.commit()
    assert cadence_compliance(incident.id, now=minute(29)) == []
    (row,) = cadence_compliance(incident.id, now=minute(42.5))
    assert (row.due_at, row.posted_at, row.overdue_minutes) == (minute(30), None, 13)


def test_the_cadence_in_force_is_the_incidents_own_when_it_changed():
    ensure_page()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("Card payments", "Looking."))
        db.session.commit()
    with time_machine.travel(minute(5), tick=False):
        cadence.set_incident_cadence(incident, 15)  # a playbook's SEV1 cadence
        db.session.commit()
    post(incident, 18)
    (row,) = cadence_compliance(incident.id, now=minute(20))
    assert (row.due_at, row.overdue_minutes) == (minute(15), 3)


def test_the_report_says_how_the_cadence_was_kept():
    incident = a_crisis()
    report = communication_report(incident.id, now=minute(200))
    assert report.cadence.summary == "2 of 3 updates on time; worst 7 min late"
    section = report.as_json()["cadence"]
    assert section["summary"] == "2 of 3 updates on time; worst 7 min late"
    assert (section["due"], section["on_time"], section["worst_overdue_minutes"]) == (3, 2, 7)
    late = section["rows"][1]
    assert late == {
        "after_update_id": late["after_update_id"],
        "due_at": minute(50).isoformat(),
        "posted_at": minute(57).isoformat(),
        "overdue_minutes": 7,
        "on_time": False,
        "reminded_at": minute(45).isoformat(),
        "escalated_at": minute(50).isoformat(),
    }
    rows = [r for r in report.csv_rows() if r["section"] == "cadence"]
    assert [r["status"] for r in rows] == ["on time", "7 min late", "on time"]
    assert rows[1]["due_at"] == minute(50).isoformat()
    assert rows[1]["sent_at"] == minute(57).isoformat()


def test_every_update_on_time_says_so():
    ensure_page()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("Card payments", "Looking."))
        db.session.commit()
    post(incident, 25)
    post(incident, 50, status="resolved")
    report = communication_report(incident.id, now=minute(60))
    assert report.cadence.summary == "2 of 2 updates on time"
    assert report.cadence.kept
