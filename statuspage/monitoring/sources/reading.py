"""What every reader shares: the alert they produce and the checks on each field.

The limits keep one body's alerts small enough to store and show: a tool that sends more
is refused with words that say which limit, not truncated silently.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from statuspage.core.errors import InvalidInput
from statuspage.core.validation import storable
from statuspage.models import AlertState, ComponentStatus

MAX_ALERTS = 500  # per body
MAX_LABELS = 64  # per alert, labels and annotations each
MAX_LABEL_NAME = 100
MAX_LABEL_VALUE = 2_000
MAX_FINGERPRINT = 200
MAX_SUMMARY = 1_000
# Go's zero time: Alertmanager and Grafana send it as endsAt for an alert still firing.
_ZERO_TIME = re.compile(r"0001-01-01T00:00:00(\.0+)?(Z|[+-]00:00)?\Z")
_FRACTION = re.compile(r"(\.\d{6})\d+")


@dataclass(frozen=True)
class ReportedAlert:
    """One alert as a tool reported it. `component` and `status` are set only where the
    body names them outright (the generic JSON); other alerts reach a component by rule."""

    fingerprint: str
    state: AlertState
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    component: str | None = None
    status: ComponentStatus | None = None


def as_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be a JSON object")
    return value


def alert_list(body: Any, what: str = "alerts") -> list[Any]:
    """The body's `alerts` array, bounded."""
    alerts = as_object(body, "the body").get("alerts")
    if not isinstance(alerts, list):
        raise InvalidInput(f"the body needs {what!r}: an array of alerts")
    if len(alerts) > MAX_ALERTS:
        raise InvalidInput(f"at most {MAX_ALERTS} alerts per request")
    return alerts


def short_text(value: Any, what: str, max_length: int, *, required: bool = False) -> str:
    """A string field: storable, one line, at most `max_length` characters."""
    if value is None:
        if required:
            raise InvalidInput(f"{what} is required")
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a string")
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{what} is required")
    if len(value) > max_length:
        raise InvalidInput(f"{what} is at most {max_length} characters")
    return storable(value, what)


def string_map(value: Any, what: str) -> dict[str, str]:
    """Labels or annotations: a JSON object of strings (numbers and booleans read as text)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be a JSON object of strings")
    if len(value) > MAX_LABELS:
        raise InvalidInput(f"{what} has at most {MAX_LABELS} entries")
    found: dict[str, str] = {}
    for name, raw in value.items():
        name = short_text(name, f"a name in {what}", MAX_LABEL_NAME, required=True)
        if isinstance(raw, bool):
            raw = "true" if raw else "false"
        elif isinstance(raw, int | float):
            raw = str(raw)
        found[name] = short_text(raw, f"{what}[{name[:40]!r}]", MAX_LABEL_VALUE)
    return found


def timestamp(value: Any, what: str) -> datetime | None:
    """An RFC 3339 time (nanoseconds allowed, as Go writes them); Go's zero time is None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput(f"{what} must be an RFC 3339 time")
    if _ZERO_TIME.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value.replace("Z", "+00:00")))
    except ValueError:
        raise InvalidInput(f"{what} is not an RFC 3339 time: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not 1970 <= parsed.year < 9999:
        raise InvalidInput(f"{what} is out of range")
    return parsed.astimezone(UTC)


def state_of(value: Any, what: str = "status") -> AlertState:
    if value not in ("firing", "resolved"):
        raise InvalidInput(f"{what} must be 'firing' or 'resolved'")
    return AlertState(value)


def fingerprint_of(value: Any, labels: Mapping[str, str]) -> str:
    """The tool's fingerprint, or one made from the labels (sorted, so stable)."""
    if value not in (None, ""):
        return short_text(value, "fingerprint", MAX_FINGERPRINT, required=True)
    encoded = json.dumps(sorted(labels.items()), ensure_ascii=False).encode()
    return "labels:" + hashlib.sha256(encoded).hexdigest()[:32]


def summary_of(annotations: Mapping[str, str], labels: Mapping[str, str]) -> str:
    """What a person reads first: the summary annotation, else the alert's name."""
    for text in (
        annotations.get("summary"),
        annotations.get("description"),
        labels.get("alertname"),
    ):
        if text:
            return " ".join(text.split())[:MAX_SUMMARY]
    return ""
