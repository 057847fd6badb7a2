"""Components: list, read, create, update (PATCH and PUT alike, as Statuspage), delete."""

from __future__ import annotations

from typing import Any

from flask import Response

from statuspage.api.auth import actor
from statuspage.api.bodies import Fields, body_references, read_body
from statuspage.api.serializers import component_json
from statuspage.audience.visibility import STAFF
from statuspage.components import catalog
from statuspage.extensions import db
from statuspage.models import ComponentStatus


def index() -> list[dict[str, Any]]:
    return [component_json(c) for c in catalog.list_components(STAFF)]


def show(component_id: str) -> dict[str, Any]:
    return component_json(catalog.get_component(component_id))


def create() -> tuple[dict[str, Any], int]:
    fields = Fields(read_body(), "component")
    group_id, start_date = fields.text("group_id"), fields.day("start_date")
    with body_references():
        component = catalog.create_component(
            fields.text("name") or "",
            group=catalog.get_group(group_id) if group_id else None,
            description=fields.text("description"),
            status=ComponentStatus(fields.choice("status", ComponentStatus) or "operational"),
            only_show_if_degraded=bool(fields.flag("only_show_if_degraded")),
            showcase=fields.flag("showcase") is not False,
            actor=actor(),
        )
    if start_date is not None:
        catalog.set_start_date(component, start_date, actor=actor())
    db.session.commit()
    return component_json(component), 201


def update(component_id: str) -> dict[str, Any]:
    component = catalog.get_component(component_id)
    fields = Fields(read_body(), "component")
    changes: dict[str, Any] = {
        "name": fields.text("name"),
        "description": fields.text("description"),
        "status": fields.choice("status", ComponentStatus),
        "only_show_if_degraded": fields.flag("only_show_if_degraded"),
        "showcase": fields.flag("showcase"),
    }
    changes = {name: value for name, value in changes.items() if value is not None}
    if "description" in fields and fields.text("description") is None:
        changes["description"] = ""  # null clears, as an empty string does
    if "group_id" in fields:
        changes["group_id"] = fields.text("group_id") or None  # null or "" ungroups
    start_date = fields.day("start_date")
    catalog.update_component(component, actor=actor(), **changes)
    if "start_date" in fields and start_date != component.start_date:
        catalog.set_start_date(component, start_date, actor=actor())
    db.session.commit()
    return component_json(component)


def delete(component_id: str) -> Response:
    catalog.delete_component(catalog.get_component(component_id), actor=actor())
    db.session.commit()
    return Response(status=204)
