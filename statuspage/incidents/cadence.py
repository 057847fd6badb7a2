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

DEFAULT_MINUTES = 30
MIN_MINUTES, MAX_MINUTES = 5, 24 * 60
PAGE_CADENCE_FIELDS = ("update_cadence_minutes", "public_next_update")
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


def applies(incident: Incident) -> bool:
    """Whether `incident` runs on a cadence: an incident (not maintenance) still open."""
    return incident.kind is IncidentKind.incident and incident.status not in CLOSED_STATUSES


def _page_minutes(page: Page | None) -> int:
    return page.update_cadence_minutes if page is not None else DEFAULT_MINUTES


def minutes_for(incident: Incident, page: Page | None = None) -> int:
    """The incident's own cadence, else the page's default."""
    if incident.update_cadence_minutes is not None:
        return incident.update_cadence_minutes
    return _page_minutes(page if page is not None else get_page())


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


def open_cadences() -> list[Cadence]:
    """Every open incident's schedule, soonest due first, in two queries (no updates loaded)."""
    latest = (
        select(IncidentUpdate.incident_id, func.max(IncidentUpdate.created_at).label("last_at"))
        .group_by(IncidentUpdate.incident_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Incident, latest.c.last_at)
        .join(latest, latest.c.incident_id == Incident.id)
        .where(Incident.kind == IncidentKind.incident, Incident.status.not_in(CLOSED_STATUSES))
    ).all()
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
    return incident


def update_page_cadence(*, minutes: int, public_next_update: bool, actor: Actor = SYSTEM) -> Page:
    """The page's default cadence and whether public pages show "next update by"; audited."""
    page = ensure_page()
    with record_change(actor, "settings.cadence", page, PAGE_CADENCE_FIELDS, target_type="page"):
        page.update_cadence_minutes = _check_minutes(minutes)
        page.public_next_update = bool(public_next_update)
        db.session.flush()
        bump_version()
    return page


def remind_due(now: datetime) -> list[int]:
    """Mark every due, not yet reminded update of an open incident, and email comms after commit.

    Each due time is reminded once: a conditional UPDATE claims it, so two sweeps racing on
    PostgreSQL (or a sweep run twice) remind once. A new update or cadence makes a new due
    time, reminded in its turn. Returns the audit entry ids of the reminders recorded.
    """
    reminded = []
    for cadence in overdue_incidents(now):
        due = cadence.next_update_by
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
            after={"due_at": due, "cadence_minutes": cadence.minutes},
            at=now,
        )
        after_commit(SEND_CADENCE_REMINDER, event.id)
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
