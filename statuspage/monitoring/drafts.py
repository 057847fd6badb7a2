"""Incident drafts: what automation proposes for comms to publish, and how they end.

In mode status_and_draft, when automation applies a non-operational status and no draft
or automation-made incident is open for that component, it drafts an incident from the
alert (title from its summary, body from its annotations, status investigating, the
component at its new status). Nothing here is shown to customers: a person publishes it
(`publish_draft`, the same `publishing.create_incident` the admin composer uses, private to
the component's segments when the component is private) or discards it. A rule with
`publish_automatically` publishes its draft at once, with automation as the actor.

When the component is back to operational: an open draft is marked `alerts_resolved_at`
(comms see that it is stale); an incident published from a draft gets a resolving update.
Choice: if a person published it, the resolving update is *drafted* (incidents.drafts, the
existing UpdateDraft review) for comms to post; if automation published it, automation
resolves it too, since nobody wrote anything a machine would be speaking over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import or_, select

from statuspage.audit.trail import Actor, record
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.extensions import db
from statuspage.incidents import drafts as update_drafts
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import (
    Alert,
    AlertRule,
    AuditEvent,
    Component,
    ComponentStatus,
    Incident,
    IncidentDraft,
    IncidentStatus,
    Visibility,
)
from statuspage.monitoring.evidence import AUTOMATION, alert_details

MAX_TITLE = 300
PUBLISH_ACTION = "incident_draft.publish"


@dataclass(frozen=True)
class DraftEdits:
    """What the reviewer changed before publishing (the draft's own words otherwise)."""

    title: str
    body: str
    status: IncidentStatus | str = IncidentStatus.investigating
    deliver_notifications: bool = True


def follow_status(
    component: Component, status: ComponentStatus, alert: Alert | None, now: datetime
) -> None:
    """After automation applied `status` to `component`: draft, publish or resolve."""
    if status is ComponentStatus.operational:
        _alerts_resolved(component, now)
        _propose_resolution(component, now)
        return
    current = _open_for(component)
    if current is not None:
        if current.published_at is None and current.alerts_resolved_at is not None:
            current.alerts_resolved_at = None  # firing again: the draft is current again
            current.updated_at = now
        return
    draft = _draft(component, status, alert, now)
    rule = db.session.get(AlertRule, alert.rule_id) if alert and alert.rule_id else None
    if rule is not None and rule.publish_automatically:
        _publish_automatically(draft, now)


def _publish_automatically(draft: IncidentDraft, now: datetime) -> None:
    """Publish for the rule's owner; if publishing refuses the draft (its words, its
    components' audiences), it waits for a person instead, and the status stays applied:
    an alert is never refused for what its incident would have said."""
    try:
        with db.session.begin_nested():
            publish_draft(draft, None, actor=AUTOMATION, now=now)
    except InvalidInput as refused:
        record(
            AUTOMATION,
            "incident_draft.publish_refused",
            target_type="incident_draft",
            target_id=draft.id,
            after={"reason": str(refused)},
            at=now,
        )


def open_drafts(page_id: str | None = None) -> list[IncidentDraft]:
    """Drafts waiting for a person, newest first."""
    query = select(IncidentDraft).where(
        IncidentDraft.published_at.is_(None), IncidentDraft.discarded_at.is_(None)
    )
    if page_id is not None:
        query = query.where(IncidentDraft.page_id == page_id)
    return list(db.session.scalars(query.order_by(IncidentDraft.created_at.desc())))


def get_open_draft(draft_id: int) -> IncidentDraft:
    draft = db.session.get(IncidentDraft, draft_id)
    if draft is None or draft.published_at is not None or draft.discarded_at is not None:
        raise NotFound(f"no open incident draft {draft_id}")
    return draft


def publish_draft(
    draft: IncidentDraft,
    edits: DraftEdits | None,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Incident:
    """Open the incident the draft proposes (with the reviewer's edits): through
    `publishing.create_incident`, private to the segments of a private component. Returns
    the incident, flushed; the draft records it."""
    if draft.published_at is not None or draft.discarded_at is not None:
        raise InvalidInput("this draft was already published or discarded")
    now = now or utcnow()
    edits = edits or DraftEdits(draft.title, draft.body, draft.status)
    components = {}
    for component_id, status in (draft.components or {}).items():
        component = db.session.get(Component, component_id)
        if component is None:
            continue  # deleted since: the incident names what still exists
        # Resolved before anyone published: say what is true now, not what was.
        components[component] = component.status if draft.alerts_resolved_at else status
    incident = create_incident(
        OpenIncident(
            edits.title,
            edits.body,
            status=edits.status,
            components=components,
            deliver_notifications=edits.deliver_notifications,
            segments=_audience(components),
        ),
        actor=actor,
    )
    draft.published_incident_id = incident.id
    draft.published_at = now
    draft.updated_at = now
    db.session.flush()
    alert = db.session.get(Alert, draft.alert_id) if draft.alert_id else None
    record(
        actor,
        PUBLISH_ACTION,
        target_type="incident_draft",
        target_id=draft.id,
        incident_id=incident.id,
        after={"title": incident.name, "alert": alert_details(alert)},
        at=now,
    )
    return incident


def discard_draft(draft: IncidentDraft, *, actor: Actor, now: datetime | None = None) -> None:
    if draft.published_at is not None or draft.discarded_at is not None:
        raise InvalidInput("this draft was already published or discarded")
    now = now or utcnow()
    draft.discarded_at = now
    draft.updated_at = now
    db.session.flush()
    record(
        actor,
        "incident_draft.discard",
        target_type="incident_draft",
        target_id=draft.id,
        before={"title": draft.title},
        at=now,
    )


def _audience(components: dict[Component, object]) -> list[int]:
    """A private component's incident is private to the segments every one of the private
    components is shown to (publishing refuses anything wider)."""
    shared: set[int] | None = None
    for component in components:
        if component.visibility is Visibility.public:
            continue
        ids = {segment.id for segment in component.segments}
        shared = ids if shared is None else shared & ids
    if shared is None:
        return []
    if not shared:
        raise InvalidInput("these private components share no segment: publish them apart")
    return sorted(shared)


def _draft(
    component: Component, status: ComponentStatus, alert: Alert | None, now: datetime
) -> IncidentDraft:
    summary = " ".join((alert.summary if alert else "").split())
    title = summary or gettext("%(component)s: %(status)s", component=component.name,
                               status=status.value.replace("_", " "))  # fmt: skip
    annotations = (alert.annotations or {}) if alert else {}
    body = annotations.get("description") or annotations.get("message") or summary
    body = body or gettext("We are investigating a problem with %(component)s.",
                           component=component.name)  # fmt: skip
    draft = IncidentDraft(
        page_id=component.page_id,
        title=title[:MAX_TITLE],
        body=body,
        status=IncidentStatus.investigating,
        components={component.id: status.value},
        alert_id=alert.id if alert else None,
        created_at=now,
        updated_at=now,
    )
    db.session.add(draft)
    db.session.flush()
    record(
        AUTOMATION,
        "incident_draft.create",
        target_type="incident_draft",
        target_id=draft.id,
        after={
            "title": draft.title,
            "components": draft.components,
            "alert": alert_details(alert),
        },
        at=now,
    )
    return draft


def _mentioning(component: Component) -> list[IncidentDraft]:
    """Drafts not discarded that name the component: open, or published and still open."""
    rows = db.session.scalars(
        select(IncidentDraft)
        .outerjoin(Incident, Incident.id == IncidentDraft.published_incident_id)
        .where(
            IncidentDraft.page_id == component.page_id,
            IncidentDraft.discarded_at.is_(None),
            or_(
                IncidentDraft.published_at.is_(None),
                (Incident.id.is_not(None)) & Incident.resolved_at.is_(None),
            ),
        )
        .order_by(IncidentDraft.created_at)
    )
    return [draft for draft in rows if component.id in (draft.components or {})]


def _open_for(component: Component) -> IncidentDraft | None:
    found = _mentioning(component)
    return found[0] if found else None


def _alerts_resolved(component: Component, now: datetime) -> None:
    for draft in _mentioning(component):
        if draft.published_at is None and draft.alerts_resolved_at is None:
            draft.alerts_resolved_at = now
            draft.updated_at = now
    db.session.flush()


def _published_by_automation(draft: IncidentDraft) -> bool:
    return (
        db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == PUBLISH_ACTION,
                AuditEvent.target_type == "incident_draft",
                AuditEvent.target_id == str(draft.id),
                AuditEvent.actor == AUTOMATION.label,
            )
        )
        is not None
    )


def _propose_resolution(component: Component, now: datetime) -> None:
    body = gettext("%(component)s is operating normally again.", component=component.name)
    for draft in _mentioning(component):
        if draft.published_at is None or draft.published_incident_id is None:
            continue
        incident = db.session.get(Incident, draft.published_incident_id)
        if incident is None or incident.resolved_at is not None:
            continue
        resolving = {component.id: ComponentStatus.operational.value}
        if _published_by_automation(draft):
            post_update(
                incident,
                PostUpdate(body, status=IncidentStatus.resolved, components=resolving),
                actor=AUTOMATION,
            )
        elif not _resolution_drafted(incident):
            update_drafts.save_draft(
                incident, body, actor=AUTOMATION, status=IncidentStatus.resolved,
                components=resolving,
            )  # fmt: skip


def _resolution_drafted(incident: Incident) -> bool:
    return any(
        draft.status is IncidentStatus.resolved for draft in update_drafts.open_drafts(incident)
    )
