"""Component groups: list, read, create, update, delete (members stay, ungrouped)."""

from __future__ import annotations

from typing import Any

from statuspage.api.auth import actor
from statuspage.api.bodies import Fields, body_references, read_body
from statuspage.api.serializers import group_json
from statuspage.components import catalog
from statuspage.extensions import db


def _group_fields() -> Fields:
    """`component_group` from the body; Statuspage documents `description` beside it, and
    its clients send it either there or inside, so both places are read (inside wins)."""
    body = read_body()
    inner = body.get("component_group")
    if isinstance(inner, dict) and "description" in body and "description" not in inner:
        inner["description"] = body["description"]
    return Fields(body, "component_group")


def index() -> list[dict[str, Any]]:
    return [group_json(g) for g in catalog.list_groups()]


def show(group_id: str) -> dict[str, Any]:
    return group_json(catalog.get_group(group_id))


def create() -> tuple[dict[str, Any], int]:
    fields = _group_fields()
    members = fields.ids("components")
    with body_references():
        group = catalog.create_group(
            fields.text("name") or "", description=fields.text("description"), actor=actor()
        )
        if members:
            catalog.update_group(group, component_ids=members, actor=actor())
    db.session.commit()
    return group_json(group), 201


def update(group_id: str) -> dict[str, Any]:
    group = catalog.get_group(group_id)
    fields = _group_fields()
    with body_references():
        catalog.update_group(
            group,
            name=fields.text("name"),
            description=fields.text("description"),
            component_ids=fields.ids("components"),
            actor=actor(),
        )
    db.session.commit()
    return group_json(group)


def delete(group_id: str) -> dict[str, Any]:
    group = catalog.get_group(group_id)
    shaped = group_json(group)
    catalog.delete_group(group, actor=actor())
    db.session.commit()
    return shaped
