"""Posting incidents, updates, postmortems and maintenance through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.core.errors import DomainError, InvalidInput
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import add_postmortem, create_incident, post_update
from statuspage.models import ComponentStatus, Impact, Incident, IncidentStatus
from statuspage.page.state import page_version


def test_creating_an_incident_changes_components_and_records_old_and_new_status():
    api = create_component("API")
    incident = create_incident(
        OpenIncident("API errors", "We are **investigating**.", components={api: "partial_outage"})
    )
    assert api.status is ComponentStatus.partial_outage
    assert incident.impact is Impact.major  # derived from the worst component status
    assert incident.components == [api]
    (affected,) = incident.updates[0].affected_components
    assert (affected.old_status, affected.new_status) == (
        ComponentStatus.operational,
        ComponentStatus.partial_outage,
    )
    assert "<strong>investigating</strong>" in incident.updates[0].body_html


def test_components_can_be_named_by_id():
    api = create_component("API")
    incident = create_incident(OpenIncident("Down", "Down.", components={api.id: "major_outage"}))
    assert incident.components == [api]
    assert incident.impact is Impact.critical


def test_the_lifecycle_sets_monitoring_and_resolved_times():
    api = create_component("API")
    start = datetime(2026, 5, 1, 10, tzinfo=UTC)
    incident = create_incident(
        OpenIncident("Slow", "Slow.", components={api: "degraded_performance"}, at=start)
    )
    post_update(
        incident, PostUpdate("Fixed, watching.", status="monitoring", at=start + timedelta(hours=1))
    )
    post_update(
        incident,
        PostUpdate(
            "All good.",
            status="resolved",
            components={api: "operational"},
            at=start + timedelta(hours=2),
        ),
    )
    assert incident.monitoring_at == start + timedelta(hours=1)
    assert incident.resolved_at == start + timedelta(hours=2)
    assert incident.status is IncidentStatus.resolved
    assert [u.status for u in incident.updates] == [
        IncidentStatus.resolved,
        IncidentStatus.monitoring,
        IncidentStatus.investigating,
    ]
    assert api.status is ComponentStatus.operational


def test_reopening_a_resolved_incident_clears_resolved_at():
    incident = create_incident(OpenIncident("Flaky", "Hmm.", status="resolved"))
    assert incident.resolved_at is not None
    post_update(incident, PostUpdate("It is back.", status="investigating"))
    assert incident.resolved_at is None


def test_every_write_bumps_the_page_version():
    api = create_component("API")
    _, before, _ = page_version()
    incident = create_incident(OpenIncident("Down", "Down.", components={api: "major_outage"}))
    _, middle, _ = page_version()
    post_update(incident, PostUpdate("Still down."))
    _, after, _ = page_version()
    assert before < middle < after


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "", "body": "x"}, "name is required"),
        ({"name": "x", "body": "  "}, "needs a message"),
        ({"name": "x", "body": "x", "status": "in_progress"}, "maintenance status"),
        ({"name": "x", "body": "x", "status": "exploded"}, "must be one of"),
        ({"name": "x", "body": "x", "impact": "apocalyptic"}, "must be one of"),
        ({"name": "x", "body": "x", "components": {"nope": "major_outage"}}, "no component"),
        ({"name": "x" * 301, "body": "x"}, "at most 300"),
        ({"name": "x", "body": "x", "status": "postmortem"}, "cannot start as a postmortem"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(kwargs, message):
    with pytest.raises(DomainError, match=message):
        create_incident(OpenIncident(**kwargs))


def test_an_incident_status_is_refused_on_maintenance_and_the_reverse():
    now = utcnow()
    window = schedule_maintenance(
        ScheduleMaintenance(
            "Upgrade", "Soon.", scheduled_for=now, scheduled_until=now + timedelta(hours=1)
        )
    )
    with pytest.raises(InvalidInput, match="not a status of a maintenance"):
        post_update(window, PostUpdate("x", status="investigating"))
    incident = create_incident(OpenIncident("Down", "Down."))
    with pytest.raises(InvalidInput, match="not a status of a incident"):
        post_update(incident, PostUpdate("x", status="completed"))


def test_maintenance_needs_a_window_that_ends_after_it_starts():
    now = utcnow()
    with pytest.raises(InvalidInput, match="end after it starts"):
        schedule_maintenance(
            ScheduleMaintenance("Upgrade", "x", scheduled_for=now, scheduled_until=now)
        )


def test_maintenance_leaves_components_alone_until_it_starts():
    api = create_component("API")
    now = utcnow()
    window = schedule_maintenance(
        ScheduleMaintenance(
            "Upgrade",
            "x",
            scheduled_for=now + timedelta(days=1),
            scheduled_until=now + timedelta(days=1, hours=1),
            components=[api],
        )
    )
    assert api.status is ComponentStatus.operational
    assert window.impact is Impact.maintenance
    post_update(
        window, PostUpdate("Started.", status="in_progress", components={api: "under_maintenance"})
    )
    assert api.status is ComponentStatus.under_maintenance


def test_a_postmortem_needs_a_resolved_incident():
    incident = create_incident(OpenIncident("Down", "Down."))
    with pytest.raises(InvalidInput, match="resolve the incident"):
        add_postmortem(incident, "What happened.")
    post_update(incident, PostUpdate("Fixed.", status="resolved"))
    add_postmortem(incident, "## What happened\n\nA disk filled up.")
    assert incident.status is IncidentStatus.postmortem
    assert "<h2>" not in incident.postmortem_body_html  # h2 is the page's own level
    assert "A disk filled up." in incident.postmortem_body_html


def test_writes_flush_but_leave_the_commit_to_the_caller():
    create_incident(OpenIncident("Down", "Down."))
    db.session.rollback()
    assert db.session.query(Incident).count() == 0
