"""One update written onto an incident: its components' statuses, its lifecycle, its notices.

The machinery `publishing` and `maintenance` share: who may be named in a notice, whom it
is scoped to, the page version it moves and the fields its audit entries show. Each function
flushes at most; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from statuspage.audit.changes import Change, record_change, record_created
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.components.catalog import get_component, set_component_status
from statuspage.core.errors import InvalidInput
from statuspage.core.validation import choice
from statuspage.crisis.assembly import stand_down_incident
from statuspage.delivery.ledger import write_notices
from statuspage.delivery.outbox import ADVANCE_MAINTENANCE, after_commit_at
from statuspage.extensions import db
from statuspage.incidents.cadence_times import queue_reminder
from statuspage.incidents.commands import ComponentStatuses, Translation
from statuspage.incidents.richtext import render_markdown
from statuspage.models import (
    AffectedComponent,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Segment,
    UpdateTranslation,
    Visibility,
)
from statuspage.page.state import bump_version

_IMPACT_FOR_STATUS = {
    ComponentStatus.degraded_performance: Impact.minor,
    ComponentStatus.partial_outage: Impact.major,
    ComponentStatus.major_outage: Impact.critical,
}
_IMPACT_ORDER = [Impact.none, Impact.minor, Impact.major, Impact.critical]
MAX_ACK_WINDOW = timedelta(days=7)
AUDITED_FIELDS = (
    "name", "status", "impact", "visibility", "scheduled_for", "scheduled_until",
    "auto_start", "auto_complete", "remind_prior",
)  # fmt: skip


def audited(actor: Actor, action: str, incident: Incident) -> AbstractContextManager[Change]:
    """One audit entry for the block's write to `incident`: its audited fields before and
    after (and what the block puts in `change.extra`)."""
    return record_change(
        actor, action, incident, AUDITED_FIELDS, target_type="incident", incident_id=incident.id
    )


def audit_created(actor: Actor, action: str, incident: Incident, update: IncidentUpdate) -> None:
    """The audit entry of an incident or maintenance just opened, with its first update."""
    record_created(
        actor, action, incident, AUDITED_FIELDS, target_type="incident",
        incident_id=incident.id, update_id=update.id, body=update.body,
    )  # fmt: skip


def resolve_components(statuses: ComponentStatuses) -> dict[Component, ComponentStatus]:
    """Ids (or components) to components, and status values to statuses; else InvalidInput."""
    resolved: dict[Component, ComponentStatus] = {}
    for key, status in statuses.items():
        component = key if isinstance(key, Component) else get_component(key)
        resolved[component] = choice(ComponentStatus, status, "a component status")
    return resolved


def impact_of(statuses: Iterable[ComponentStatus]) -> Impact:
    """The impact Statuspage derives when staff do not set one: the worst component status."""
    impacts = [_IMPACT_FOR_STATUS.get(s, Impact.none) for s in statuses]
    return max(impacts, key=_IMPACT_ORDER.index, default=Impact.none)


def bump_if_public(incident: Incident, at: datetime) -> None:
    """The public snapshot's version (its ETag and Last-Modified) moves for public news only:
    a private incident must not even tell the public that something happened."""
    if incident.visibility is Visibility.public:
        bump_version(at)


def refuse_components_hidden_from_audience(
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


def scope_to(incident: Incident, segments: Iterable[Segment | int]) -> None:
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


def record_update(
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
    translations: Iterable[Translation] = (),
) -> IncidentUpdate:
    """Write one update and everything it moves; `body` and `translations` come cleaned.

    The translations are written before the notices, so every channel finds them."""
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
    set_translations(update, translations)
    private = incident.visibility is Visibility.segments
    refuse_components_hidden_from_audience(incident, components)
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
    was_open = incident.resolved_at is None
    _apply_lifecycle(incident, status, at)
    incident.updated_at = at
    db.session.flush()
    bump_if_public(incident, at)
    write_notices(incident, update, ack_window=ack_window)
    queue_reminder(incident, at)  # the next update's reminder, at its second (cadence_times)
    if was_open and incident.resolved_at is not None:
        # Resolved: the crisis team is stood down (no more pages) and told so, once.
        stand_down_incident(incident, reason="incident resolved", actor=SYSTEM, now=at)
    return update


def set_translations(
    update: IncidentUpdate, translations: Iterable[Translation], *, removing: Iterable[str] = ()
) -> None:
    """Give `update` these (cleaned) translations, each replacing its own in that language,
    and drop those in `removing`. The message is rendered and sanitised once, here, as the
    update's own body is."""
    existing = {t.language: t for t in update.translations}
    for language in set(removing) & set(existing):
        update.translations.remove(existing.pop(language))
    for translation in translations:
        row = existing.get(translation.language)
        if row is None:
            row = UpdateTranslation(language=translation.language)
            update.translations.append(row)
        row.title, row.body = translation.title, translation.body
        row.body_html = render_markdown(translation.body)


def _apply_lifecycle(incident: Incident, status: IncidentStatus, at: datetime) -> None:
    incident.status = status
    if status is IncidentStatus.monitoring and incident.monitoring_at is None:
        incident.monitoring_at = at
    if status in (IncidentStatus.resolved, IncidentStatus.completed):
        incident.resolved_at = incident.resolved_at or at
    elif status is not IncidentStatus.postmortem:
        incident.resolved_at = None  # reopened


def queue_window_edges(incident: Incident) -> None:
    """Have the queue advance an automated window at its start and at its end, to the second.

    The minute's sweep alone would show a window in progress up to a minute late on every
    surface; it stays the safety net for a queue that lost the job. Called whenever a
    window's times or automation are set; a job for times since edited finds nothing due
    (advance_maintenance moves each edge once, whenever it runs).
    """
    if not incident.is_maintenance:
        return
    if incident.auto_start and incident.scheduled_for is not None:
        after_commit_at(ADVANCE_MAINTENANCE, incident.scheduled_for)
    if incident.auto_complete and incident.scheduled_until is not None:
        after_commit_at(ADVANCE_MAINTENANCE, incident.scheduled_until)
