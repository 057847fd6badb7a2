"""When an open incident's cadence steps fall: the due time, the reminder ahead of it, the
escalation after it, and the job that takes each step at its second.

Kept apart from incidents.cadence (which posts updates through publishing) so recording can
queue the next step whenever an update is written without importing publishing back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from statuspage.delivery.outbox import CADENCE_STEP, after_commit_at
from statuspage.models import Incident, IncidentKind, Page
from statuspage.models.enums import CLOSED_STATUSES
from statuspage.page.state import get_page

DEFAULT_MINUTES = 30
DEFAULT_LEAD_MINUTES, MAX_LEAD_MINUTES = 5, 120
DEFAULT_GRACE_MINUTES, MAX_GRACE_MINUTES = 0, 120


def applies(incident: Incident) -> bool:
    """Whether `incident` runs on a cadence: an incident (not maintenance) still open."""
    return incident.kind is IncidentKind.incident and incident.status not in CLOSED_STATUSES


def page_minutes(page: Page | None) -> int:
    return page.update_cadence_minutes if page is not None else DEFAULT_MINUTES


def minutes_for(incident: Incident, page: Page | None = None) -> int:
    """The incident's own cadence, else the page's default."""
    if incident.update_cadence_minutes is not None:
        return incident.update_cadence_minutes
    return page_minutes(page if page is not None else get_page())


def reminder_lead(incident: Incident, page: Page | None) -> timedelta:
    """The incident's own lead (a playbook's), else the page's."""
    minutes = incident.cadence_reminder_lead_minutes
    if minutes is None:
        minutes = page.cadence_reminder_lead_minutes if page is not None else DEFAULT_LEAD_MINUTES
    return timedelta(minutes=minutes)


def escalation_grace(page: Page | None) -> timedelta:
    minutes = page.cadence_escalation_grace_minutes if page is not None else DEFAULT_GRACE_MINUTES
    return timedelta(minutes=minutes)


def remind_at(incident: Incident, due: datetime, last_at: datetime, page: Page | None) -> datetime:
    """The lead before the due time, but not before halfway from the update it follows: an
    incident's own short cadence (5 minutes, with a 5 minutes' lead) is not reminded the
    moment each update is posted."""
    return max(due - reminder_lead(incident, page), last_at + (due - last_at) / 2)


def escalate_at(due: datetime, page: Page | None) -> datetime:
    """The due time plus the page's grace: an update still missing then is escalated."""
    return due + escalation_grace(page)


def queue_step(incident: Incident, at: datetime) -> None:
    """Have the queue take the incident's next cadence step at `at`, to the second, after
    commit; the minute's sweep takes it too, should the job be lost."""
    if applies(incident):
        after_commit_at(CADENCE_STEP, at, incident.id)


def queue_reminder(incident: Incident, last_at: datetime, page: Page | None = None) -> None:
    """After an update written at `last_at`: the reminder ahead of the due time it makes."""
    if not applies(incident):
        return
    page = page if page is not None else get_page()
    due = last_at + timedelta(minutes=minutes_for(incident, page))
    queue_step(incident, remind_at(incident, due, last_at, page))
