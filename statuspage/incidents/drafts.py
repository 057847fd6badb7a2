"""Drafted updates and internal notes: how responders contribute without publishing.

A responder drafts; a comms member publishes the draft (through `publishing.post_update`,
like any update) or discards it. Notes stay on the incident's internal timeline.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from statuspage.audit.changes import record_created, record_removed
from statuspage.audit.trail import Actor, record
from statuspage.clock import utcnow
from statuspage.components.catalog import get_component
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import text
from statuspage.extensions import db
from statuspage.incidents.commands import PostUpdate
from statuspage.incidents.publishing import MAX_BODY, post_update
from statuspage.models import (
    ComponentStatus,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    InternalNote,
    UpdateDraft,
)
from statuspage.models.enums import INCIDENT_STATUSES, MAINTENANCE_STATUSES

DRAFT_FIELDS = ("incident_id", "status", "body", "components")


def _body(body: str) -> str:
    return text(body, "a message", MAX_BODY, missing="a draft or note needs a message")


def save_draft(
    incident: Incident,
    body: str,
    *,
    actor: Actor,
    status: IncidentStatus | str | None = None,
    components: Mapping[str, ComponentStatus | str] | None = None,
) -> UpdateDraft:
    """Keep an update for a publisher to review; checked now as it would be on publishing."""
    try:
        status = IncidentStatus(status or incident.status)
    except ValueError as exc:
        raise InvalidInput(f"unknown status {status!r}") from exc
    allowed = MAINTENANCE_STATUSES if incident.is_maintenance else INCIDENT_STATUSES
    if status not in allowed or status is IncidentStatus.postmortem:
        raise InvalidInput(f"{status.value!r} is not a status an update of this can take")
    checked: dict[str, str] = {}
    for component_id, new_status in (components or {}).items():
        try:
            checked[get_component(component_id).id] = ComponentStatus(new_status).value
        except ValueError as exc:
            raise InvalidInput(f"unknown component status {new_status!r}") from exc
        except NotFound as exc:
            raise InvalidInput(str(exc)) from exc
    draft = UpdateDraft(
        incident_id=incident.id,
        status=status,
        body=_body(body),
        components=checked,
        author=actor.label[:300],
    )
    db.session.add(draft)
    db.session.flush()
    record_created(
        actor,
        "draft.create",
        draft,
        DRAFT_FIELDS,
        target_type="update_draft",
        incident_id=incident.id,
    )
    return draft


def open_drafts(incident: Incident) -> list[UpdateDraft]:
    return list(
        db.session.scalars(
            select(UpdateDraft)
            .where(
                UpdateDraft.incident_id == incident.id,
                UpdateDraft.published_at.is_(None),
                UpdateDraft.discarded_at.is_(None),
            )
            .order_by(UpdateDraft.created_at)
        )
    )


def get_draft(draft_id: int) -> UpdateDraft:
    draft = db.session.get(UpdateDraft, draft_id)
    if draft is None or draft.published_at or draft.discarded_at:
        raise NotFound(f"no open draft {draft_id}")
    return draft


def publish_draft(
    draft: UpdateDraft, *, actor: Actor, body: str | None = None, notify: bool = True
) -> IncidentUpdate:
    """Publish a draft as an update (the publisher may edit its words first)."""
    incident = db.session.get(Incident, draft.incident_id)
    if incident is None:
        raise NotFound("the draft's incident is gone")
    update = post_update(
        incident,
        PostUpdate(
            body if body is not None else draft.body,
            status=draft.status,
            components=dict(draft.components),
            deliver_notifications=notify,
        ),
        actor=actor,
    )
    draft.published_update_id, draft.published_at = update.id, utcnow()
    db.session.flush()
    record(
        actor,
        "draft.publish",
        target_type="update_draft",
        target_id=draft.id,
        incident_id=incident.id,
        after={"update_id": update.id, "author": draft.author},
    )
    return update


def discard_draft(draft: UpdateDraft, *, actor: Actor) -> None:
    draft.discarded_at = utcnow()
    db.session.flush()
    record_removed(
        actor,
        "draft.discard",
        draft,
        DRAFT_FIELDS,
        target_type="update_draft",
        incident_id=draft.incident_id,
    )


def add_note(incident: Incident, body: str, *, actor: Actor) -> InternalNote:
    note = InternalNote(incident_id=incident.id, body=_body(body), author=actor.label[:300])
    db.session.add(note)
    db.session.flush()
    record(
        actor,
        "note.create",
        target_type="internal_note",
        target_id=note.id,
        incident_id=incident.id,
        after={"body": note.body},
    )
    return note


def notes(incident: Incident) -> list[InternalNote]:
    return list(
        db.session.scalars(
            select(InternalNote)
            .where(InternalNote.incident_id == incident.id)
            .order_by(InternalNote.created_at)
        )
    )
