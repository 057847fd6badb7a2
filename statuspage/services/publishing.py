"""Post incidents, their updates and scheduled maintenance; every write bumps the page version.

Each function flushes and returns; the caller (request, job, CLI) commits once. The outbox
of notices written beside each update arrives with the delivery engine ([3/7]).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import (
    AffectedComponent,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
    Visibility,
)
from statuspage.models.enums import INCIDENT_STATUSES, MAINTENANCE_STATUSES
from statuspage.services.components import get_component, set_component_status
from statuspage.services.errors import InvalidInput
from statuspage.services.page import bump_version, ensure_page
from statuspage.services.richtext import render_markdown

ComponentStatuses = Mapping[Component | str, ComponentStatus | str]

_IMPACT_FOR_STATUS = {
    ComponentStatus.degraded_performance: Impact.minor,
    ComponentStatus.partial_outage: Impact.major,
    ComponentStatus.major_outage: Impact.critical,
}
_IMPACT_ORDER = [Impact.none, Impact.minor, Impact.major, Impact.critical]
MAX_BODY = 20_000


def _enum(enum_cls, value, what: str):
    try:
        return enum_cls(value)
    except ValueError as exc:
        allowed = ", ".join(m.value for m in enum_cls)
        raise InvalidInput(f"{what} must be one of {allowed}; got {value!r}") from exc


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a name is required")
    if len(name) > 300:
        raise InvalidInput("a name is at most 300 characters")
    return name


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput("an update needs a message")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"a message is at most {MAX_BODY} characters")
    return body


def _resolve_components(statuses: ComponentStatuses) -> dict[Component, ComponentStatus]:
    resolved: dict[Component, ComponentStatus] = {}
    for key, status in statuses.items():
        component = key if isinstance(key, Component) else get_component(key)
        resolved[component] = _enum(ComponentStatus, status, "a component status")
    return resolved


def impact_of(statuses: Iterable[ComponentStatus]) -> Impact:
    """The impact Statuspage derives when staff do not set one: the worst component status."""
    impacts = [_IMPACT_FOR_STATUS.get(s, Impact.none) for s in statuses]
    return max(impacts, key=_IMPACT_ORDER.index, default=Impact.none)


def _record_update(
    incident: Incident,
    status: IncidentStatus,
    body: str,
    components: dict[Component, ComponentStatus],
    *,
    at: datetime,
    display_at: datetime | None,
    deliver_notifications: bool,
    custom_tweet: str | None,
) -> IncidentUpdate:
    update = IncidentUpdate(
        incident=incident,
        status=status,
        body=body,
        body_html=render_markdown(body),
        created_at=at,
        updated_at=at,
        display_at=display_at or at,
        deliver_notifications=deliver_notifications,
        custom_tweet=custom_tweet,
    )
    db.session.add(update)
    for component, new_status in components.items():
        old_status = component.status
        set_component_status(component, new_status, at=at, incident_id=incident.id)
        update.affected_components.append(
            AffectedComponent(component=component, old_status=old_status, new_status=new_status)
        )
        if component not in incident.components:
            incident.components.append(component)
    _apply_lifecycle(incident, status, at)
    incident.updated_at = at
    db.session.flush()
    bump_version(at)
    return update


def _apply_lifecycle(incident: Incident, status: IncidentStatus, at: datetime) -> None:
    incident.status = status
    if status is IncidentStatus.monitoring and incident.monitoring_at is None:
        incident.monitoring_at = at
    if status in (IncidentStatus.resolved, IncidentStatus.completed):
        incident.resolved_at = incident.resolved_at or at
    elif status is not IncidentStatus.postmortem:
        incident.resolved_at = None  # reopened


def create_incident(
    name: str,
    body: str,
    *,
    status: IncidentStatus | str = IncidentStatus.investigating,
    impact: Impact | str | None = None,
    components: ComponentStatuses | None = None,
    at: datetime | None = None,
    display_at: datetime | None = None,
    deliver_notifications: bool = True,
    custom_tweet: str | None = None,
) -> Incident:
    """Open an incident with its first update; affected components take their new status.

    `at` backfills: the incident, its first update and the status changes all happen then.
    """
    at = at or utcnow()
    status = _enum(IncidentStatus, status, "an incident status")
    if status not in INCIDENT_STATUSES:
        raise InvalidInput(f"{status.value!r} is a maintenance status, not an incident status")
    resolved = _resolve_components(components or {})
    impact = _enum(Impact, impact, "impact") if impact is not None else impact_of(resolved.values())
    if impact is Impact.maintenance:
        raise InvalidInput("impact 'maintenance' is for scheduled maintenance")
    incident = Incident(
        page_id=ensure_page().id,
        kind=IncidentKind.incident,
        name=_clean_name(name),
        status=status,
        impact=impact,
        visibility=Visibility.public,
        created_at=at,
        updated_at=at,
        started_at=display_at or at,
    )
    db.session.add(incident)
    db.session.flush()
    _record_update(
        incident,
        status,
        _clean_body(body),
        resolved,
        at=at,
        display_at=display_at,
        deliver_notifications=deliver_notifications,
        custom_tweet=custom_tweet,
    )
    return incident


def post_update(
    incident: Incident,
    body: str,
    *,
    status: IncidentStatus | str | None = None,
    components: ComponentStatuses | None = None,
    impact: Impact | str | None = None,
    at: datetime | None = None,
    display_at: datetime | None = None,
    deliver_notifications: bool = True,
    custom_tweet: str | None = None,
) -> IncidentUpdate:
    """Add an update to an incident or maintenance; resolving or completing closes it."""
    at = at or utcnow()
    status = _enum(IncidentStatus, status or incident.status, "a status")
    allowed = MAINTENANCE_STATUSES if incident.is_maintenance else INCIDENT_STATUSES
    if status not in allowed:
        kind = "maintenance" if incident.is_maintenance else "incident"
        raise InvalidInput(f"{status.value!r} is not a status of a {kind}")
    if status is IncidentStatus.postmortem:
        raise InvalidInput("publish a postmortem with add_postmortem")
    if impact is not None:
        if incident.is_maintenance:
            raise InvalidInput("maintenance impact is always 'maintenance'")
        incident.impact = _enum(Impact, impact, "impact")
    return _record_update(
        incident,
        status,
        _clean_body(body),
        _resolve_components(components or {}),
        at=at,
        display_at=display_at,
        deliver_notifications=deliver_notifications,
        custom_tweet=custom_tweet,
    )


def add_postmortem(incident: Incident, body: str, *, at: datetime | None = None) -> Incident:
    """Publish the postmortem of a resolved incident."""
    at = at or utcnow()
    if incident.is_maintenance:
        raise InvalidInput("maintenance has no postmortem")
    if incident.status not in (IncidentStatus.resolved, IncidentStatus.postmortem):
        raise InvalidInput("resolve the incident before publishing its postmortem")
    body = _clean_body(body)
    incident.postmortem_body = body
    incident.postmortem_body_html = render_markdown(body)
    incident.postmortem_published_at = at
    incident.status = IncidentStatus.postmortem
    incident.updated_at = at
    db.session.flush()
    bump_version(at)
    return incident


def schedule_maintenance(
    name: str,
    body: str,
    *,
    scheduled_for: datetime,
    scheduled_until: datetime,
    components: Iterable[Component | str] = (),
    at: datetime | None = None,
    deliver_notifications: bool = True,
) -> Incident:
    """Announce a maintenance window; components change status only when it starts."""
    at = at or utcnow()
    if scheduled_for.tzinfo is None or scheduled_until.tzinfo is None:
        raise InvalidInput("maintenance times need a time zone")
    if scheduled_until <= scheduled_for:
        raise InvalidInput("a maintenance window must end after it starts")
    incident = Incident(
        page_id=ensure_page().id,
        kind=IncidentKind.maintenance,
        name=_clean_name(name),
        status=IncidentStatus.scheduled,
        impact=Impact.maintenance,
        visibility=Visibility.public,
        created_at=at,
        updated_at=at,
        started_at=scheduled_for,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
    )
    incident.components = [c if isinstance(c, Component) else get_component(c) for c in components]
    db.session.add(incident)
    db.session.flush()
    _record_update(
        incident,
        IncidentStatus.scheduled,
        _clean_body(body),
        {},
        at=at,
        display_at=None,
        deliver_notifications=deliver_notifications,
        custom_tweet=None,
    )
    return incident
