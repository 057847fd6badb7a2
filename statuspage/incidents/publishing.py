"""Post incidents, their updates and scheduled maintenance; every write bumps the page version.

Each function flushes and returns; the caller (request, job, CLI) commits once. The outbox
of notices written beside each update arrives with the delivery engine ([3/7]).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from statuspage.audit.trail import SYSTEM, Actor, record, values_of
from statuspage.clock import utcnow
from statuspage.components.catalog import get_component, set_component_status
from statuspage.core.errors import InvalidInput
from statuspage.core.validation import choice, text
from statuspage.delivery.ledger import write_notices
from statuspage.extensions import db
from statuspage.incidents.queries import maintenance_due
from statuspage.incidents.richtext import render_markdown
from statuspage.models import (
    AffectedComponent,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
    Segment,
    Visibility,
)
from statuspage.models.enums import INCIDENT_STATUSES, MAINTENANCE_STATUSES
from statuspage.page.state import bump_version, ensure_page

ComponentStatuses = Mapping[Component | str, ComponentStatus | str]

_IMPACT_FOR_STATUS = {
    ComponentStatus.degraded_performance: Impact.minor,
    ComponentStatus.partial_outage: Impact.major,
    ComponentStatus.major_outage: Impact.critical,
}
_IMPACT_ORDER = [Impact.none, Impact.minor, Impact.major, Impact.critical]
MAX_NAME = 300
MAX_BODY = 20_000
MAX_ACK_WINDOW = timedelta(days=7)
AUDITED_FIELDS = (
    "name", "status", "impact", "visibility", "scheduled_for", "scheduled_until",
    "auto_start", "auto_complete", "remind_prior",
)  # fmt: skip


def _audit(actor: Actor, action: str, incident: Incident, before: dict | None, **extra) -> None:
    after = values_of(incident, *AUDITED_FIELDS) | extra
    record(
        actor,
        action,
        target_type="incident",
        target_id=incident.id,
        incident_id=incident.id,
        before=before,
        after=after,
    )


def _clean_name(name: str) -> str:
    return text(name, "a name", MAX_NAME)


def _clean_body(body: str) -> str:
    return text(body, "a message", MAX_BODY, missing="an update needs a message")


def _resolve_components(statuses: ComponentStatuses) -> dict[Component, ComponentStatus]:
    resolved: dict[Component, ComponentStatus] = {}
    for key, status in statuses.items():
        component = key if isinstance(key, Component) else get_component(key)
        resolved[component] = choice(ComponentStatus, status, "a component status")
    return resolved


def impact_of(statuses: Iterable[ComponentStatus]) -> Impact:
    """The impact Statuspage derives when staff do not set one: the worst component status."""
    impacts = [_IMPACT_FOR_STATUS.get(s, Impact.none) for s in statuses]
    return max(impacts, key=_IMPACT_ORDER.index, default=Impact.none)


def _bump_if_public(incident: Incident, at: datetime) -> None:
    """The public snapshot's version (its ETag and Last-Modified) moves for public news only:
    a private incident must not even tell the public that something happened."""
    if incident.visibility is Visibility.public:
        bump_version(at)


def _refuse_components_hidden_from_audience(
    incident: Incident, components: Iterable[Component]
) -> None:
    """A notice may name only components its whole audience may see.

    A public incident may not name a private component, and a private one may not name a
    component private to other segments: its page, emails, webhook bodies and posts would
    tell their readers the component exists. Scope the incident to the component's segments.
    """
    audience = {segment.id for segment in incident.segments}
    hidden = sorted(
        c.name
        for c in components
        if c.visibility is not Visibility.public
        and (not audience or not audience <= {segment.id for segment in c.segments})
    )
    if hidden:
        raise InvalidInput(
            f"this notice's audience may not see private components ({', '.join(hidden)}); "
            "make it private to their segments"
        )


def _scope_to(incident: Incident, segments: Iterable[Segment | int]) -> None:
    """Public with no segments; else private to exactly these (each must exist)."""
    chosen: list[Segment] = []
    for item in segments:
        segment = item if isinstance(item, Segment) else db.session.get(Segment, item)
        if segment is None:
            raise InvalidInput(f"no segment {item!r}")
        if segment not in chosen:
            chosen.append(segment)
    incident.segments = chosen
    incident.visibility = Visibility.segments if chosen else Visibility.public


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
    ack_window: timedelta | None = None,
) -> IncidentUpdate:
    if ack_window is not None and not timedelta(minutes=1) <= ack_window <= MAX_ACK_WINDOW:
        raise InvalidInput("an acknowledgement window is between 1 minute and 7 days")
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
    private = incident.visibility is Visibility.segments
    _refuse_components_hidden_from_audience(incident, components)
    for component, new_status in components.items():
        old_status = component.status
        if not private:
            # A private incident leaves the public status (and uptime) alone: its effect is
            # shown to its segments only, from its affected components (components.status).
            set_component_status(component, new_status, at=at, incident_id=incident.id)
        update.affected_components.append(
            AffectedComponent(component=component, old_status=old_status, new_status=new_status)
        )
        if component not in incident.components:
            incident.components.append(component)
    _apply_lifecycle(incident, status, at)
    incident.updated_at = at
    db.session.flush()
    _bump_if_public(incident, at)
    write_notices(incident, update, ack_window=ack_window)
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
    ack_window: timedelta | None = None,
    segments: Iterable[Segment | int] = (),
    actor: Actor = SYSTEM,
) -> Incident:
    """Open an incident with its first update; affected components take their new status.

    `at` backfills: the incident, its first update and the status changes all happen then.
    With `segments`, the incident is private to them: only their viewers see it, only their
    organizations' subscribers are notified, and the public status does not move.
    """
    at = at or utcnow()
    status = choice(IncidentStatus, status, "an incident status")
    if status not in INCIDENT_STATUSES:
        raise InvalidInput(f"{status.value!r} is a maintenance status, not an incident status")
    if status is IncidentStatus.postmortem:
        raise InvalidInput("a new incident cannot start as a postmortem")
    resolved = _resolve_components(components or {})
    impact = (
        choice(Impact, impact, "impact") if impact is not None else impact_of(resolved.values())
    )
    if impact is Impact.maintenance:
        raise InvalidInput("impact 'maintenance' is for scheduled maintenance")
    incident = Incident(
        page_id=ensure_page().id,
        kind=IncidentKind.incident,
        name=_clean_name(name),
        status=status,
        impact=impact,
        created_at=at,
        updated_at=at,
        started_at=display_at or at,
    )
    _scope_to(incident, segments)
    db.session.add(incident)
    db.session.flush()
    update = _record_update(
        incident,
        status,
        _clean_body(body),
        resolved,
        at=at,
        display_at=display_at,
        deliver_notifications=deliver_notifications,
        custom_tweet=custom_tweet,
        ack_window=ack_window,
    )
    _audit(actor, "incident.create", incident, None, update_id=update.id, body=update.body)
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
    ack_window: timedelta | None = None,
    actor: Actor = SYSTEM,
) -> IncidentUpdate:
    """Add an update to an incident or maintenance; resolving or completing closes it.

    `ack_window`: recipients must acknowledge receipt within it (else: next contact point).
    """
    before = values_of(incident, *AUDITED_FIELDS)
    at = at or utcnow()
    status = choice(IncidentStatus, status or incident.status, "a status")
    allowed = MAINTENANCE_STATUSES if incident.is_maintenance else INCIDENT_STATUSES
    if status not in allowed:
        kind = "maintenance" if incident.is_maintenance else "incident"
        raise InvalidInput(f"{status.value!r} is not a status of a {kind}")
    if status is IncidentStatus.postmortem:
        raise InvalidInput("publish a postmortem with add_postmortem")
    if impact is not None:
        if incident.is_maintenance:
            raise InvalidInput("maintenance impact is always 'maintenance'")
        incident.impact = choice(Impact, impact, "impact")
    update = _record_update(
        incident,
        status,
        _clean_body(body),
        _resolve_components(components or {}),
        at=at,
        display_at=display_at,
        deliver_notifications=deliver_notifications,
        custom_tweet=custom_tweet,
        ack_window=ack_window,
    )
    _audit(actor, "incident.update", incident, before, update_id=update.id, body=update.body)
    return update


def add_postmortem(
    incident: Incident, body: str, *, at: datetime | None = None, actor: Actor = SYSTEM
) -> Incident:
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
    before = values_of(incident, *AUDITED_FIELDS)
    incident.status = IncidentStatus.postmortem
    incident.updated_at = at
    db.session.flush()
    _bump_if_public(incident, at)
    _audit(actor, "incident.postmortem", incident, before, postmortem=body)
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
    auto_start: bool = False,
    auto_complete: bool = False,
    remind_prior: bool = False,
    segments: Iterable[Segment | int] = (),
    actor: Actor = SYSTEM,
) -> Incident:
    """Announce a maintenance window; components change status only when it starts.

    With `segments`, the maintenance is private to them, as for `create_incident`.
    """
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
        created_at=at,
        updated_at=at,
        started_at=scheduled_for,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        auto_start=auto_start,
        auto_complete=auto_complete,
        remind_prior=remind_prior,
    )
    incident.components = [c if isinstance(c, Component) else get_component(c) for c in components]
    _scope_to(incident, segments)
    _refuse_components_hidden_from_audience(incident, incident.components)
    db.session.add(incident)
    db.session.flush()
    update = _record_update(
        incident,
        IncidentStatus.scheduled,
        _clean_body(body),
        {},
        at=at,
        display_at=None,
        deliver_notifications=deliver_notifications,
        custom_tweet=None,
    )
    _audit(actor, "maintenance.create", incident, None, update_id=update.id, body=update.body)
    return incident


def edit_incident(
    incident: Incident,
    *,
    name: str | None = None,
    impact: Impact | str | None = None,
    scheduled_for: datetime | None = None,
    scheduled_until: datetime | None = None,
    auto_start: bool | None = None,
    auto_complete: bool | None = None,
    remind_prior: bool | None = None,
    actor: Actor = SYSTEM,
) -> Incident:
    """Change an incident's own fields without posting an update (typos, impact, window)."""
    before = values_of(incident, *AUDITED_FIELDS)
    if name is not None:
        incident.name = _clean_name(name)
    if impact is not None:
        impact = choice(Impact, impact, "impact")
        if (impact is Impact.maintenance) != incident.is_maintenance:
            raise InvalidInput("impact 'maintenance' is for scheduled maintenance only")
        incident.impact = impact
    if scheduled_for is not None or scheduled_until is not None:
        if not incident.is_maintenance:
            raise InvalidInput("only maintenance has a scheduled window")
        start = scheduled_for or incident.scheduled_for
        end = scheduled_until or incident.scheduled_until
        if start is None or end is None or end <= start:
            raise InvalidInput("a maintenance window must end after it starts")
        incident.scheduled_for, incident.scheduled_until, incident.started_at = start, end, start
    for field, value in (
        ("auto_start", auto_start),
        ("auto_complete", auto_complete),
        ("remind_prior", remind_prior),
    ):
        if value is not None:
            setattr(incident, field, bool(value))
    incident.updated_at = utcnow()
    db.session.flush()
    _bump_if_public(incident, incident.updated_at)
    _audit(actor, "incident.edit", incident, before)
    return incident


def delete_incident(incident: Incident, *, actor: Actor = SYSTEM) -> None:
    """Remove an incident and its updates from the page (the audit trail keeps the record)."""
    before = values_of(incident, *AUDITED_FIELDS)
    record(
        actor,
        "incident.delete",
        target_type="incident",
        target_id=incident.id,
        incident_id=incident.id,
        before=before,
    )
    private = incident.visibility is Visibility.segments
    db.session.delete(incident)
    db.session.flush()
    if not private:
        bump_version()


def advance_maintenance(now: datetime) -> list[IncidentUpdate]:
    """Start and complete automated maintenance whose edges have passed; record due reminders.

    Run by the periodic sweep; safe to run any number of times (each edge moves a status
    forward once). The reminder's sending comes with the delivery engine.
    """
    posted: list[IncidentUpdate] = []
    due = maintenance_due(now)
    for window in due.to_start:
        posted.append(
            post_update(
                window,
                "Scheduled maintenance is now in progress.",
                status=IncidentStatus.in_progress,
                components=dict.fromkeys(window.components, ComponentStatus.under_maintenance),
                at=now,
            )
        )
    for window in due.to_complete:
        posted.append(
            post_update(
                window,
                "Scheduled maintenance has been completed.",
                status=IncidentStatus.completed,
                components=dict.fromkeys(window.components, ComponentStatus.operational),
                at=now,
            )
        )
    for window in due.to_remind:
        window.reminder_recorded_at = now
        record(
            SYSTEM,
            "maintenance.reminder",
            target_type="incident",
            target_id=window.id,
            incident_id=window.id,
            after={"scheduled_for": window.scheduled_for},
        )
    db.session.flush()
    return posted
