"""Herald's own small JSON, for anything that can post one:

    {"component": "API", "status": "major_outage", "summary": "API down", "id": "api-5xx",
     "resolved": false}

`component` is a component's id or exact name and maps directly, without a rule; `status`
is a Statuspage component status (required unless resolved); `id` tells one alert from
another (default: the component); `resolved: true` ends it. A list of these under
`"alerts"` reports several at once.
"""

from __future__ import annotations

from typing import Any

from statuspage.core.errors import InvalidInput
from statuspage.core.validation import choice
from statuspage.models import AlertState, ComponentStatus
from statuspage.monitoring.sources.reading import (
    MAX_FINGERPRINT,
    MAX_SUMMARY,
    ReportedAlert,
    alert_list,
    as_object,
    short_text,
)

FIELDS = frozenset({"component", "status", "summary", "id", "resolved"})


def read(body: Any) -> list[ReportedAlert]:
    body = as_object(body, "the body")
    if "alerts" in body:
        return [one(alert, f"alerts[{n}]") for n, alert in enumerate(alert_list(body))]
    return [one(body, "the body")]


def one(raw: Any, where: str) -> ReportedAlert:
    alert = as_object(raw, where)
    unknown = sorted(set(alert) - FIELDS)
    if unknown:
        raise InvalidInput(
            f"{where} has unknown fields ({', '.join(repr(k[:40]) for k in unknown[:5])}); "
            f"it takes {', '.join(sorted(FIELDS))}"
        )
    component = short_text(alert.get("component"), f"{where}.component", 200, required=True)
    resolved = alert.get("resolved", False)
    if not isinstance(resolved, bool):
        raise InvalidInput(f"{where}.resolved must be true or false")
    status = alert.get("status")
    if status is None and not resolved:
        raise InvalidInput(f"{where}.status is required unless resolved is true")
    if status is not None and not isinstance(status, str):
        raise InvalidInput(f"{where}.status must be a component status (a string)")
    parsed = None if status is None else choice(ComponentStatus, status, f"{where}.status")
    if parsed is ComponentStatus.operational:
        resolved = True  # "operational" is the end of whatever was wrong
    fingerprint = short_text(alert.get("id"), f"{where}.id", MAX_FINGERPRINT) or component
    summary = short_text(alert.get("summary"), f"{where}.summary", MAX_SUMMARY)
    return ReportedAlert(
        fingerprint=fingerprint,
        state=AlertState.resolved if resolved else AlertState.firing,
        labels={"component": component},
        annotations={"summary": summary} if summary else {},
        summary=summary,
        component=component,
        status=parsed,
    )
