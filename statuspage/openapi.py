"""Building blocks of Herald's two OpenAPI documents (the management API v1, the public API v2).

Both speak of the same records in Statuspage's shapes, so a component, an incident update or
an error answer is written once here and each document assembles its own contract from them.
Still data written by hand: a reviewer reads the contract, not what a generator inferred.
"""

from __future__ import annotations

from typing import Any

from statuspage.models import ComponentStatus, Impact, IncidentStatus

OPENAPI_VERSION = "3.0.3"
JSON = "application/json"
Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def enum_of(enum_cls: type) -> Schema:
    return {"type": "string", "enum": [m.value for m in enum_cls]}


def nullable(schema: Schema) -> Schema:
    return schema | {"nullable": True}


def array_of(name: str) -> Schema:
    return {"type": "array", "items": ref(name)}


def answer_object(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """An answer's object: every field present except `optional` ones, and nothing else, so
    a field added to a serializer and not to the document fails the schema tests."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


STRING: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
INT: Schema = {"type": "integer"}
TIME: Schema = {"type": "string", "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}
IDS: Schema = {"type": "array", "items": STRING}
COMPONENT_STATUS = enum_of(ComponentStatus)
INCIDENT_STATUS = enum_of(IncidentStatus)
IMPACT = enum_of(Impact)

# A component's fields, as both APIs answer them (v2 adds a group's member ids).
COMPONENT_FIELDS: dict[str, Schema] = {
    "id": STRING,
    "name": STRING,
    "status": COMPONENT_STATUS,
    "created_at": TIME,
    "updated_at": TIME,
    "position": INT,
    "description": nullable(STRING),
    "showcase": BOOL,
    "start_date": nullable(DATE),
    "group_id": nullable(STRING),
    "page_id": STRING,
    "group": BOOL,
    "only_show_if_degraded": BOOL,
}
AFFECTED_COMPONENT = answer_object(
    {"code": STRING, "name": STRING, "old_status": COMPONENT_STATUS, "new_status": COMPONENT_STATUS}
)
INCIDENT_UPDATE = answer_object(
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
            "items": ref("AffectedComponent"),
        },
        "deliver_notifications": BOOL,
        "custom_tweet": nullable(STRING),
        "tweet_id": nullable(STRING),
    }
)


def path_parameter(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": STRING}


def query_parameter(name: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "schema": schema}


def success(summary: str, schema: Schema | None) -> Schema:
    """A success answer described by its operation's summary; without a body for a 204."""
    answer: Schema = {"description": summary}
    if schema is not None:
        answer["content"] = {JSON: {"schema": schema}}
    return answer


def error_answer(description: str, headers: dict[str, Schema] | None = None) -> Schema:
    """An error answer: the `Error` schema of the document it stands in."""
    answer: Schema = {"description": description, "content": {JSON: {"schema": ref("Error")}}}
    if headers:
        answer["headers"] = headers
    return answer


def build_document(
    *, title: str, version: str, description: str, server: str, **sections: Any
) -> dict[str, Any]:
    """The document's head (OpenAPI version, info, server), then `sections` in order."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": server}],
        **sections,
    }
