"""Statuspage public API v2: every endpoint, field for field and enum for enum.

The field lists are Statuspage's own (as served by statuspage.io pages), so a client written
for Statuspage reads Herald unchanged.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update

PAGE_FIELDS = {"id", "name", "url", "time_zone", "updated_at"}
STATUS_FIELDS = {"indicator", "description"}
COMPONENT_FIELDS = {
    "id", "name", "status", "created_at", "updated_at", "position", "description",
    "showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip
GROUP_FIELDS = COMPONENT_FIELDS | {"components"}
INCIDENT_FIELDS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at",
    "impact", "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
MAINTENANCE_FIELDS = INCIDENT_FIELDS | {"scheduled_for", "scheduled_until"}
UPDATE_FIELDS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
AFFECTED_FIELDS = {"code", "name", "old_status", "new_status"}

COMPONENT_STATUSES = {
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance",
}  # fmt: skip
INDICATORS = {"none", "minor", "major", "critical"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical", "maintenance"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")


def _get(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def _check_page(page: dict) -> None:
    assert set(page) == PAGE_FIELDS
    assert page["url"] == "http://status.example.test"
    assert TIMESTAMP.match(page["updated_at"])


def _check_component(component: dict) -> None:
    assert set(component) == (GROUP_FIELDS if component["group"] else COMPONENT_FIELDS)
    assert component["status"] in COMPONENT_STATUSES
    assert TIMESTAMP.match(component["created_at"])


def _check_incident(incident: dict, *, maintenance: bool) -> None:
    assert set(incident) == (MAINTENANCE_FIELDS if maintenance else INCIDENT_FIELDS)
    statuses = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    assert incident["status"] in statuses
    assert incident["impact"] in IMPACTS
    assert incident["shortlink"] == f"http://status.example.test/incidents/{incident['id']}"
    assert incident["incident_updates"], "every incident has at least its first update"
    for update in incident["incident_updates"]:
        assert set(update) == UPDATE_FIELDS
        assert update["status"] in statuses
        assert update["incident_id"] == incident["id"]
        assert TIMESTAMP.match(update["display_at"])
        for affected in update["affected_components"] or []:
            assert set(affected) == AFFECTED_FIELDS
            assert {affected["old_status"], affected["new_status"]} <= COMPONENT_STATUSES
    for component in incident["components"]:
        _check_component(component)


def test_summary(client, small_page):
    body = _get(client, "/api/v2/summary.json")
    assert set(body) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    _check_page(body["page"])
    assert set(body["status"]) == STATUS_FIELDS
    assert body["status"] == {"indicator": "minor", "description": "Minor Service Outage"}
    for component in body["components"]:
        _check_component(component)
    assert [i["name"] for i in body["incidents"]] == ["Slow EU requests"]
    for incident in body["incidents"]:
        _check_incident(incident, maintenance=False)
    assert [m["name"] for m in body["scheduled_maintenances"]] == ["Switch replacement"]
    _check_incident(body["scheduled_maintenances"][0], maintenance=True)


def test_groups_list_their_members_like_statuspage(client, small_page):
    components = _get(client, "/api/v2/components.json")["components"]
    by_name = {c["name"]: c for c in components}
    core = by_name["Core"]
    assert core["group"] is True
    assert core["components"] == [small_page.api.id, small_page.web.id]
    assert by_name["API"]["group_id"] == core["id"]
    assert by_name["Billing"]["group_id"] is None
    assert by_name["EU West"]["status"] == "degraded_performance"
    assert by_name["Regions"]["status"] == "degraded_performance"  # a group shows its worst


def test_status(client, small_page):
    body = _get(client, "/api/v2/status.json")
    assert set(body) == {"page", "status"}
    assert body["status"]["indicator"] in INDICATORS


def test_incidents_lists_the_fifty_most_recent_incidents_without_maintenance(client, small_page):
    for n in range(55):
        at = utcnow() - timedelta(days=60, minutes=n)
        create_incident(OpenIncident(f"Blip {n}", "Blip.", status="resolved", at=at))
    db.session.commit()
    body = _get(client, "/api/v2/incidents.json")
    assert set(body) == {"page", "incidents"}
    assert len(body["incidents"]) == 50
    names = [i["name"] for i in body["incidents"]]
    assert names[:2] == ["Slow EU requests", "Database failover"]
    assert "Switch replacement" not in names
    for incident in body["incidents"]:
        _check_incident(incident, maintenance=False)


def test_unresolved(client, small_page):
    body = _get(client, "/api/v2/incidents/unresolved.json")
    assert [i["id"] for i in body["incidents"]] == [small_page.open_incident.id]
    update = body["incidents"][0]["incident_updates"][0]
    assert update["body"] == "We are looking at **latency** in EU West."  # Markdown, as written
    assert update["affected_components"] == [
        {
            "code": small_page.eu.id,
            "name": "EU West",
            "old_status": "operational",
            "new_status": "degraded_performance",
        }
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v2/scheduled-maintenances.json", ["Switch replacement"]),
        ("/api/v2/scheduled-maintenances/upcoming.json", ["Switch replacement"]),
        ("/api/v2/scheduled-maintenances/active.json", []),
    ],
)
def test_scheduled_maintenances(client, small_page, path, expected):
    body = _get(client, path)
    assert set(body) == {"page", "scheduled_maintenances"}
    assert [m["name"] for m in body["scheduled_maintenances"]] == expected
    for maintenance in body["scheduled_maintenances"]:
        _check_incident(maintenance, maintenance=True)


def test_active_maintenance_moves_from_upcoming_to_active(client, small_page):
    post_update(
        small_page.maintenance,
        PostUpdate(
            "Started.", status="in_progress", components={small_page.web: "under_maintenance"}
        ),
    )
    db.session.commit()
    assert (
        _get(client, "/api/v2/scheduled-maintenances/upcoming.json")["scheduled_maintenances"] == []
    )
    active = _get(client, "/api/v2/scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert [m["status"] for m in active] == ["in_progress"]


def test_an_empty_database_still_answers(client):
    body = _get(client, "/api/v2/summary.json")
    assert body["components"] == []
    assert body["incidents"] == []
    assert body["status"] == {"indicator": "none", "description": "All Systems Operational"}


def test_unknown_api_paths_answer_json_404(client):
    response = client.get("/api/v2/nothing.json")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


def test_writes_are_not_allowed_on_the_public_api(client, small_page):
    response = client.post("/api/v2/summary.json")
    assert response.status_code == 405
    assert response.get_json()["error"] == "Method Not Allowed"


def test_lang_gives_translated_names_and_bodies_with_fallback_and_without_it_nothing_changes(
    client,
):
    incident = create_incident(
        OpenIncident(
            "API errors",
            "We are investigating.",
            translations=[("de", "API-Fehler", "Wir prüfen.")],
        )
    )
    post_update(incident, PostUpdate("Fixed.", status="monitoring"))  # no German: falls back
    db.session.commit()

    # All in the test's one app context, as the worker renders snapshots ahead: each
    # request's language is its own, never an earlier request's.
    plain = _get(client, "/api/v2/incidents.json")
    (shown,) = plain["incidents"]
    assert shown["name"] == "API errors"
    assert [u["body"] for u in shown["incident_updates"]] == ["Fixed.", "We are investigating."]
    assert "translations" not in str(plain)  # no field of Herald's own appears

    (german,) = _get(client, "/api/v2/incidents.json?lang=de")["incidents"]
    assert german["name"] == "API-Fehler"
    assert [u["body"] for u in german["incident_updates"]] == ["Fixed.", "Wir prüfen."]
    for update in german["incident_updates"]:
        update["body"] = next(
            u["body"] for u in shown["incident_updates"] if u["id"] == update["id"]
        )
    assert german | {"name": shown["name"]} == shown  # only the translated text differs

    # A language without translations, and the page's own, read as the default text.
    assert _get(client, "/api/v2/incidents.json?lang=ja")["incidents"] == [shown]
    assert _get(client, "/api/v2/summary.json?lang=en")["incidents"] == [shown]
    assert _get(client, "/api/v2/summary.json")["incidents"] == [shown]
