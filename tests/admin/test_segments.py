"""The admin's segments and organizations screens, and choosing an audience: the component
form, the composer and the maintenance form, and the live reach preview."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.audience import organizations, segments
from statuspage.audience.membership import viewer_for
from statuspage.audience.recipients import recipients
from statuspage.audience.viewers import organization_for_token
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import (
    Incident,
    Notice,
    Organization,
    Segment,
    Subscriber,
    Visibility,
)
from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World
from tests.factories import subscriber


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def eu_customer(world: World) -> tuple[Segment, Organization, Subscriber]:
    """EU, with Acme (by domain) in it and Ann of Acme subscribed; committed."""
    eu = segments.create_segment("EU", kind="region")
    acme = organizations.create_organization("Acme", segments=[eu])
    ann = subscriber("ann@acme.example")
    organizations.add_domain(acme, "acme.example")
    db.session.commit()
    return eu, acme, ann


# --- segments --------------------------------------------------------------------------------


def test_an_owner_creates_edits_and_deletes_a_segment(owner: Staff, world: World):
    page = "/admin/segments"
    response = owner.submit(f"{page}/new", {"name": "Gold", "kind": "plan"}, page=page)
    assert response.status_code == 302
    gold = db.session.scalars(select(Segment).where(Segment.name == "Gold")).one()
    assert "Segment “Gold” created." in _text(owner.get(page))
    edit = f"/admin/segments/{gold.id}/edit"
    assert owner.submit(edit, {"name": "Platinum", "kind": "plan"}, page=edit).status_code == 302
    db.session.refresh(gold)
    assert gold.name == "Platinum"
    gold_id = gold.id
    delete = f"/admin/segments/{gold_id}/delete"
    assert "Nothing becomes public." in _text(owner.get(delete))
    assert owner.submit(delete, page=delete).status_code == 302
    db.session.expire_all()
    assert db.session.get(Segment, gold_id) is None


def test_a_refused_segment_is_shown_again_with_why(owner: Staff, world: World):
    segments.create_segment("EU")
    page = "/admin/segments"
    response = owner.submit(f"{page}/new", {"name": "eu"}, page=page)
    assert response.status_code == 422
    assert "There is already a segment named &#39;eu&#39;" in response.get_data(as_text=True)


def test_other_roles_read_segments_but_are_offered_no_change(app: Flask, world: World):
    segments.create_segment("EU")
    db.session.commit()
    comms = signed_in(app, "comms")
    html = _text(comms.get("/admin/segments"))
    assert "EU" in html
    assert "Globex" in html  # Enterprise's organization, from the world
    assert "Create segment" not in html
    assert "an owner creates and changes them" in html
    assert comms.get(f"/admin/segments/{world.segment.id}/edit").status_code == 403


# --- organizations ---------------------------------------------------------------------------


def test_an_owner_builds_an_organization_that_claims_its_people(owner: Staff, world: World):
    eu = segments.create_segment("EU")
    ann = world.subscriber  # ann@example.com, not verified
    ann.contact_points[0].verified_at = utcnow()
    db.session.commit()
    page = "/admin/organizations"
    created = owner.submit(
        f"{page}/new", {"name": "Example", "segment_ids": [str(eu.id)]}, page=page
    )
    assert created.status_code == 302
    organization = db.session.scalars(
        select(Organization).where(Organization.name == "Example")
    ).one()
    show = f"/admin/organizations/{organization.id}"
    assert created.location == show
    assert owner.submit(f"{show}/domains", {"domain": "Example.com"}, page=show).status_code == 302
    db.session.refresh(ann)
    assert ann.organization_id == organization.id
    assert viewer_for("someone@example.com").segment_ids == {eu.id}
    member = owner.submit(f"{show}/members", {"email": "bo@partner.example"}, page=show)
    assert member.status_code == 302
    assert viewer_for("bo@partner.example").segment_ids == {eu.id}
    html = _text(owner.get(show))
    assert "example.com" in html
    assert "bo@partner.example" in html


def test_a_domain_of_another_organization_is_refused_on_the_page(owner: Staff, eu_customer):
    _, acme, _ = eu_customer
    other = organizations.create_organization("Other")
    db.session.commit()
    show = f"/admin/organizations/{other.id}"
    response = owner.submit(f"{show}/domains", {"domain": "acme.example"}, page=show)
    assert response.status_code == 422
    assert "cme.example is already a domain of another organization" in _text(response)
    assert [d.domain for d in acme.domains] == ["acme.example"]


def test_removing_a_domain_takes_its_people_out(owner: Staff, eu_customer):
    _, acme, ann = eu_customer
    show = f"/admin/organizations/{acme.id}"
    url = f"{show}/domains/{acme.domains[0].id}/remove"
    assert owner.submit(url, page=show).status_code == 302
    db.session.refresh(ann)
    assert ann.organization_id is None


def test_an_organization_token_is_shown_once_and_then_only_its_prefix(owner: Staff, eu_customer):
    _, acme, _ = eu_customer
    show = f"/admin/organizations/{acme.id}"
    response = owner.submit(f"{show}/token", page=show)
    assert response.status_code == 200
    secret = re.search(r'id="secret"[^>]*value="([^"]+)"', response.get_data(as_text=True))[1]
    db.session.expire_all()
    assert organization_for_token(secret).id == acme.id
    page = owner.get(show).get_data(as_text=True)
    assert secret not in page
    assert f"{acme.api_token_prefix}…" in page
    revoke = f"{show}/token/revoke"
    assert owner.submit(revoke, page=revoke).status_code == 302
    db.session.expire_all()
    assert organization_for_token(secret) is None
    assert owner.get(revoke).status_code == 404  # nothing left to revoke


def test_deleting_an_organization_is_confirmed_first(owner: Staff, eu_customer):
    _, acme, ann = eu_customer
    url = f"/admin/organizations/{acme.id}/delete"
    assert "Its domains and members go with it" in _text(owner.get(url))
    assert owner.submit(url, page=url).status_code == 302
    db.session.refresh(ann)
    assert ann.organization_id is None


def test_a_viewer_reads_an_organization_but_has_no_forms(app: Flask, eu_customer):
    _, acme, _ = eu_customer
    viewer = signed_in(app, "viewer")
    html = _text(viewer.get(f"/admin/organizations/{acme.id}"))
    assert "acme.example" in html
    assert "Add domain" not in html
    assert "Issue a token" not in html
    assert "an owner changes who belongs to it" in html


# --- components ------------------------------------------------------------------------------


def test_a_component_is_made_visible_to_chosen_segments_only(owner: Staff, eu_customer):
    eu, *_ = eu_customer
    world_api = (
        db.session.scalars(select(Incident).where(Incident.name == "Slow API")).one().components[0]
    )
    edit = f"/admin/components/{world_api.id}/edit"
    form = {"name": world_api.name, "status": "operational", "visibility": "segments"}
    refused = owner.submit(edit, form, page=edit)
    assert refused.status_code == 422
    assert "Choose at least one segment." in _text(refused)
    saved = owner.submit(edit, form | {"segment_ids": [str(eu.id)]}, page=edit)
    assert saved.status_code == 302
    db.session.refresh(world_api)
    assert (world_api.visibility, world_api.segments) == (Visibility.segments, [eu])
    assert "Private: EU" in _text(owner.get("/admin/components"))
    assert 'checked id="visibility-1" name="visibility" type="radio" value="segments"' in (
        owner.get(edit).get_data(as_text=True)
    )


# --- the composer ----------------------------------------------------------------------------


def test_the_composer_publishes_a_private_incident_to_the_chosen_segments(
    owner: Staff, eu_customer
):
    eu, _, ann = eu_customer
    page = "/admin/incidents/new"
    html = _text(owner.get(page))
    assert "Public: reaches" in html  # the preview before any script runs
    data = {"name": "EU database failover", "status": "investigating", "body": "Failing over.",
            "notify": "y", "audience": "segments", "segment_ids": [str(eu.id)]}  # fmt: skip
    assert owner.submit(page, data, page=page).status_code == 302
    incident = db.session.scalars(select(Incident).where(Incident.name.like("EU%"))).one()
    assert (incident.visibility, incident.segments) == (Visibility.segments, [eu])
    notice = db.session.scalars(select(Notice).where(Notice.incident_id == incident.id)).one()
    assert [r.subscriber_id for r in recipients(notice)] == [ann.id]
    assert "Private: EU" in _text(owner.get(f"/admin/incidents/{incident.id}"))
    assert "Private: EU" in _text(owner.get("/admin/incidents"))


def test_a_private_audience_without_segments_is_refused(owner: Staff, eu_customer):
    page = "/admin/incidents/new"
    data = {"name": "Nobody", "status": "investigating", "body": "Hm.", "audience": "segments"}
    response = owner.submit(page, data, page=page)
    assert response.status_code == 422
    html = _text(response)
    assert "Choose at least one segment." in html
    assert "Choose at least one segment to see who this reaches." in html
    assert db.session.scalars(select(Incident).where(Incident.name == "Nobody")).all() == []


def test_maintenance_can_be_private_too(owner: Staff, eu_customer):
    eu, *_ = eu_customer
    page = "/admin/maintenance/new"
    assert "Audience" in _text(owner.get(page))
    start = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(days=3, hours=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"name": "EU upgrade", "body": "Planned.", "scheduled_for": start,
            "scheduled_until": end, "audience": "segments",
            "segment_ids": [str(eu.id)]}  # fmt: skip
    assert owner.submit(page, data, page=page).status_code == 302
    maintenance = db.session.scalars(select(Incident).where(Incident.name == "EU upgrade")).one()
    assert maintenance.segments == [eu]
    assert "Private: EU" in _text(owner.get("/admin/maintenance"))


# --- the reach preview -----------------------------------------------------------------------


def test_the_reach_preview_answers_for_the_form_as_it_stands(owner: Staff, eu_customer):
    eu, *_ = eu_customer
    api = (
        db.session.scalars(select(Incident).where(Incident.name == "Slow API")).one().components[0]
    )
    private = owner.get(
        f"/admin/reach.json?kind=incident&audience=segments&segment_ids={eu.id}"
        f"&component-{api.id}=major_outage"
    )
    assert private.status_code == 200
    assert private.get_json() == {
        "people": 1,
        "organizations": 1,
        "contact_points": 1,
        "segments": ["EU"],
        "sentence": "Reaches 1 person in 1 organization through 1 contact point: EU.",
    }
    empty = owner.get("/admin/reach.json?kind=maintenance&audience=segments").get_json()
    assert empty["sentence"] == "Choose at least one segment to see who this reaches."
    public = owner.get(f"/admin/reach.json?kind=maintenance&components={api.id}").get_json()
    assert public["segments"] == []
    assert public["sentence"].startswith("Public: reaches")
    assert owner.get("/admin/reach.json?kind=party").status_code == 400
    # "²" is a digit to str.isdigit but not to int(): not a segment id, not a 500.
    odd = owner.get("/admin/reach.json?kind=incident&audience=segments&segment_ids=%C2%B2")
    assert odd.get_json()["sentence"] == "Choose at least one segment to see who this reaches."


@pytest.mark.parametrize(("role", "status"), [("responder", 200), ("viewer", 403)])
def test_the_reach_preview_is_for_those_who_open_the_composer(app, world, role, status):
    assert signed_in(app, role).get("/admin/reach.json?kind=incident").status_code == status


def test_the_reach_preview_needs_a_signed_in_staff_member(anonymous: Staff, world: World):
    response = anonymous.get("/admin/reach.json?kind=incident")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login")


def test_the_navigation_offers_segments_and_organizations_to_every_role(app, world):
    html = _text(signed_in(app, "viewer").get("/admin/"))
    assert ">Segments<" in html
    assert ">Organizations<" in html
