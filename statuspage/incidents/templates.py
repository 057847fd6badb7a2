"""Incident templates: create, edit, delete, and apply one to a new incident."""

from __future__ import annotations

from sqlalchemy import select

from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.components.catalog import get_component
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import text
from statuspage.extensions import db
from statuspage.models import IncidentStatus, IncidentTemplate
from statuspage.models.enums import INCIDENT_STATUSES
from statuspage.page.state import ensure_page

_MAX_LENGTH = {"name": 200, "title": 300, "body": 20_000, "group_id": 12}
FIELDS = (
    "name", "title", "body", "update_status", "should_tweet", "should_send_notifications",
    "group_id", "component_ids",
)  # fmt: skip


def list_templates() -> list[IncidentTemplate]:
    return list(db.session.scalars(select(IncidentTemplate).order_by(IncidentTemplate.name)))


def get_template(template_id: str) -> IncidentTemplate:
    template = db.session.get(IncidentTemplate, template_id)
    if template is None:
        raise NotFound(f"no incident template {template_id!r}")
    return template


def _apply_fields(template: IncidentTemplate, fields: dict) -> None:
    for key, value in fields.items():
        if key not in FIELDS:
            raise InvalidInput(f"unknown template field {key!r}")
        if value is None:
            continue
        if key in ("name", "title", "body"):
            limit, missing = _MAX_LENGTH[key], f"a template needs a {key}"
            one_line = key != "body"
            value = text(
                str(value), f"a template's {key}", limit, missing=missing, one_line=one_line
            )
        elif key in _MAX_LENGTH and len(str(value)) > _MAX_LENGTH[key]:
            raise InvalidInput(f"a template's {key} is at most {_MAX_LENGTH[key]} characters")
        if key == "update_status":
            try:
                value = IncidentStatus(value)
            except ValueError as exc:
                raise InvalidInput(f"unknown status {value!r}") from exc
            if value not in INCIDENT_STATUSES:
                raise InvalidInput("a template's status is an incident status")
        if key == "component_ids":
            value = [get_component(cid).id for cid in value]
        setattr(template, key, value)


def create_template(*, actor: Actor = SYSTEM, **fields: object) -> IncidentTemplate:
    template = IncidentTemplate(page_id=ensure_page().id, component_ids=[])
    _apply_fields(template, fields)
    for required in ("name", "title", "body"):
        if not getattr(template, required, None):
            raise InvalidInput(f"a template needs a {required}")
    db.session.add(template)
    db.session.flush()
    record_created(actor, "template.create", template, FIELDS, target_type="incident_template")
    return template


def update_template(
    template: IncidentTemplate, *, actor: Actor = SYSTEM, **fields: object
) -> IncidentTemplate:
    with record_change(actor, "template.update", template, FIELDS, target_type="incident_template"):
        _apply_fields(template, fields)
        db.session.flush()
    return template


def delete_template(template: IncidentTemplate, *, actor: Actor = SYSTEM) -> None:
    record_removed(actor, "template.delete", template, FIELDS, target_type="incident_template")
    db.session.delete(template)
    db.session.flush()
