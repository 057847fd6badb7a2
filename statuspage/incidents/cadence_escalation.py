"""Escalation of an ignored cadence reminder: an update still missing at its due time (plus
the page's grace) pages the crisis roster's comms members on their SMS and chat paths.

The email reminder (incidents.cadence) goes ahead of the due time; when the due time passes
with no update, the faster paths are tried, once per due time, through the crisis paging
(crisis.notices.notify: deliveries, retries and the audit of the page itself). Nothing is
escalated for a closed incident, nor for a due time an update has since replaced. Each
escalation is an `incident.cadence_escalated` audit entry naming the due time and the paths.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update

from statuspage.audit.trail import SYSTEM, record
from statuspage.crisis.notices import notify, write_crisis_message
from statuspage.crisis.roster import usable_paths
from statuspage.extensions import db
from statuspage.incidents.cadence import (
    Cadence,
    format_due,
    open_cadences,
    remind_due,
)
from statuspage.incidents.cadence_times import escalate_at, queue_step, remind_at
from statuspage.models import (
    Audience,
    Channel,
    ContactPoint,
    CrisisKind,
    CrisisRole,
    Incident,
    TeamMember,
)
from statuspage.page.state import get_page

# The roster's comms roles: any role whose name says so ("Comms lead", the default role).
COMMS_ROLE_WORD = "comms"
# The faster paths: the reminder already went by email.
ESCALATION_CHANNELS = frozenset({Channel.sms, Channel.slack, Channel.teams, Channel.discord})


def comms_members() -> list[TeamMember]:
    """Roster members holding a comms role, in roster order."""
    return list(
        db.session.scalars(
            select(TeamMember)
            .where(
                TeamMember.roles.any(
                    func.lower(CrisisRole.name).contains(COMMS_ROLE_WORD, autoescape=True)
                )
            )
            .order_by(TeamMember.id)
        )
    )


def _fast_paths(member: TeamMember, now: datetime) -> list[ContactPoint]:
    """The member's usable SMS and chat paths now (quiet hours as for any page)."""
    ids = usable_paths(member, now)
    if not ids:
        return []
    points = {
        p.id: p for p in db.session.scalars(select(ContactPoint).where(ContactPoint.id.in_(ids)))
    }
    return [points[i] for i in ids if points[i].channel in ESCALATION_CHANNELS]


def _body(schedule: Cadence) -> str:
    incident = schedule.incident
    return "\n".join(
        [
            f"**{incident.name}**: the update due by {format_due(schedule.next_update_by)} "
            "has not been posted, and the email reminder went unanswered.",
            "",
            "Post an update, or “no new information” in one click, from the incident page.",
        ]
    )


def _escalate(schedule: Cadence, now: datetime) -> int:
    incident, due = schedule.incident, schedule.next_update_by
    chosen: dict[int, list[int]] = {}
    paths: list[dict[str, object]] = []
    for member in comms_members():
        points = _fast_paths(member, now)
        if points:
            chosen[member.subscriber_id] = [p.id for p in points]
            paths += [
                {"member": member.name, "channel": p.channel.value, "contact_point_id": p.id}
                for p in points
            ]
    notice_id = None
    if chosen:
        message = write_crisis_message(
            incident,
            kind=CrisisKind.team_page,
            subject=f"Update overdue: {incident.name}",
            body=_body(schedule),
            short_text=f"Update overdue: {incident.name} (due {format_due(due)})",
            actor=SYSTEM,
        )
        notice = notify(
            message,
            audience=Audience.team,
            recipients=chosen,
            actor=SYSTEM,
            ack_window=None,
            all_paths=True,
            requires_ack=False,
        )
        notice_id = notice.id
    event = record(
        SYSTEM,
        "incident.cadence_escalated",
        target_type="incident",
        target_id=incident.id,
        incident_id=incident.id,
        after={
            "due_at": due,
            "cadence_minutes": schedule.minutes,
            "paths": paths,
            "notice_id": notice_id,
            # Said plainly: an escalation nobody could receive is still one on the record.
            "unreached": None if chosen else "no comms member has an SMS or chat path",
        },
        at=now,
    )
    return event.id


def escalate_due(now: datetime, *, incident_id: str | None = None) -> list[int]:
    """Escalate every open incident's update still missing at its due time plus the page's
    grace, once per due time (a conditional UPDATE claims it, as the reminder's does).
    `incident_id`: that incident alone (the job). Returns the audit entry ids recorded."""
    page = get_page()
    escalated = []
    for schedule in open_cadences(incident_id):
        due = schedule.next_update_by
        if now < escalate_at(due, page):
            continue
        claimed = db.session.execute(
            update(Incident)
            .where(
                Incident.id == schedule.incident.id,
                or_(
                    Incident.cadence_escalated_for.is_(None),
                    Incident.cadence_escalated_for != due,
                ),
            )
            .values(cadence_escalated_for=due),
            execution_options={"synchronize_session": False},
        )
        if claimed.rowcount == 1:
            escalated.append(_escalate(schedule, now))
    db.session.flush()
    return escalated


def _next_step_at(schedule: Cadence, now: datetime) -> datetime | None:
    """When the incident's next step still to take falls, if after `now`."""
    page, due = get_page(), schedule.next_update_by
    reminded, escalated = db.session.execute(
        select(Incident.cadence_reminded_for, Incident.cadence_escalated_for).where(
            Incident.id == schedule.incident.id
        )
    ).one()
    if reminded != due:
        at = remind_at(schedule.incident, due, schedule.last_update_at, page)
    elif escalated != due:
        at = escalate_at(due, page)
    else:
        return None
    return at if now < at else None


def step(incident_id: str, now: datetime) -> list[int]:
    """The job at a cadence step's second: remind what is due for a reminder, escalate what
    is due for an escalation; should the queue have run it early (another process's clock),
    ask again for the second the next step falls. Returns the audit entry ids recorded."""
    done = remind_due(now, incident_id=incident_id) + escalate_due(now, incident_id=incident_id)
    if done:
        return done  # a reminder queued the escalation's step itself
    for schedule in open_cadences(incident_id):
        if (at := _next_step_at(schedule, now)) is not None:
            queue_step(schedule.incident, at)
    return done
