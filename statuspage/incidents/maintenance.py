"""Scheduled maintenance: announce a window, then start and complete it on time.

A window is an incident of kind `maintenance`: its later updates go through
`publishing.post_update` like any other, with maintenance statuses.
"""

from __future__ import annotations

from datetime import datetime

from statuspage.audit.trail import SYSTEM, Actor, record
from statuspage.clock import utcnow
from statuspage.components.catalog import get_component
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.incidents.commands import PostUpdate, ScheduleMaintenance
from statuspage.incidents.publishing import (
    clean_body,
    clean_name,
    clean_translations,
    post_update,
)
from statuspage.incidents.queries import maintenance_due
from statuspage.incidents.recording import (
    audit_created,
    queue_window_edges,
    record_update,
    refuse_components_hidden_from_audience,
    scope_to,
)
from statuspage.models import (
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
)
from statuspage.page.state import ensure_page


def schedule_maintenance(command: ScheduleMaintenance, *, actor: Actor = SYSTEM) -> Incident:
    """Announce a maintenance window; components change status only when it starts.

    With `command.segments`, the maintenance is private to them, as for `create_incident`.
    Returns the window (an incident of kind maintenance), flushed.
    """
    at = command.at or utcnow()
    scheduled_for, scheduled_until = command.scheduled_for, command.scheduled_until
    if scheduled_for.tzinfo is None or scheduled_until.tzinfo is None:
        raise InvalidInput("maintenance times need a time zone")
    if scheduled_until <= scheduled_for:
        raise InvalidInput("a maintenance window must end after it starts")
    incident = Incident(
        page_id=ensure_page().id,
        kind=IncidentKind.maintenance,
        name=clean_name(command.name),
        status=IncidentStatus.scheduled,
        impact=Impact.maintenance,
        created_at=at,
        updated_at=at,
        started_at=scheduled_for,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        auto_start=command.auto_start,
        auto_complete=command.auto_complete,
        remind_prior=command.remind_prior,
    )
    incident.components = [
        c if isinstance(c, Component) else get_component(c) for c in command.components
    ]
    scope_to(incident, command.segments)
    refuse_components_hidden_from_audience(incident, incident.components)
    db.session.add(incident)
    db.session.flush()
    update = record_update(
        incident,
        IncidentStatus.scheduled,
        clean_body(command.body),
        {},
        at=at,
        display_at=None,
        deliver_notifications=command.deliver_notifications,
        custom_tweet=None,
        translations=clean_translations(command.translations),
    )
    audit_created(actor, "maintenance.create", incident, update)
    queue_window_edges(incident)
    return incident


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
                PostUpdate(
                    "Scheduled maintenance is now in progress.",
                    status=IncidentStatus.in_progress,
                    components=dict.fromkeys(window.components, ComponentStatus.under_maintenance),
                    at=now,
                ),
            )
        )
    for window in due.to_complete:
        posted.append(
            post_update(
                window,
                PostUpdate(
                    "Scheduled maintenance has been completed.",
                    status=IncidentStatus.completed,
                    components=dict.fromkeys(window.components, ComponentStatus.operational),
                    at=now,
                ),
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


def waiting_for_staff(window: Incident, now: datetime) -> bool:
    """Whether a manual window's start has passed and it is still "Scheduled": nothing will
    start it (auto start is off), so the admin warns until someone does."""
    return (
        window.is_maintenance
        and window.status is IncidentStatus.scheduled
        and not window.auto_start
        and window.scheduled_for is not None
        and window.scheduled_for <= now
    )
