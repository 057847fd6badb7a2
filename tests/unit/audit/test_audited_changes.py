"""The write services the admin panel and management API share: each change is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from statuspage.audience.visibility import STAFF, Viewer
from statuspage.audit.trail import Actor, events, verify_chain
from statuspage.clock import utcnow
from statuspage.components.catalog import (
    create_component,
    create_group,
    delete_component,
    delete_group,
    list_components,
    update_component,
    update_group,
)
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.extensions import db
from statuspage.incidents.commands import EditIncident, OpenIncident, ScheduleMaintenance
from statuspage.incidents.maintenance import advance_maintenance, schedule_maintenance
from statuspage.incidents.publishing import create_incident, delete_incident, edit_incident
from statuspage.incidents.queries import get_incident
from statuspage.incidents.templates import create_template, update_template
from statuspage.models import ComponentStatus, IncidentStatus
from statuspage.page.settings import update_settings
from statuspage.staff.accounts import create_user


@pytest.fixture
def ann() -> Actor:
    user, _ = create_user("ann@example.com", "comms")
    return Actor.staff(user, ip="198.51.100.7")


def test_component_changes_are_audited_with_before_and_after(ann):
    api = create_component("API", actor=ann)
    update_component(api, actor=ann, name="Public API", status="partial_outage")
    entries = list(events())
    assert [e.action for e in entries] == ["component.create", "component.update"]
    assert entries[1].before["name"] == "API"
    assert entries[1].after["name"] == "Public API"
    assert entries[1].after["status"] == "partial_outage"
    assert entries[1].ip == "198.51.100.7"
    assert api.status is ComponentStatus.partial_outage
    assert verify_chain().ok


def test_groups_take_members_in_order_and_deleting_one_keeps_its_components(ann):
    group = create_group("Core", actor=ann)
    a, b = create_component("A"), create_component("B")
    update_group(group, actor=ann, component_ids=[b.id, a.id])
    assert [c.name for c in group.components] == ["B", "A"]
    delete_group(group, actor=ann)
    assert {c.name for c in list_components(STAFF)} == {"A", "B"}
    assert all(c.group_id is None for c in list_components(STAFF))


def test_deleting_a_component_is_recorded(ann):
    api = create_component("API")
    delete_component(api, actor=ann)
    assert list_components(STAFF) == []
    assert next(e for e in events() if e.action == "component.delete").before["name"] == "API"


def test_incident_edits_and_deletes_are_audited(ann):
    incident = create_incident(OpenIncident("Dwon", "Down."), actor=ann)
    edit_incident(incident, EditIncident(name="Down", impact="critical"), actor=ann)
    assert incident.name == "Down"
    delete_incident(incident, actor=ann)
    db.session.commit()
    actions = [e.action for e in events(incident_id=incident.id)]
    assert actions == ["incident.create", "incident.edit", "incident.delete"]
    with pytest.raises(NotFound):
        get_incident(Viewer(staff=True), incident.id)


def test_maintenance_starts_completes_and_reminds_automatically():
    api = create_component("API")
    start = utcnow() + timedelta(hours=2)
    window = schedule_maintenance(
        ScheduleMaintenance(
            "Upgrade",
            "Soon.",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
            components=[api],
            auto_start=True,
            auto_complete=True,
            remind_prior=True,
        )
    )
    assert advance_maintenance(utcnow()) == []
    assert window.reminder_recorded_at is None
    with time_machine.travel(start - timedelta(minutes=30), tick=False):
        advance_maintenance(utcnow())
        assert window.reminder_recorded_at is not None
        advance_maintenance(utcnow())  # idempotent
        assert [e.action for e in events()].count("maintenance.reminder") == 1
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        advance_maintenance(utcnow())
        assert window.status is IncidentStatus.in_progress
        assert api.status is ComponentStatus.under_maintenance
        assert advance_maintenance(utcnow()) == []
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        advance_maintenance(utcnow())
        assert window.status is IncidentStatus.completed
        assert api.status is ComponentStatus.operational


def test_templates_validate_their_fields(ann):
    api = create_component("API")
    template = create_template(
        actor=ann, name="DB slow", title="Database latency", body="We are looking.",
        component_ids=[api.id],
    )  # fmt: skip
    update_template(template, actor=ann, update_status="identified")
    assert template.update_status is IncidentStatus.identified
    with pytest.raises(InvalidInput, match="incident status"):
        update_template(template, update_status="in_progress")
    with pytest.raises(InvalidInput, match="needs a title"):
        create_template(name="x", title=" ", body="y")
    with pytest.raises(InvalidInput, match="at most 300"):
        update_template(template, title="t" * 301)


def test_an_unknown_component_status_is_a_clear_error():
    with pytest.raises(InvalidInput, match="must be one of"):
        create_component("API", status="on_fire")


def test_settings_are_validated_and_audited(ann):
    page = update_settings(
        actor=ann,
        name="Acme Status",
        time_zone="Europe/Paris",
        brand_color="#0B57D0",
        footer_links=[{"label": "Support", "url": "https://acme.example/support"}],
    )
    assert page.brand_color == "#0b57d0"
    for bad, message in [
        ({"time_zone": "Mars/Olympus"}, "unknown time zone"),
        ({"brand_color": "red"}, "brand colour"),
        ({"footer_links": [{"label": "x", "url": "javascript:alert(1)"}]}, "http"),
        ({"logo_url": "ftp://x"}, "http"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            update_settings(**bad)
    assert [e.action for e in events()] == ["settings.update"]
