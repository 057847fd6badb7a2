"""Drive the management API as a Statuspage client does, then read what the public sees.

Statuspage's own client libraries send form fields with Rails-style names and the
`Authorization: OAuth` header; newer integrations send JSON with a bearer token. Both are
used here, interleaved, on one page: components, a group, an incident from open to
resolved and postmortem, and scheduled maintenance. The public v2 JSON and the status page
must then show exactly that.
"""

from __future__ import annotations

from datetime import timedelta

from statuspage.clock import utcnow


def _json(response, status: int = 200) -> dict | list:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def test_a_statuspage_client_runs_an_incident_and_the_public_page_shows_it(client, owner):
    pages = _json(client.get("/api/v1/pages", headers=owner.oauth))
    assert len(pages) == 1
    base = f"/api/v1/pages/{pages[0]['id']}"

    # Components: one form-encoded (as Statuspage's client sends), one JSON.
    api = _json(
        client.post(
            f"{base}/components",
            headers=owner.oauth,
            data={
                "component[name]": "API",
                "component[description]": "The public REST API",
                "component[showcase]": "true",
                "component[only_show_if_degraded]": "0",
            },
        ),
        201,
    )
    web = _json(
        client.post(
            f"{base}/components",
            headers=owner.headers,
            json={"component": {"name": "Web", "status": "operational", "showcase": True}},
        ),
        201,
    )
    assert (api["name"], api["description"], api["status"]) == (
        "API",
        "The public REST API",
        "operational",
    )
    assert api["showcase"] is True
    assert api["only_show_if_degraded"] is False

    # A group, with `description` where Statuspage's documentation puts it: beside the group.
    group = _json(
        client.post(
            f"{base}/component-groups",
            headers=owner.headers,
            json={
                "description": "What customers call",
                "component_group": {"name": "Core", "components": [web["id"], api["id"]]},
            },
        ),
        201,
    )
    assert group["components"] == [web["id"], api["id"]]
    assert group["description"] == "What customers call"
    listed = _json(client.get(f"{base}/components", headers=owner.oauth))
    assert {c["id"]: c["group_id"] for c in listed} == {
        api["id"]: group["id"],
        web["id"]: group["id"],
    }

    # Open an incident, form-encoded, with Statuspage's `components` map and `component_ids`.
    incident = _json(
        client.post(
            f"{base}/incidents",
            headers=owner.oauth,
            data={
                "incident[name]": "API errors",
                "incident[status]": "investigating",
                "incident[body]": "We are seeing **errors** on the API.",
                "incident[component_ids][]": [api["id"], web["id"]],
                f"incident[components][{api['id']}]": "major_outage",
                "incident[deliver_notifications]": "false",
            },
        ),
        201,
    )
    assert incident["status"] == "investigating"
    assert incident["impact"] == "critical"  # derived from the worst component status
    assert {c["id"]: c["status"] for c in incident["components"]} == {
        api["id"]: "major_outage",
        web["id"]: "operational",  # named in component_ids only: affected, status kept
    }
    assert incident["incident_updates"][0]["deliver_notifications"] is False

    summary = _json(client.get("/api/v2/summary.json"))
    assert summary["status"]["indicator"] == "critical"
    assert [i["id"] for i in summary["incidents"]] == [incident["id"]]
    statuses = {c["id"]: c["status"] for c in summary["components"]}
    assert statuses[api["id"]] == "major_outage"
    assert statuses[group["id"]] == "major_outage"  # a group shows its worst member

    # Update it (JSON PATCH): new status, message and component status, and a better name.
    updated = _json(
        client.patch(
            f"{base}/incidents/{incident['id']}",
            headers=owner.headers,
            json={
                "incident": {
                    "name": "API errors in EU",
                    "status": "identified",
                    "body": "A bad deploy; rolling back.",
                    "components": {api["id"]: "partial_outage"},
                    "impact_override": "major",
                }
            },
        )
    )
    assert (updated["name"], updated["status"], updated["impact"]) == (
        "API errors in EU",
        "identified",
        "major",
    )
    assert [u["status"] for u in updated["incident_updates"]] == ["identified", "investigating"]

    # Resolve it (form-encoded PUT, as Statuspage's client updates).
    resolved = _json(
        client.put(
            f"{base}/incidents/{incident['id']}",
            headers=owner.oauth,
            data={
                "incident[status]": "resolved",
                "incident[body]": "Rolled back; all good.",
                f"incident[components][{api['id']}]": "operational",
            },
        )
    )
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] is not None
    assert _json(client.get(f"{base}/incidents/unresolved", headers=owner.oauth)) == []

    postmortem = _json(
        client.patch(
            f"{base}/incidents/{incident['id']}",
            headers=owner.headers,
            json={"incident": {"status": "postmortem", "body": "What happened, and why."}},
        )
    )
    assert postmortem["status"] == "postmortem"
    assert postmortem["postmortem_body"] == "What happened, and why."

    # Schedule maintenance on Web (JSON), automated at both ends.
    start = utcnow() + timedelta(days=2)
    maintenance = _json(
        client.post(
            f"{base}/incidents",
            headers=owner.headers,
            json={
                "incident": {
                    "name": "Database upgrade",
                    "status": "scheduled",
                    "body": "Expect brief blips.",
                    "scheduled_for": start.isoformat(),
                    "scheduled_until": (start + timedelta(hours=2)).isoformat(),
                    "scheduled_auto_in_progress": True,
                    "scheduled_auto_completed": True,
                    "component_ids": [web["id"]],
                }
            },
        ),
        201,
    )
    assert maintenance["status"] == "scheduled"
    assert maintenance["impact"] == "maintenance"
    assert maintenance["scheduled_auto_in_progress"] is True
    assert [c["id"] for c in maintenance["components"]] == [web["id"]]
    upcoming = _json(client.get(f"{base}/incidents/upcoming", headers=owner.oauth))
    assert [m["id"] for m in upcoming] == [maintenance["id"]]
    listed_incidents = _json(client.get(f"{base}/incidents", headers=owner.oauth))
    assert [i["id"] for i in listed_incidents] == [maintenance["id"], incident["id"]]

    # The public side: v2 JSON and the page itself.
    summary = _json(client.get("/api/v2/summary.json"))
    assert summary["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert summary["incidents"] == []
    assert [m["id"] for m in summary["scheduled_maintenances"]] == [maintenance["id"]]
    assert _json(client.get("/api/v2/incidents/unresolved.json"))["incidents"] == []
    everything = _json(client.get("/api/v2/incidents.json"))["incidents"]
    assert [(i["id"], i["name"], i["status"]) for i in everything] == [
        (incident["id"], "API errors in EU", "postmortem")
    ]

    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "All Systems Operational" in html
    for text in ("API", "Web", "Core", "Database upgrade"):
        assert text in html


def test_an_open_incident_shows_on_the_public_page_and_unresolved_json(client, owner, base):
    component = _json(
        client.post(
            f"{base}/components", headers=owner.oauth, data={"component[name]": "Checkout"}
        ),
        201,
    )
    incident = _json(
        client.post(
            f"{base}/incidents",
            headers=owner.oauth,
            data={
                "incident[name]": "Checkout is slow",
                "incident[body]": "Looking into it.",
                f"incident[components][{component['id']}]": "degraded_performance",
            },
        ),
        201,
    )
    unresolved = _json(client.get("/api/v2/incidents/unresolved.json"))["incidents"]
    assert [(i["id"], i["impact"]) for i in unresolved] == [(incident["id"], "minor")]
    html = client.get("/").get_data(as_text=True)
    assert "Checkout is slow" in html
    assert "Minor Service Outage" in html


def test_a_backfilled_incident_is_history_and_leaves_components_alone(client, owner, base):
    component = _json(
        client.post(f"{base}/components", headers=owner.headers, json={"component": {"name": "A"}}),
        201,
    )
    day = (utcnow() - timedelta(days=3)).date().isoformat()
    incident = _json(
        client.post(
            f"{base}/incidents",
            headers=owner.oauth,
            data={
                "incident[name]": "Last week's outage",
                "incident[body]": "Recorded after the fact.",
                "incident[backfilled]": "t",
                "incident[backfill_date]": day,
                f"incident[components][{component['id']}]": "major_outage",
            },
        ),
        201,
    )
    assert incident["status"] == "resolved"
    assert incident["created_at"].startswith(day)
    assert incident["components"][0]["status"] == "operational"
    assert _json(client.get("/api/v2/summary.json"))["status"]["indicator"] == "none"
