"""The overall indicator: one rule over component statuses and unresolved incidents."""

from __future__ import annotations

from datetime import timedelta

import pytest

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, set_component_status
from statuspage.components.status import overall_status
from statuspage.incidents.commands import OpenIncident, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident
from statuspage.models import ComponentStatus


@pytest.mark.parametrize(
    ("status", "indicator", "description"),
    [
        (ComponentStatus.operational, "none", "All Systems Operational"),
        (ComponentStatus.degraded_performance, "minor", "Minor Service Outage"),
        (ComponentStatus.partial_outage, "major", "Partial System Outage"),
        (ComponentStatus.major_outage, "critical", "Major Service Outage"),
        (ComponentStatus.under_maintenance, "none", "Service Under Maintenance"),
    ],
)
def test_the_worst_component_sets_the_indicator(status, indicator, description):
    api = create_component("API")
    web = create_component("Web")
    set_component_status(web, status)
    result = overall_status([api, web], [])
    assert (result.indicator, result.description) == (indicator, description)


def test_an_unresolved_incident_raises_the_indicator_to_its_impact():
    api = create_component("API")
    incident = create_incident(OpenIncident("Slow logins", "Looking into it.", impact="major"))
    assert overall_status([api], [incident]).indicator == "major"


def test_the_worse_of_component_and_incident_wins():
    api = create_component("API")
    incident = create_incident(
        OpenIncident("Outage", "Down.", impact="minor", components={api: "major_outage"})
    )
    assert overall_status([api], [incident]).indicator == "critical"


def test_active_maintenance_alone_says_under_maintenance():
    api = create_component("API")
    window = schedule_maintenance(
        ScheduleMaintenance(
            "Upgrade",
            "Brief downtime.",
            scheduled_for=utcnow(),
            scheduled_until=utcnow() + timedelta(hours=1),
            components=[api],
        )
    )
    result = overall_status([api], [], [window])
    assert result.description == "Service Under Maintenance"
    assert result.indicator == "none"
