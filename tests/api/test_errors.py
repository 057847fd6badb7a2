"""Every refusal is JSON `{"error": "..."}` with a status a client can act on; never a 500."""

from __future__ import annotations

import json

import pytest

from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.staff.accounts import revoke_api_key

COMPONENT = "<the component's id>"


def _error(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]
    return body["error"]


@pytest.fixture
def component_id(page_id: str) -> str:
    component = create_component("API")
    db.session.commit()
    return component.id


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"component": {"name": "A"', "application/json"),
        ("[1, 2]", "application/json"),
        ('"just a string"', "application/json"),
        (b"\xff\xfe{}", "application/json"),
        ("[" * 5000 + "]" * 5000, "application/json"),
        ("component=a&component[name]=b", "application/x-www-form-urlencoded"),
        ("component[name]=a&component[name][x]=b", "application/x-www-form-urlencoded"),
        ("component[[name]=a", "application/x-www-form-urlencoded"),
    ],
    ids=[
        "truncated",
        "array",
        "string",
        "bad utf-8",
        "deeply nested",
        "value and container",
        "container and value",
        "bad brackets",
    ],
)
def test_a_body_that_cannot_be_read_is_a_400(client, owner, base, data, content_type):
    response = client.post(
        f"{base}/components", headers=owner.headers, data=data, content_type=content_type
    )
    _error(response, 400)


def test_a_body_in_another_format_is_a_415(client, owner, base):
    response = client.post(
        f"{base}/components", headers=owner.headers, data="name: A", content_type="text/yaml"
    )
    _error(response, 415)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "needs a 'component' object"),
        ({"component": "API"}, "must be an object"),
        ({"component": {"name": ""}}, "name is required"),
        ({"component": {"name": 7}}, "component[name] must be a string"),
        ({"component": {"name": "A", "status": "on_fire"}}, "component[status] must be one of"),
        ({"component": {"name": "A", "showcase": "maybe"}}, "true or false"),
        ({"component": {"name": "A", "start_date": "last week"}}, "YYYY-MM-DD"),
        ({"component": {"name": "A", "group_id": "nosuchgroup"}}, "no component group"),
        ({"component": {"name": "A\x00"}}, "NUL"),
        ({"component": {"name": "A" * 201}}, "at most 200"),
    ],
)
def test_component_input_the_domain_refuses_is_a_422(client, owner, base, body, words):
    response = client.post(f"{base}/components", headers=owner.headers, json=body)
    assert words in _error(response, 422)


@pytest.mark.parametrize(
    ("incident", "words"),
    [
        ({"name": "X", "body": "Y", "status": "exploded"}, "incident[status] must be one of"),
        ({"name": "X", "body": "Y", "impact_override": "huge"}, "impact_override] must be one"),
        ({"name": "X", "body": "Y", "components": {"nosuch": "major_outage"}}, "no component"),
        ({"name": "X", "body": "Y", "component_ids": ["nosuch"]}, "no component"),
        ({"name": "X", "body": "Y", "components": {COMPONENT: "melting"}}, "component status"),
        ({"name": "X", "body": "Y", "components": [COMPONENT]}, "must map component ids"),
        ({"name": "X"}, "needs a message"),
        ({"name": "X", "body": "Y", "scheduled_for": "2030-01-01T00:00:00"}, "time zone"),
        ({"name": "X", "body": "Y", "scheduled_for": "soon"}, "ISO 8601"),
        ({"name": "X", "body": "Y", "scheduled_for": "0001-01-01T00:00:00+05:00"}, "range"),
        ({"name": "X", "body": "Y", "scheduled_for": "2030-01-01T00:00:00Z"}, "scheduled_until"),
        (
            {
                "name": "X",
                "body": "Y",
                "scheduled_for": "2030-01-02T00:00:00Z",
                "scheduled_until": "2030-01-01T00:00:00Z",
            },
            "end after it starts",
        ),
        ({"name": "X", "body": "Y", "status": "in_progress"}, "created 'scheduled'"),
        ({"name": "X", "body": "Y", "status": "postmortem"}, "resolve an incident first"),
        ({"name": "X", "body": "Y", "backfilled": True}, "backfill_date] is required"),
        (
            {"name": "X", "body": "Y", "backfilled": True, "backfill_date": "2999-01-01"},
            "in the past",
        ),
    ],
)
def test_incident_input_the_domain_refuses_is_a_422(
    client, owner, base, component_id, incident, words
):
    body = {"incident": json.loads(json.dumps(incident).replace(COMPONENT, component_id))}
    response = client.post(f"{base}/incidents", headers=owner.headers, json=body)
    assert words in _error(response, 422)


def test_unknown_ids_in_the_path_are_404s(client, owner, base):
    for path in (
        "/components/nosuchthing",
        "/component-groups/nosuchthing",
        "/incidents/nosuchthing",
        "/incidents/%00",
    ):
        _error(client.get(base + path, headers=owner.headers), 404)
        _error(client.delete(base + path, headers=owner.headers), 404)
    _error(client.get("/api/v1/pages/anotherpage/components", headers=owner.headers), 404)


def test_no_valid_key_is_a_401_that_says_how_to_authenticate(client, owner, base):
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {owner.secret}"},
        {"Authorization": "OAuth"},
    ):
        response = client.get(f"{base}/components", headers=headers)
        assert "Authorization: OAuth <key>" in _error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    revoke_api_key(owner.key)
    db.session.commit()
    _error(client.get(f"{base}/components", headers=owner.headers), 401)


def test_a_role_that_may_not_is_a_403_naming_it(client, make_caller, base):
    viewer = make_caller("viewer")
    response = client.post(f"{base}/incidents", headers=viewer.headers, json={"incident": {}})
    assert _error(response, 403) == "the viewer role may not publish"


def test_paging_parameters_out_of_range_are_422s(client, owner, base):
    for query in ("limit=0", "limit=101", "page=0", "limit=ten", "q=" + "x" * 201):
        _error(client.get(f"{base}/incidents?{query}", headers=owner.headers), 422)


def test_too_many_requests_is_a_429_with_retry_after(app, client, make_caller, base, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    first, second = make_caller("viewer"), make_caller("viewer")
    for _ in range(3):
        assert client.get(f"{base}/components", headers=first.headers).status_code == 200
    response = client.get(f"{base}/components", headers=first.headers)
    assert "rate limit" in _error(response, 429)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # The budget is the key's: another key, and the open document, still answer.
    assert client.get(f"{base}/components", headers=second.headers).status_code == 200
    # Without a valid key the budget is the address's, shared by every guess.
    for attempt in range(4):
        response = client.get(f"{base}/components", headers={"Authorization": f"Bearer x{attempt}"})
        assert response.status_code == (401 if attempt < 3 else 429)


def test_the_default_limit_is_sixty_a_minute(app):
    assert app.config["API_RATE_LIMIT"] == "60 per minute"
