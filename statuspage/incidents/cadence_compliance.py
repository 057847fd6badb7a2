"""Whether an incident kept its update cadence: each due time, when the update came, how
late, and when comms were reminded and escalated (the report's cadence section, the drill's
`cadence_kept` promise).

Read from the record alone: the updates in the order they were posted, the cadence in force
(the incident's own changes are audited as `incident.cadence`; before any, the page's
default), and the reminder and escalation audit entries. Each update that leaves the incident
open makes one due time; the next update posted, whatever it says (resolving included), is
the one that answered it. A due time not yet come with no update after it is not owed yet
and is left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.core.errors import NotFound
from statuspage.extensions import db
from statuspage.incidents.cadence_times import page_minutes
from statuspage.models import AuditEvent, Incident, IncidentKind, IncidentUpdate
from statuspage.models.enums import CLOSED_STATUSES
from statuspage.page.state import get_page

STEP_ACTIONS = ("incident.cadence_reminder", "incident.cadence_escalated")


@dataclass(frozen=True)
class DueRow:
    """One due time of an incident's cadence and how it was kept."""

    after_update_id: str  # the update the cadence counted from
    due_at: datetime
    posted_at: datetime | None  # the next update; None while it is still missing
    overdue_minutes: int  # whole minutes late, rounded up (0: on time)
    reminded_at: datetime | None
    escalated_at: datetime | None

    @property
    def on_time(self) -> bool:
        return self.overdue_minutes == 0

    def as_json(self) -> dict[str, Any]:
        def iso(at: datetime | None) -> str | None:
            return at.isoformat() if at else None

        return {
            "after_update_id": self.after_update_id,
            "due_at": iso(self.due_at),
            "posted_at": iso(self.posted_at),
            "overdue_minutes": self.overdue_minutes,
            "on_time": self.on_time,
            "reminded_at": iso(self.reminded_at),
            "escalated_at": iso(self.escalated_at),
        }


@dataclass(frozen=True)
class Compliance:
    """An incident's due rows and their summary."""

    rows: tuple[DueRow, ...]

    @property
    def due(self) -> int:
        return len(self.rows)

    @property
    def on_time(self) -> int:
        return sum(1 for r in self.rows if r.on_time)

    @property
    def worst_minutes(self) -> int:
        return max((r.overdue_minutes for r in self.rows), default=0)

    @property
    def kept(self) -> bool:
        return self.on_time == self.due

    @property
    def summary(self) -> str:
        """ "3 of 4 updates on time; worst 7 min late" (English: the JSON's; the page says
        it in the reader's language from the numbers)."""
        if not self.rows:
            return "No update was due yet"
        text = f"{self.on_time} of {self.due} updates on time"
        return text if self.kept else f"{text}; worst {self.worst_minutes} min late"

    def as_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "due": self.due,
            "on_time": self.on_time,
            "worst_overdue_minutes": self.worst_minutes,
            "rows": [r.as_json() for r in self.rows],
        }


def _overdue_minutes(due: datetime, answered: datetime) -> int:
    late = (answered - due).total_seconds()
    return math.ceil(late / 60) if late > 0 else 0


def _minutes_in_force(changes: list[AuditEvent], at: datetime, default: int) -> int:
    """The incident's cadence at `at`: its last audited change by then, else what the first
    change found (the page's default when it had none of its own)."""
    minutes = None
    for event in changes:
        if event.at > at:
            if minutes is None:
                minutes = (event.before or {}).get("update_cadence_minutes")
            break
        minutes = (event.after or {}).get("effective_minutes")
    return int(minutes) if minutes else default


def _first_within(
    events: list[AuditEvent], start: datetime, end: datetime, *, answered: bool
) -> datetime | None:
    """The first entry of the interval: from the update on, to the one that answered it
    (not its second: what comes with it is the next interval's) or to now."""
    return next(
        (e.at for e in events if start <= e.at and (e.at < end if answered else e.at <= end)),
        None,
    )


def compliance(incident: Incident, now: datetime) -> Compliance:
    """The incident's due rows, oldest first, as of `now` (see the module's note)."""
    if incident.kind is not IncidentKind.incident:
        return Compliance(())
    updates = list(
        db.session.scalars(
            select(IncidentUpdate)
            .where(IncidentUpdate.incident_id == incident.id)
            .order_by(IncidentUpdate.created_at, IncidentUpdate.id)
        )
    )
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.incident_id == incident.id,
                AuditEvent.action.in_(("incident.cadence", *STEP_ACTIONS)),
            )
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
    changes = [e for e in events if e.action == "incident.cadence"]
    reminders = [e for e in events if e.action == STEP_ACTIONS[0]]
    escalations = [e for e in events if e.action == STEP_ACTIONS[1]]
    default = page_minutes(get_page())
    rows = []
    for index, update in enumerate(updates):
        if update.status in CLOSED_STATUSES:
            continue  # nothing is owed after a resolution (until it is reopened)
        answer = updates[index + 1] if index + 1 < len(updates) else None
        end = answer.created_at if answer is not None else now
        answered = answer is not None
        minutes = _minutes_in_force(changes, end, default)
        due = update.created_at + timedelta(minutes=minutes)
        if answer is None and now < due:
            continue  # not owed yet
        rows.append(
            DueRow(
                after_update_id=update.id,
                due_at=due,
                posted_at=answer.created_at if answer is not None else None,
                overdue_minutes=_overdue_minutes(due, end),
                reminded_at=_first_within(reminders, update.created_at, end, answered=answered),
                escalated_at=_first_within(escalations, update.created_at, end, answered=answered),
            )
        )
    return Compliance(tuple(rows))


def cadence_compliance(incident_id: str, *, now: datetime | None = None) -> list[DueRow]:
    """The due rows of one incident (the drill's `cadence_kept`: every row on time)."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id!r}")
    return list(compliance(incident, now or utcnow()).rows)
