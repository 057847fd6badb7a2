"""A small page for admin tests: something of every kind the admin shows and edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from statuspage.audience import organizations, segments
from statuspage.audit.trail import SYSTEM
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, create_group
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate, ScheduleMaintenance
from statuspage.incidents.drafts import save_draft
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.incidents.templates import create_template
from statuspage.models import (
    ApiKey,
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    Metric,
    Notice,
    Organization,
    Segment,
    StaffUser,
    Subscriber,
    UpdateDraft,
)
from statuspage.page.state import ensure_page
from statuspage.staff.accounts import create_api_key
from statuspage.system_metrics import data, metrics, providers
from tests import factories
from tests.admin.staff_client import make_staff


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
    subscriber: Subscriber
    notice: Notice  # the open incident's, not fanned out
    mail: str  # a message's name in the dev mailbox
    draft: UpdateDraft  # the open incident's, awaiting review
    segment: Segment  # "Enterprise", with Globex in it
    organization: Organization  # Globex: a domain, a member and an API token
    metric: Metric | None = None  # a pushed (Self) metric with a point, on the page


def build_world() -> World:
    """Two groups, three components, an open and a resolved incident, maintenance ahead, a
    template, an API key, a colleague, a subscriber and a message in the dev mailbox;
    committed."""
    now = utcnow()
    ensure_page("Acme Status")
    core, (api, web) = factories.group_with_components(
        "Core", ["API", "Web"], at=now - timedelta(days=3)
    )
    edge = create_group("Edge")
    billing = create_component("Billing", at=now - timedelta(days=3))
    incident = create_incident(
        OpenIncident("Slow API", "Looking into it.", components={api: "degraded_performance"})
    )
    resolved = create_incident(OpenIncident("Old outage", "Down.", at=now - timedelta(days=1)))
    post_update(resolved, PostUpdate("Fixed.", status="resolved"))
    maintenance = schedule_maintenance(
        ScheduleMaintenance(
            "Switch swap",
            "Brief blips.",
            scheduled_for=now + timedelta(days=1),
            scheduled_until=now + timedelta(days=1, hours=2),
            components=[web],
        )
    )
    template = create_template(
        name="API down",
        title="API unavailable",
        body="We are investigating errors on the **API**.",
        update_status="identified",
        component_ids=[api.id, web.id],
    )
    api_key, _ = create_api_key("deploy-bot", "comms")
    subscriber = factories.subscriber(
        factories.contact_point("ann@example.com", verified=False), name="Ann"
    )
    db.session.commit()
    notice = db.session.scalars(select(Notice).where(Notice.incident_id == incident.id)).one()
    colleague = make_staff("viewer", "colleague@example.com")
    world = World(
        api,
        web,
        billing,
        core,
        edge,
        incident,
        resolved,
        maintenance,
        template,
        api_key,
        colleague,
        subscriber,
        notice,
        _dev_mail(),
        _draft(incident, web),
        *_customer(),
    )
    world.metric = _metric()
    return world


def _metric() -> Metric:
    """A Self source's metric, shown on the page, with a point pushed a minute ago; committed."""
    metric = metrics.create_metric(providers.create_provider("Self"), name="Latency", suffix="ms")
    data.add_points(metric, [(int(utcnow().timestamp()) - 60, 120.0)])
    db.session.commit()
    return metric


def _customer() -> tuple[Segment, Organization]:
    """A segment and an organization in it, with a domain, a member and a token; committed."""
    segment = segments.create_segment("Enterprise", kind="plan")
    organization = organizations.create_organization("Globex", segments=[segment])
    organizations.add_domain(organization, "globex.example")
    organizations.add_member(organization, "hank@partner.example")
    organizations.issue_api_token(organization)
    db.session.commit()
    return segment, organization


def _dev_mail() -> str:
    """A message where the email channel's dev mailbox would have written it."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "s@example.com", "ann@example.com", "Hi"
    message.set_content("Hello.")
    folder = Path(current_app.config["INSTANCE_PATH"]) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "999999999999.eml").write_bytes(bytes(message))
    return "999999999999.eml"


def _draft(incident: Incident, component: Component) -> UpdateDraft:
    """A responder's draft on `incident`, awaiting a publisher; committed."""
    draft = save_draft(
        incident,
        "Web is slow too.",
        status="identified",
        components={component.id: "degraded_performance"},
        actor=SYSTEM,
    )
    db.session.commit()
    return draft
