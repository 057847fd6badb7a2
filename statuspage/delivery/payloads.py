"""Statuspage's webhook bodies for one notice: the "incident" event and its "component_update"s.

The shapes are Statuspage's (`meta`, `page`, then `incident` or `component_update` +
`component`), built from the public API v2 serializers so an integration reads the same
fields in a webhook as in incidents.json. They are built once per notice and batch
(delivery.messages.render_messages); per recipient only `meta.unsubscribe` changes, and which
component updates are included: those of the components the recipient follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from statuspage.audience.visibility import PUBLIC
from statuspage.components.catalog import list_components
from statuspage.components.status import overall_status
from statuspage.extensions import db
from statuspage.incidents import queries
from statuspage.models import Incident, IncidentUpdate, Page, Subscriber
from statuspage.models.subscribers import subscription_component
from statuspage.public.serializers import component_json, iso, statuspage_incident_json
from statuspage.subscribers.endpoints import DOCUMENTATION


@dataclass(frozen=True)
class NoticeBodies:
    """The bodies of one notice, with `meta.unsubscribe` left for each recipient."""

    incident: Mapping[str, Any]
    component_updates: tuple[tuple[str, Mapping[str, Any]], ...]  # (component id, body)

    def for_recipient(
        self,
        unsubscribe_url: str,
        follows: frozenset[str] | None,
        acknowledge_url: str | None = None,
    ) -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
        """(incident body, component update bodies) for one recipient; `follows` is None for
        someone who follows every component. A notice that asks for acknowledgement adds
        `meta.acknowledge`, the recipient's link (Herald's own, beside Statuspage's fields)."""
        meta = {**self.incident["meta"], "unsubscribe": unsubscribe_url}
        if acknowledge_url:
            meta["acknowledge"] = acknowledge_url
        incident = {**self.incident, "meta": meta}
        updates = tuple(
            {**body, "meta": meta}
            for component_id, body in self.component_updates
            if follows is None or component_id in follows
        )
        return incident, updates


def notice_bodies(
    incident: Incident, update: IncidentUpdate, page: Page, base_url: str, now: datetime
) -> NoticeBodies:
    """The incident as it stands now, and one component update per component whose status
    this update changed (the component as it was made by this update: its new status).

    The page's indicator is the public page's: a private notice's recipients see the same
    indicator as the page (audience never lets private incidents move it).
    """
    status = overall_status(
        list_components(PUBLIC),
        queries.unresolved_incidents(PUBLIC),
        queries.active_maintenances(PUBLIC),
    )
    meta = {"unsubscribe": "", "documentation": DOCUMENTATION, "generated_at": iso(now)}
    page_part = {
        "id": page.id,
        "status_indicator": status.indicator,
        "status_description": status.description,
    }
    component_updates = tuple(
        (
            affected.component_id,
            {
                "meta": meta,
                "page": page_part,
                "component_update": {
                    "created_at": iso(update.created_at),
                    "new_status": affected.new_status.value,
                    "old_status": affected.old_status.value,
                    "id": f"{update.id}-{affected.component_id}",
                    "component_id": affected.component_id,
                },
                "component": component_json(affected.component)
                | {"status": affected.new_status.value},
            },
        )
        for affected in update.affected_components
        if affected.old_status is not affected.new_status
    )
    return NoticeBodies(
        incident={
            "meta": meta,
            "page": page_part,
            "incident": statuspage_incident_json(incident, base_url),
        },
        component_updates=component_updates,
    )


def followed_components(subscriber_ids: Iterable[int]) -> dict[int, frozenset[str] | None]:
    """Per subscriber: the component ids they follow, or None for every component."""
    ids = set(subscriber_ids)
    if not ids:
        return {}
    everything = dict(
        db.session.execute(
            select(Subscriber.id, Subscriber.all_components).where(Subscriber.id.in_(ids))
        ).all()
    )
    chosen: dict[int, set[str]] = {i: set() for i in ids}
    for subscriber_id, component_id in db.session.execute(
        select(subscription_component.c.subscriber_id, subscription_component.c.component_id).where(
            subscription_component.c.subscriber_id.in_(ids)
        )
    ):
        chosen[subscriber_id].add(component_id)
    return {i: None if everything.get(i, True) else frozenset(chosen[i]) for i in ids}
