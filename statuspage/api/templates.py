"""Incident templates: list and create, as Statuspage's `incident_templates`."""

from __future__ import annotations

from typing import Any

from statuspage.api.auth import actor
from statuspage.api.bodies import Fields, body_references, read_body
from statuspage.api.serializers import template_json
from statuspage.audience.visibility import STAFF
from statuspage.components.catalog import list_components
from statuspage.extensions import db
from statuspage.incidents.publishing import MAX_BODY
from statuspage.incidents.templates import create_template, list_templates
from statuspage.models import IncidentStatus


def _components_by_id() -> dict[str, Any]:
    return {c.id: c for c in list_components(STAFF)}


def index() -> list[dict[str, Any]]:
    components = _components_by_id()
    return [template_json(t, components) for t in list_templates()]


def create() -> tuple[dict[str, Any], int]:
    fields = Fields(read_body(), "template")
    # The lengths are the columns'; the template service does not check them itself.
    with body_references():
        template = create_template(
            name=fields.text("name", max_length=200),
            title=fields.text("title", max_length=300),
            body=fields.text("body", max_length=MAX_BODY),
            group_id=fields.text("group_id", max_length=12) or None,
            update_status=fields.choice("update_status", IncidentStatus),
            should_tweet=fields.flag("should_tweet"),
            should_send_notifications=fields.flag("should_send_notifications"),
            component_ids=fields.ids("component_ids"),
            actor=actor(),
        )
    db.session.commit()
    return template_json(template, _components_by_id()), 201
