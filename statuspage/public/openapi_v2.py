"""The OpenAPI 3 document of the public JSON API v2, written out as data.

It describes exactly the `/api/v2/*.json` routes of the public URL table (a test compares the
two) and the shapes in `statuspage.public.serializers`, so schemathesis can hold every answer
to it (tests/hostile/test_api_v2_schema.py). Written by hand, like the management API's
(statuspage/api/openapi.py), from the same pieces (statuspage/openapi.py): a reviewer reads
the contract here. Public items have exactly Statuspage's fields; an organization's token (or
a signed-in viewer) also gets its segments' private items, which carry two more fields,
`private` and `shared_with`.
"""

from __future__ import annotations

from typing import Any

from statuspage.i18n import LANG_PARAM, LANGUAGES
from statuspage.openapi import (
    AFFECTED_COMPONENT,
    COMPONENT_FIELDS,
    IMPACT,
    INCIDENT_STATUS,
    INCIDENT_UPDATE,
    STRING,
    TIME,
    Schema,
    answer_object,
    array_of,
    build_document,
    error_answer,
    nullable,
    ref,
    success,
)

# The private fields: only a viewer's own segments' items carry them.
PRIVATE: dict[str, Schema] = {
    "private": {"type": "boolean", "enum": [True]},
    "shared_with": {"type": "array", "items": STRING},
}

SCHEMAS: dict[str, Schema] = {
    "Error": answer_object({"error": STRING, "message": STRING}),
    "Page": answer_object({"id": STRING, "name": STRING, "url": STRING, "time_zone": STRING,
                           "updated_at": TIME}),
    "Status": answer_object({"indicator": {"type": "string", "enum": ["none", "minor", "major",
                                                                      "critical"]},
                             "description": STRING}),
    # Groups are listed as components with `group: true` and their members' ids.
    "Component": answer_object(
        {**COMPONENT_FIELDS, "components": {"type": "array", "items": STRING}, **PRIVATE},
        optional=("components", *PRIVATE),
    ),
    "AffectedComponent": AFFECTED_COMPONENT,
    "IncidentUpdate": INCIDENT_UPDATE,
    # Scheduled maintenance is an incident with its window.
    "Incident": answer_object(
        {
            "id": STRING,
            "name": STRING,
            "status": INCIDENT_STATUS,
            "created_at": TIME,
            "updated_at": TIME,
            "monitoring_at": nullable(TIME),
            "resolved_at": nullable(TIME),
            "impact": IMPACT,
            "shortlink": STRING,
            "started_at": TIME,
            "page_id": STRING,
            "incident_updates": array_of("IncidentUpdate"),
            "components": array_of("Component"),
            "scheduled_for": nullable(TIME),
            "scheduled_until": nullable(TIME),
            **PRIVATE,
        },
        optional=("scheduled_for", "scheduled_until", *PRIVATE),
    ),
    "Summary": answer_object(
        {
            "page": ref("Page"),
            "components": array_of("Component"),
            "incidents": array_of("Incident"),
            "scheduled_maintenances": array_of("Incident"),
            "status": ref("Status"),
        }
    ),
    "StatusDocument": answer_object({"page": ref("Page"), "status": ref("Status")}),
    "Components": answer_object({"page": ref("Page"), "components": array_of("Component")}),
    "Incidents": answer_object({"page": ref("Page"), "incidents": array_of("Incident")}),
    "Maintenances": answer_object(
        {"page": ref("Page"), "scheduled_maintenances": array_of("Incident")}
    ),
}  # fmt: skip

# Conditional requests (the snapshot's ETag and Last-Modified) and an organization's token.
PARAMETERS: list[Schema] = [
    {
        "name": "Authorization",
        "in": "header",
        "description": "`Bearer <organization token>`: adds its segments' private items. "
        "A token that is not valid is a 401, never the public answer.",
        "schema": STRING,
    },
    {
        "name": LANG_PARAM,
        "in": "query",
        "description": "Herald extension: incident names and update bodies in this language "
        "where the update has a translation, else in the page's default language. Without "
        "it the answer is in the default language, as Statuspage's is. Only the URL chooses: "
        "neither Accept-Language nor a cookie changes a JSON answer. A code Herald does not "
        f"ship is ignored. Shipped: {', '.join(LANGUAGES)}.",
        "schema": {"type": "string", "example": "de"},
    },
    {"name": "If-None-Match", "in": "header", "schema": STRING},
    {"name": "If-Modified-Since", "in": "header", "schema": STRING},
]


def _get(summary: str, shape: str) -> Schema:
    return {
        "get": {
            "summary": summary,
            "security": [],
            "parameters": PARAMETERS,
            "responses": {
                "200": success(summary, ref(shape)),
                "304": {"description": "Not modified since the ETag or time the client holds"},
                "400": error_answer("A request that cannot be read (a header that is not text)"),
                "401": error_answer(
                    "The Authorization header names no organization",
                    {"WWW-Authenticate": {"schema": STRING}},
                ),
            },
        }
    }


DOCUMENT: dict[str, Any] = build_document(
    title="Herald public API",
    version="2",
    description=(
        "Compatible with the Atlassian Statuspage public API v2: the same paths, fields "
        "and enums. Anonymous answers are public and cacheable (ETag, Last-Modified, "
        "CORS `*`); answers for an organization's token are private (no-store, no CORS)."
    ),
    server="/api/v2",
    components={"schemas": SCHEMAS},
    paths={
        "/summary.json": _get("Page, components, open incidents, maintenance, status", "Summary"),
        "/status.json": _get("The page's indicator and its description", "StatusDocument"),
        "/components.json": _get("Groups and components in page order", "Components"),
        "/incidents.json": _get("Recent incidents, newest first", "Incidents"),
        "/incidents/unresolved.json": _get("Open incidents", "Incidents"),
        "/scheduled-maintenances.json": _get("Scheduled maintenance", "Maintenances"),
        "/scheduled-maintenances/upcoming.json": _get(
            "Maintenance not yet started", "Maintenances"
        ),
        "/scheduled-maintenances/active.json": _get("Maintenance in progress", "Maintenances"),
    },
)
