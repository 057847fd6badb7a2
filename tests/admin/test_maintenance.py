"""Scheduling maintenance: a UTC window, affected components and the automation toggles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.incidents.maintenance import advance_maintenance
from statuspage.models import ComponentStatus, Incident, IncidentStatus
from tests.admin.staff_client import Staff
from tests.admin.world import World

NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


def scheduled(name: str) -> Incident:
    db.session.commit()
    return db.session.scalars(select(Incident).where(Incident.name == name)).one()


@pytest.fixture
def noon() -> Iterator[datetime]:
    """A fixed clock, started before anyone signs in: a session cookie signed in what is later
    the future would not be accepted."""
    with time_machine.travel(NOW, tick=True):
        yield NOW


def test_schedule_maintenance_with_automation_and_see_it_announced(
    noon: datetime, owner: Staff, world: World
):
    form = owner.get("/admin/maintenance/new").get_data(as_text=True)
    assert 'value="2026-03-07T12:00"' in form  # a default window: tomorrow, top of the hour
    response = owner.submit(
        "/admin/maintenance/new",
        {
            "name": "Database upgrade",
            "body": "Writes pause for a few minutes.",
            "scheduled_for": "2026-03-08T02:00",
            "scheduled_until": "2026-03-08T04:00",
            "components": [world.api.id, world.billing.id],
            "auto_start": "y",
            "auto_complete": "y",
            "remind_prior": "y",
        },
        page="/admin/maintenance/new",
    )
    assert response.status_code == 302
    maintenance = scheduled("Database upgrade")
    assert response.location == f"/admin/incidents/{maintenance.id}"
    assert maintenance.scheduled_for == datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    assert maintenance.scheduled_until == datetime(2026, 3, 8, 4, 0, tzinfo=UTC)
    assert (maintenance.auto_start, maintenance.auto_complete, maintenance.remind_prior) == (
        True,
        True,
        True,
    )
    assert {c.name for c in maintenance.components} == {"API", "Billing"}
    assert maintenance.updates[0].deliver_notifications is False  # "notify" left unticked

    upcoming = owner.get("/api/v2/scheduled-maintenances/upcoming.json").get_json()
    names = [m["name"] for m in upcoming["scheduled_maintenances"]]
    assert "Database upgrade" in names
    assert "Database upgrade" in owner.get("/").get_data(as_text=True)
    listed = owner.get("/admin/maintenance").get_data(as_text=True)
    assert "auto start, auto complete, reminder" in listed

    # The toggles mean what they say: the sweep starts and completes it on its own.
    advance_maintenance(datetime(2026, 3, 8, 2, 1, tzinfo=UTC))
    db.session.commit()
    assert scheduled("Database upgrade").status is IncidentStatus.in_progress
    db.session.refresh(world.api)
    assert world.api.status is ComponentStatus.under_maintenance
    advance_maintenance(datetime(2026, 3, 8, 4, 1, tzinfo=UTC))
    db.session.commit()
    assert scheduled("Database upgrade").status is IncidentStatus.completed


def test_toggles_left_off_stay_off(owner: Staff, world: World):
    response = owner.submit(
        "/admin/maintenance/new",
        {
            "name": "Manual window",
            "body": "We will post as we go.",
            "scheduled_for": "2030-01-01T10:00",
            "scheduled_until": "2030-01-01T11:00",
            "notify": "y",
        },
    )
    assert response.status_code == 302
    maintenance = scheduled("Manual window")
    assert (maintenance.auto_start, maintenance.auto_complete, maintenance.remind_prior) == (
        False,
        False,
        False,
    )
    assert maintenance.components == []


def test_a_window_that_ends_before_it_starts_is_shown_as_an_error(owner: Staff, world: World):
    response = owner.submit(
        "/admin/maintenance/new",
        {
            "name": "Backwards",
            "body": "?",
            "scheduled_for": "2030-01-01T10:00",
            "scheduled_until": "2030-01-01T09:00",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A maintenance window must end after it starts" in html
    assert 'value="Backwards"' in html


def test_a_missing_or_malformed_time_is_a_field_error(owner: Staff, world: World):
    response = owner.submit(
        "/admin/maintenance/new",
        {"name": "No times", "body": "?", "scheduled_for": "tomorrow", "scheduled_until": ""},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Not a valid datetime value." in html
    assert "This field is required." in html


def test_the_form_starts_and_completes_automatically_by_default(owner: Staff, world: World):
    form = owner.get("/admin/maintenance/new").get_data(as_text=True)

    assert re.search(r'<input checked[^>]*id="auto_start"', form)
    assert re.search(r'<input checked[^>]*id="auto_complete"', form)
    assert not re.search(r'<input checked[^>]*id="remind_prior"', form)


def test_a_manual_window_past_its_start_is_flagged_until_someone_starts_it(
    noon: datetime, owner: Staff, world: World
):
    owner.submit(
        "/admin/maintenance/new",
        {
            "name": "Manual window",
            "body": "We will post as we go.",
            "scheduled_for": "2026-03-06T13:00",
            "scheduled_until": "2026-03-06T14:00",
        },
    )
    maintenance = scheduled("Manual window")
    warning = "Start has passed: start it by hand"

    with time_machine.travel(datetime(2026, 3, 6, 12, 59, tzinfo=UTC), tick=False):
        assert warning not in owner.get("/admin/maintenance").get_data(as_text=True)
    with time_machine.travel(datetime(2026, 3, 6, 13, 5, tzinfo=UTC), tick=False):
        assert warning in owner.get("/admin/maintenance").get_data(as_text=True)
        assert warning in owner.get("/admin/").get_data(as_text=True)
        page = owner.get(f"/admin/incidents/{maintenance.id}").get_data(as_text=True)
        assert "start has passed and it is still" in page
        maintenance.auto_start = True  # a window that starts itself is not flagged
        db.session.commit()
        assert warning not in owner.get("/admin/maintenance").get_data(as_text=True)
