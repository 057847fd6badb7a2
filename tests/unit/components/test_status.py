"""Page status (statuspage/components/status.py): the overall indicator, one rule over component
statuses and unresolved incidents, as each viewer sees it; and the overview the page shows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from statuspage.audience.visibility import PUBLIC, STAFF, Viewer
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, set_component_status
from statuspage.components.status import (
    DayBar,
    PageStatus,
    component_statuses,
    current_status,
    format_percent,
    overall_status,
    overview,
    shown_on_page,
)
from statuspage.incidents.commands import OpenIncident, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident
from statuspage.models import ComponentStatus, Visibility
from tests.factories import group_with_components, segment


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


def test_a_private_components_outage_counts_only_for_its_segments():
    eu = segment("EU")
    create_component("API")
    tenant_db = create_component("Tenant DB")
    tenant_db.visibility, tenant_db.segments = Visibility.segments, [eu]
    set_component_status(tenant_db, ComponentStatus.major_outage)

    assert current_status(PUBLIC) == PageStatus("none", "All Systems Operational")
    assert current_status(Viewer(segment_ids=frozenset({eu.id}))).indicator == "critical"
    assert current_status(STAFF).indicator == "critical"


def test_without_private_incidents_everyone_sees_the_stored_statuses():
    api, web = create_component("API"), create_component("Web")
    set_component_status(web, ComponentStatus.degraded_performance)
    stored = {api.id: ComponentStatus.operational, web.id: ComponentStatus.degraded_performance}
    assert component_statuses(PUBLIC, [api, web]) == stored
    assert component_statuses(Viewer(segment_ids=frozenset({1})), [api, web]) == stored
    assert component_statuses(STAFF, []) == {}


def test_maintenance_shows_in_the_description_not_the_indicator():
    assert PageStatus("none", "Service Under Maintenance").under_maintenance
    assert not PageStatus("none", "All Systems Operational").under_maintenance


@pytest.mark.parametrize(
    ("value", "shown"), [(1.0, "100%"), (0.9995, "99.95%"), (0.5, "50%"), (0.12345, "12.35%")]
)
def test_percentages_keep_two_decimals_at_most(value, shown):
    assert format_percent(value) == shown


@pytest.mark.parametrize(
    ("uptime", "incidents", "level"),
    [
        (None, (), "nodata"),
        (1.0, (), "ok"),
        (1.0, ("Blip",), "minor"),  # a day with an incident is never all green
        (0.995, (), "minor"),
        (0.97, (), "major"),
        (0.5, (), "critical"),
    ],
)
def test_a_days_bar_is_coloured_by_its_uptime_and_incidents(uptime, incidents, level):
    assert DayBar(date(2026, 3, 6), uptime, incidents).level == level


def test_a_days_bar_says_its_date_uptime_and_incidents():
    assert DayBar(date(2026, 3, 6), 0.9995, ("Slow API", "DNS")).summary == (
        "Mar 6, 2026 · 99.95% uptime · Slow API; DNS"
    )
    assert DayBar(date(2026, 3, 6), None).summary == "Mar 6, 2026 · No data · No incidents"


def test_only_show_if_degraded_hides_a_component_while_it_is_operational():
    quiet = create_component("Status emails", only_show_if_degraded=True)
    assert not shown_on_page(quiet)
    assert shown_on_page(quiet, ComponentStatus.partial_outage)  # as a private viewer sees it
    set_component_status(quiet, ComponentStatus.degraded_performance)
    assert shown_on_page(quiet)


def test_the_overview_groups_rows_in_page_order_with_ninety_days_of_bars():
    now = utcnow()
    core, (api, web) = group_with_components("Core", ["API", "Web"], at=now - timedelta(days=2))
    billing = create_component("Billing", at=now - timedelta(days=2))
    create_component("Status emails", only_show_if_degraded=True)  # operational: not shown
    set_component_status(web, ComponentStatus.partial_outage)

    page = overview(PUBLIC, now)

    assert [(b.group, [r.component for r in b.rows]) for b in page.blocks] == [
        (None, [billing]),
        (core, [api, web]),
    ]
    assert page.blocks[1].worst_status is ComponentStatus.partial_outage
    assert page.status == PageStatus("major", "Partial System Outage")
    assert (page.today, page.first_day) == (now.date(), now.date() - timedelta(days=89))
    bars = page.blocks[0].rows[0].bars
    assert len(bars) == 90
    assert bars[0].uptime is None  # before Billing existed
    assert bars[-1].day == now.date()
    assert bars[-1].uptime == 1.0
