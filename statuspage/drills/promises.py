"""The promises a drill checks, each from what the sandbox recorded (deliveries, audit events,
regulator notices and obligations, update times), never from what the scenario meant to do.

Each is `True` when it held, or `{"held": False, "why": "..."}`; `keep` makes one of them
from a list of the breaches found.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from statuspage.extensions import db
from statuspage.incidents.cadence_compliance import cadence_compliance
from statuspage.models import (
    AuditEvent,
    Delivery,
    Incident,
    Notice,
    Obligation,
    Regulator,
    RegulatorNotice,
    RegulatorNoticeState,
    StaffUser,
    TeamCallout,
    TeamCalloutMember,
    TeamMember,
)
from statuspage.models.regulators import INCIDENT_TRIGGERS
from statuspage.regulators import deadlines
from statuspage.regulators.facts import COUNTS, NOT_KNOWN, count_text, unstated
from statuspage.regulators.obligations import reportable_to as reportable_to_of

Promise = bool | dict[str, Any]
KEYS = (
    "team_paged_in_window",
    "no_page_after_stand_down",
    "second_person_approved",
    "no_outdated_facts_sent",
    "regulator_deadlines_met",
    "cadence_kept",
)
FACT_FORMAT = "%Y-%m-%d %H:%M UTC"  # as regulators.notices.template_fields writes a time


def keep(breaches: list[str]) -> Promise:
    return True if not breaches else {"held": False, "why": "; ".join(breaches)}


def _offset(at: datetime, start: datetime) -> str:
    minutes = int((at - start).total_seconds() // 60)
    return f"+{minutes // 60:02d}:{minutes % 60:02d}"


def _callouts(incident: Incident) -> list[TeamCallout]:
    return list(
        db.session.scalars(
            select(TeamCallout)
            .where(TeamCallout.incident_id == incident.id)
            .order_by(TeamCallout.created_at, TeamCallout.id)
        )
    )


def _pages(callout: TeamCallout) -> list[Delivery]:
    """Every delivery of the call-out's page, every round and path."""
    return list(
        db.session.scalars(
            select(Delivery)
            .join(Notice, Notice.id == Delivery.notice_id)
            .where(Notice.crisis_message_id == callout.crisis_message_id)
            .order_by(Delivery.id)
        )
    )


def team_paged_in_window(incident: Incident, within: timedelta) -> Promise:
    """Every member of the first call-out had a page sent to them (a provider took it) within
    `within` of the incident opening."""
    callouts = _callouts(incident)
    if not callouts:
        return keep(["the team was never paged"])
    first = callouts[0]
    deadline = incident.started_at + within
    pages = _pages(first)
    members = db.session.execute(
        select(TeamMember.name, TeamMember.subscriber_id)
        .join(TeamCalloutMember, TeamCalloutMember.member_id == TeamMember.id)
        .where(TeamCalloutMember.callout_id == first.id)
        .order_by(TeamMember.name)
    ).all()
    breaches = []
    for name, subscriber_id in members:
        theirs = [p for p in pages if p.subscriber_id == subscriber_id]
        sent = min((p.sent_at for p in theirs if p.sent_at), default=None)
        if sent is None:
            states = sorted(
                {f"{p.channel.value} {p.state.value}: {p.last_error or 'no error'}" for p in theirs}
            )
            breaches.append(f"{name} was never reached ({'; '.join(states) or 'no delivery'})")
        elif sent > deadline:
            breaches.append(
                f"{name} was first paged at {_offset(sent, incident.started_at)}, "
                f"past the {int(within.total_seconds() // 60)} minutes promised"
            )
    return keep(breaches)


def no_page_after_stand_down(incident: Incident) -> Promise:
    """No page (nor re-page, nor fallback) of a call-out was sent after it was stood down,
    and none after the incident was resolved."""
    breaches = []
    for callout in _callouts(incident):
        cutoffs = [t for t in (callout.stood_down_at, incident.resolved_at) if t is not None]
        if not cutoffs:
            continue
        cutoff = min(cutoffs)
        late = [p for p in _pages(callout) if p.sent_at is not None and p.sent_at > cutoff]
        if late:
            when = ", ".join(sorted({_offset(p.sent_at, incident.started_at) for p in late}))
            breaches.append(
                f"{len(late)} page(s) of call-out {callout.id} were sent after the stand-down "
                f"at {_offset(cutoff, incident.started_at)} (at {when})"
            )
    return keep(breaches)


def _who(event: AuditEvent) -> str:
    """The person behind a notice's audit event, by email: the approver the approval names,
    else the staff account of the actor label ("staff:3 ann@example.com"), else the label."""
    if event.action.endswith(".approve") and (event.after or {}).get("approved_by"):
        return str(event.after["approved_by"])
    if event.actor.startswith("staff:") and " " in event.actor:
        return event.actor.split(" ", 1)[1]
    return event.actor


def _name(email: str) -> str:
    user = db.session.scalars(select(StaffUser).where(StaffUser.email == email)).first()
    return (user.name or user.email) if user is not None else email


def _notice_events(notice: RegulatorNotice) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.target_type == "regulator_notice",
                AuditEvent.target_id == str(notice.id),
            )
            .order_by(AuditEvent.id)
        )
    )


def _notices(incident: Incident) -> list[RegulatorNotice]:
    return list(
        db.session.scalars(
            select(RegulatorNotice)
            .where(RegulatorNotice.incident_id == incident.id)
            .order_by(RegulatorNotice.id)
        )
    )


def second_person_approved(incident: Incident) -> Promise:
    """Every regulator notice was approved, before it was sent, by someone who had neither
    composed nor edited (nor refreshed) it since its last approval; a notice never approved
    by such a second person breaks the promise too (it cannot go out)."""
    breaches = []
    for notice in _notices(incident):
        label = f"notice {notice.id} ({notice.subject})"
        writers: set[str] = set()
        approved = ever_approved = False
        for event in _notice_events(notice):
            action = event.action.removeprefix("regulator_notice.")
            who = _who(event)
            if action == "compose" and (author := db.session.get(StaffUser, notice.author_id)):
                who = author.email  # the author the notice names, whoever's key composed it
            if action in ("compose", "edit", "refresh"):
                writers.add(who)
                approved = False
            elif action == "approve":
                if who in writers:
                    breaches.append(f"{label} was approved by {_name(who)}, one of its writers")
                approved = ever_approved = True
                writers = set()
            elif action == "send" and not approved:
                breaches.append(f"{label} was sent without a second person's approval")
        if not ever_approved:
            writers_named = ", ".join(sorted(_name(w) for w in writers)) or "nobody"
            breaches.append(
                f"{label} was never approved by a second person (written by {writers_named})"
            )
    return keep(breaches)


def _facts_at(incident: Incident, at: datetime) -> dict[str, str]:
    """The incident's trigger times and affected counts as the audit trail had them at `at`."""
    facts = {kind.value: "not recorded" for kind in INCIDENT_TRIGGERS}
    facts |= {name: NOT_KNOWN for name in COUNTS}
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action.in_(("regulators.trigger", "regulators.affected_counts")),
            AuditEvent.incident_id == incident.id,
            AuditEvent.at <= at,
        )
        .order_by(AuditEvent.id)
    )
    for event in events:
        after = event.after or {}
        if event.action == "regulators.affected_counts":
            facts |= {name: count_text(after.get(name)) for name in COUNTS}
        elif after.get("kind") in facts and after.get("occurred_at"):
            occurred = datetime.fromisoformat(str(after["occurred_at"]))
            facts[after["kind"]] = f"{occurred:{FACT_FORMAT}}"
    return facts


def no_outdated_facts_sent(incident: Incident) -> Promise:
    """Every notice sent stated the trigger times and affected counts the incident had when
    it was sent."""
    breaches = []
    for notice in _notices(incident):
        if notice.state is not RegulatorNoticeState.sent or notice.sent_at is None:
            continue
        stated = notice.facts or {}
        true_then = _facts_at(incident, notice.sent_at)
        for kind, value in true_then.items():
            said = stated.get(kind, unstated(kind))
            if said != value:
                breaches.append(f"notice {notice.id} said {kind} {said} when it was {value}")
    return keep(breaches)


def regulator_deadlines_met(
    incident: Incident, finished_at: datetime, reportable_to: list[int] | tuple[int, ...] = ()
) -> Promise:
    """The incident was made reportable to each regulator of `reportable_to` (those the
    scenario says the crisis is reportable to: a playbook that misses one starts no clock and
    would otherwise pass unseen), and every report whose clock started was sent by its due
    time, or is not due yet when the drill ends."""
    breaches = []
    marked = {r.id for r in reportable_to_of(incident)}
    for regulator_id in dict.fromkeys(reportable_to):
        if regulator_id not in marked:
            regulator = db.session.get(Regulator, regulator_id)
            breaches.append(
                f"the incident was never made reportable to {regulator.name}: "
                "no clock of theirs started"
            )
    obligations = db.session.scalars(
        select(Obligation).where(Obligation.incident_id == incident.id).order_by(Obligation.id)
    )
    for o in obligations:
        what = f"{o.rule.regulator.name} {o.rule.stage}"
        if o.due_at is None:
            continue
        due = _offset(o.due_at, incident.started_at)
        if o.sent_at is not None and deadlines.is_late(o.due_at, o.sent_at):
            late = int((o.sent_at - o.due_at).total_seconds() // 60)
            breaches.append(
                f"{what} was due at {due} and sent at "
                f"{_offset(o.sent_at, incident.started_at)} ({late} min late)"
            )
        elif o.sent_at is None and o.due_at <= finished_at:
            breaches.append(f"{what} was due at {due} and never sent")
    return keep(breaches)


def cadence_kept(incident: Incident, finished_at: datetime) -> Promise:
    """Every update due while the incident was open (incidents.cadence_compliance: each due
    time from the update before it and the cadence then in force) was posted on time; an
    update still missing when the drill ends counts as late. The reason names the worst."""
    rows = cadence_compliance(incident.id, now=finished_at)
    late = [r for r in rows if not r.on_time]
    if not late:
        return True
    worst = max(late, key=lambda r: r.overdue_minutes)
    due = _offset(worst.due_at, incident.started_at)
    if worst.posted_at is None:
        why = (
            f"the update due at {due} was never posted "
            f"({worst.overdue_minutes} min late when the drill ended)"
        )
    else:
        posted = _offset(worst.posted_at, incident.started_at)
        why = f"the update due at {due} was posted at {posted} ({worst.overdue_minutes} min late)"
    if len(late) > 1:
        why += f"; {len(late)} of {len(rows)} updates were late"
    return keep([why])


def check_all(
    incident: Incident,
    *,
    page_within: timedelta,
    finished_at: datetime,
    reportable_to: list[int] | None = None,
) -> dict:
    return {
        "team_paged_in_window": team_paged_in_window(incident, page_within),
        "no_page_after_stand_down": no_page_after_stand_down(incident),
        "second_person_approved": second_person_approved(incident),
        "no_outdated_facts_sent": no_outdated_facts_sent(incident),
        "regulator_deadlines_met": regulator_deadlines_met(
            incident, finished_at, reportable_to or []
        ),
        "cadence_kept": cadence_kept(incident, finished_at),
    }
