"""Every write endpoint against every role, no key and a bad key.

Allowed callers succeed; everyone else is refused (401 without a valid key, 403 for a
role that may not) and the database is left exactly as it was: every row of every table,
the audit trail included. Only the key's own `last_used_at` may move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, create_group
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from tests.api.conftest import ROLES

WRITERS = {"owner", "comms"}  # the roles that manage components, publish and keep templates


@dataclass(frozen=True)
class World:
    component: str
    group: str
    incident: str


@pytest.fixture
def world(page_id: str) -> World:
    group = create_group("Core")
    component = create_component("API", group=group)
    incident = create_incident(
        OpenIncident("Slow", "Looking.", components={component: "degraded_performance"})
    )
    db.session.commit()
    return World(component.id, group.id, incident.id)


# method, path under the page, body: one row per write endpoint of the API
WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/components", {"component": {"name": "New"}}),
    ("PATCH", "/components/{component}", {"component": {"status": "major_outage"}}),
    ("PUT", "/components/{component}", {"component": {"name": "Renamed"}}),
    ("DELETE", "/components/{component}", None),
    ("POST", "/component-groups", {"component_group": {"name": "Edge", "components": []}}),
    ("PATCH", "/component-groups/{group}", {"component_group": {"name": "Centre"}}),
    ("PUT", "/component-groups/{group}", {"component_group": {"components": []}}),
    ("DELETE", "/component-groups/{group}", None),
    ("POST", "/incidents", {"incident": {"name": "Down", "body": "Down."}}),
    ("PATCH", "/incidents/{incident}", {"incident": {"status": "resolved", "body": "Fixed."}}),
    ("PUT", "/incidents/{incident}", {"incident": {"name": "Slow API"}}),
    ("DELETE", "/incidents/{incident}", None),
    (
        "POST",
        "/incidents",
        {
            "incident": {
                "name": "Upgrade",
                "body": "Planned.",
                "scheduled_for": (utcnow() + timedelta(days=1)).isoformat(),
                "scheduled_until": (utcnow() + timedelta(days=1, hours=1)).isoformat(),
            }
        },
    ),
    ("POST", "/incident_templates", {"template": {"name": "T", "title": "T", "body": "B"}}),
]
CALLERS = [*ROLES, "no key", "bad key"]


def _everything() -> dict[str, list[tuple]]:
    """Every row of every table, except the keys (whose last_used_at moves on any call)."""
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
        if table.name != "api_key"
    }


def _headers(caller: str, make_caller) -> dict[str, str]:
    if caller == "no key":
        return {}
    if caller == "bad key":
        return {"Authorization": "Bearer hrld_not-a-real-key"}
    return make_caller(caller).headers


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_only_writers_write_and_refusals_change_nothing(
    client, make_caller, base, world, caller, method, path, body
):
    headers = _headers(caller, make_caller)
    before = _everything()
    response = client.open(
        base + path.format(**vars(world)), method=method, headers=headers, json=body
    )
    db.session.expire_all()
    if caller in WRITERS:
        assert 200 <= response.status_code < 300, response.get_data(as_text=True)
        assert _everything()["audit_event"] != before["audit_event"], "the write is audited"
        return
    expected = 403 if caller in ROLES else 401
    assert response.status_code == expected, response.get_data(as_text=True)
    assert set(response.get_json()) == {"error"}
    assert _everything() == before


@pytest.mark.parametrize("caller", CALLERS)
def test_every_role_reads_and_nobody_else_does(client, make_caller, base, world, caller):
    headers = _headers(caller, make_caller)
    paths = [
        "/api/v1/pages",
        f"{base}/components/{world.component}",
        f"{base}/component-groups",
        f"{base}/incidents/{world.incident}",
        f"{base}/incidents/unresolved",
        f"{base}/incident_templates",
    ]
    codes = {path: client.get(path, headers=headers).status_code for path in paths}
    assert set(codes.values()) == ({200} if caller in ROLES else {401}), codes
