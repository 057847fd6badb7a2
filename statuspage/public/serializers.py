"""Statuspage public API v2 shapes, field for field, so existing Statuspage clients read Herald.

Shaped for a viewer when one is given (the public v2 JSON always gives one): components they
may not see are left out (audience.may_see_component), statuses are as they see them, and a
private incident or component carries two extra fields, `private: true` and `shared_with`
(the viewer's segments it is shared with). Public items have exactly Statuspage's fields.
Without a viewer (the management API, webhook bodies: their audience is decided elsewhere)
everything is shaped as stored.

With `lang` (the v2 API's `?lang=`, when it names a language other than the page's default)
incident names and update bodies are that language's translations, each falling back to the
default text; without it every field is what Statuspage clients have always read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from statuspage.audience.viewers import shared_with
from statuspage.audience.visibility import Viewer, may_see_component
from statuspage.components.status import PageStatus
from statuspage.incidents.translations import incident_title, localized
from statuspage.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentUpdate,
    Page,
    Visibility,
)

Statuses = Mapping[str, ComponentStatus]


def iso(at: datetime | None) -> str | None:
    """Statuspage's timestamp form: ISO 8601 with milliseconds (UTC, so 'Z')."""
    if at is None:
        return None
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def page_json(page: Page, base_url: str) -> dict[str, Any]:
    return {
        "id": page.id,
        "name": page.name,
        "url": base_url,
        "time_zone": page.time_zone,
        "updated_at": iso(page.updated_at),
    }


def status_json(status: PageStatus) -> dict[str, str]:
    return {"indicator": status.indicator, "description": status.description}


def _shows(viewer: Viewer | None, component: Component) -> bool:
    return viewer is None or may_see_component(viewer, component)


def _mark_private(
    shaped: dict[str, Any], item: Incident | Component, viewer: Viewer | None
) -> None:
    if viewer is not None and item.visibility is Visibility.segments:
        shaped["private"] = True
        shaped["shared_with"] = shared_with(viewer, item)


def component_json(
    component: Component, viewer: Viewer | None = None, statuses: Statuses | None = None
) -> dict[str, Any]:
    status = statuses.get(component.id, component.status) if statuses else component.status
    shaped = {
        "id": component.id,
        "name": component.name,
        "status": status.value,
        "created_at": iso(component.created_at),
        "updated_at": iso(component.updated_at),
        "position": component.position,
        "description": component.description,
        "showcase": component.showcase,
        "start_date": component.start_date.isoformat() if component.start_date else None,
        "group_id": component.group_id,
        "page_id": component.page_id,
        "group": False,
        "only_show_if_degraded": component.only_show_if_degraded,
    }
    _mark_private(shaped, component, viewer)
    return shaped


def group_json(
    group: ComponentGroup, members: list[Component], statuses: Statuses | None = None
) -> dict[str, Any]:
    """Statuspage lists a group as a component with `group: true` and its members' ids."""
    worst = max(
        (statuses.get(m.id, m.status) if statuses else m.status for m in members),
        key=lambda s: [
            "operational",
            "under_maintenance",
            "degraded_performance",
            "partial_outage",
            "major_outage",
        ].index(s.value),
        default=None,
    )
    return {
        "id": group.id,
        "name": group.name,
        "status": worst.value if worst else "operational",
        "created_at": iso(group.created_at),
        "updated_at": iso(group.updated_at),
        "position": group.position,
        "description": group.description,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": group.page_id,
        "group": True,
        "only_show_if_degraded": False,
        "components": [m.id for m in members],
    }


def components_json(
    components: list[Component],
    groups: list[ComponentGroup],
    viewer: Viewer | None = None,
    statuses: Statuses | None = None,
) -> list[dict]:
    """Groups and components in page order, as components.json lists them.

    `components` are the ones the viewer may see; a group none of whose members they may see
    is left out too (its name could tell of a customer's private components)."""
    members: dict[str, list[Component]] = {g.id: [] for g in groups}
    for component in components:
        if component.group_id in members:
            members[component.group_id].append(component)
    hidden = _groups_of_hidden_components(groups, members)
    shown_groups = [g for g in groups if g.id not in hidden]
    listed: list[dict] = [group_json(g, members[g.id], statuses) for g in shown_groups]
    listed += [component_json(c, viewer, statuses) for c in components]
    ranks = positions_among(shown_groups, lambda g: None) | positions_among(
        components, lambda c: c.group_id
    )
    for shaped in listed:
        shaped["position"] = ranks[shaped["id"]]
    return listed


def positions_among(items: Sequence[Any], container: Callable[[Any], str | None]) -> dict:
    """Each item's 1-based place among the items the reader sees in its container (a
    group, or the page): a stored position counts the hidden ones too, so a gap would tell
    a reader that a group holds components they may not see."""
    places: dict[str | None, list[Any]] = {}
    for item in sorted(items, key=lambda i: (i.position, i.id)):
        places.setdefault(container(item), []).append(item)
    return {item.id: n for held in places.values() for n, item in enumerate(held, start=1)}


def _groups_of_hidden_components(
    groups: list[ComponentGroup], visible_members: dict[str, list[Component]]
) -> set[str]:
    """Groups with members, none of them visible (an empty group stays listed, as before)."""
    empty = [g for g in groups if not visible_members[g.id]]
    return {g.id for g in empty if g.components}


def _shown_components(
    incident: Incident, viewer: Viewer | None, statuses: Statuses | None
) -> list[dict[str, Any]]:
    shown = [c for c in incident.components if _shows(viewer, c)]
    ranks = positions_among(shown, lambda c: c.group_id)
    return [component_json(c, viewer, statuses) | {"position": ranks[c.id]} for c in shown]


def update_json(
    update: IncidentUpdate, viewer: Viewer | None = None, lang: str | None = None
) -> dict[str, Any]:
    affected = [
        {
            "code": a.component_id,
            "name": a.component.name,
            "old_status": a.old_status.value,
            "new_status": a.new_status.value,
        }
        for a in update.affected_components
        if _shows(viewer, a.component)
    ]
    return {
        "id": update.id,
        "status": update.status.value,
        "body": localized(update, lang).body if lang else update.body,
        "incident_id": update.incident_id,
        "created_at": iso(update.created_at),
        "updated_at": iso(update.updated_at),
        "display_at": iso(update.display_at),
        "affected_components": affected or None,
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": update.custom_tweet,
        "tweet_id": update.tweet_id,
    }


def incident_json(
    incident: Incident,
    base_url: str,
    viewer: Viewer | None = None,
    statuses: Statuses | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    shaped = {
        "id": incident.id,
        "name": incident_title(incident, lang) if lang else incident.name,
        "status": incident.status.value,
        "created_at": iso(incident.created_at),
        "updated_at": iso(incident.updated_at),
        "monitoring_at": iso(incident.monitoring_at),
        "resolved_at": iso(incident.resolved_at),
        "impact": incident.impact.value,
        "shortlink": f"{base_url}/incidents/{incident.id}",
        "started_at": iso(incident.started_at),
        "page_id": incident.page_id,
        "incident_updates": [update_json(u, viewer, lang) for u in incident.updates],
        "components": _shown_components(incident, viewer, statuses),
    }
    if incident.is_maintenance:
        shaped["scheduled_for"] = iso(incident.scheduled_for)
        shaped["scheduled_until"] = iso(incident.scheduled_until)
    _mark_private(shaped, incident, viewer)
    return shaped


def statuspage_incident_json(incident: Incident, base_url: str) -> dict[str, Any]:
    """The whole incident object, as Statuspage's management API and its webhooks carry it:
    the public fields and the backfill, postmortem and scheduling ones, each with its type
    (null where Herald has no value), so an integration written for Statuspage reads it."""
    postmortem = incident.postmortem_published_at
    return incident_json(incident, base_url) | {
        "backfilled": incident.backfilled,
        # Herald keeps one impact, set by staff or derived; reading back what was set is
        # what a client that sent `impact_override` expects.
        "impact_override": incident.impact.value,
        "postmortem_body": incident.postmortem_body,
        "postmortem_body_last_updated_at": iso(postmortem),
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": False,  # a postmortem is published, not sent
        "postmortem_notified_twitter": False,
        "postmortem_published_at": iso(postmortem),
        "scheduled_for": iso(incident.scheduled_for),
        "scheduled_until": iso(incident.scheduled_until),
        "scheduled_remind_prior": incident.remind_prior,
        "scheduled_reminded_at": iso(incident.reminder_recorded_at),
        "scheduled_auto_in_progress": incident.auto_start,
        "scheduled_auto_completed": incident.auto_complete,
        "scheduled_auto_transition": incident.auto_start or incident.auto_complete,
    }
