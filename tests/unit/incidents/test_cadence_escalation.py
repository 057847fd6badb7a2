"""Cadence reminders ahead of the due time and escalation when one is ignored, on a moving
clock: the job queued for the reminder's second (run as the consumer runs it), the minute's
sweep as the safety net, comms paged by SMS and Slack (Twilio and Slack answered at the HTTP
boundary, the reminder through a real SMTP server), once per due time, never after resolve
nor after an update posted in between; each step in the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import responses
import time_machine
from sqlalchemy import select

from statuspage.core.errors import InvalidInput
from statuspage.crisis.roster import ContactLine
from statuspage.extensions import db
from statuspage.incidents import cadence
from statuspage.incidents.cadence_escalation import escalate_due
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.jobs.every_minute import sweep
from statuspage.models import AuditEvent, Incident, NoticeRecipient, Role
from statuspage.page.state import ensure_page
from tests.factories import staff_user, team_member
from tests.fakes.twilio import MESSAGES_URL, accept, configured
from tests.queue import drain

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SLACK_HOOK = "https://hooks.slack.com/services/T000/B000/COMMS"
ANA_PHONE = "+15551230001"
BOB_PHONE = "+15551230002"


@pytest.fixture
def http(app) -> Iterator[responses.RequestsMock]:
    """Twilio and a Slack incoming webhook, both taking every message."""
    with configured(app), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        accept(mock)
        mock.add(responses.POST, SLACK_HOOK, body="ok")
        yield mock


def texts_to(mock: responses.RequestsMock) -> list[tuple[str, str]]:
    calls = [c for c in mock.calls if c.request.url == MESSAGES_URL]
    return [(form["To"][0], form["Body"][0]) for form in (parse_qs(c.request.body) for c in calls)]


def slack_posts(mock: responses.RequestsMock) -> list[dict]:
    return [json.loads(c.request.body) for c in mock.calls if c.request.url == SLACK_HOOK]


def at(minutes: float):
    return time_machine.travel(T0 + timedelta(minutes=minutes), tick=False)


def sweep_at(queue, *minutes: float) -> None:
    """The minute's sweep at each time, and whatever it queued run then."""
    for m in minutes:
        with at(m):
            sweep()
            db.session.commit()
            drain(queue)


def actions(name: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == name).order_by(AuditEvent.id)
        )
    )


def steps_scheduled(queue) -> list:
    return [t for t in queue.huey.scheduled() if t.name == "cadence_step"]


def run_at_its_second(queue, task) -> None:
    """What the consumer does when a scheduled job's time comes (huey: naive UTC)."""
    eta = task.eta.replace(tzinfo=UTC)
    with time_machine.travel(eta, tick=False):
        due = queue.huey.read_schedule(task.eta)  # taken off the schedule, as the consumer does
        assert task in due
        for job in due:
            queue.huey.execute(job, timestamp=task.eta)
        drain(queue)


def open_incident(queue, name: str = "Payments down") -> Incident:
    with at(0):
        incident = create_incident(OpenIncident(name, "Looking.", deliver_notifications=False))
        db.session.commit()
        drain(queue)  # at 9:00: the reminder's job is scheduled, not run
    return incident


def roster() -> None:
    """Ana leads comms (email, SMS, Slack); Bob is the technical liaison (SMS): not comms."""
    team_member(
        "Ana",
        ["Comms lead"],
        ContactLine("email", "ana@acme.example"),
        ContactLine("sms", ANA_PHONE),
        ContactLine("slack", SLACK_HOOK),
    )
    team_member("Bob", ["Technical liaison"], ContactLine("sms", BOB_PHONE))
    db.session.commit()


def test_comms_are_reminded_five_minutes_ahead_by_a_job_queued_for_that_second(smtp, queue):
    ensure_page()
    staff_user("comms@example.com", Role.comms)
    incident = open_incident(queue)

    (job,) = steps_scheduled(queue)
    assert job.args == (incident.id,)
    assert job.eta.replace(tzinfo=UTC) == T0 + timedelta(minutes=25)  # 9:30 due, 5 min lead
    sweep_at(queue, 24)
    assert smtp.inbox.messages == []

    run_at_its_second(queue, job)
    (reminder,) = smtp.inbox.messages
    assert reminder["To"] == "comms@example.com"
    assert "is due by 09:30 UTC" in reminder.get_content()
    (event,) = actions("incident.cadence_reminder")
    assert event.at == T0 + timedelta(minutes=25)  # at its second, not the next minute's sweep
    assert event.after["due_at"] == str(T0 + timedelta(minutes=30))
    assert event.after["lead_minutes"] == 5

    sweep_at(queue, 25.5, 26, 29)  # once per due time
    assert len(smtp.inbox.messages) == 1


def test_the_lead_is_the_pages_setting_and_the_sweep_takes_a_lost_job(smtp, queue):
    ensure_page()
    staff_user("comms@example.com", Role.comms)
    cadence.update_page_cadence(minutes=30, public_next_update=False, reminder_lead_minutes=10)
    db.session.commit()
    incident = open_incident(queue)
    queue.huey.flush()  # the job is lost: the sweep is the safety net

    sweep_at(queue, 19)
    assert smtp.inbox.messages == []
    sweep_at(queue, 20, 21)
    assert len(smtp.inbox.messages) == 1
    (event,) = actions("incident.cadence_reminder")
    assert (event.at, event.target_id) == (T0 + timedelta(minutes=20), incident.id)


@pytest.mark.parametrize(
    ("lead", "grace", "error"),
    [
        (-1, 0, "0 to 120 minutes before"),
        (121, 0, "0 to 120 minutes before"),
        (30, 0, "shorter than the cadence"),
        (5, -1, "0 to 120 minutes after"),
        (5, 121, "0 to 120 minutes after"),
    ],
)
def test_a_lead_or_grace_out_of_range_is_refused(lead, grace, error):
    ensure_page()
    with pytest.raises(InvalidInput, match=error):
        cadence.update_page_cadence(
            minutes=30,
            public_next_update=False,
            reminder_lead_minutes=lead,
            escalation_grace_minutes=grace,
        )


def test_an_ignored_reminder_pages_the_comms_role_on_sms_and_slack_once_per_due_time(
    smtp, queue, http
):
    ensure_page("Acme Status")
    staff_user("comms@example.com", Role.comms)
    roster()
    incident = open_incident(queue)
    run_at_its_second(queue, steps_scheduled(queue)[0])  # the reminder, 9:25
    assert texts_to(http) == []

    # The reminder queued the escalation for the due time's second.
    (escalation_job,) = steps_scheduled(queue)
    assert escalation_job.eta.replace(tzinfo=UTC) == T0 + timedelta(minutes=30)
    run_at_its_second(queue, escalation_job)

    assert [to for to, _ in texts_to(http)] == [ANA_PHONE]  # Bob is not comms
    assert "Update overdue: Payments down" in texts_to(http)[0][1]
    assert len(slack_posts(http)) == 1
    assert len(smtp.inbox.messages) == 1  # the email reminder only: escalation is SMS and chat
    (event,) = actions("incident.cadence_escalated")
    assert event.at == T0 + timedelta(minutes=30)
    assert event.incident_id == incident.id
    assert event.after["due_at"] == str(T0 + timedelta(minutes=30))
    assert [(p["member"], p["channel"]) for p in event.after["paths"]] == [
        ("Ana", "sms"),
        ("Ana", "slack"),
    ]
    (recipient,) = db.session.scalars(
        select(NoticeRecipient).where(NoticeRecipient.notice_id == event.after["notice_id"])
    )
    assert len(recipient.contact_point_ids) == 2
    assert actions("notice.team_page")  # the page itself is audited too

    sweep_at(queue, 31, 45)  # once per due time
    assert len(texts_to(http)) == 1
    assert len(actions("incident.cadence_escalated")) == 1

    # An update makes a new due time, escalated in its turn if ignored again.
    with at(50):
        post_update(incident, PostUpdate("Still looking.", deliver_notifications=False))
        db.session.commit()
        drain(queue)
    sweep_at(queue, 79)
    assert len(texts_to(http)) == 1
    sweep_at(queue, 80, 81)
    assert len(texts_to(http)) == 2
    assert [e.after["due_at"] for e in actions("incident.cadence_escalated")] == [
        str(T0 + timedelta(minutes=30)),
        str(T0 + timedelta(minutes=80)),
    ]


def test_no_escalation_when_an_update_was_posted_after_the_reminder(smtp, queue, http):
    ensure_page("Acme Status")
    roster()
    incident = open_incident(queue)
    sweep_at(queue, 25)
    assert len(actions("incident.cadence_reminder")) == 1
    with at(27):
        post_update(incident, PostUpdate("Cause found.", deliver_notifications=False))
        db.session.commit()
        drain(queue)
    for job in steps_scheduled(queue):  # the escalation queued by the reminder, among others
        if job.eta.replace(tzinfo=UTC) == T0 + timedelta(minutes=30):
            run_at_its_second(queue, job)
    sweep_at(queue, 30, 31, 40)
    assert texts_to(http) == []
    assert slack_posts(http) == []
    assert actions("incident.cadence_escalated") == []


def test_no_escalation_after_the_incident_is_resolved(smtp, queue, http):
    ensure_page("Acme Status")
    roster()
    incident = open_incident(queue)
    sweep_at(queue, 25)
    with at(28):
        post_update(incident, PostUpdate("Fixed.", status="resolved", deliver_notifications=False))
        db.session.commit()
        drain(queue)
    sweep_at(queue, 30, 31, 60, 120)
    with at(121):
        assert escalate_due(T0 + timedelta(minutes=121)) == []
    assert texts_to(http) == []
    assert slack_posts(http) == []
    assert actions("incident.cadence_escalated") == []


def test_the_grace_holds_the_escalation_and_nobody_reachable_is_still_recorded(smtp, queue):
    ensure_page("Acme Status")
    cadence.update_page_cadence(
        minutes=30, public_next_update=False, reminder_lead_minutes=5, escalation_grace_minutes=10
    )
    team_member("Cleo", ["Comms lead"], ContactLine("email", "cleo@acme.example"))
    db.session.commit()
    open_incident(queue)
    sweep_at(queue, 25, 30, 39)
    assert actions("incident.cadence_escalated") == []
    sweep_at(queue, 40, 41)
    (event,) = actions("incident.cadence_escalated")
    assert event.at == T0 + timedelta(minutes=40)
    assert event.after["paths"] == []
    assert event.after["notice_id"] is None
    assert event.after["unreached"] == "no comms member has an SMS or chat path"


def test_a_short_cadence_is_reminded_halfway_not_as_each_update_is_posted(smtp, queue):
    ensure_page()
    staff_user("comms@example.com", Role.comms)
    incident = open_incident(queue)
    with at(1):
        cadence.set_incident_cadence(incident, 6)  # due 9:06; the page's lead is 5 minutes
        db.session.commit()
        drain(queue)
    sweep_at(queue, 2)
    assert smtp.inbox.messages == []
    sweep_at(queue, 3)  # halfway between the update (9:00) and its due time (9:06)
    assert len(smtp.inbox.messages) == 1


def test_an_incident_may_have_its_own_lead(smtp, queue):
    ensure_page()
    staff_user("comms@example.com", Role.comms)
    incident = open_incident(queue)
    with at(1):
        cadence.set_incident_reminder_lead(incident, 12)  # a playbook's: 9:18 for 9:30
        db.session.commit()
        drain(queue)
    assert T0 + timedelta(minutes=18) in [
        job.eta.replace(tzinfo=UTC) for job in steps_scheduled(queue)
    ]
    sweep_at(queue, 17)
    assert smtp.inbox.messages == []
    sweep_at(queue, 18)
    assert len(smtp.inbox.messages) == 1
    (change,) = actions("incident.cadence_reminder_lead")
    assert (change.before, change.after) == (
        {"cadence_reminder_lead_minutes": None},
        {"cadence_reminder_lead_minutes": 12},
    )
    with pytest.raises(InvalidInput, match="shorter than the cadence"):
        cadence.set_incident_reminder_lead(incident, 30)
