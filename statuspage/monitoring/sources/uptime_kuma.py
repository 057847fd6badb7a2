"""Uptime Kuma's webhook notification (`application/json` body).

Uptime Kuma's webhook provider (server/notification-providers/webhook.js,
https://github.com/louislam/uptime-kuma/wiki/Notification-Methods) posts
`{"heartbeat": {...}, "monitor": {...}, "msg": "..."}`: the beat that changed the monitor's
state (status 0 down, 1 up, 2 pending, 3 maintenance; `msg`, `time` in UTC) and the
monitor (`id`, `name`, `url`, `hostname`, `type`). Its "Test" button sends `heartbeat` and
`monitor` as null: nothing to take. Kuma has no labels, so the monitor's fields become them
(`monitor`, `monitor_id`, `url`, `hostname`, `type`) for rules to match.
"""

from __future__ import annotations

from typing import Any

from statuspage.core.errors import InvalidInput
from statuspage.models import AlertState
from statuspage.monitoring.sources.reading import (
    MAX_LABEL_VALUE,
    MAX_SUMMARY,
    ReportedAlert,
    as_object,
    short_text,
    timestamp,
)

DOWN, UP, PENDING, MAINTENANCE = 0, 1, 2, 3
# Pending is Kuma retrying before it calls a monitor down: not news yet. Maintenance is
# Kuma's own pause; the status page's maintenance is planned in Herald.
STATES = {DOWN: AlertState.firing, UP: AlertState.resolved, MAINTENANCE: AlertState.resolved}


def read(body: Any) -> list[ReportedAlert]:
    body = as_object(body, "the body")
    if not {"heartbeat", "monitor", "msg"} & body.keys():
        raise InvalidInput('not an Uptime Kuma body: it needs "heartbeat", "monitor" and "msg"')
    heartbeat, monitor = body.get("heartbeat"), body.get("monitor")
    if heartbeat is None or monitor is None:
        return []  # the notification's test message
    heartbeat = as_object(heartbeat, "heartbeat")
    monitor = as_object(monitor, "monitor")
    status = heartbeat.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or status not in (0, 1, 2, 3):
        raise InvalidInput("heartbeat.status must be 0 (down), 1 (up), 2 or 3")
    if status == PENDING:
        return []
    monitor_id = monitor.get("id", heartbeat.get("monitorID"))
    if isinstance(monitor_id, bool) or not isinstance(monitor_id, int | str):
        raise InvalidInput("monitor.id must be a number")
    labels = {"monitor_id": short_text(str(monitor_id), "monitor.id", 40, required=True)}
    for label, key in (("monitor", "name"), ("url", "url"), ("hostname", "hostname"),
                       ("type", "type")):  # fmt: skip
        value = short_text(monitor.get(key), f"monitor.{key}", MAX_LABEL_VALUE)
        if value:
            labels[label] = value
    message = short_text(heartbeat.get("msg"), "heartbeat.msg", MAX_LABEL_VALUE)
    summary = short_text(body.get("msg"), "msg", MAX_LABEL_VALUE) or message
    state = STATES[status]
    at = timestamp(_iso(heartbeat.get("time")), "heartbeat.time")
    return [
        ReportedAlert(
            fingerprint=f"monitor:{labels['monitor_id']}",
            state=state,
            labels=labels,
            annotations={"message": message} if message else {},
            summary=" ".join(summary.split())[:MAX_SUMMARY],
            starts_at=at if state is AlertState.firing else None,
            ends_at=at if state is AlertState.resolved else None,
        )
    ]


def _iso(value: Any) -> Any:
    """Kuma writes "2024-09-24 23:51:35.527" (UTC, a space for the T)."""
    return value.replace(" ", "T", 1) if isinstance(value, str) else value
