"""Incidents and scheduled maintenance, as Statuspage's v1 `incidents` resource.

Statuspage has one resource for both; which Herald service a request reaches follows from
its fields: a maintenance status or a `scheduled_for` schedules maintenance; `status`, `body`
or `components` on an update post an update (a `postmortem` status publishes the
postmortem); `name`, `impact_override` and the window edit the incident in place.

Herald's extension `translations` (`{"de": {"name": ..., "body": ...}}`) gives the update
being written in more languages; sent without a new update, it edits the newest update's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from statuspage.api.auth import actor
from statuspage.api.bodies import Fields, body_references, query_int, query_text, read_body
from statuspage.api.pages import base_url
from statuspage.api.serializers import incident_json_v1
from statuspage.audience.visibility import Viewer
from statuspage.audit.trail import Actor
from statuspage.clock import utcnow
from statuspage.components.catalog import get_component
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.incidents import queries
from statuspage.incidents.commands import (
    EditIncident,
    OpenIncident,
    PostUpdate,
    ScheduleMaintenance,
)
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import (
    add_postmortem,
    create_incident,
    delete_incident,
    edit_incident,
    edit_translations,
    newest_update,
    post_update,
)
from statuspage.models import Impact, Incident, IncidentStatus
from statuspage.models.enums import MAINTENANCE_STATUSES

STAFF = Viewer(staff=True)  # API keys are staff: they see every notice, whatever its audience
PAGE_SIZE = 100


def _listed(incidents: list[Incident]) -> list[dict[str, Any]]:
    url = base_url()
    return [incident_json_v1(i, url) for i in incidents]


def index() -> list[dict[str, Any]]:
    limit = query_int("limit", PAGE_SIZE, low=1, high=PAGE_SIZE)
    page = query_int("page", 1, low=1, high=10_000)
    found = queries.list_incidents(
        STAFF, limit=limit, offset=(page - 1) * limit, name_contains=query_text("q")
    )
    return _listed(found)


def unresolved() -> list[dict[str, Any]]:
    return _listed(queries.unresolved_incidents(STAFF))


def upcoming() -> list[dict[str, Any]]:
    return _listed(queries.upcoming_maintenances(STAFF))


def scheduled() -> list[dict[str, Any]]:
    return _listed(queries.all_maintenances(STAFF))


def active() -> list[dict[str, Any]]:
    return _listed(queries.active_maintenances(STAFF))


def show(incident_id: str) -> dict[str, Any]:
    return incident_json_v1(queries.get_incident(STAFF, incident_id), base_url())


def create() -> tuple[dict[str, Any], int]:
    fields = Fields(read_body(), "incident")
    with body_references():
        command = _opening(fields)
        if isinstance(command, ScheduleMaintenance):
            incident = schedule_maintenance(command, actor=actor())
        else:
            incident = create_incident(command, actor=actor())
    db.session.commit()
    return incident_json_v1(incident, base_url()), 201


def update(incident_id: str) -> dict[str, Any]:
    incident = queries.get_incident(STAFF, incident_id)
    fields = Fields(read_body(), "incident")
    with body_references():
        _revise(incident, fields, actor())
    db.session.commit()
    return incident_json_v1(incident, base_url())


def delete(incident_id: str) -> dict[str, Any]:
    incident = queries.get_incident(STAFF, incident_id)
    shaped = incident_json_v1(incident, base_url())
    delete_incident(incident, actor=actor())
    db.session.commit()
    return shaped


def _deliver(fields: Fields) -> bool:
    return fields.flag("deliver_notifications") is not False  # Statuspage's default: notify


def _affected(fields: Fields, *, keep_status: bool = False) -> dict[str, str]:
    """`components` ({id: status}) and `component_ids` merged into one map of id to status.

    A component named only in `component_ids` is affected without a new status, so it keeps
    its own; with `keep_status` every named component does (a backfilled incident is over).
    """
    statuses = fields.statuses("components") or {}  # the services check each status
    for cid in fields.ids("component_ids") or []:
        statuses.setdefault(cid, get_component(cid).status.value)
    if keep_status:
        statuses = {cid: get_component(cid).status.value for cid in statuses}
    return statuses


def _opening(fields: Fields) -> OpenIncident | ScheduleMaintenance:
    """What a POST asks for: maintenance when its status or `scheduled_for` says so."""
    status = fields.choice("status", IncidentStatus)
    if status in MAINTENANCE_STATUSES or fields.moment("scheduled_for") is not None:
        return _scheduling(fields, status)
    if status == IncidentStatus.postmortem:
        raise InvalidInput("resolve an incident first; then PATCH status 'postmortem' with a body")
    backfill = _backfill_moment(fields)
    return OpenIncident(
        fields.text("name") or "",
        fields.text("body") or "",
        status=status or (IncidentStatus.resolved if backfill else IncidentStatus.investigating),
        impact=fields.choice("impact_override", Impact),
        components=_affected(fields, keep_status=backfill is not None),
        at=backfill,
        deliver_notifications=_deliver(fields),
        translations=_translations(fields),
    )


def _translations(fields: Fields) -> list[tuple[str, str | None, str]]:
    return fields.translations("translations") or []


def _backfill_moment(fields: Fields) -> datetime | None:
    """When a backfilled incident happened (Statuspage's `backfilled` + `backfill_date`)."""
    if not fields.flag("backfilled"):
        return None
    moment = fields.moment("backfill_date")
    if moment is None:
        raise InvalidInput("incident[backfill_date] is required when incident[backfilled] is set")
    if moment > utcnow():
        raise InvalidInput("incident[backfill_date] must be in the past")
    return moment


def _scheduling(fields: Fields, status: str | None) -> ScheduleMaintenance:
    if status not in (None, IncidentStatus.scheduled):
        raise InvalidInput(
            "maintenance is created 'scheduled'; post 'in_progress' and later as updates"
        )
    start, end = fields.moment("scheduled_for"), fields.moment("scheduled_until")
    if start is None or end is None:
        raise InvalidInput(
            "maintenance needs incident[scheduled_for] and incident[scheduled_until]"
        )
    return ScheduleMaintenance(
        fields.text("name") or "",
        fields.text("body") or "",
        scheduled_for=start,
        scheduled_until=end,
        components=list(_affected(fields)),  # their status changes when the window starts
        deliver_notifications=_deliver(fields),
        auto_start=bool(fields.flag("scheduled_auto_in_progress")),
        auto_complete=bool(fields.flag("scheduled_auto_completed")),
        remind_prior=bool(fields.flag("scheduled_remind_prior")),
        translations=_translations(fields),
    )


def _revise(incident: Incident, fields: Fields, who: Actor) -> None:
    status = fields.choice("status", IncidentStatus)
    body, components = fields.text("body"), _affected(fields)
    edits = {
        "name": fields.text("name"),
        "impact": fields.choice("impact_override", Impact),
        "scheduled_for": fields.moment("scheduled_for"),
        "scheduled_until": fields.moment("scheduled_until"),
        "auto_start": fields.flag("scheduled_auto_in_progress"),
        "auto_complete": fields.flag("scheduled_auto_completed"),
        "remind_prior": fields.flag("scheduled_remind_prior"),
    }
    # Clients that PUT the whole object resend unchanged fields; only changes are edits.
    edits = {k: v for k, v in edits.items() if v is not None and v != getattr(incident, k)}
    translations = fields.translations("translations")
    if edits:
        edit_incident(incident, EditIncident(**edits), actor=who)
    if status == IncidentStatus.postmortem:
        if translations:
            raise InvalidInput("a postmortem is published in the default language only")
        add_postmortem(incident, body or "", actor=who)
    elif status is not None or body is not None or components:
        update = PostUpdate(
            body or "",
            status=status,
            components=components,
            deliver_notifications=_deliver(fields),
            translations=translations or (),
        )
        post_update(incident, update, actor=who)
    elif translations is not None:
        edit_translations(newest_update(incident), translations, actor=who)
