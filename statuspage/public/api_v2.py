"""Statuspage public API v2: the same paths, fields and enums, served from snapshots."""

from __future__ import annotations

import json
from typing import Any

from statuspage.public import serializers as s
from statuspage.public.caching import snapshotted
from statuspage.public.context import base_url, current_page, public_viewer
from statuspage.public.cors import CORS
from statuspage.services import incidents as incident_reads
from statuspage.services.components import list_components, list_groups
from statuspage.services.status import current_status, overall_status

JSON = "application/json"


def _document(**parts: Any) -> tuple[str, str]:
    body = {"page": s.page_json(current_page(), base_url()), **parts}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False), JSON


def _incidents(items: list) -> list[dict]:
    url = base_url()
    return [s.incident_json(i, url) for i in items]


@snapshotted(headers=CORS)
def summary() -> tuple[str, str]:
    viewer = public_viewer()
    components, unresolved = list_components(), incident_reads.unresolved_incidents(viewer)
    active = incident_reads.active_maintenances(viewer)
    upcoming = incident_reads.upcoming_maintenances(viewer)
    return _document(
        components=s.components_json(components, list_groups()),
        incidents=_incidents(unresolved),
        scheduled_maintenances=_incidents(active + upcoming),
        status=s.status_json(overall_status(components, unresolved, active)),
    )


@snapshotted(headers=CORS)
def status() -> tuple[str, str]:
    return _document(status=s.status_json(current_status(public_viewer())))


@snapshotted(headers=CORS)
def components() -> tuple[str, str]:
    return _document(components=s.components_json(list_components(), list_groups()))


@snapshotted(headers=CORS)
def incidents() -> tuple[str, str]:
    return _document(incidents=_incidents(incident_reads.recent_incidents(public_viewer())))


@snapshotted(headers=CORS)
def unresolved() -> tuple[str, str]:
    return _document(incidents=_incidents(incident_reads.unresolved_incidents(public_viewer())))


@snapshotted(headers=CORS)
def maintenances() -> tuple[str, str]:
    found = incident_reads.all_maintenances(public_viewer())
    return _document(scheduled_maintenances=_incidents(found))


@snapshotted(headers=CORS)
def upcoming_maintenances() -> tuple[str, str]:
    found = incident_reads.upcoming_maintenances(public_viewer())
    return _document(scheduled_maintenances=_incidents(found))


@snapshotted(headers=CORS)
def active_maintenances() -> tuple[str, str]:
    found = incident_reads.active_maintenances(public_viewer())
    return _document(scheduled_maintenances=_incidents(found))
