"""Responders' drafts and internal notes on the incident page, publishing a draft, and backfill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import Incident, IncidentStatus, InternalNote, UpdateDraft
from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World

DRAFT = "Root cause: **a bad deploy** of the billing service."
NOTE = "Rolled back at 10:02; Sam is watching the database."


def incident_url(world: World) -> str:
    return f"/admin/incidents/{world.incident.id}"


def public_view(staff: Staff, world: World) -> tuple[str, dict]:
    """Everything the public sees of the incident: the pages' HTML and the API's JSON."""
    pages = [staff.get(url) for url in ("/", f"/incidents/{world.incident.id}", "/history")]
    api = staff.get("/api/v2/incidents.json")
    summary = staff.get("/api/v2/summary.json")
    html = "".join(p.get_data(as_text=True) for p in pages if p.status_code == 200)
    assert pages[0].status_code == pages[1].status_code == api.status_code == 200
    return html + api.get_data(as_text=True), summary.get_json()


def component_status(summary: dict, name: str) -> str:
    return next(c["status"] for c in summary["components"] if c["name"] == name)


def draft_by_body(body: str) -> UpdateDraft:
    db.session.commit()
    return db.session.scalars(select(UpdateDraft).where(UpdateDraft.body == body)).one()


def responder_drafts(app: Flask, world: World) -> tuple[Staff, UpdateDraft]:
    """A responder drafts an update that takes Billing down, through the incident page's form."""
    responder = signed_in(app, "responder")
    response = responder.submit(
        f"{incident_url(world)}/drafts",
        {"status": "identified", "body": DRAFT, f"component-{world.billing.id}": "major_outage"},
        page=incident_url(world),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.location == incident_url(world)
    return responder, draft_by_body(DRAFT)


def test_a_responder_drafts_and_notes_and_the_public_sees_neither(app: Flask, world: World):
    responder, draft = responder_drafts(app, world)
    assert draft.status is IncidentStatus.identified
    assert draft.components == {world.billing.id: "major_outage"}
    assert draft.author.endswith("responder@example.com")

    response = responder.submit(
        f"{incident_url(world)}/notes", {"body": NOTE}, page=incident_url(world)
    )
    assert response.status_code == 302
    db.session.commit()
    assert db.session.scalars(select(InternalNote.body)).all() == [NOTE]

    page = responder.get(incident_url(world)).get_data(as_text=True)
    assert "Drafts awaiting review" in page
    assert "Root cause: **a bad deploy**" in page  # shown as typed, for the reviewer
    assert "drafted by responder@example.com" in page
    assert "Internal — never published" in page
    assert "Sam is watching the database." in page
    assert "Review &amp; publish" not in page  # publishing is not theirs
    assert "Internal note added." in page  # the flash after the note

    html, summary = public_view(responder, world)
    for secret in ("a bad deploy", "Sam is watching", "Web is slow too"):
        assert secret not in html
    assert component_status(summary, "Billing") == "operational"


def test_a_responder_is_pointed_from_the_read_only_composer_to_drafting(app, world):
    responder = signed_in(app, "responder")
    composer = responder.get("/admin/incidents/new").get_data(as_text=True)
    assert "can read this but not publish" in composer
    assert '<fieldset class="bare" disabled>' in composer
    assert "draft an update" in composer
    page = responder.get(incident_url(world)).get_data(as_text=True)
    assert 'href="#draft-update"' in page
    assert "Save draft" in page
    assert "Add note" in page


def test_a_viewer_reads_drafts_and_notes_but_gets_no_forms(app: Flask, world: World):
    viewer = signed_in(app, "viewer")
    page = viewer.get(incident_url(world)).get_data(as_text=True)
    assert "Web is slow too." in page  # the world's open draft
    assert "Save draft" not in page
    assert "Add note" not in page
    assert "Review &amp; publish" not in page
    assert "Discard" not in page


def test_comms_publishes_an_edited_draft_and_the_public_sees_it(app: Flask, world: World):
    _, draft = responder_drafts(app, world)
    comms = signed_in(app, "comms")
    page = comms.get(incident_url(world)).get_data(as_text=True)
    assert "Review &amp; publish" in page
    assert f'action="{incident_url(world)}/drafts/{draft.id}/publish"' in page

    edited = "A bad deploy broke billing; we are rolling it back."
    response = comms.submit(
        f"{incident_url(world)}/drafts/{draft.id}/publish",
        {"body": edited},  # notify unticked
        page=incident_url(world),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    html, summary = public_view(comms, world)
    assert "A bad deploy broke billing; we are rolling it back." in html
    assert "Root cause" not in html  # the draft's own words were replaced
    assert component_status(summary, "Billing") == "major_outage"
    db.session.commit()
    incident = db.session.get(Incident, world.incident.id)
    assert incident.status is IncidentStatus.identified
    update = next(u for u in incident.updates if u.body == edited)
    assert update.deliver_notifications is False
    published = db.session.get(UpdateDraft, draft.id)
    assert published.published_at is not None
    assert published.published_update_id == update.id
    assert "Root cause" not in comms.get(incident_url(world)).get_data(as_text=True)


def test_a_publisher_must_keep_a_message(app: Flask, world: World):
    comms = signed_in(app, "comms")
    url = f"{incident_url(world)}/drafts/{world.draft.id}/publish"
    response = comms.submit(url, {"body": "  "}, page=incident_url(world))
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    db.session.commit()
    assert db.session.get(UpdateDraft, world.draft.id).published_at is None


def test_an_empty_draft_or_note_is_shown_again_with_its_error(app: Flask, world: World):
    responder = signed_in(app, "responder")
    for path, data in [("drafts", {"status": "identified", "body": ""}), ("notes", {"body": ""})]:
        response = responder.submit(f"{incident_url(world)}/{path}", data, page=incident_url(world))
        assert response.status_code == 422
        assert "Please correct the marked fields." in response.get_data(as_text=True)


def test_discarding_a_draft_removes_it_from_review(app: Flask, world: World):
    owner = signed_in(app, "owner")
    url = f"{incident_url(world)}/drafts/{world.draft.id}"
    response = owner.submit(f"{url}/discard", page=incident_url(world))
    assert response.status_code == 302
    page = owner.get(incident_url(world)).get_data(as_text=True)
    assert "Draft discarded." in page
    assert "Web is slow too." not in page
    db.session.commit()
    assert db.session.get(UpdateDraft, world.draft.id).discarded_at is not None
    # a discarded draft cannot be published afterwards
    response = owner.submit(f"{url}/publish", {"body": "Late."}, page=incident_url(world))
    assert response.status_code == 404


def test_a_draft_is_published_only_from_its_own_incident(app: Flask, world: World):
    owner = signed_in(app, "owner")
    url = f"/admin/incidents/{world.resolved.id}/drafts/{world.draft.id}/publish"
    response = owner.submit(url, {"body": "Wrong place."}, page=incident_url(world))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "action"),
    [
        ("responder", "publish"),
        ("responder", "discard"),
        ("viewer", "publish"),
        ("viewer", "discard"),
        ("legal", "publish"),
        ("legal", "discard"),
    ],
)
def test_only_publishers_publish_or_discard_a_draft(app: Flask, world: World, role, action):
    staff = signed_in(app, role)
    url = f"{incident_url(world)}/drafts/{world.draft.id}/{action}"
    response = staff.submit(url, {"body": "Sneaky.", "notify": "y"}, page=incident_url(world))
    assert response.status_code == 403
    db.session.commit()
    draft = db.session.get(UpdateDraft, world.draft.id)
    assert draft.published_at is None
    assert draft.discarded_at is None


@pytest.mark.parametrize("role", ["viewer", "legal", None])
def test_viewers_legal_and_strangers_neither_draft_nor_note(app: Flask, world: World, role):
    staff = signed_in(app, role) if role else Staff(app.test_client())
    for path, data in [("drafts", {"status": "identified", "body": "x"}), ("notes", {"body": "x"})]:
        response = staff.submit(f"{incident_url(world)}/{path}", data)
        if role:
            assert response.status_code == 403
        else:
            assert response.status_code == 302
            assert response.location.startswith("/admin/login")
    db.session.commit()
    assert db.session.scalars(select(InternalNote)).all() == []
    assert len(db.session.scalars(select(UpdateDraft)).all()) == 1  # the world's own


def test_backfill_creates_an_incident_that_started_in_the_past(owner: Staff, world: World):
    happened = (utcnow() - timedelta(days=2)).replace(second=0, microsecond=0)
    response = owner.submit(
        "/admin/incidents/new",
        {
            "name": "Weekend outage",
            "status": "investigating",
            "body": "Recorded after the fact.",
            "happened_at": happened.strftime("%Y-%m-%dT%H:%M"),
            f"component-{world.billing.id}": "partial_outage",
        },
        page="/admin/incidents/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.commit()
    incident = db.session.scalars(select(Incident).where(Incident.name == "Weekend outage")).one()
    assert incident.started_at == happened
    assert incident.created_at == happened
    assert incident.updates[0].display_at == happened


def test_backfill_refuses_a_time_in_the_future(owner: Staff, world: World):
    future = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = owner.submit(
        "/admin/incidents/new",
        {"name": "Tomorrow", "status": "investigating", "body": "?", "happened_at": future},
        page="/admin/incidents/new",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="happened_at-error"' in html
    assert "This time is in the future; times are in UTC." in html
    db.session.commit()
    assert db.session.scalars(select(Incident).where(Incident.name == "Tomorrow")).all() == []
