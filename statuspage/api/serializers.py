"""Statuspage management API v1 shapes: the public v2 objects plus the fields staff manage.

Components are the v2 objects unchanged; the v1 incident adds the maintenance automation
and postmortem fields, and its updates Herald's `translations`; groups and templates have v1
shapes of their own. Field names and enums are Statuspage's, so its clients read Herald unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from statuspage.audience.page_access import AccessGroup, AccessUser
from statuspage.models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    Metric,
    MetricsProvider,
    Page,
)
from statuspage.public.serializers import component_json, iso, statuspage_incident_json

__all__ = [
    "access_group_json",
    "access_user_json",
    "component_json",
    "group_json",
    "incident_json_v1",
    "metric_json",
    "metrics_provider_json",
    "page_json_v1",
    "template_json",
]


def page_json_v1(page: Page, base_url: str) -> dict[str, Any]:
    return {
        "id": page.id,
        "name": page.name,
        "page_description": page.description,
        "url": base_url,
        "time_zone": page.time_zone,
        "created_at": iso(page.created_at),
        "updated_at": iso(page.updated_at),
    }


def group_json(group: ComponentGroup) -> dict[str, Any]:
    """v1 lists a group by itself, its members as ids (v2 folds groups into components)."""
    return {
        "id": group.id,
        "page_id": group.page_id,
        "name": group.name,
        "description": group.description,
        "components": [c.id for c in group.components],
        "position": group.position,
        "created_at": iso(group.created_at),
        "updated_at": iso(group.updated_at),
    }


def incident_json_v1(incident: Incident, base_url: str) -> dict[str, Any]:
    """Statuspage's incident, each update with its translations (Herald's extension, in the
    shape a client sends them: language to name and body; name null keeps the last one)."""
    shaped = statuspage_incident_json(incident, base_url)
    for update, shaped_update in zip(incident.updates, shaped["incident_updates"], strict=True):
        shaped_update["translations"] = {
            t.language: {"name": t.title, "body": t.body} for t in update.translations
        }
    return shaped


def template_json(
    template: IncidentTemplate, components: Mapping[str, Component]
) -> dict[str, Any]:
    """A template with its components in full; ids of components deleted since are skipped."""
    return {
        "id": template.id,
        "name": template.name,
        "title": template.title,
        "body": template.body,
        "group_id": template.group_id,
        "update_status": template.update_status.value,
        "should_tweet": template.should_tweet,
        "should_send_notifications": template.should_send_notifications,
        "components": [
            component_json(components[cid])
            for cid in template.component_ids or []
            if cid in components
        ],
    }


def access_group_json(group: AccessGroup, page_id: str) -> dict[str, Any]:
    """A page access group: a segment, its own organization's members, its private components.

    Metrics are public, never granted to a group: they read empty. A group never changed
    through the API reads its creation time as its last change.
    """
    segment = group.segment
    return {
        "id": str(segment.id),
        "page_id": page_id,
        "name": segment.name,
        "external_identifier": group.external_identifier,
        "page_access_user_ids": group.user_ids,
        "component_ids": group.component_ids,
        "metric_ids": [],
        "created_at": iso(segment.created_at),
        "updated_at": iso(group.updated_at or segment.created_at),
    }


def access_user_json(user: AccessUser, page_id: str) -> dict[str, Any]:
    """A page access user: an address and the groups whose own organizations name it.

    `page_access_group_id` is Statuspage's single group: the user's one group, or null when
    it has several (each is in `page_access_group_ids`).
    """
    group_ids = [str(gid) for gid in user.group_ids]
    return {
        "id": user.id,
        "page_id": page_id,
        "email": user.email,
        "external_login": user.external_login,
        "page_access_group_id": group_ids[0] if len(group_ids) == 1 else None,
        "page_access_group_ids": group_ids,
        "created_at": iso(user.created_at),
        "updated_at": iso(user.updated_at),
    }


def metrics_provider_json(provider: MetricsProvider) -> dict[str, Any]:
    """Statuspage's metrics provider; Herald keeps no vendor credentials, so none are shown."""
    return {
        "id": provider.id,
        "page_id": provider.page_id,
        "type": provider.type,
        "disabled": provider.disabled,
        "metric_base_uri": provider.metric_base_uri,
        "last_revalidated_at": iso(provider.last_revalidated_at),
        "created_at": iso(provider.created_at),
        "updated_at": iso(provider.updated_at),
    }


def metric_json(metric: Metric) -> dict[str, Any]:
    """Statuspage's metric, plus Herald's `last_problem` (why the last pull gave no point).

    `reference_name` is the metric's name; `backfill_percentage` is always 100: Statuspage
    fills a new metric from its vendor in the background, Herald has nothing to fill."""
    return {
        "id": metric.id,
        "metrics_provider_id": metric.metrics_provider_id,
        "metric_identifier": metric.metric_identifier,
        "name": metric.name,
        "display": metric.display,
        "tooltip_description": metric.tooltip_description,
        "backfilled": metric.backfilled,
        "y_axis_min": metric.y_axis_min,
        "y_axis_max": metric.y_axis_max,
        "y_axis_hidden": metric.y_axis_hidden,
        "suffix": metric.suffix,
        "decimal_places": metric.decimal_places,
        "most_recent_data_at": iso(metric.most_recent_data_at),
        "created_at": iso(metric.created_at),
        "updated_at": iso(metric.updated_at),
        "last_fetched_at": iso(metric.last_fetched_at),
        "backfill_percentage": 100,
        "reference_name": metric.name,
        "position": metric.position,
        "last_problem": metric.last_problem,
    }
