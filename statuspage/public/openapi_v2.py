"""The OpenAPI 3 document of the public JSON API v2, written out as data.

It describes exactly the `/api/v2/*.json` routes of the public URL table (a test compares the
two) and the shapes in `statuspage.public.serializers`, so schemathesis can hold every answer
to it (tests/hostile/test_api_v2_schema.py). Written by hand, like the management API's
(statuspage/api/openapi.py): a reviewer reads the contract here. Public items have exactly
Statuspage's fields; an organization's token (or a signed-in viewer) also gets its segments'
private items, which carry two more fields, `private` and `shared_with`.
"""

from __future__ import annotations

from typing import Any

from statuspage.models import ComponentStatus, Impact, IncidentStatus

JSON = "application/json"
Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _enum(enum_cls: type) -> Schema:
    return {"type": "string", "enum": [m.value for m in enum_cls]}


def _obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """An answer object: every field present except `optional` ones, nothing else."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


def _nullable(schema: Schema) -> Schema:
    return schema | {"nullable": True}


def _list(name: str) -> Schema:
    return {"type": "array", "items": _ref(name)}


STRING: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
INT: Schema = {"type": "integer"}
TIME: Schema = {"type": "string", "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}
COMPONENT_STATUS = _enum(ComponentStatus)
# The private fields: only a viewer's own segments' items carry them.
PRIVATE: dict[str, Schema] = {
    "private": {"type": "boolean", "enum": [True]},
    "shared_with": {"type": "array", "items": STRING},
}

SCHEMAS: dict[str, Schema] = {
    "Error": _obj({"error": STRING, "message": STRING}),
    "Page": _obj({"id": STRING, "name": STRING, "url": STRING, "time_zone": STRING,
                  "updated_at": TIME}),
    "Status": _obj({"indicator": {"type": "string", "enum": ["none", "minor", "major",
                                                              "critical"]},
                    "description": STRING}),
    # Groups are listed as components with `group: true` and their members' ids.
    "Component": _obj(
        {
            "id": STRING,
            "name": STRING,
            "status": COMPONENT_STATUS,
            "created_at": TIME,
            "updated_at": TIME,
            "position": INT,
            "description": _nullable(STRING),
            "showcase": BOOL,
            "start_date": _nullable(DATE),
            "group_id": _nullable(STRING),
            "page_id": STRING,
            "group": BOOL,
            "only_show_if_degraded": BOOL,
            "components": {"type": "array", "items": STRING},
            **PRIVATE,
        },
        optional=("components", *PRIVATE),
    ),
    "AffectedComponent": _obj(
        {"code": STRING, "name": STRING, "old_status": COMPONENT_STATUS,
         "new_status": COMPONENT_STATUS}
    ),
    "IncidentUpdate": _obj(
        {
            "id": STRING,
            "status": _enum(IncidentStatus),
            "body": STRING,
            "incident_id": STRING,
            "created_at": TIME,
            "updated_at": TIME,
            "display_at": TIME,
            "affected_components": {
                "type": "array",
                "nullable": True,
                "items": _ref("AffectedComponent"),
            },
            "deliver_notifications": BOOL,
            "custom_tweet": _nullable(STRING),
            "tweet_id": _nullable(STRING),
        }
    ),
    # Scheduled maintenance is an incident with its window.
    "Incident": _obj(
        {
            "id": STRING,
            "name": STRING,
            "status": _enum(IncidentStatus),
            "created_at": TIME,
            "updated_at": TIME,
            "monitoring_at": _nullable(TIME),
            "resolved_at": _nullable(TIME),
            "impact": _enum(Impact),
            "shortlink": STRING,
            "started_at": TIME,
            "page_id": STRING,
            "incident_updates": _list("IncidentUpdate"),
            "components": _list("Component"),
            "scheduled_for": _nullable(TIME),
            "scheduled_until": _nullable(TIME),
            **PRIVATE,
        },
        optional=("scheduled_for", "scheduled_until", *PRIVATE),
    ),
    "Summary": _obj(
        {
            "page": _ref("Page"),
            "components": _list("Component"),
            "incidents": _list("Incident"),
            "scheduled_maintenances": _list("Incident"),
            "status": _ref("Status"),
        }
    ),
    "StatusDocument": _obj({"page": _ref("Page"), "status": _ref("Status")}),
    "Components": _obj({"page": _ref("Page"), "components": _list("Component")}),
    "Incidents": _obj({"page": _ref("Page"), "incidents": _list("Incident")}),
    "Maintenances": _obj(
        {"page": _ref("Page"), "scheduled_maintenances": _list("Incident")}
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
                "200": {"description": summary, "content": {JSON: {"schema": _ref(shape)}}},
                "304": {"description": "Not modified since the ETag or time the client holds"},
                "400": {
                    "description": "A request that cannot be read (a header that is not text)",
                    "content": {JSON: {"schema": _ref("Error")}},
                },
                "401": {
                    "description": "The Authorization header names no organization",
                    "headers": {"WWW-Authenticate": {"schema": STRING}},
                    "content": {JSON: {"schema": _ref("Error")}},
                },
            },
        }
    }


DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Herald public API",
        "version": "2",
        "description": (
            "Compatible with the Atlassian Statuspage public API v2: the same paths, fields "
            "and enums. Anonymous answers are public and cacheable (ETag, Last-Modified, "
            "CORS `*`); answers for an organization's token are private (no-store, no CORS)."
        ),
    },
    "servers": [{"url": "/api/v2"}],
    "components": {"schemas": SCHEMAS},
    "paths": {
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
}
