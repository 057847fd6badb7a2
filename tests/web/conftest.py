"""A small page to read: two groups, an open incident, an old one, maintenance ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import Component, Incident
from statuspage.page.state import ensure_page
from tests.factories import group_with_components


@dataclass
class SmallPage:
    api: Component
    web: Component
    eu: Component
    standalone: Component
    open_incident: Incident
    old_incident: Incident
    maintenance: Incident


@pytest.fixture
def small_page() -> SmallPage:
    now = utcnow()
    # The old incident lasts an hour from mid-morning, so it never straddles midnight (UTC).
    old_start = (now - timedelta(days=35)).replace(hour=10, minute=0, second=0, microsecond=0)
    ensure_page("Acme Status")
    _, (api, web) = group_with_components("Core", ["API", "Web"], at=now - timedelta(days=40))
    _, (eu,) = group_with_components("Regions", ["EU West"], at=now - timedelta(days=40))
    standalone = create_component("Billing", at=now - timedelta(days=40))
    old = create_incident(
        OpenIncident(
            "Database failover", "Failing over.", components={api: "major_outage"}, at=old_start
        )
    )
    post_update(
        old,
        PostUpdate(
            "Resolved.",
            status="resolved",
            components={api: "operational"},
            at=old_start + timedelta(hours=1),
        ),
    )
    open_incident = create_incident(
        OpenIncident(
            "Slow EU requests",
            "We are looking at **latency** in EU West.",
            components={eu: "degraded_performance"},
            at=now - timedelta(minutes=30),
        )
    )
    maintenance = schedule_maintenance(
        ScheduleMaintenance(
            "Switch replacement",
            "Brief blips expected.",
            scheduled_for=now + timedelta(days=2),
            scheduled_until=now + timedelta(days=2, hours=2),
            components=[web],
            at=now - timedelta(hours=1),
        )
    )
    db.session.commit()
    return SmallPage(api, web, eu, standalone, open_incident, old, maintenance)
