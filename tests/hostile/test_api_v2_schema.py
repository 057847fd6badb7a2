"""schemathesis over the public JSON API v2, against the document Herald ships for it.

Run in-process through WSGI, once anonymously and once with an organization's token (which
adds private items and their two extra fields): generated requests, valid and invalid
(headers: the token, If-None-Match, If-Modified-Since), must never meet a server error and
every answer must match the document. Reproducible: derandomized, no example database.
(The management API gets the same in tests/api/test_openapi.py.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from statuspage.audience import organizations, segments
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident
from statuspage.public.openapi_v2 import DOCUMENT
from tests.admin.world import World

PREFIX = "/api/v2"
EXAMPLES = 30  # per operation and caller: 8 x 2 x 30 = 480 requests, a few seconds
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
OPERATIONS = sorted(DOCUMENT["paths"])


def _served(app: Flask) -> set[str]:
    return {
        re.sub(r"^/api/v2", "", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{PREFIX}/")
    }


def test_the_document_describes_exactly_the_served_routes(app: Flask):
    assert set(DOCUMENT["paths"]) == _served(app)
    assert all(set(item) == {"get"} for item in DOCUMENT["paths"].values())


def test_the_document_is_valid_openapi():
    schemathesis.openapi.from_dict(DOCUMENT).validate()


@dataclass(frozen=True)
class Readers:
    token: str  # an organization's: its segment's private items too


@pytest.fixture
def readers(world: World) -> Readers:
    """Public and private items of every kind, so every optional field is in some answer."""
    private = create_component("Dedicated DB", group=world.core)
    segments.set_component_audience(private, "segments", [world.segment])
    create_incident(
        OpenIncident(
            "Dedicated DB slow",
            "Looking.",
            components={private: "degraded_performance"},
            segments=[world.segment],
        )
    )
    start = utcnow() - timedelta(minutes=10)
    schedule_maintenance(
        ScheduleMaintenance(
            "Running now",
            "Planned.",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
        )
    )
    token = organizations.issue_api_token(world.organization)
    db.session.commit()
    return Readers(token)


@pytest.fixture
def v2_schema(app: Flask) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(
        {"generation": {"deterministic": True}, "checks": {"enabled": False, **CHECKS}}
    )
    schema = schemathesis.openapi.from_dict(DOCUMENT, config=config)
    schema.app = app
    schema.location = f"{PREFIX}/openapi.json"
    return schema


@pytest.mark.parametrize("caller", ["anonymous", "organization token"])
@pytest.mark.parametrize("path", OPERATIONS)
def test_the_v2_api_keeps_to_its_document(v2_schema, readers: Readers, path: str, caller: str):
    operation = v2_schema[path]["GET"]
    headers = {"Authorization": f"Bearer {readers.token}"} if caller != "anonymous" else {}
    # Schemathesis's WSGI transport asks for gzip like requests does but never decodes the
    # body; the compressed representations are the plain bytes compressed
    # (tests/web/test_compression.py), so the document is checked on the plain one.
    headers["Accept-Encoding"] = "identity"
    strategy = st.one_of(
        operation.as_strategy(mode, headers=headers)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )
    seen: list[int] = []

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def keeps_to_the_document(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers)
        seen.append(response.status_code)

    keeps_to_the_document()
    assert len(seen) >= 10, "schemathesis ran the operation"
    if caller == "anonymous":
        assert 200 in seen
