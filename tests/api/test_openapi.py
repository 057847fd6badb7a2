"""The OpenAPI document: it describes exactly what is served, and the API keeps to it.

The second half runs schemathesis against the live app (WSGI, no server): generated
requests for every operation, with a fixed owner key, must never meet a server error and
every answer must match the document (status code, content type, headers, body schema).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from statuspage.api import ROUTES
from statuspage.api.openapi import DOCUMENT, REQUEST_BODIES, SCHEMAS
from statuspage.audience import page_access
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, create_group
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident
from statuspage.incidents.templates import create_template
from statuspage.models import IntegrationKind
from statuspage.system_metrics import metrics, providers
from tests.api.conftest import Caller
from tests.factories.monitoring import integration

PREFIX = "/api/v1"
EXAMPLES = 25  # per operation; the whole run stays well under a minute on two cores
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _served(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
            found |= {(path, m.lower()) for m in rule.methods if m.lower() in HTTP_METHODS}
    return found


def _described() -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_the_document_describes_exactly_the_served_routes(app):
    assert _described() == _served(app)


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_shape_has_one_name_and_every_reference_resolves():
    assert not REQUEST_BODIES.keys() & SCHEMAS.keys()
    named = {f"#/components/schemas/{name}" for name in DOCUMENT["components"]["schemas"]}
    assert set(_refs(DOCUMENT)) <= named


def test_only_the_document_itself_is_open(app):
    open_paths = {
        path
        for path, item in DOCUMENT["paths"].items()
        if item.get("get", {}).get("security") == []
    }
    assert open_paths == {"/openapi.json"}
    # Alert intake takes no API key: its own secret, in the path or as a bearer token.
    intake = "/pages/{page_id}/integrations/{kind}"
    assert DOCUMENT["paths"][f"{intake}/{{secret}}"]["post"]["security"] == []
    assert DOCUMENT["paths"][intake]["post"]["security"] == [{"integration": []}]
    assert [r.path for r in ROUTES if r.action is None] == [
        "/openapi.json",
        "/pages/<page_id>/integrations/<kind>/<secret>",
        "/pages/<page_id>/integrations/<kind>",
    ]


def test_the_document_is_served_without_a_key_and_is_valid_openapi(app, client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == DOCUMENT
    schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app).validate()


@dataclass(frozen=True)
class Ids:
    page_id: str
    component_id: str
    group_id: str
    incident_id: str
    page_access_group_id: str
    page_access_user_id: str
    kind: str  # alert intake: an integration's kind and its secret
    secret: str
    metrics_provider_id: str
    metric_id: str


@pytest.fixture
def live_ids(page_id: str) -> Ids:
    """Something to read and change: without it, every generated id would just be a 404."""
    group = create_group("Core")
    component = create_component("API", group=group)
    incident = create_incident(
        OpenIncident("Slow", "Looking.", components={component: "partial_outage"})
    )
    start = utcnow() + timedelta(days=1)
    schedule_maintenance(
        ScheduleMaintenance(
            "Upgrade", "Planned.", scheduled_for=start, scheduled_until=start + timedelta(hours=1)
        )
    )
    create_template(name="Outage", title="Outage", body="We are on it.")
    access_group = page_access.create_group("Enterprise", component_ids=[component.id])
    access_user = page_access.create_user("ann@customer.example", [access_group.segment.id])
    _, secret = integration(IntegrationKind.generic, "checks")
    provider = providers.create_provider("Self")
    metric = metrics.create_metric(provider, name="Latency", suffix="ms")
    db.session.commit()
    return Ids(
        page_id,
        component.id,
        group.id,
        incident.id,
        str(access_group.segment.id),
        access_user.id,
        IntegrationKind.generic.value,
        secret,
        provider.id,
        metric.id,
    )


CHECKS = {
    name: {"enabled": True}
    for name in (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
}
OPERATIONS = sorted(_described())


@pytest.fixture
def api_schema(app: Flask, monkeypatch: pytest.MonkeyPatch) -> schemathesis.BaseSchema:
    # Hundreds of requests in a few seconds: the limit is tested on its own elsewhere.
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    config = schemathesis.Config.from_dict(
        {
            "generation": {"deterministic": True, "with-security-parameters": False},
            "checks": {"enabled": False, **CHECKS},
        }
    )
    return schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app, config=config)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_the_api_keeps_to_its_document(api_schema, owner: Caller, live_ids: Ids, path, method):
    """Generated requests, valid and invalid, for one operation: no 5xx, every answer documented.

    Driven through Hypothesis directly (schemathesis's pytest loader for fixtures does not
    run on pytest 9.2); each operation is its own test, so each starts from fresh records.
    """
    operation = api_schema[path][method.upper()]
    # Aim the generated requests at real records: otherwise every id would just be a 404.
    ids = {name: value for name, value in vars(live_ids).items() if f"{{{name}}}" in path}
    strategy = st.one_of(
        operation.as_strategy(mode, path_parameters=ids, headers=owner.headers)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def keeps_to_the_document(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=owner.headers)

    keeps_to_the_document()
