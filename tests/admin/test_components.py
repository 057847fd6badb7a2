"""Components and groups through the admin: create, edit, status, order, delete with a question."""

from __future__ import annotations

from sqlalchemy import func, select

from statuspage.audience.visibility import STAFF
from statuspage.components.catalog import list_components, list_groups
from statuspage.extensions import db
from statuspage.models import Component, ComponentGroup, ComponentStatus, ComponentStatusChange
from tests.admin.staff_client import Staff
from tests.admin.world import World


def names_in_order() -> list[str]:
    db.session.commit()
    return [c.name for c in list_components(STAFF)]


def test_create_and_edit_a_component(owner: Staff, world: World):
    response = owner.submit(
        "/admin/components/new",
        {
            "name": "Search",
            "description": "Full-text search",
            "group_id": world.core.id,
            "status": "operational",
            "showcase": "y",
        },
        page="/admin/components/new",
    )
    assert response.status_code == 302
    assert response.location == "/admin/components"
    db.session.commit()
    search = db.session.scalars(select(Component).where(Component.name == "Search")).one()
    assert search.group_id == world.core.id
    assert search.position == 3  # after API and Web

    url = f"/admin/components/{search.id}/edit"
    form = owner.get(url).get_data(as_text=True)
    assert 'value="Search"' in form
    response = owner.submit(
        url,
        {"name": "Search API", "description": "", "group_id": "", "status": "degraded_performance"},
        page=url,
    )
    assert response.status_code == 302
    db.session.commit()
    db.session.refresh(search)
    assert search.name == "Search API"
    assert search.group_id is None
    assert search.description is None
    assert search.status is ComponentStatus.degraded_performance
    assert "Search API" in owner.get("/").get_data(as_text=True)


def test_a_status_set_on_the_list_is_logged_for_uptime(owner: Staff, world: World):
    response = owner.submit(
        f"/admin/components/{world.billing.id}/status",
        {"status": "partial_outage"},
        page="/admin/components",
    )
    assert response.status_code == 302
    db.session.commit()
    changes = db.session.scalars(
        select(ComponentStatusChange).where(ComponentStatusChange.component_id == world.billing.id)
    ).all()
    assert [c.new_status for c in changes][-1] is ComponentStatus.partial_outage
    summary = owner.get("/api/v2/summary.json").get_json()
    assert next(c for c in summary["components"] if c["name"] == "Billing")["status"] == (
        "partial_outage"
    )


def test_move_components_and_groups_up_and_down(owner: Staff, world: World):
    assert names_in_order()[:3] == ["Billing", "API", "Web"]
    owner.submit(f"/admin/components/{world.api.id}/move", {"direction": "down"})
    assert names_in_order()[:3] == ["Billing", "Web", "API"]
    owner.submit(f"/admin/components/{world.api.id}/move", {"direction": "down"})  # at the end
    assert names_in_order()[:3] == ["Billing", "Web", "API"]
    owner.submit(f"/admin/components/{world.api.id}/move", {"direction": "up"})
    assert names_in_order()[:3] == ["Billing", "API", "Web"]

    assert [g.name for g in list_groups()] == ["Core", "Edge"]
    owner.submit(f"/admin/groups/{world.edge.id}/move", {"direction": "up"})
    db.session.commit()
    assert [g.name for g in list_groups()] == ["Edge", "Core"]
    response = owner.submit(f"/admin/groups/{world.edge.id}/move", {"direction": "sideways"})
    assert response.status_code == 400


def test_delete_asks_first(owner: Staff, world: World):
    url = f"/admin/components/{world.billing.id}/delete"
    question = owner.get(url)
    assert question.status_code == 200
    assert "Delete component “Billing”?" in question.get_data(as_text=True)
    assert "Billing" in names_in_order()
    response = owner.submit(url, page=url)
    assert response.status_code == 302
    assert "Billing" not in names_in_order()
    assert "Billing" not in owner.get("/").get_data(as_text=True)


def test_groups_create_edit_and_delete_keep_their_components(owner: Staff, world: World):
    response = owner.submit("/admin/groups/new", {"name": "Regions", "description": "Where"})
    assert response.status_code == 302
    response = owner.submit(f"/admin/groups/{world.core.id}/edit", {"name": "Core services"})
    assert response.status_code == 302
    db.session.commit()
    assert [g.name for g in list_groups()] == ["Core services", "Edge", "Regions"]

    response = owner.submit(f"/admin/groups/{world.core.id}/delete")
    assert response.status_code == 302
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ComponentGroup)) == 2
    db.session.refresh(world.api)
    assert world.api.group_id is None


def test_an_empty_name_is_a_form_error(owner: Staff, world: World):
    response = owner.submit("/admin/components/new", {"name": "  ", "status": "operational"})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    response = owner.submit(
        "/admin/components/new", {"name": "X", "group_id": "nosuchgroup1", "status": "operational"}
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
