"""The OpenAPI 3 document of the management API, written out as data.

It describes exactly the URL table in `statuspage.api` (a test compares the two) and the
shapes in `statuspage.api.serializers` (schemathesis checks responses against it). Written
by hand on purpose: a reviewer reads the contract here, not what some generator inferred.
The pieces it shares with the public API's document come from `statuspage.openapi`.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.wrappers import Response

from statuspage.models import IntegrationKind
from statuspage.openapi import (
    AFFECTED_COMPONENT,
    BOOL,
    COMPONENT_FIELDS,
    COMPONENT_STATUS,
    DATE,
    IDS,
    IMPACT,
    INCIDENT_STATUS,
    INCIDENT_UPDATE,
    INT,
    JSON,
    STRING,
    TIME,
    Schema,
    answer_object,
    array_of,
    build_document,
    error_answer,
    nullable,
    path_parameter,
    query_parameter,
    ref,
    success,
)

NO_GRANTS = "Herald's metrics are public (shown or hidden): none are granted per group or user."
TRANSLATION_NOTE = (
    "Herald extension (not in Statuspage): the update's title and message in more of the "
    "page's enabled languages, keyed by language code (de, fr, es, ja, ar; not the page's "
    "default language, whose text is `name` and `body`). `name` null or absent keeps the "
    "incident's name in that language as an earlier update gave it."
)
TRANSLATIONS_ANSWER: Schema = {
    "type": "object",
    "description": TRANSLATION_NOTE,
    "additionalProperties": answer_object({"name": nullable(STRING), "body": STRING}),
}

NUMBER: Schema = {"type": "number"}
PROVIDER_TYPE: Schema = {
    "type": "string",
    "enum": ["Self", "Prometheus"],
    "description": "Self: data pushed with this API. Prometheus (Herald's): each metric's "
    "metric_identifier is a PromQL query read every minute from metric_base_uri. Statuspage's "
    "Pingdom, NewRelic, Librato and Datadog are refused (422).",
}
LAST_PROBLEM = (
    "Herald extension: why the last pull from Prometheus gave no point (no series, several, "
    "server down); null once a pull succeeds."
)
POINT_IN: Schema = {
    "type": "object",
    "required": ["timestamp", "value"],
    "properties": {
        "timestamp": {
            "type": "integer",
            "description": "Seconds since 1970 (UTC); from 31 days ago to 5 minutes ahead.",
        },
        "value": {"type": "number", "description": "Finite, within ±1e15."},
    },
}
POINTS_IN: Schema = {"type": "array", "items": POINT_IN, "maxItems": 3000}

SCHEMAS: dict[str, Schema] = {
    "Error": answer_object({"error": STRING}),
    "Page": answer_object(
        {"id": STRING, "name": STRING, "page_description": nullable(STRING), "url": STRING,
         "time_zone": STRING, "created_at": TIME, "updated_at": TIME}
    ),
    "Component": answer_object(COMPONENT_FIELDS),
    "ComponentGroup": answer_object(
        {"id": STRING, "page_id": STRING, "name": STRING, "description": nullable(STRING),
         "components": IDS, "position": INT, "created_at": TIME, "updated_at": TIME}
    ),
    "AffectedComponent": AFFECTED_COMPONENT,
    "IncidentUpdate": answer_object(
        INCIDENT_UPDATE["properties"] | {"translations": TRANSLATIONS_ANSWER}
    ),
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
            "impact_override": IMPACT,
            "shortlink": STRING,
            "started_at": TIME,
            "page_id": STRING,
            "incident_updates": array_of("IncidentUpdate"),
            "components": array_of("Component"),
            "backfilled": BOOL,
            "postmortem_body": nullable(STRING),
            "postmortem_body_last_updated_at": nullable(TIME),
            "postmortem_ignored": BOOL,
            "postmortem_notified_subscribers": BOOL,
            "postmortem_notified_twitter": BOOL,
            "postmortem_published_at": nullable(TIME),
            "scheduled_for": nullable(TIME),
            "scheduled_until": nullable(TIME),
            "scheduled_auto_in_progress": BOOL,
            "scheduled_auto_completed": BOOL,
            "scheduled_auto_transition": BOOL,
            "scheduled_remind_prior": BOOL,
            "scheduled_reminded_at": nullable(TIME),
        }
    ),
    "IncidentTemplate": answer_object(
        {"id": STRING, "name": STRING, "title": STRING, "body": STRING,
         "group_id": nullable(STRING), "update_status": INCIDENT_STATUS, "should_tweet": BOOL,
         "should_send_notifications": BOOL, "components": array_of("Component")}
    ),
    "PageAccessGroup": answer_object(
        {"id": STRING, "page_id": STRING, "name": STRING,
         "external_identifier": nullable(STRING), "page_access_user_ids": IDS,
         "component_ids": IDS, "metric_ids": IDS, "created_at": TIME, "updated_at": TIME}
    ),
    "AlertIntakeSummary": answer_object(
        {"alerts": INT, "firing": INT, "resolved": INT, "matched": INT}
    ),
    "PageAccessUser": answer_object(
        {"id": STRING, "page_id": STRING, "email": STRING, "external_login": nullable(STRING),
         "page_access_group_id": nullable(STRING), "page_access_group_ids": IDS,
         "created_at": TIME, "updated_at": TIME}
    ),
    "MetricsProvider": answer_object(
        {"id": STRING, "page_id": STRING, "type": PROVIDER_TYPE, "disabled": BOOL,
         "metric_base_uri": nullable(STRING), "last_revalidated_at": nullable(TIME),
         "created_at": TIME, "updated_at": TIME}
    ),
    "Metric": answer_object(
        {"id": STRING, "metrics_provider_id": STRING, "metric_identifier": STRING,
         "name": STRING, "display": BOOL, "tooltip_description": nullable(STRING),
         "backfilled": BOOL, "y_axis_min": nullable(NUMBER), "y_axis_max": nullable(NUMBER),
         "y_axis_hidden": BOOL, "suffix": STRING, "decimal_places": INT,
         "most_recent_data_at": nullable(TIME), "created_at": TIME, "updated_at": TIME,
         "last_fetched_at": nullable(TIME), "backfill_percentage": INT,
         "reference_name": STRING,
         "position": INT | {"description": "Herald extension: the order on the page."},
         "last_problem": nullable(STRING) | {"description": LAST_PROBLEM}}
    ),
    "MetricPoint": answer_object({"timestamp": INT, "value": NUMBER}),
    "MetricDataAdded": answer_object(
        {"data": {"oneOf": [ref("MetricPoint"), array_of("MetricPoint")],
                  "description": "The point as sent; a list when a list was sent."}}
    ),
    "MetricsDataAdded": {
        "type": "object",
        "description": "Each metric's id to the points stored for it.",
        "additionalProperties": array_of("MetricPoint"),
    },
}  # fmt: skip


def _body(resource: str, fields: dict[str, Schema], required: list[str]) -> Schema:
    """A request body: Statuspage wraps the fields in the resource's name."""
    inner: Schema = {"type": "object", "properties": fields}
    if required:
        inner["required"] = required
    return {"type": "object", "required": [resource], "properties": {resource: inner}}


def _group_body(required: list[str]) -> Schema:
    body = _body("component_group", REQUEST_FIELDS["component_group"], required)
    body["properties"]["description"] = {
        "type": "string",
        "description": "Where Statuspage documents it; read when component_group has none.",
    }
    return body


def _text(max_length: int, description: str | None = None) -> Schema:
    schema: Schema = {"type": "string", "maxLength": max_length}
    return schema if description is None else schema | {"description": description}


def _ids(description: str) -> Schema:
    return IDS | {"description": description}


TRANSLATED: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"name": nullable(_text(300)), "body": _text(20_000, "Markdown.")},
}
EXTERNAL = 'One line, no control characters; "" clears it.'
REQUEST_FIELDS: dict[str, dict[str, Schema]] = {
    "component": {
        "name": _text(200), "description": nullable(STRING), "status": COMPONENT_STATUS,
        "only_show_if_degraded": BOOL, "group_id": nullable(STRING), "showcase": BOOL,
        "start_date": nullable(DATE),
    },
    "component_group": {"name": _text(200), "description": nullable(STRING), "components": IDS},
    "incident": {
        "name": _text(300),
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
        "translations": {
            "type": "object",
            "description": TRANSLATION_NOTE + " Written with the update this request posts; "
            "sent without `body`, `status` or `components` on an update, it edits the newest "
            "update's translations instead: each language sent replaces that language's, and "
            "a language sent as null is removed.",
            "additionalProperties": nullable(TRANSLATED),
        },
    },
    "template": {
        "name": _text(200), "title": _text(300), "body": STRING, "group_id": nullable(_text(12)),
        "update_status": INCIDENT_STATUS, "should_tweet": BOOL, "should_send_notifications": BOOL,
        "component_ids": IDS,
    },
    "page_access_group": {
        "name": _text(100),
        "external_identifier": nullable(_text(200, EXTERNAL)),
        "component_ids": _ids(
            "Exactly the components private to the group; a public one named here becomes "
            "private to it."
        ),
        "page_access_user_ids": IDS,
        "metric_ids": _ids(NO_GRANTS),
    },
    "page_access_user": {
        "email": _text(254),
        "external_login": nullable(_text(200, EXTERNAL)),
        "page_access_group_id": nullable(_text(64, "Exactly this group, when sent alone; "
                                                   "with page_access_group_ids, one of them.")),
        "page_access_group_ids": _ids("Exactly the user's groups; at least one."),
        "subscribe_to_components": BOOL,
    },
    "metrics_provider": {
        "type": PROVIDER_TYPE,
        "metric_base_uri": nullable(_text(500, "Prometheus: the server's http(s) URL.")),
        "disabled": {"type": "boolean", "description": "Herald: a disabled provider is not read."},
    },
    "metric": {
        "name": _text(200), "metric_identifier": _text(2000, "Prometheus: a PromQL query "
                                                       "giving one number (one series)."),
        "display": BOOL, "tooltip_description": nullable(_text(1000)), "suffix": _text(40),
        "y_axis_min": nullable(NUMBER), "y_axis_max": nullable(NUMBER), "y_axis_hidden": BOOL,
        "decimal_places": {"type": "integer", "minimum": 0, "maximum": 6},
        "position": {"type": "integer", "minimum": 0, "maximum": 10000},
    },
}  # fmt: skip


def _bodies(name: str, resource: str, created: list[str]) -> dict[str, Schema]:
    """The create and update bodies of a resource: the same fields, fewer required."""
    fields = REQUEST_FIELDS[resource]
    return {
        f"{name}CreateRequest": _body(resource, fields, created),
        f"{name}UpdateRequest": _body(resource, fields, []),
    }


REQUEST_BODIES: dict[str, Schema] = {
    **_bodies("Component", "component", ["name"]),
    "GroupCreateRequest": _group_body(["name"]),
    "GroupUpdateRequest": _group_body([]),
    **_bodies("Incident", "incident", ["name", "body"]),
    "TemplateCreateRequest": _body(
        "template", REQUEST_FIELDS["template"], ["name", "title", "body"]
    ),
    **_bodies("PageAccessGroup", "page_access_group", ["name"]),
    **_bodies("PageAccessUser", "page_access_user", ["email"]),
    # Statuspage's sub-resource bodies name their ids at the top, unwrapped
    "ComponentIdsRequest": {
        "type": "object", "required": ["component_ids"], "properties": {"component_ids": IDS},
    },
    **_bodies("MetricsProvider", "metrics_provider", ["type"]),
    **_bodies("Metric", "metric", ["name"]),
    "MetricDataRequest": {
        "type": "object", "required": ["data"],
        "properties": {"data": {"oneOf": [POINT_IN, POINTS_IN],
                                "description": "A point; Herald takes a list of them too."}},
    },
    "MetricsDataRequest": {
        "type": "object", "required": ["data"],
        "properties": {"data": {"type": "object", "additionalProperties": POINTS_IN,
                                "description": "Each metric's id to its points; all are "
                                "stored or none, 3000 points at most."}},
    },
    "MetricIdsRequest": {
        "type": "object", "properties": {"metric_ids": _ids(NO_GRANTS)},
    },
    "AlertIntakeRequest": {
        "type": "object",
        "description": (
            "The tool's own webhook body, by the path's kind. alertmanager: Alertmanager's "
            'webhook payload version 4 (`{"version": "4", "alerts": [{"status", "labels", '
            '"annotations", "startsAt", "endsAt", "fingerprint"}], ...}`). grafana: Grafana '
            "unified alerting's webhook contact point (the same alerts, with `orgId`). "
            "uptime-kuma: Uptime Kuma's webhook notification (`{\"heartbeat\", "
            '\"monitor\", \"msg\"}`). generic: `{"component": "<id or exact name>", '
            '"status": "<component status>", "summary": "...", "id": "...", "resolved": '
            'false}`, or several under `"alerts"`.'
        ),
    },
}  # fmt: skip

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
READ_ERRORS = (401, 403, 404, 429)
LIST_ERRORS = (401, 403, 404, 422, 429)  # a list's query arguments can be refused


def _error(code: int) -> Schema:
    return error_answer(ERRORS[code], ERROR_HEADERS.get(code))


def _op(
    summary: str,
    ok: int,
    schema: Schema | None,
    *,
    body: str | None = None,
    errors: tuple[int, ...] = READ_ERRORS,
    parameters: list[Schema] | None = None,
) -> Schema:
    operation: Schema = {"summary": summary, "responses": {str(ok): success(summary, schema)}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(body)}}}
        errors = (400, *errors, 413, 415, 422)
    for code in sorted(errors):
        operation["responses"][str(code)] = _error(code)
    if parameters:
        operation["parameters"] = parameters
    return operation


def _page_path(*names: str) -> dict[str, Any]:
    """A path's parameters: the page's id, then the record's."""
    return {"parameters": [path_parameter(n) for n in ("page_id", *names)]}


def _collection(list_op: Schema, create: str, schema: str, body: str) -> dict[str, Any]:
    return {**_page_path(), "get": list_op, "post": _op(create, 201, ref(schema), body=body)}


def _record(
    name: str, schema: str, read: str, update: str, body: str, delete: Schema, *, put: str = ""
) -> dict[str, Any]:
    """A record's path: read it, update it (PATCH, and PUT alike), delete it."""
    return {
        **_page_path(name),
        "get": _op(read, 200, ref(schema)),
        "patch": _op(update, 200, ref(schema), body=body),
        "put": _op(put or update, 200, ref(schema), body=body),
        "delete": delete,
    }


def _read_only(summary: str, schema: Schema) -> dict[str, Any]:
    return {**_page_path(), "get": _op(summary, 200, schema)}


def _group_components() -> dict[str, Any]:
    """A group's components, with Statuspage's verbs: POST sets exactly, PUT and PATCH add."""

    def write(summary: str) -> Schema:
        return _op(summary, 200, ref("PageAccessGroup"), body="ComponentIdsRequest")

    return {
        **_page_path("page_access_group_id"),
        "get": _op("The components private to the group", 200, array_of("Component"),
                   errors=LIST_ERRORS, parameters=PAGING_PARAMETERS),
        "post": write("Set exactly the group's components (a public one becomes private)"),
        "put": write("Add components to the group"),
        "patch": write("Add components to the group"),
        "delete": write("Take components from the group; they stay private"),
    }  # fmt: skip


USER_GRANTS = (
    "Refused: Herald grants components to page access groups, not to one user; change "
    "the components of one of the user's groups"
)


def _user_components() -> dict[str, Any]:
    """A user's components are its groups': read them here, change them on a group."""

    def refused(body: str | None) -> Schema:
        return _op(USER_GRANTS, 422, ref("Error"), body=body)

    return {
        **_page_path("page_access_user_id"),
        "get": _op("The components the user sees through its groups", 200,
                   array_of("Component"), errors=LIST_ERRORS, parameters=PAGING_PARAMETERS),
        **{verb: refused("ComponentIdsRequest") for verb in ("post", "put", "patch", "delete")},
    }  # fmt: skip


def _user_metrics() -> dict[str, Any]:
    """Metrics are public, never granted per user: none to read, add or remove."""

    def write(summary: str) -> Schema:
        return _op(summary, 200, ref("PageAccessUser"), body="MetricIdsRequest")

    return {
        **_page_path("page_access_user_id"),
        "get": _op("None: metrics are public, never granted per user", 200,
                   {"type": "array", "items": {"type": "object"}, "maxItems": 0}),
        "post": write("Naming a metric is refused (metrics are public); the user, unchanged"),
        "put": write("Naming a metric is refused (metrics are public); the user, unchanged"),
        "patch": write("Naming a metric is refused (metrics are public); the user, unchanged"),
        "delete": write("None to remove: the user, unchanged"),
    }  # fmt: skip


INTAKE_ERRORS = {
    400: "The body is not JSON.",
    401: "No integration of this page and kind has this secret (the answer never says which "
    "part was wrong).",
    413: "The body is too large (1 MiB at most).",
    415: "The body is not application/json.",
    422: "The body is not the tool's shape, or names an unknown component; the message says "
    "what is wrong.",
    429: "Too many requests from this address; wait Retry-After seconds.",
}


def _intake(*, in_path: bool) -> dict[str, Any]:
    """One way in for alerts: the secret in the path, or as `Authorization: Bearer`."""
    where = "in the path" if in_path else "as a bearer token"
    summary = f"Report alerts from a monitoring tool (the integration's secret {where})"
    responses = {"200": success("What was taken", ref("AlertIntakeSummary"))}
    for code, description in INTAKE_ERRORS.items():
        responses[str(code)] = error_answer(description, ERROR_HEADERS.get(code))
    names = ["page_id", "kind"] + (["secret"] if in_path else [])
    parameters = [path_parameter(name) for name in names]
    parameters[1] = parameters[1] | {"schema": {"type": "string", "enum": INTAKE_KINDS}}
    return {
        "parameters": parameters,
        "post": {
            "summary": summary,
            "security": [] if in_path else [{"integration": []}],
            "requestBody": {
                "required": True,
                "content": {JSON: {"schema": ref("AlertIntakeRequest")}},
            },
            "responses": responses,
        },
    }


INTAKE_KINDS = [kind.value for kind in IntegrationKind]
METRIC_PATHS: dict[str, Any] = {
    "/pages/{page_id}/metrics_providers": _collection(
        _op("Metrics providers", 200, array_of("MetricsProvider")),
        "Create a metrics provider (owner only)", "MetricsProvider",
        "MetricsProviderCreateRequest",
    ),
    "/pages/{page_id}/metrics_providers/{metrics_provider_id}": _record(
        "metrics_provider_id", "MetricsProvider", "A metrics provider",
        "Update a metrics provider (owner only)", "MetricsProviderUpdateRequest",
        _op("Delete a metrics provider, its metrics and their data (owner only)", 200,
            ref("MetricsProvider")),
    ),
    "/pages/{page_id}/metrics_providers/{metrics_provider_id}/metrics": {
        **_page_path("metrics_provider_id"),
        "get": _op("The provider's metrics", 200, array_of("Metric")),
        "post": _op("Create a metric for the provider (owner only)", 201, ref("Metric"),
                    body="MetricCreateRequest"),
    },
    "/pages/{page_id}/metrics": _read_only("Metrics in page order", array_of("Metric")),
    "/pages/{page_id}/metrics/data": {
        **_page_path(),
        "post": _op("Add data points to several metrics (owner, comms)", 201,
                    ref("MetricsDataAdded"), body="MetricsDataRequest"),
    },
    "/pages/{page_id}/metrics/{metric_id}": _record(
        "metric_id", "Metric", "A metric", "Update a metric (owner only)",
        "MetricUpdateRequest", _op("Delete a metric and its data (owner only)", 200, ref("Metric")),
    ),
    "/pages/{page_id}/metrics/{metric_id}/data": {
        **_page_path("metric_id"),
        "post": _op("Add data to a metric (owner, comms); not to a Prometheus one", 201,
                    ref("MetricDataAdded"), body="MetricDataRequest"),
        "delete": _op("Reset the metric's data: every point goes (owner only)", 200,
                      ref("Metric")),
    },
}  # fmt: skip

PAGE_NUMBER = query_parameter("page", {"type": "integer", "minimum": 1, "maximum": 10000})
INCIDENT_LIST_PARAMETERS = [
    query_parameter("q", {"type": "string", "maxLength": 200}),
    query_parameter("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
    PAGE_NUMBER,
]
PAGING_PARAMETERS = [
    PAGE_NUMBER,
    query_parameter("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
]
EMAIL_PARAMETER = query_parameter("email", {"type": "string", "maxLength": 254})

DOCUMENT: dict[str, Any] = build_document(
    title="Herald management API",
    version="1",
    description=(
        "Compatible with the Atlassian Statuspage management API v1: the same paths, "
        "bodies, fields and enums. Authenticate with `Authorization: OAuth <key>` or "
        "`Authorization: Bearer <key>`. Bodies are JSON, or form fields with Rails-style "
        "names (`incident[name]=...`, `incident[component_ids][]=...`, "
        '`incident[components][<id>]=major_outage`). Errors are `{"error": "..."}`.'
    ),
    server="/api/v1",
    security=[{"bearer": []}, {"oauth": []}],
    components={
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "integration": {
                "type": "http",
                "scheme": "bearer",
                "description": "Alert intake only: an integration's secret, not an API key.",
            },
            "oauth": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Statuspage's form: the header value is `OAuth <key>`.",
            },
        },
        "schemas": SCHEMAS | REQUEST_BODIES,
    },
    paths={
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": success("This document", {"type": "object"}),
                    "429": _error(429),
                },
            }
        },
        "/pages": {
            "get": _op("The page (Herald serves one)", 200, array_of("Page"),
                       errors=(401, 403, 429))
        },
        "/pages/{page_id}": _read_only("The page", ref("Page")),
        "/pages/{page_id}/components": _collection(
            _op("Components in page order", 200, array_of("Component")),
            "Create a component", "Component", "ComponentCreateRequest",
        ),
        "/pages/{page_id}/components/{component_id}": _record(
            "component_id", "Component", "A component", "Update a component",
            "ComponentUpdateRequest", _op("Delete a component", 204, None),
        ),
        "/pages/{page_id}/component-groups": _collection(
            _op("Component groups", 200, array_of("ComponentGroup")),
            "Create a group", "ComponentGroup", "GroupCreateRequest",
        ),
        "/pages/{page_id}/component-groups/{group_id}": _record(
            "group_id", "ComponentGroup", "A group", "Update a group", "GroupUpdateRequest",
            _op("Delete a group; its components stay", 200, ref("ComponentGroup")),
        ),
        "/pages/{page_id}/incidents": _collection(
            _op("Incidents and maintenance, newest first", 200, array_of("Incident"),
                errors=LIST_ERRORS, parameters=INCIDENT_LIST_PARAMETERS),
            "Create an incident, or schedule maintenance (a maintenance status or "
            "scheduled_for). A backfilled incident leaves component statuses as they are.",
            "Incident", "IncidentCreateRequest",
        ),
        "/pages/{page_id}/incidents/unresolved": _read_only(
            "Open incidents", array_of("Incident")
        ),
        "/pages/{page_id}/incidents/upcoming": _read_only(
            "Maintenance not yet started", array_of("Incident")
        ),
        "/pages/{page_id}/incidents/scheduled": _read_only(
            "All scheduled maintenance, newest first", array_of("Incident")
        ),
        "/pages/{page_id}/incidents/active_maintenance": _read_only(
            "Maintenance in progress", array_of("Incident")
        ),
        "/pages/{page_id}/incidents/{incident_id}": _record(
            "incident_id", "Incident", "An incident",
            "Update an incident: status/body/components post an update, a postmortem "
            "status publishes the postmortem, other fields edit it in place",
            "IncidentUpdateRequest", _op("Delete an incident", 200, ref("Incident")),
            put="Update an incident (as PATCH)",
        ),
        "/pages/{page_id}/incident_templates": _collection(
            _op("Incident templates", 200, array_of("IncidentTemplate")),
            "Create an incident template", "IncidentTemplate", "TemplateCreateRequest",
        ),
        "/pages/{page_id}/page_access_groups": _collection(
            _op("Page access groups (segments)", 200, array_of("PageAccessGroup"),
                errors=LIST_ERRORS, parameters=PAGING_PARAMETERS),
            "Create a page access group: a segment and its own organization (owner only)",
            "PageAccessGroup", "PageAccessGroupCreateRequest",
        ),
        "/pages/{page_id}/page_access_groups/{page_access_group_id}": _record(
            "page_access_group_id", "PageAccessGroup", "A page access group",
            "Update a page access group", "PageAccessGroupUpdateRequest",
            _op("Delete a page access group; its private components stay private", 200,
                ref("PageAccessGroup")),
        ),
        "/pages/{page_id}/page_access_users": _collection(
            _op("Page access users (members of the groups' organizations)", 200,
                array_of("PageAccessUser"), errors=LIST_ERRORS,
                parameters=[EMAIL_PARAMETER, *PAGING_PARAMETERS]),
            "Add a page access user to its groups (owner only)",
            "PageAccessUser", "PageAccessUserCreateRequest",
        ),
        "/pages/{page_id}/page_access_users/{page_access_user_id}": _record(
            "page_access_user_id", "PageAccessUser", "A page access user",
            "Update a page access user: its address, or exactly its groups",
            "PageAccessUserUpdateRequest",
            _op("Remove a page access user from every group", 204, None),
            put="Update a page access user (as PATCH)",
        ),
        "/pages/{page_id}/page_access_groups/{page_access_group_id}/components":
            _group_components(),
        "/pages/{page_id}/page_access_groups/{page_access_group_id}/components/{component_id}": {
            **_page_path("page_access_group_id", "component_id"),
            "delete": _op("Take a component from the group; it stays private", 200,
                          ref("PageAccessGroup")),
        },
        "/pages/{page_id}/page_access_users/{page_access_user_id}/components":
            _user_components(),
        "/pages/{page_id}/page_access_users/{page_access_user_id}/components/{component_id}": {
            **_page_path("page_access_user_id", "component_id"),
            "delete": _op(USER_GRANTS, 422, ref("Error")),
        },
        "/pages/{page_id}/page_access_users/{page_access_user_id}/metrics": _user_metrics(),
        "/pages/{page_id}/integrations/{kind}/{secret}": _intake(in_path=True),
        "/pages/{page_id}/integrations/{kind}": _intake(in_path=False),
        **METRIC_PATHS,
    },
)  # fmt: skip


def document() -> Response:
    return jsonify(DOCUMENT)
