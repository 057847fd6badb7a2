"""An incident's affected counts (customers, records): facts a regulator notice states and is
bound to, as it is to the trigger times (regulators.notices.notice_facts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from statuspage.audit import trail
from statuspage.audit.trail import Actor
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.models import Incident, StaffUser
from statuspage.staff.permissions import Action, Forbidden, allows

MAX_COUNT = 10**10
NOT_KNOWN = "not known yet"
COUNTS = ("affected_customers", "affected_records")
_LABELS = {"affected_customers": "affected customers", "affected_records": "affected records"}


def count_text(count: int | None) -> str:
    """A count as a notice states it: "1,200", or "not known yet"."""
    return NOT_KNOWN if count is None else f"{count:,}"


def counts_of(incident: Incident) -> dict[str, str]:
    """The incident's affected counts as a notice states them, by fact name."""
    return {
        "affected_customers": count_text(incident.affected_customers),
        "affected_records": count_text(incident.affected_records),
    }


def unstated(name: str) -> str:
    """What a notice whose kept facts lack `name` stated for it.

    A notice composed before counts were kept (or before a trigger was recorded) did not state
    them: for a count that reads "not known yet", for a trigger time "not recorded". So such a
    notice is not outdated while the count is still unknown, and is as soon as a count is
    recorded, since the notice does not state it and a regulator would not learn it."""
    return NOT_KNOWN if name in COUNTS else "not recorded"


def _valid(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{_LABELS[name]} must be a whole number, or empty if not known yet")
    if not 0 <= value <= MAX_COUNT:
        raise InvalidInput(f"{_LABELS[name]} must be between 0 and {MAX_COUNT:,}")
    return value


def record_affected(
    incident: Incident,
    *,
    customers: int | None,
    records: int | None,
    user: StaffUser | None,
    actor: Actor,
    now: datetime,
) -> None:
    """Record (or correct) how many customers and records the incident affects; None: not
    known yet. A notice composed with other counts is then outdated until refreshed."""
    if user is not None and not allows(user.role, Action.notify_regulators):
        raise Forbidden(f"the {user.role.value} role may not record an incident's facts")
    customers = _valid("affected_customers", customers)
    records = _valid("affected_records", records)
    before = {
        "affected_customers": incident.affected_customers,
        "affected_records": incident.affected_records,
    }
    after = {"affected_customers": customers, "affected_records": records}
    if before == after:
        return
    incident.affected_customers, incident.affected_records = customers, records
    db.session.flush()
    trail.record(
        actor,
        "regulators.affected_counts",
        target_type="incident",
        target_id=incident.id,
        incident_id=incident.id,
        before=before,
        after=after,
        at=now,
    )
