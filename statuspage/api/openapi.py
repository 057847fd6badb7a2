"""The OpenAPI 3 document of the management API, written out as data.

It describes exactly the URL table in `statuspage.api` (a test compares the two) and the
shapes in `statuspage.api.serializers` (schemathesis checks responses against it). Written
by hand on purpose: a reviewer reads the contract here, not what some generator inferred.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.wrappers import Response

from statuspage.models import ComponentStatus, Impact, IncidentStatus

JSON = "application/json"
Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _enum(enum_cls: type) -> Schema:
    return {"type": "string", "enum": [m.value for m in enum_cls]}


def _obj(properties: dict[str, Schema], *, required: list[str] | None = None) -> Schema:
    """A response object: every field always present, nothing else (so drift is caught)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


def _nullable(schema: Schema) -> Schema:
    return schema | {"nullable": True}


STRING: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
INT: Schema = {"type": "integer"}
TIME: Schema = {"type": "string", "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}
IDS: Schema = {"type": "array", "items": STRING}
COMPONENT_STATUS = _enum(ComponentStatus)
INCIDENT_STATUS = _enum(IncidentStatus)
IMPACT = _enum(Impact)

SCHEMAS: dict[str, Schema] = {
    "Error": _obj({"error": STRING}),
    "Page": _obj(
        {
            "id": STRING,
            "name": STRING,
            "page_description": _nullable(STRING),
            "url": STRING,
            "time_zone": STRING,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
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
        }
    ),
    "ComponentGroup": _obj(
        {
            "id": STRING,
            "page_id": STRING,
            "name": STRING,
            "description": _nullable(STRING),
            "components": IDS,
            "position": INT,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
    "AffectedComponent": _obj(
        {
            "code": STRING,
            "name": STRING,
            "old_status": COMPONENT_STATUS,
            "new_status": COMPONENT_STATUS,
        }
    ),
    "IncidentUpdate": _obj(
        {
            "id": STRING,
            "status": INCIDENT_STATUS,
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
    "Incident": _obj(
        {
            "id": STRING,
            "name": STRING,
            "status": INCIDENT_STATUS,
            "created_at": TIME,
            "updated_at": TIME,
            "monitoring_at": _nullable(TIME),
            "resolved_at": _nullable(TIME),
            "impact": IMPACT,
            "impact_override": IMPACT,
            "shortlink": STRING,
            "started_at": TIME,
            "page_id": STRING,
            "incident_updates": {"type": "array", "items": _ref("IncidentUpdate")},
            "components": {"type": "array", "items": _ref("Component")},
            "postmortem_body": _nullable(STRING),
            "postmortem_published_at": _nullable(TIME),
            "scheduled_for": _nullable(TIME),
            "scheduled_until": _nullable(TIME),
            "scheduled_auto_in_progress": BOOL,
            "scheduled_auto_completed": BOOL,
            "scheduled_remind_prior": BOOL,
            "scheduled_reminded_at": _nullable(TIME),
        }
    ),
    "IncidentTemplate": _obj(
        {
            "id": STRING,
            "name": STRING,
            "title": STRING,
            "body": STRING,
            "group_id": _nullable(STRING),
            "update_status": INCIDENT_STATUS,
            "should_tweet": BOOL,
            "should_send_notifications": BOOL,
            "components": {"type": "array", "items": _ref("Component")},
        }
    ),
    "PageAccessGroup": _obj(
        {
            "id": STRING,
            "page_id": STRING,
            "name": STRING,
            "external_identifier": _nullable(STRING),
            "page_access_user_ids": IDS,
            "component_ids": IDS,
            "metric_ids": IDS,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
    "PageAccessUser": _obj(
        {
            "id": STRING,
            "page_id": STRING,
            "email": STRING,
            "external_login": _nullable(STRING),
            "page_access_group_ids": IDS,
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
}


def _body(resource: str, fields: dict[str, Schema], required: list[str]) -> Schema:
    """A request body: Statuspage wraps the fields in the resource's name."""
    inner: Schema = {"type": "object", "properties": fields}
    if required:
        inner["required"] = required
    return {"type": "object", "required": [resource], "properties": {resource: inner}}


def _group_body(required: list[str]) -> Schema:
    body = _body("component_group", GROUP_FIELDS, required)
    body["properties"]["description"] = {
        "type": "string",
        "description": "Where Statuspage documents it; read when component_group has none.",
    }
    return body


COMPONENT_FIELDS: dict[str, Schema] = {
    "name": {"type": "string", "maxLength": 200},
    "description": _nullable(STRING),
    "status": COMPONENT_STATUS,
    "only_show_if_degraded": BOOL,
    "group_id": _nullable(STRING),
    "showcase": BOOL,
    "start_date": _nullable(DATE),
}
GROUP_FIELDS: dict[str, Schema] = {
    "name": {"type": "string", "maxLength": 200},
    "description": _nullable(STRING),
    "components": IDS,
}
INCIDENT_FIELDS: dict[str, Schema] = {
    "name": {"type": "string", "maxLength": 300},
    "status": INCIDENT_STATUS,
    "impact_override": IMPACT,
    "body": {"type": "string", "description": "Markdown; posted as an update."},
    "component_ids": IDS,
    "components": {
        "type": "object",
        "description": "Component id to its new status.",
        "additionalProperties": COMPONENT_STATUS,
    },
    "deliver_notifications": BOOL,
    "scheduled_for": TIME,
    "scheduled_until": TIME,
    "scheduled_auto_in_progress": BOOL,
    "scheduled_auto_completed": BOOL,
    "scheduled_remind_prior": BOOL,
    "backfilled": BOOL,
    "backfill_date": {"type": "string", "description": "YYYY-MM-DD, or a time with a zone."},
}
TEMPLATE_FIELDS: dict[str, Schema] = {
    "name": {"type": "string", "maxLength": 200},
    "title": {"type": "string", "maxLength": 300},
    "body": STRING,
    "group_id": _nullable({"type": "string", "maxLength": 12}),
    "update_status": INCIDENT_STATUS,
    "should_tweet": BOOL,
    "should_send_notifications": BOOL,
    "component_ids": IDS,
}
ACCESS_GROUP_FIELDS: dict[str, Schema] = {
    "name": {"type": "string", "maxLength": 100},
    "external_identifier": _nullable(
        {"type": "string", "maxLength": 200, "description": "Accepted; Herald does not keep it."}
    ),
    "component_ids": {
        "type": "array",
        "items": STRING,
        "description": "Exactly the components private to the group; a public one named "
        "here becomes private to it.",
    },
    "page_access_user_ids": IDS,
    "metric_ids": {"type": "array", "items": STRING, "description": "Herald has no metrics."},
}
ACCESS_USER_FIELDS: dict[str, Schema] = {
    "email": {"type": "string", "maxLength": 254},
    "external_login": _nullable(
        {"type": "string", "maxLength": 200, "description": "Accepted; Herald does not keep it."}
    ),
    "page_access_group_ids": {
        "type": "array",
        "items": STRING,
        "description": "Exactly the user's groups; at least one.",
    },
    "subscribe_to_components": BOOL,
}

REQUEST_BODIES: dict[str, Schema] = {
    "ComponentCreateRequest": _body("component", COMPONENT_FIELDS, ["name"]),
    "ComponentUpdateRequest": _body("component", COMPONENT_FIELDS, []),
    "GroupCreateRequest": _group_body(["name"]),
    "GroupUpdateRequest": _group_body([]),
    "IncidentCreateRequest": _body("incident", INCIDENT_FIELDS, ["name", "body"]),
    "IncidentUpdateRequest": _body("incident", INCIDENT_FIELDS, []),
    "TemplateCreateRequest": _body("template", TEMPLATE_FIELDS, ["name", "title", "body"]),
    "PageAccessGroupCreateRequest": _body("page_access_group", ACCESS_GROUP_FIELDS, ["name"]),
    "PageAccessGroupUpdateRequest": _body("page_access_group", ACCESS_GROUP_FIELDS, []),
    "PageAccessUserCreateRequest": _body(
        "page_access_user", ACCESS_USER_FIELDS, ["email", "page_access_group_ids"]
    ),
    "PageAccessUserUpdateRequest": _body("page_access_user", ACCESS_USER_FIELDS, []),
}

ERRORS = {
    400: "The body cannot be read (broken JSON, clashing form fields).",
    401: "No valid API key.",
    403: "The key's role does not allow this.",
    404: "No such page or record.",
    413: "The body is too large.",
    415: "The body is neither JSON nor form-encoded.",
    422: "The request is well-formed but the domain refuses it; the message says why.",
    429: "Too many requests for this key; wait Retry-After seconds.",
}
ERROR_HEADERS: dict[int, dict[str, Schema]] = {
    401: {"WWW-Authenticate": {"schema": STRING}},
    429: {"Retry-After": {"schema": INT, "description": "Seconds until the limit resets."}},
}


def _error(code: int) -> Schema:
    answer: Schema = {
        "description": ERRORS[code],
        "content": {JSON: {"schema": _ref("Error")}},
    }
    if code in ERROR_HEADERS:
        answer["headers"] = ERROR_HEADERS[code]
    return answer


def _op(
    summary: str,
    ok: int,
    schema: Schema | None,
    *,
    body: str | None = None,
    errors: tuple[int, ...] = (401, 403, 404, 429),
    parameters: list[Schema] | None = None,
) -> Schema:
    success: Schema = {"description": summary}
    if schema is not None:
        success["content"] = {JSON: {"schema": schema}}
    operation: Schema = {"summary": summary, "responses": {str(ok): success}}
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _ref(body)}},
        }
        errors = (400, *errors, 413, 415, 422)
    for code in sorted(errors):
        operation["responses"][str(code)] = _error(code)
    if parameters:
        operation["parameters"] = parameters
    return operation


def _path_param(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": STRING}


def _list(name: str) -> Schema:
    return {"type": "array", "items": _ref(name)}


PAGE = [_path_param("page_id")]
INCIDENT_LIST_PARAMETERS = [
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
]

PAGING_PARAMETERS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
]
EMAIL_PARAMETER = {"name": "email", "in": "query", "schema": {"type": "string", "maxLength": 254}}


def _params(params: list[Schema], *names: str) -> dict[str, Any]:
    return {"parameters": params + [_path_param(n) for n in names]}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Herald management API",
        "version": "1",
        "description": (
            "Compatible with the Atlassian Statuspage management API v1: the same paths, "
            "bodies, fields and enums. Authenticate with `Authorization: OAuth <key>` or "
            "`Authorization: Bearer <key>`. Bodies are JSON, or form fields with Rails-style "
            "names (`incident[name]=...`, `incident[component_ids][]=...`, "
            '`incident[components][<id>]=major_outage`). Errors are `{"error": "..."}`.'
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}, {"oauth": []}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "oauth": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Statuspage's form: the header value is `OAuth <key>`.",
            },
        },
        "schemas": SCHEMAS | REQUEST_BODIES,
    },
    "paths": {
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "This document",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    },
                    "429": _error(429),
                },
            }
        },
        "/pages": {
            "get": _op("The page (Herald serves one)", 200, _list("Page"), errors=(401, 403, 429))
        },
        "/pages/{page_id}": {**_params(PAGE), "get": _op("The page", 200, _ref("Page"))},
        "/pages/{page_id}/components": {
            **_params(PAGE),
            "get": _op("Components in page order", 200, _list("Component")),
            "post": _op(
                "Create a component", 201, _ref("Component"), body="ComponentCreateRequest"
            ),
        },
        "/pages/{page_id}/components/{component_id}": {
            **_params(PAGE, "component_id"),
            "get": _op("A component", 200, _ref("Component")),
            "patch": _op(
                "Update a component", 200, _ref("Component"), body="ComponentUpdateRequest"
            ),
            "put": _op("Update a component", 200, _ref("Component"), body="ComponentUpdateRequest"),
            "delete": _op("Delete a component", 204, None),
        },
        "/pages/{page_id}/component-groups": {
            **_params(PAGE),
            "get": _op("Component groups", 200, _list("ComponentGroup")),
            "post": _op("Create a group", 201, _ref("ComponentGroup"), body="GroupCreateRequest"),
        },
        "/pages/{page_id}/component-groups/{group_id}": {
            **_params(PAGE, "group_id"),
            "get": _op("A group", 200, _ref("ComponentGroup")),
            "patch": _op("Update a group", 200, _ref("ComponentGroup"), body="GroupUpdateRequest"),
            "put": _op("Update a group", 200, _ref("ComponentGroup"), body="GroupUpdateRequest"),
            "delete": _op("Delete a group; its components stay", 200, _ref("ComponentGroup")),
        },
        "/pages/{page_id}/incidents": {
            **_params(PAGE),
            "get": _op(
                "Incidents and maintenance, newest first",
                200,
                _list("Incident"),
                errors=(401, 403, 404, 422, 429),
                parameters=INCIDENT_LIST_PARAMETERS,
            ),
            "post": _op(
                "Create an incident, or schedule maintenance (a maintenance status or "
                "scheduled_for). A backfilled incident leaves component statuses as they are.",
                201,
                _ref("Incident"),
                body="IncidentCreateRequest",
            ),
        },
        "/pages/{page_id}/incidents/unresolved": {
            **_params(PAGE),
            "get": _op("Open incidents", 200, _list("Incident")),
        },
        "/pages/{page_id}/incidents/upcoming": {
            **_params(PAGE),
            "get": _op("Maintenance not yet started", 200, _list("Incident")),
        },
        "/pages/{page_id}/incidents/scheduled": {
            **_params(PAGE),
            "get": _op("All scheduled maintenance, newest first", 200, _list("Incident")),
        },
        "/pages/{page_id}/incidents/active_maintenance": {
            **_params(PAGE),
            "get": _op("Maintenance in progress", 200, _list("Incident")),
        },
        "/pages/{page_id}/incidents/{incident_id}": {
            **_params(PAGE, "incident_id"),
            "get": _op("An incident", 200, _ref("Incident")),
            "patch": _op(
                "Update an incident: status/body/components post an update, a postmortem "
                "status publishes the postmortem, other fields edit it in place",
                200,
                _ref("Incident"),
                body="IncidentUpdateRequest",
            ),
            "put": _op(
                "Update an incident (as PATCH)", 200, _ref("Incident"), body="IncidentUpdateRequest"
            ),
            "delete": _op("Delete an incident", 200, _ref("Incident")),
        },
        "/pages/{page_id}/incident_templates": {
            **_params(PAGE),
            "get": _op("Incident templates", 200, _list("IncidentTemplate")),
            "post": _op(
                "Create an incident template",
                201,
                _ref("IncidentTemplate"),
                body="TemplateCreateRequest",
            ),
        },
        "/pages/{page_id}/page_access_groups": {
            **_params(PAGE),
            "get": _op(
                "Page access groups (segments)",
                200,
                _list("PageAccessGroup"),
                errors=(401, 403, 404, 422, 429),
                parameters=PAGING_PARAMETERS,
            ),
            "post": _op(
                "Create a page access group: a segment and its own organization (owner only)",
                201,
                _ref("PageAccessGroup"),
                body="PageAccessGroupCreateRequest",
            ),
        },
        "/pages/{page_id}/page_access_groups/{page_access_group_id}": {
            **_params(PAGE, "page_access_group_id"),
            "get": _op("A page access group", 200, _ref("PageAccessGroup")),
            "patch": _op(
                "Update a page access group",
                200,
                _ref("PageAccessGroup"),
                body="PageAccessGroupUpdateRequest",
            ),
            "put": _op(
                "Update a page access group",
                200,
                _ref("PageAccessGroup"),
                body="PageAccessGroupUpdateRequest",
            ),
            "delete": _op(
                "Delete a page access group; its private components stay private",
                200,
                _ref("PageAccessGroup"),
            ),
        },
        "/pages/{page_id}/page_access_users": {
            **_params(PAGE),
            "get": _op(
                "Page access users (members of the groups' organizations)",
                200,
                _list("PageAccessUser"),
                errors=(401, 403, 404, 422, 429),
                parameters=[EMAIL_PARAMETER, *PAGING_PARAMETERS],
            ),
            "post": _op(
                "Add a page access user to its groups (owner only)",
                201,
                _ref("PageAccessUser"),
                body="PageAccessUserCreateRequest",
            ),
        },
        "/pages/{page_id}/page_access_users/{page_access_user_id}": {
            **_params(PAGE, "page_access_user_id"),
            "get": _op("A page access user", 200, _ref("PageAccessUser")),
            "patch": _op(
                "Update a page access user: its address, or exactly its groups",
                200,
                _ref("PageAccessUser"),
                body="PageAccessUserUpdateRequest",
            ),
            "put": _op(
                "Update a page access user (as PATCH)",
                200,
                _ref("PageAccessUser"),
                body="PageAccessUserUpdateRequest",
            ),
            "delete": _op("Remove a page access user from every group", 204, None),
        },
    },
}


def document() -> Response:
    return jsonify(DOCUMENT)
