"""A small page for admin tests: something of every kind the admin shows and edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import (
    ApiKey,
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    StaffUser,
)
from statuspage.services.components import create_component, create_group
from statuspage.services.page import ensure_page
from statuspage.services.publishing import create_incident, post_update, schedule_maintenance
from statuspage.services.staff import create_api_key
from statuspage.services.templates import create_template
from tests.admin.staff_client import make_staff
from tests.factories import group_with_components


@dataclass
class World:
    """A little of everything the admin edits, so every screen and write has a target."""

    api: Component
    web: Component
    billing: Component
    core: ComponentGroup
    edge: ComponentGroup
    incident: Incident
    resolved: Incident
    maintenance: Incident
    template: IncidentTemplate
    api_key: ApiKey
    colleague: StaffUser


def build_world() -> World:
    """Two groups, three components, an open and a resolved incident, maintenance ahead, a
    template, an API key and a colleague; committed."""
    now = utcnow()
    ensure_page("Acme Status")
    core, (api, web) = group_with_components("Core", ["API", "Web"], at=now - timedelta(days=3))
    edge = create_group("Edge")
    billing = create_component("Billing", at=now - timedelta(days=3))
    incident = create_incident(
        "Slow API", "Looking into it.", components={api: "degraded_performance"}
    )
    resolved = create_incident("Old outage", "Down.", at=now - timedelta(days=1))
    post_update(resolved, "Fixed.", status="resolved")
    maintenance = schedule_maintenance(
        "Switch swap",
        "Brief blips.",
        scheduled_for=now + timedelta(days=1),
        scheduled_until=now + timedelta(days=1, hours=2),
        components=[web],
    )
    template = create_template(
        name="API down",
        title="API unavailable",
        body="We are investigating errors on the **API**.",
        update_status="identified",
        component_ids=[api.id, web.id],
    )
    api_key, _ = create_api_key("deploy-bot", "comms")
    db.session.commit()
    colleague = make_staff("viewer", "colleague@example.com")
    return World(
        api, web, billing, core, edge, incident, resolved, maintenance, template, api_key, colleague
    )
