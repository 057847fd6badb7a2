"""Update cadence: when each open incident's next update is due, the reminders, and the
one-click "no new information" update.

An open incident (not maintenance, which runs to its announced window) owes its readers an
update every N minutes: the incident's own cadence, else the page's default. "Next update by"
is the latest update's posting time plus that cadence, derived from the data alone, so the
public snapshot and the static export stay right without being re-rendered as time passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from statuspage.audit.changes import record_change
from statuspage.audit.trail import SYSTEM, Actor, record
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput
from statuspage.delivery.outbox import SEND_CADENCE_REMINDER, after_commit
from statuspage.extensions import db
from statuspage.incidents import publishing
from statuspage.incidents.cadence_times import (
    DEFAULT_MINUTES as DEFAULT_MINUTES,  # re-exported: the cadence's callers read it here
)
from statuspage.incidents.cadence_times import (
    MAX_GRACE_MINUTES,
    MAX_LEAD_MINUTES,
    applies,
    escalate_at,
    minutes_for,
    queue_step,
    remind_at,
    reminder_lead,
)
from statuspage.incidents.commands import PostUpdate
from statuspage.incidents.templates import create_template
from statuspage.models import (
    Incident,
    IncidentKind,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    Visibility,
)
from statuspage.models.enums import CLOSED_STATUSES
from statuspage.page.state import bump_version, ensure_page, get_page

MIN_MINUTES, MAX_MINUTES = 5, 24 * 60
PAGE_CADENCE_FIELDS = (
    "update_cadence_minutes",
    "public_next_update",
    "cadence_reminder_lead_minutes",
    "cadence_escalation_grace_minutes",
)
NO_NEWS_TEMPLATE = "No new information"
# "{next_update}" becomes the next due time ("14:30 UTC") when the update is posted.
NO_NEWS_BODY = (
    "We are still working on this issue. There is no new information yet; "
    "we will post another update by {next_update}."
)
NEXT_UPDATE_PLACEHOLDER = "{next_update}"


@dataclass(frozen=True)
class Cadence:
    """An open incident's schedule: its cadence, its latest update, and the next one's due time."""

    incident: Incident
    minutes: int
    last_update_at: datetime
    next_update_by: datetime

    def overdue(self, now: datetime) -> bool:
        """Due and not yet posted: the due time has come (reminders go out from then)."""
        return now >= self.next_update_by

    def overdue_by(self, now: datetime) -> timedelta:
        return max(now - self.next_update_by, timedelta(0))


def _cadence(incident: Incident, last_at: datetime | None, page: Page | None) -> Cadence | None:
    if not applies(incident) or last_at is None:
        return None
    minutes = minutes_for(incident, page)
    return Cadence(incident, minutes, last_at, last_at + timedelta(minutes=minutes))


def cadence_of(incident: Incident, page: Page | None = None) -> Cadence | None:
    """The schedule of an open incident from its loaded updates; None when closed or not one.

    The latest update is the one posted last (created_at): a backdated display time does not
    make the next update due earlier than the cadence after it was actually posted.
    """
    last_at = max((u.created_at for u in incident.updates), default=None)
    return _cadence(incident, last_at, page if page is not None else get_page())


def cadences_of(incidents: Iterable[Incident]) -> dict[str, Cadence]:
    """Schedules of the open ones among `incidents`, by id (the admin's lists)."""
    page = get_page()
    found = (cadence_of(incident, page) for incident in incidents)
    return {c.incident.id: c for c in found if c is not None}


def open_cadences(incident_id: str | None = None) -> list[Cadence]:
    """Every open incident's schedule (or `incident_id`'s alone), soonest due first, in two
    queries (no updates loaded)."""
    latest = (
        select(IncidentUpdate.incident_id, func.max(IncidentUpdate.created_at).label("last_at"))
        .group_by(IncidentUpdate.incident_id)
        .subquery()
    )
    query = (
        select(Incident, latest.c.last_at)
        .join(latest, latest.c.incident_id == Incident.id)
        .where(Incident.kind == IncidentKind.incident, Incident.status.not_in(CLOSED_STATUSES))
    )
    if incident_id is not None:
        query = query.where(Incident.id == incident_id)
    rows = db.session.execute(query).all()
    page = get_page()
    found = (_cadence(incident, last_at, page) for incident, last_at in rows)
    return sorted((c for c in found if c is not None), key=lambda c: c.next_update_by)


def overdue_incidents(now: datetime) -> list[Cadence]:
    """Open incidents whose next update is due (now at or past it), most overdue first."""
    return [c for c in open_cadences() if c.overdue(now)]


def public_next_update(incident: Incident) -> datetime | None:
    """The time the public pages promise the next update by, when the page shows it.

    A function of the stored data only (never of the clock), so a snapshot rendered once per
    page version says the same thing all the time it is served.
    """
    page = get_page()
    if page is None or not page.public_next_update:
        return None
    cadence = cadence_of(incident, page)
    return cadence.next_update_by if cadence else None


def _check_minutes(minutes: int) -> int:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInput(
            f"an update cadence is between {MIN_MINUTES} and {MAX_MINUTES} minutes; got {minutes}"
        )
    return minutes


def set_incident_cadence(
    incident: Incident, minutes: int | None, *, actor: Actor = SYSTEM
) -> Incident:
    """Set an incident's cadence in minutes (None: follow the page's default); audited.

    The public "next update by" moves with it, so the public snapshot's version is bumped
    when the page shows it and the incident is public.
    """
    if incident.kind is not IncidentKind.incident:
        raise InvalidInput("maintenance has no update cadence")
    with record_change(
        actor,
        "incident.cadence",
        incident,
        ("update_cadence_minutes",),
        target_type="incident",
        incident_id=incident.id,
    ) as change:
        incident.update_cadence_minutes = None if minutes is None else _check_minutes(minutes)
        db.session.flush()
        page = ensure_page()
        if page.public_next_update and incident.visibility is Visibility.public:
            bump_version()
        change.extra["effective_minutes"] = minutes_for(incident, page)
    _queue_reminder_of(cadence_of(incident, page))
    return incident


def _queue_reminder_of(schedule: Cadence | None) -> None:
    """A due time just moved: its reminder at its second (at once when already past)."""
    if schedule is not None:
        page = get_page()
        queue_step(
            schedule.incident,
            remind_at(schedule.incident, schedule.next_update_by, schedule.last_update_at, page),
        )


def set_incident_reminder_lead(
    incident: Incident, minutes: int | None, *, actor: Actor = SYSTEM
) -> Incident:
    """Remind this incident's comms `minutes` ahead of each due time instead of the page's
    lead (None: the page's again); audited. Its next reminder is queued at its new time."""
    if incident.kind is not IncidentKind.incident:
        raise InvalidInput("maintenance has no update cadence")
    if minutes is not None:
        _check_lead(minutes, minutes_for(incident))
    with record_change(
        actor,
        "incident.cadence_reminder_lead",
        incident,
        ("cadence_reminder_lead_minutes",),
        target_type="incident",
        incident_id=incident.id,
    ):
        incident.cadence_reminder_lead_minutes = minutes
        db.session.flush()
    _queue_reminder_of(cadence_of(incident))
    return incident


def _check_lead(lead: int, minutes: int) -> int:
    if not 0 <= lead <= MAX_LEAD_MINUTES:
        raise InvalidInput(
            f"a reminder goes 0 to {MAX_LEAD_MINUTES} minutes before the update is due; got {lead}"
        )
    if lead >= minutes:
        raise InvalidInput(
            f"a reminder {lead} minutes ahead is as long as the cadence: "
            f"make it shorter than the cadence ({minutes} minutes)"
        )
    return lead


def _check_grace(grace: int) -> int:
    if not 0 <= grace <= MAX_GRACE_MINUTES:
        raise InvalidInput(
            f"escalate 0 to {MAX_GRACE_MINUTES} minutes after the update was due; got {grace}"
        )
    return grace


def update_page_cadence(
    *,
    minutes: int,
    public_next_update: bool,
    reminder_lead_minutes: int | None = None,
    escalation_grace_minutes: int | None = None,
    actor: Actor = SYSTEM,
) -> Page:
    """The page's default cadence, whether public pages show "next update by", how long before
    each due time comms are reminded and how long after it a missing update is escalated
    (None: unchanged); audited. Open incidents' next steps are queued again at their times."""
    page = ensure_page()
    # Checked before anything changes: a refused setting leaves the page as it was.
    minutes = _check_minutes(minutes)
    if reminder_lead_minutes is None:
        reminder_lead_minutes = page.cadence_reminder_lead_minutes
    lead = _check_lead(reminder_lead_minutes, minutes)
    if escalation_grace_minutes is None:
        escalation_grace_minutes = page.cadence_escalation_grace_minutes
    grace = _check_grace(escalation_grace_minutes)
    with record_change(actor, "settings.cadence", page, PAGE_CADENCE_FIELDS, target_type="page"):
        page.update_cadence_minutes = minutes
        page.public_next_update = bool(public_next_update)
        page.cadence_reminder_lead_minutes = lead
        page.cadence_escalation_grace_minutes = grace
        db.session.flush()
        bump_version()
    for schedule in open_cadences():
        _queue_reminder_of(schedule)
    return page


def remind_due(now: datetime, *, incident_id: str | None = None) -> list[int]:
    """Mark every open incident's update due within the page's reminder lead (5 minutes
    before it, by default) and not yet reminded, and email comms after commit; the
    escalation (incidents.cadence_escalation) is queued for its second.

    Each due time is reminded once: a conditional UPDATE claims it, so two sweeps racing on
    PostgreSQL (or a sweep and the job at the reminder's second) remind once. A new update or
    cadence makes a new due time, reminded in its turn. `incident_id`: that incident alone
    (the job). Returns the audit entry ids of the reminders recorded.
    """
    reminded = []
    page = get_page()
    for cadence in open_cadences(incident_id):
        due = cadence.next_update_by
        if now < remind_at(cadence.incident, due, cadence.last_update_at, page):
            continue
        claimed = db.session.execute(
            update(Incident)
            .where(
                Incident.id == cadence.incident.id,
                or_(Incident.cadence_reminded_for.is_(None), Incident.cadence_reminded_for != due),
            )
            .values(cadence_reminded_for=due),
            execution_options={"synchronize_session": False},
        )
        if claimed.rowcount != 1:
            continue
        event = record(
            SYSTEM,
            "incident.cadence_reminder",
            target_type="incident",
            target_id=cadence.incident.id,
            incident_id=cadence.incident.id,
            after={
                "due_at": due,
                "cadence_minutes": cadence.minutes,
                "lead_minutes": int(reminder_lead(cadence.incident, page).total_seconds() // 60),
            },
            at=now,
        )
        after_commit(SEND_CADENCE_REMINDER, event.id)
        queue_step(cadence.incident, escalate_at(due, page))  # ignored: escalated at its second
        reminded.append(event.id)
    db.session.flush()
    return reminded


def no_news_template() -> IncidentTemplate:
    """The "No new information" template, seeded (audited as the system) on first need.

    Staff edit its words in Templates like any other; `{next_update}` in them becomes the
    next due time. Renamed or deleted, it is seeded again with the default words.
    """
    found = db.session.scalars(
        select(IncidentTemplate)
        .where(IncidentTemplate.name == NO_NEWS_TEMPLATE)
        .order_by(IncidentTemplate.created_at)
        .limit(1)
    ).first()
    if found is not None:
        return found
    return create_template(
        name=NO_NEWS_TEMPLATE, title="No new information", body=NO_NEWS_BODY, actor=SYSTEM
    )


def format_due(at: datetime) -> str:
    return at.strftime("%H:%M UTC")


def post_no_news(
    incident: Incident, *, actor: Actor = SYSTEM, at: datetime | None = None
) -> IncidentUpdate:
    """Post the "no new information" update: the template's words, the incident's status
    unchanged, through publishing like any update (so it reaches every channel)."""
    if not applies(incident):
        raise InvalidInput("only an open incident takes a “no new information” update")
    at = at or utcnow()
    template = no_news_template()
    next_by = at + timedelta(minutes=minutes_for(incident))
    body = template.body.replace(NEXT_UPDATE_PLACEHOLDER, format_due(next_by))
    return publishing.post_update(
        incident,
        PostUpdate(
            body,
            status=incident.status,
            at=at,
            deliver_notifications=template.should_send_notifications,
        ),
        actor=actor,
    )
