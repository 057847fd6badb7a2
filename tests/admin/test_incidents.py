"""The composer and the incident page, end to end: each step shows on the public page and API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import (
    AuditEvent,
    ComponentStatus,
    ComponentStatusChange,
    Incident,
    IncidentStatus,
    Notice,
)
from tests.admin.staff_client import Staff
from tests.admin.world import World


def public(staff: Staff) -> tuple[str, dict]:
    page = staff.get("/")
    summary = staff.get("/api/v2/summary.json")
    assert page.status_code == summary.status_code == 200
    return page.get_data(as_text=True), summary.get_json()


def component_status(summary: dict, name: str) -> str:
    return next(c["status"] for c in summary["components"] if c["name"] == name)


def latest(name: str) -> Incident:
    db.session.commit()
    return db.session.scalars(select(Incident).where(Incident.name == name)).one()


def test_create_update_and_resolve_an_incident_through_the_forms(owner: Staff, world: World):
    response = owner.submit(
        "/admin/incidents/new",
        {
            "name": "Checkout failing",
            "status": "investigating",
            "impact": "",
            "body": "Payments **fail** for some customers.",
            f"component-{world.billing.id}": "major_outage",
            f"component-{world.web.id}": "degraded_performance",
            "notify": "y",
        },
        page="/admin/incidents/new",
    )
    assert response.status_code == 302
    incident = latest("Checkout failing")
    assert response.location == f"/admin/incidents/{incident.id}"
    assert incident.impact.value == "critical"  # automatic: the worst component status
    assert incident.updates[0].deliver_notifications is True
    html, summary = public(owner)
    assert "Checkout failing" in html
    assert "Payments <strong>fail</strong> for some customers." in html
    assert summary["status"]["indicator"] == "critical"
    assert component_status(summary, "Billing") == "major_outage"
    assert component_status(summary, "Web") == "degraded_performance"
    assert [i["name"] for i in summary["incidents"]].count("Checkout failing") == 1
    flashed = owner.get(response.location).get_data(as_text=True)
    assert "published" in flashed

    response = owner.submit(
        f"/admin/incidents/{incident.id}/updates",
        {
            "status": "identified",
            "body": "A certificate expired; renewing it.",
            f"component-{world.billing.id}": "partial_outage",
        },
        page=f"/admin/incidents/{incident.id}",
    )
    assert response.status_code == 302
    html, summary = public(owner)
    assert "A certificate expired; renewing it." in html
    assert component_status(summary, "Billing") == "partial_outage"
    assert component_status(summary, "Web") == "degraded_performance"  # "No change" kept it
    shown = next(i for i in summary["incidents"] if i["name"] == "Checkout failing")
    assert shown["status"] == "identified"
    assert shown["incident_updates"][0]["deliver_notifications"] is False  # box left unticked

    response = owner.submit(
        f"/admin/incidents/{incident.id}/resolve",
        {"body": "Renewed; payments work again.", "restore": "y", "notify": "y"},
        page=f"/admin/incidents/{incident.id}",
    )
    assert response.status_code == 302
    html, summary = public(owner)
    assert component_status(summary, "Billing") == "operational"
    assert component_status(summary, "Web") == "operational"
    assert "Checkout failing" not in [i["name"] for i in summary["incidents"]]
    assert latest("Checkout failing").status is IncidentStatus.resolved
    changes = db.session.scalars(
        select(ComponentStatusChange).where(ComponentStatusChange.incident_id == incident.id)
    ).all()
    assert len(changes) == 5  # logged for uptime: 2 opened, 1 updated, 2 restored
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.incident_id == incident.id)
    ).all()
    assert actions == ["incident.create", "incident.update", "incident.update"]
    assert all(
        e.actor == f"staff:{owner.user.id} owner@example.com"
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.incident_id == incident.id))
    )


def test_the_composer_shows_errors_and_keeps_what_was_typed(owner: Staff, world: World):
    response = owner.submit(
        "/admin/incidents/new",
        {"name": "Half-written", "status": "investigating", "body": ""},
        page="/admin/incidents/new",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in html
    assert 'value="Half-written"' in html
    assert latest_count() == 3  # world's incidents and maintenance only


def latest_count() -> int:
    db.session.commit()
    return len(db.session.scalars(select(Incident.id)).all())


def test_a_domain_refusal_becomes_a_form_error_not_a_500(owner: Staff, world: World):
    # A postmortem for an incident still open: the service refuses, the page says why.
    response = owner.submit(
        f"/admin/incidents/{world.incident.id}/postmortem",
        {"body": "Too early."},
        page="/admin/",
    )
    assert response.status_code == 422
    assert "Resolve the incident before publishing its postmortem" in response.get_data(
        as_text=True
    )
    # A maintenance status on an incident: refused by the form's choices.
    response = owner.submit(
        f"/admin/incidents/{world.incident.id}/updates",
        {"status": "in_progress", "body": "Hm."},
        page="/admin/",
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_display_at_backdates_the_incident_in_utc_but_never_into_the_future(
    owner: Staff, world: World
):
    started = (utcnow() - timedelta(hours=3)).replace(second=0, microsecond=0)
    response = owner.submit(
        "/admin/incidents/new",
        {
            "name": "Posted late",
            "status": "monitoring",
            "body": "This began three hours ago.",
            "display_at": started.strftime("%Y-%m-%dT%H:%M"),
        },
        page="/admin/",
    )
    assert response.status_code == 302
    incident = latest("Posted late")
    assert incident.started_at == started
    assert incident.updates[0].display_at == started
    assert incident.started_at.tzinfo is not None

    future = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = owner.submit(
        "/admin/incidents/new",
        {"name": "From the future", "status": "investigating", "body": "?", "display_at": future},
        page="/admin/",
    )
    assert response.status_code == 422
    assert "in the future" in response.get_data(as_text=True)


def test_edit_name_and_impact_add_a_postmortem_and_delete(owner: Staff, world: World):
    url = f"/admin/incidents/{world.incident.id}"
    response = owner.submit(f"{url}/edit", {"name": "Slow API in EU", "impact": "major"}, page=url)
    assert response.status_code == 302
    incident = latest("Slow API in EU")
    assert incident.impact.value == "major"
    assert len(incident.updates) == 1  # an edit posts no update

    resolved = f"/admin/incidents/{world.resolved.id}"
    page = owner.get(resolved).get_data(as_text=True)
    assert "Publish postmortem" in page
    response = owner.submit(
        f"{resolved}/postmortem", {"body": "## Cause\n\nA full disk."}, page=resolved
    )
    assert response.status_code == 302
    html = owner.get(f"/incidents/{world.resolved.id}").get_data(as_text=True)
    assert "A full disk." in html

    confirm = owner.get(f"{url}/delete")
    assert confirm.status_code == 200
    assert "Delete “Slow API in EU”?" in confirm.get_data(as_text=True)
    assert latest_count() == 3  # showing the question deletes nothing
    response = owner.submit(f"{url}/delete", page=f"{url}/delete")
    assert response.status_code == 302
    assert response.location == "/admin/incidents"
    assert latest_count() == 2
    assert "Slow API in EU" not in owner.get("/").get_data(as_text=True)


def test_applying_a_template_prefills_the_composer(owner: Staff, world: World):
    html = owner.get(f"/admin/incidents/new?template={world.template.id}").get_data(as_text=True)
    assert "Filled in from the template “API down”" in html
    assert 'value="API unavailable"' in html
    assert "We are investigating errors on the **API**." in html
    assert re.search(r'<option selected value="identified">', html)
    for component in (world.api, world.web):
        select_html = html[html.index(f'name="component-{component.id}"') :]
        select_html = select_html[: select_html.index("</select>")]
        assert '<option selected value="degraded_performance">' in select_html
    billing = html[html.index(f'name="component-{world.billing.id}"') :]
    assert '<option selected value="">Not affected' in billing[: billing.index("</select>")]


def test_the_preview_renders_sanitised_markdown(owner: Staff, world: World):
    response = owner.submit(
        "/admin/preview",
        {"body": "**Bold** <script>alert(1)</script> [x](javascript:alert(1))"},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html
    assert "href" not in html  # markdown-it refuses the javascript: link; it stays text


def test_an_incident_page_for_maintenance_offers_maintenance_statuses(owner: Staff, world: World):
    url = f"/admin/incidents/{world.maintenance.id}"
    html = owner.get(url).get_data(as_text=True)
    assert 'value="in_progress"' in html
    assert 'value="investigating"' not in html
    assert "Mark completed" in html
    started = {"status": "in_progress", "body": "Started early."}
    started[f"component-{world.web.id}"] = "under_maintenance"
    response = owner.submit(f"{url}/updates", started, page=url)
    assert response.status_code == 302
    response = owner.submit(f"{url}/resolve", {"body": "Done.", "restore": "y"}, page=url)
    assert response.status_code == 302
    db.session.commit()
    db.session.refresh(world.web)
    assert world.web.status is ComponentStatus.operational
    assert latest("Switch swap").status is IncidentStatus.completed


def test_editing_a_maintenance_window_uses_utc_inputs(owner: Staff, world: World):
    url = f"/admin/incidents/{world.maintenance.id}"
    html = owner.get(url).get_data(as_text=True)
    start = world.maintenance.scheduled_for
    assert f'value="{start:%Y-%m-%dT%H:%M}"' in html
    response = owner.submit(
        f"{url}/edit",
        {
            "name": "Switch swap",
            "scheduled_for": "2031-05-01T22:00",
            "scheduled_until": "2031-05-02T01:30",
            "auto_complete": "y",
        },
        page=url,
    )
    assert response.status_code == 302
    maintenance = latest("Switch swap")
    assert maintenance.scheduled_for == datetime(2031, 5, 1, 22, 0, tzinfo=UTC)
    assert maintenance.scheduled_until == datetime(2031, 5, 2, 1, 30, tzinfo=UTC)
    assert (maintenance.auto_start, maintenance.auto_complete) == (False, True)

    backwards = {"scheduled_for": "2031-05-01T22:00", "scheduled_until": "2031-05-01T21:00"}
    response = owner.submit(f"{url}/edit", {"name": "Switch swap", **backwards}, page=url)
    assert response.status_code == 422
    assert "A maintenance window must end after it starts" in response.get_data(as_text=True)


def test_an_update_can_require_acknowledgement_within_a_window(owner: Staff, world: World):
    response = owner.submit(
        "/admin/incidents/new",
        {
            "name": "Data exposure",
            "status": "identified",
            "impact": "critical",
            "body": "Please read and confirm.",
            "notify": "y",
            "ack_minutes": "30",
        },
        page="/admin/incidents/new",
    )
    assert response.status_code == 302
    incident = latest("Data exposure")
    notice = db.session.scalars(select(Notice).where(Notice.incident_id == incident.id)).one()
    assert notice.requires_ack
    assert notice.ack_window_seconds == 30 * 60
    refused = owner.submit(
        "/admin/incidents/new",
        {"name": "X", "status": "identified", "body": "x", "ack_minutes": "0"},
        page="/admin/incidents/new",
    )
    assert refused.status_code in (400, 422)
