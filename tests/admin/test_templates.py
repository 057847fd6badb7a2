"""Incident templates: create, edit, delete, and use one to start an incident."""

from __future__ import annotations

import re

from sqlalchemy import select

from statuspage.extensions import db
from statuspage.models import IncidentStatus, IncidentTemplate
from tests.admin.staff_client import Staff
from tests.admin.world import World


def template_named(name: str) -> IncidentTemplate | None:
    db.session.commit()
    return db.session.scalars(select(IncidentTemplate).where(IncidentTemplate.name == name)).first()


def test_create_edit_and_delete_a_template(owner: Staff, world: World):
    response = owner.submit(
        "/admin/templates/new",
        {
            "name": "Login trouble",
            "title": "Some customers cannot sign in",
            "body": "We are looking into sign-in errors.",
            "update_status": "investigating",
            "components": [world.web.id],
            "should_send_notifications": "y",
        },
        page="/admin/templates/new",
    )
    assert response.status_code == 302
    template = template_named("Login trouble")
    assert template is not None
    assert template.component_ids == [world.web.id]
    assert template.should_send_notifications is True

    url = f"/admin/templates/{template.id}/edit"
    form = owner.get(url).get_data(as_text=True)
    assert re.search(rf'<input checked [^>]*value="{world.web.id}"', form)
    assert not re.search(rf'<input checked [^>]*value="{world.api.id}"', form)
    response = owner.submit(
        url,
        {
            "name": "Login trouble",
            "title": "Sign-in errors",
            "body": "Sign-in fails for some.",
            "update_status": "identified",
            "components": [world.web.id, world.api.id],
        },
        page=url,
    )
    assert response.status_code == 302
    template = template_named("Login trouble")
    assert template.title == "Sign-in errors"
    assert template.update_status is IncidentStatus.identified
    assert sorted(template.component_ids) == sorted([world.web.id, world.api.id])
    assert template.should_send_notifications is False

    response = owner.submit(f"/admin/templates/{template.id}/delete")
    assert response.status_code == 302
    assert template_named("Login trouble") is None


def test_use_a_template_then_publish_from_the_composer(owner: Staff, world: World):
    listing = owner.get("/admin/templates").get_data(as_text=True)
    use = f"/admin/incidents/new?template={world.template.id}"
    assert f'href="{use}"' in listing
    composer = owner.get(use).get_data(as_text=True)
    assert 'value="API unavailable"' in composer
    response = owner.submit(
        "/admin/incidents/new",
        {
            "name": "API unavailable",
            "status": "identified",
            "body": world.template.body,
            f"component-{world.api.id}": "degraded_performance",
            f"component-{world.web.id}": "degraded_performance",
            "notify": "y",
        },
        page=use,
    )
    assert response.status_code == 302
    summary = owner.get("/api/v2/summary.json").get_json()
    incident = next(i for i in summary["incidents"] if i["name"] == "API unavailable")
    assert incident["status"] == "identified"
    assert {c["name"] for c in incident["components"]} == {"API", "Web"}


def test_a_template_needs_its_words(owner: Staff, world: World):
    response = owner.submit(
        "/admin/templates/new", {"name": "Empty", "title": "", "body": "", "update_status": "x"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This field is required." in html
    assert "Not a valid choice" in html
    assert template_named("Empty") is None
