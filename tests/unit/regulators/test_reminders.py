"""Deadline reminders: the sweep reminds comms and legal by email before each regulatory
deadline, once per lead time, through the real queue and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from statuspage.audit.trail import Actor
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.jobs.every_minute import sweep
from statuspage.models import ObligationReminder, Role
from statuspage.regulators import library, obligations
from tests.factories import staff_user
from tests.queue import drain

AWARE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_comms_and_legal_are_reminded_once_per_lead(queue, smtp) -> None:
    staff_user("comms@example.com", Role.comms)
    staff_user("legal@example.com", Role.legal)
    staff_user("viewer@example.com", Role.viewer)
    staff_user("gone@example.com", Role.comms, active=False)
    actor = Actor("test")
    cert_in = library.add_from_library("cert-in", actor=actor)  # 6 h after awareness
    incident = create_incident(OpenIncident("Breach", "Investigating."))
    obligations.set_reportable(incident, [cert_in.id], user=None, actor=actor)
    obligations.record_trigger(incident, "awareness", AWARE, user=None, actor=actor, now=AWARE)
    db.session.commit()
    due = AWARE + timedelta(hours=6)

    def sweep_at(moment: datetime) -> list[str]:
        before = len(smtp.inbox.messages)
        with time_machine.travel(moment, tick=False):
            sweep()
            db.session.commit()
            drain(queue)
        return [str(m["Subject"]) for m in smtp.inbox.messages[before:]]

    first = sweep_at(AWARE + timedelta(minutes=5))  # within 24 h: the day-ahead reminder
    assert first == [f"[Regulatory deadline] {cert_in.name} incident report: due "
                     f"{due:%Y-%m-%d %H:%M} UTC"] * 2  # fmt: skip
    recipients = sorted(str(m["To"]) for m in smtp.inbox.messages)
    assert recipients == ["comms@example.com", "legal@example.com"]
    body = smtp.inbox.messages[0].get_content()
    assert f"/admin/incidents/{incident.id}/regulators" in body
    assert sweep_at(AWARE + timedelta(minutes=6)) == []  # once
    assert len(sweep_at(due - timedelta(minutes=30))) == 2  # the hour-ahead reminder
    assert sweep_at(due - timedelta(minutes=10)) == []
    overdue = sweep_at(due + timedelta(minutes=1))
    assert overdue == [f"[Regulatory deadline] {cert_in.name} incident report: OVERDUE"] * 2
    assert sweep_at(due + timedelta(hours=3)) == []
    reminders = db.session.scalars(select(ObligationReminder)).all()
    assert sorted(r.lead_minutes for r in reminders) == [0, 60, 1440]
    assert all(r.sent_at is not None for r in reminders)


def test_a_submitted_report_is_not_reminded(queue, smtp) -> None:
    staff_user("legal@example.com", Role.legal)
    actor = Actor("test")
    cert_in = library.add_from_library("cert-in", actor=actor)
    incident = create_incident(OpenIncident("Breach", "Investigating."))
    obligations.set_reportable(incident, [cert_in.id], user=None, actor=actor)
    obligations.record_trigger(incident, "awareness", AWARE, user=None, actor=actor, now=AWARE)
    (row,) = obligations.board(incident, AWARE)
    obligations.record_portal_submission(
        row.obligation,
        reference="CERTIN-1",
        submitted_at=AWARE + timedelta(hours=1),
        user=None,
        actor=actor,
        now=AWARE + timedelta(hours=1),
    )
    db.session.commit()
    with time_machine.travel(AWARE + timedelta(hours=5, minutes=30), tick=False):
        sweep()
        db.session.commit()
        drain(queue)
    assert smtp.inbox.messages == []
