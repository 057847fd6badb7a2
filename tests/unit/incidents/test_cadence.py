"""Update cadence with a frozen clock: next update time, overdue, reminders (once per due time),
and the one-click "no new information" update through publishing to a subscriber."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.incidents import cadence
from statuspage.incidents.commands import OpenIncident, PostUpdate, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.incidents.templates import update_template
from statuspage.jobs.every_minute import sweep
from statuspage.models import (
    AuditEvent,
    Delivery,
    DeliveryState,
    IncidentStatus,
    IncidentTemplate,
    Role,
)
from statuspage.page.state import ensure_page, page_version
from tests.factories import staff_user, subscriber
from tests.queue import drain

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_next_update_is_the_latest_update_plus_the_cadence():
    ensure_page()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("API errors", "Looking."))
    schedule = cadence.cadence_of(incident)
    assert schedule.minutes == cadence.DEFAULT_MINUTES == 30
    assert schedule.next_update_by == T0 + timedelta(minutes=30)

    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        post_update(incident, PostUpdate("Cause found.", status="identified"))
    assert cadence.cadence_of(incident).next_update_by == T0 + timedelta(minutes=50)

    cadence.set_incident_cadence(incident, 15)
    assert cadence.cadence_of(incident).next_update_by == T0 + timedelta(minutes=35)
    cadence.set_incident_cadence(incident, None)  # back to the page's default
    cadence.update_page_cadence(minutes=60, public_next_update=False)
    assert cadence.cadence_of(incident).next_update_by == T0 + timedelta(minutes=80)


def test_a_backdated_update_counts_from_when_it_was_posted():
    ensure_page()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("Slow", "Slow."))
        post_update(incident, PostUpdate("Since 8:00.", display_at=T0 - timedelta(hours=1)))
    assert cadence.cadence_of(incident).next_update_by == T0 + timedelta(minutes=30)


def test_overdue_incidents_are_the_open_ones_past_their_time():
    ensure_page()
    with time_machine.travel(T0, tick=False):
        late = create_incident(OpenIncident("Late", "Down."))
        fresh = create_incident(OpenIncident("Fresh", "Down."))
        closed = create_incident(OpenIncident("Closed", "Down."))
        post_update(closed, PostUpdate("Fixed.", status="resolved"))
        schedule_maintenance(
            ScheduleMaintenance(
                "Window", "Soon.", scheduled_for=T0 - timedelta(hours=1), scheduled_until=T0
            )
        )
    cadence.set_incident_cadence(fresh, 120)
    assert cadence.overdue_incidents(T0 + timedelta(minutes=29)) == []
    due = cadence.overdue_incidents(T0 + timedelta(minutes=30))
    assert [c.incident.id for c in due] == [late.id]
    assert due[0].overdue_by(T0 + timedelta(minutes=45)) == timedelta(minutes=15)
    assert {c.incident.id for c in cadence.overdue_incidents(T0 + timedelta(hours=3))} == {
        late.id,
        fresh.id,
    }

    with time_machine.travel(T0 + timedelta(minutes=40), tick=False):
        post_update(late, PostUpdate("Still on it."))
    assert cadence.overdue_incidents(T0 + timedelta(minutes=60)) == []


def test_a_closed_incident_or_maintenance_has_no_cadence():
    ensure_page()
    incident = create_incident(OpenIncident("Down", "Down."))
    post_update(incident, PostUpdate("Fixed.", status="resolved"))
    assert cadence.cadence_of(incident) is None
    window = schedule_maintenance(
        ScheduleMaintenance(
            "Window", "Soon.", scheduled_for=utcnow(), scheduled_until=utcnow() + timedelta(hours=1)
        )
    )
    assert cadence.cadence_of(window) is None
    with pytest.raises(InvalidInput, match="maintenance"):
        cadence.set_incident_cadence(window, 30)


@pytest.mark.parametrize("minutes", [0, 4, 1441, -30])
def test_a_cadence_out_of_range_is_refused(minutes):
    ensure_page()
    incident = create_incident(OpenIncident("Down", "Down."))
    with pytest.raises(InvalidInput, match="between 5 and 1440"):
        cadence.set_incident_cadence(incident, minutes)
    with pytest.raises(InvalidInput, match="between 5 and 1440"):
        cadence.update_page_cadence(minutes=minutes, public_next_update=True)


def test_comms_and_owners_are_reminded_once_per_due_time(smtp, queue):
    ensure_page()
    staff_user("owner@example.com", Role.owner)
    staff_user("comms@example.com", Role.comms)
    staff_user("gone@example.com", Role.comms, active=False)
    staff_user("viewer@example.com", Role.viewer)
    staff_user("legal@example.com", Role.legal)
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("API errors", "Looking."))
        db.session.commit()
    queue.huey.flush()  # the incident's own fan-out is not what this test is about

    with time_machine.travel(T0 + timedelta(minutes=24), tick=False):
        sweep()
        db.session.commit()
    drain(queue)
    assert smtp.inbox.messages == []  # not due yet, nor within the 5 minutes' lead

    for minutes in (25, 26, 30, 45):  # 5 minutes ahead, then the sweep runs again and again
        with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False):
            sweep()
            db.session.commit()
        drain(queue)
    assert sorted(m["To"] for m in smtp.inbox.messages) == [
        "comms@example.com",
        "owner@example.com",
    ]
    reminder = smtp.inbox.messages[0]
    assert reminder["Subject"] == "[Herald Status] Update due: API errors"
    assert "09:30 UTC" in reminder.get_content()
    assert f"/admin/incidents/{incident.id}" in reminder.get_content()

    # An update makes a new due time, reminded in its turn, once.
    with time_machine.travel(T0 + timedelta(minutes=50), tick=False):
        post_update(incident, PostUpdate("Still looking."))
        db.session.commit()
    queue.huey.flush()
    for minutes in (74, 75, 80, 95):
        with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False):
            sweep()
            db.session.commit()
        drain(queue)
    assert len(smtp.inbox.messages) == 4
    reminders = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "incident.cadence_reminder")
        .order_by(AuditEvent.id)  # PostgreSQL returns rows in no set order without it
    ).all()
    assert [r.after["due_at"] for r in reminders] == [
        str(T0 + timedelta(minutes=30)),
        str(T0 + timedelta(minutes=80)),
    ]


def test_a_reminder_whose_update_was_posted_meanwhile_is_not_sent(smtp, queue):
    ensure_page()
    staff_user("comms@example.com", Role.comms)
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("API errors", "Looking."))
        db.session.commit()
    queue.huey.flush()
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        sweep()
        db.session.commit()  # the reminder job is queued, not yet run
        post_update(incident, PostUpdate("Update."))  # comms were faster than the worker
        cadence.remind_due(utcnow())
        db.session.commit()
        drain(queue)  # at 9:31: the new due time's reminder is queued for 9:56, not run
    assert smtp.inbox.messages == []  # no subscribers: only a reminder could have come


def test_one_click_posts_the_no_news_template_through_publishing_to_subscribers(smtp, queue):
    ensure_page()
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        subscriber("ann@example.com", name="ann")  # subscribed before the incident
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("API errors", "Looking.", status="identified"))
        db.session.commit()
    drain(queue)
    assert len(smtp.inbox.messages) == 1

    with time_machine.travel(T0 + timedelta(minutes=32), tick=False):
        update = cadence.post_no_news(incident)
        db.session.commit()
    drain(queue)

    assert update.status is IncidentStatus.identified  # the status stays as it was
    assert update.body == (
        "We are still working on this issue. There is no new information yet; "
        "we will post another update by 10:02 UTC."
    )
    assert cadence.cadence_of(incident).next_update_by == T0 + timedelta(minutes=62)
    second = smtp.inbox.messages[1]
    assert second["To"] == "ann@example.com"
    assert "no new information yet" in second.get_body(("plain",)).get_content()
    delivered = db.session.scalars(
        select(Delivery).where(Delivery.state == DeliveryState.sent)
    ).all()
    assert len(delivered) == 2
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident.update")
    ).one()
    assert audit.after["update_id"] == update.id


def test_the_template_is_seeded_once_and_its_edited_words_are_used():
    ensure_page()
    incident = create_incident(OpenIncident("API errors", "Looking."))
    template = cadence.no_news_template()
    assert cadence.no_news_template() is template
    update_template(template, body="Nothing new. Next update by {next_update}, promise.")
    with time_machine.travel(T0, tick=False):
        update = cadence.post_no_news(incident)
    assert update.body == "Nothing new. Next update by 09:30 UTC, promise."
    count = db.session.scalar(select(func.count()).select_from(IncidentTemplate))
    assert count == 1


def test_no_news_on_a_closed_incident_is_refused():
    ensure_page()
    incident = create_incident(OpenIncident("Down", "Down."))
    post_update(incident, PostUpdate("Fixed.", status="resolved"))
    with pytest.raises(InvalidInput, match="open incident"):
        cadence.post_no_news(incident)


def test_the_public_time_shows_only_when_the_page_says_so_and_moves_the_snapshot():
    ensure_page()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("Down", "Down."))
    assert cadence.public_next_update(incident) is None
    version = page_version()[1]
    cadence.update_page_cadence(minutes=20, public_next_update=True)
    assert page_version()[1] > version
    assert cadence.public_next_update(incident) == T0 + timedelta(minutes=20)
    version = page_version()[1]
    cadence.set_incident_cadence(incident, 45)
    assert page_version()[1] > version  # the public text changed: a new snapshot
    assert cadence.public_next_update(incident) == T0 + timedelta(minutes=45)
    post_update(incident, PostUpdate("Fixed.", status="resolved"))
    assert cadence.public_next_update(incident) is None
