"""Statuspage public API v2: the same paths, fields and enums, served from snapshots.

Anonymous requests get the public snapshot (any origin may read it). A signed-in viewer, or
an organization's `Authorization: Bearer` token, gets an answer rendered for them alone
(public.viewing): public content plus their segments' private incidents and components.

`?lang=` (only the URL: a Statuspage client that names none reads what it always read) gives
incident names and update bodies in that language, each falling back to the default text.
"""

from __future__ import annotations

import json
from typing import Any

from statuspage.components.catalog import list_components, list_groups
from statuspage.components.status import component_statuses, current_status, overall_status
from statuspage.i18n.web import current_language, page_language
from statuspage.incidents import queries
from statuspage.public import serializers
from statuspage.public.context import base_url, current_page, public_viewer
from statuspage.public.cors import CORS
from statuspage.public.viewing import viewer_aware

JSON = "application/json"

v2 = viewer_aware(headers=CORS, token=True)


def _document(**parts: Any) -> tuple[str, str]:
    body = {"page": serializers.page_json(current_page(), base_url()), **parts}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False), JSON


def _translated_into() -> str | None:
    """The language `?lang=` asks for, unless it is the page's default (the stored text)."""
    lang = current_language()
    return None if lang == page_language() else lang


def _incidents(items: list) -> list[dict]:
    url, viewer, lang = base_url(), public_viewer(), _translated_into()
    return [serializers.incident_json(i, url, viewer, lang=lang) for i in items]


@v2
def summary() -> tuple[str, str]:
    viewer = public_viewer()
    components, unresolved = list_components(viewer), queries.unresolved_incidents(viewer)
    active = queries.active_maintenances(viewer)
    upcoming = queries.upcoming_maintenances(viewer)
    statuses = component_statuses(viewer, components)
    return _document(
        components=serializers.components_json(components, list_groups(), viewer, statuses),
        incidents=_incidents(unresolved),
        scheduled_maintenances=_incidents(active + upcoming),
        status=serializers.status_json(overall_status(components, unresolved, active, statuses)),
    )


@v2
def status() -> tuple[str, str]:
    return _document(status=serializers.status_json(current_status(public_viewer())))


@v2
def components() -> tuple[str, str]:
    viewer = public_viewer()
    found = list_components(viewer)
    statuses = component_statuses(viewer, found)
    return _document(components=serializers.components_json(found, list_groups(), viewer, statuses))


@v2
def incidents() -> tuple[str, str]:
    return _document(incidents=_incidents(queries.recent_incidents(public_viewer())))


@v2
def unresolved() -> tuple[str, str]:
    return _document(incidents=_incidents(queries.unresolved_incidents(public_viewer())))


@v2
def maintenances() -> tuple[str, str]:
    found = queries.all_maintenances(public_viewer())
    return _document(scheduled_maintenances=_incidents(found))


@v2
def upcoming_maintenances() -> tuple[str, str]:
    found = queries.upcoming_maintenances(public_viewer())
    return _document(scheduled_maintenances=_incidents(found))


@v2
def active_maintenances() -> tuple[str, str]:
    found = queries.active_maintenances(public_viewer())
    return _document(scheduled_maintenances=_incidents(found))
