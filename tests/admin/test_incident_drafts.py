"""The review of incidents automation drafted: comms see each draft with the alert behind
it, publish it with their edits, or discard it; others may not. Real forms, CSRF on."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.models import (
    AuditEvent,
    AutomationMode,
    ComponentStatus,
    Incident,
    IncidentDraft,
    IncidentStatus,
)
from statuspage.monitoring.intake import take_alerts
from statuspage.monitoring.sources import alertmanager
from statuspage.page.state import ensure_page
from tests.admin.staff_client import signed_in
from tests.factories.monitoring import automate, integration, rule
from tests.monitoring.world import am_alert, am_body

PAGE = "/admin/incident-drafts"


def drafted(name: str = "API", service: str = "api") -> IncidentDraft:
    """An alert moves a component in mode status_and_draft (no hold): a draft waits."""
    ensure_page()
    component = create_component(name)
    source, _ = integration(name=f"Prometheus {name}")
    rule(component, ComponentStatus.major_outage, [("service", "=", service)])
    automate(component, AutomationMode.status_and_draft, hold=0)
    alert = am_alert(f"fp-{service}", {"service": service, "alertname": f"{name}Down"},
                     summary=f"{name} is down", description="Requests fail with 503.")  # fmt: skip
    take_alerts(source, alertmanager.read(am_body(alert)), utcnow())
    db.session.commit()
    return db.session.scalars(select(IncidentDraft).order_by(IncidentDraft.id.desc())).first()


def test_comms_review_a_draft_with_its_alert_and_publish_it_edited(app: Flask):
    draft = drafted()
    comms = signed_in(app, "comms")
    page = comms.get(PAGE).get_data(as_text=True)
    assert "API is down" in page
    assert 'service="api"' in page  # the alert's labels
    assert "Prometheus API" in page  # the integration it came through
    dashboard = comms.get("/admin/").get_data(as_text=True)
    assert "1 incident drafted from alerts is waiting for review." in dashboard

    response = comms.submit(
        f"{PAGE}/{draft.id}/publish",
        {"title": "API outage", "body": "We are looking into API errors.",
         "status": "identified", "notify": "y"},
        page=PAGE,
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    incident = db.session.get(Incident, draft.published_incident_id)
    assert response.location == f"/admin/incidents/{incident.id}"
    assert (incident.name, incident.status) == ("API outage", IncidentStatus.identified)
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident_draft.publish")
    ).one()
    assert entry.actor.startswith("staff:")
    assert entry.after["alert"]["fingerprint"] == "fp-api"
    assert "No drafts are waiting." in comms.get(PAGE).get_data(as_text=True)


def test_an_empty_title_is_shown_again_and_discard_ends_the_draft(app: Flask):
    draft = drafted()
    owner = signed_in(app, "owner")
    refused = owner.submit(
        f"{PAGE}/{draft.id}/publish", {"title": "", "body": "x", "status": "investigating"},
        page=PAGE,
    )  # fmt: skip
    assert refused.status_code == 422
    assert db.session.scalars(select(Incident)).all() == []
    discarded = owner.submit(f"{PAGE}/{draft.id}/discard", {}, page=PAGE)
    assert discarded.status_code == 302
    db.session.expire_all()
    assert draft.discarded_at is not None
    again = owner.submit(
        f"{PAGE}/{draft.id}/publish",
        {"title": "t", "body": "b", "status": "investigating"},
        page=PAGE,
    )
    assert again.status_code == 404
    assert db.session.scalars(select(Incident)).all() == []


def test_only_publishers_review_and_a_forged_post_is_refused(app: Flask):
    draft = drafted()
    responder = signed_in(app, "responder")
    assert responder.get(PAGE).status_code == 403
    comms = signed_in(app, "comms")
    forged = comms.post(
        f"{PAGE}/{draft.id}/publish", {"title": "t", "body": "b", "status": "investigating"}
    )
    assert forged.status_code == 400
    assert db.session.scalars(select(Incident)).all() == []
