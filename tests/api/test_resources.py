"""Each resource's own rules: what PATCH leaves alone, what DELETE keeps, what lists contain."""

from __future__ import annotations

from datetime import timedelta

import pytest

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, create_group
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident, post_update


def _ok(response, status: int = 200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_the_page_is_listed_and_read_by_its_id(client, owner, page_id):
    (listed,) = _ok(client.get("/api/v1/pages", headers=owner.headers))
    assert listed["id"] == page_id
    assert listed["url"] == "http://status.example.test"
    assert _ok(client.get(f"/api/v1/pages/{page_id}", headers=owner.headers)) == listed


def test_a_fresh_install_gets_its_page_on_first_call_and_keeps_it(client, owner):
    first = _ok(client.get("/api/v1/pages", headers=owner.headers))
    again = _ok(client.get("/api/v1/pages", headers=owner.headers))
    assert first[0]["id"] == again[0]["id"]
    assert first[0]["name"] == "Acme Status"  # PAGE_NAME from the config


def test_patch_changes_only_what_it_names(client, owner, base):
    group = create_group("Core")
    component = create_component("API", group=group, description="REST")
    db.session.commit()
    path = f"{base}/components/{component.id}"
    patched = _ok(
        client.patch(path, headers=owner.headers, json={"component": {"status": "partial_outage"}})
    )
    assert (patched["name"], patched["description"], patched["group_id"]) == (
        "API",
        "REST",
        group.id,
    )
    assert patched["status"] == "partial_outage"

    cleared = _ok(
        client.put(
            path,
            headers=owner.headers,
            json={"component": {"description": None, "group_id": None, "start_date": "2024-02-29"}},
        )
    )
    assert (cleared["description"], cleared["group_id"]) == (None, None)
    assert cleared["start_date"] == "2024-02-29"
    assert cleared["status"] == "partial_outage"


def test_deleting_a_component_is_a_204_and_it_is_gone(client, owner, base):
    component = create_component("API")
    db.session.commit()
    response = client.delete(f"{base}/components/{component.id}", headers=owner.headers)
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"{base}/components/{component.id}", headers=owner.headers).status_code == 404


def test_a_group_takes_members_in_order_and_deleting_it_keeps_them(client, owner, base):
    a, b = create_component("A"), create_component("B")
    group = create_group("Core")
    db.session.commit()
    path = f"{base}/component-groups/{group.id}"
    updated = _ok(
        client.patch(
            path,
            headers=owner.oauth,
            data={
                "component_group[name]": "Core services",
                "component_group[components][]": [b.id, a.id],
            },
        )
    )
    assert (updated["name"], updated["components"]) == ("Core services", [b.id, a.id])
    assert _ok(client.get(f"{base}/component-groups", headers=owner.headers)) == [updated]

    deleted = _ok(client.delete(path, headers=owner.headers))
    assert deleted["id"] == group.id
    components = _ok(client.get(f"{base}/components", headers=owner.headers))
    assert {(c["name"], c["group_id"]) for c in components} == {("A", None), ("B", None)}


def test_a_group_with_an_unknown_member_is_refused_whole(client, owner, base):
    response = client.post(
        f"{base}/component-groups",
        headers=owner.headers,
        json={"component_group": {"name": "Core", "components": ["nosuchcomponent"]}},
    )
    assert response.status_code == 422
    assert _ok(client.get(f"{base}/component-groups", headers=owner.headers)) == []


@pytest.fixture
def timeline(page_id):
    """An open incident, a resolved one, maintenance ahead and maintenance under way."""
    now = utcnow()
    api = create_component("API")
    open_incident = create_incident(OpenIncident("Open", "Looking.", at=now - timedelta(hours=3)))
    closed = create_incident(OpenIncident("Closed", "Looking.", at=now - timedelta(hours=2)))
    post_update(closed, PostUpdate("Fixed.", status="resolved"))
    ahead = schedule_maintenance(
        ScheduleMaintenance(
            "Ahead",
            "Soon.",
            scheduled_for=now + timedelta(days=1),
            scheduled_until=now + timedelta(days=1, hours=1),
            components=[api],
            at=now - timedelta(hours=1),
        )
    )
    running = schedule_maintenance(
        ScheduleMaintenance(
            "Running",
            "Now.",
            scheduled_for=now - timedelta(minutes=5),
            scheduled_until=now + timedelta(hours=1),
            at=now - timedelta(minutes=30),
        )
    )
    post_update(running, PostUpdate("Started.", status="in_progress"))
    db.session.commit()
    return {"open": open_incident.id, "closed": closed.id, "ahead": ahead.id, "running": running.id}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/incidents", ["running", "ahead", "closed", "open"]),
        ("/incidents?limit=2", ["running", "ahead"]),
        ("/incidents?limit=2&page=2", ["closed", "open"]),
        ("/incidents?q=clos", ["closed"]),
        ("/incidents?q=50%25", []),
        ("/incidents/unresolved", ["open"]),
        ("/incidents/upcoming", ["ahead"]),
        ("/incidents/active_maintenance", ["running"]),
        ("/incidents/scheduled", ["ahead", "running"]),
    ],
)
def test_incident_lists(client, owner, base, timeline, path, expected):
    found = _ok(client.get(base + path, headers=owner.headers))
    names = {v: k for k, v in timeline.items()}
    assert [names[i["id"]] for i in found] == expected


def test_an_incident_reads_with_the_v1_fields(client, owner, base, timeline):
    incident = _ok(client.get(f"{base}/incidents/{timeline['ahead']}", headers=owner.headers))
    assert incident["impact_override"] == "maintenance"
    assert incident["scheduled_for"] is not None
    assert incident["scheduled_auto_in_progress"] is False
    assert incident["postmortem_body"] is None


def test_a_maintenance_window_moves_and_its_automation_is_set_in_place(
    client, owner, base, timeline
):
    start = utcnow() + timedelta(days=3)
    moved = _ok(
        client.patch(
            f"{base}/incidents/{timeline['ahead']}",
            headers=owner.oauth,
            data={
                "incident[scheduled_for]": start.isoformat(),
                "incident[scheduled_until]": (start + timedelta(hours=4)).isoformat(),
                "incident[scheduled_auto_in_progress]": "1",
                "incident[scheduled_remind_prior]": "true",
            },
        )
    )
    assert moved["scheduled_for"].startswith(start.date().isoformat())
    assert moved["scheduled_auto_in_progress"] is True
    assert moved["scheduled_remind_prior"] is True
    assert len(moved["incident_updates"]) == 1, "an edit in place posts no update"


def test_deleting_an_incident_answers_with_it_and_removes_it(client, owner, base, timeline):
    deleted = _ok(client.delete(f"{base}/incidents/{timeline['open']}", headers=owner.headers))
    assert deleted["name"] == "Open"
    assert (
        client.get(f"{base}/incidents/{timeline['open']}", headers=owner.headers).status_code == 404
    )


def test_templates_are_created_and_listed_with_their_components(client, owner, base):
    api = create_component("API")
    db.session.commit()
    created = _ok(
        client.post(
            f"{base}/incident_templates",
            headers=owner.oauth,
            data={
                "template[name]": "Outage",
                "template[title]": "We are down",
                "template[body]": "We are on it.",
                "template[update_status]": "identified",
                "template[should_tweet]": "false",
                "template[component_ids][]": api.id,
            },
        ),
        201,
    )
    assert created["update_status"] == "identified"
    assert [c["id"] for c in created["components"]] == [api.id]
    assert _ok(client.get(f"{base}/incident_templates", headers=owner.headers)) == [created]


def test_answers_are_never_kept_by_shared_caches(client, owner, base):
    response = client.get(f"{base}/components", headers=owner.headers)
    assert response.headers["Cache-Control"] == "private, no-store"
    refused = client.get(f"{base}/components")
    assert refused.headers["Cache-Control"] == "private, no-store"
