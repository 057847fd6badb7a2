"""Run a scenario in the sandbox in accelerated time: the clock moves a minute at a time, the
minute's sweep runs at each (re-pages, fallbacks, reminders, deadlines as in production), and
each step runs at its offset through the same service functions staff use.

A step refused by a control (a DomainError: four-eyes, an outdated notice, a late notice
without its reason...) is rolled back and kept in the timeline as refused: a drill finding,
not a crash. Steps are handled by HANDLERS, one function per kind of step
(scenario.STEP_FIELDS lists their fields).

An incident opened in a drill is opened *now* (the simulated clock's now), not backfilled,
so the playbooks matching its impact or components run by themselves, as in production
(publishing.create_incident); a `playbook` step is staff choosing one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from statuspage.audit.trail import Actor
from statuspage.clock import SimulatedClock
from statuspage.core.errors import DomainError
from statuspage.crisis import assembly, executives, playbooks
from statuspage.drills.sandbox import Cast, LiveRoster, Sandbox, seed
from statuspage.drills.scenario import Scenario, ScenarioError, Step
from statuspage.extensions import db
from statuspage.incidents import cadence, publishing
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.jobs.every_minute import sweep
from statuspage.models import (
    AuditEvent,
    Component,
    CrisisRole,
    Delivery,
    Incident,
    Notice,
    Obligation,
    RegulatorNotice,
    RegulatorRule,
    StaffUser,
    TeamMember,
)
from statuspage.regulators import notices as regulator_notices
from statuspage.regulators import obligations


class StepError(DomainError):
    """A step that cannot run in this drill (names an incident not opened yet...)."""


@dataclass
class Drill:
    """A running drill: the scenario, the sandbox's cast, the clock, what the steps made."""

    scenario: Scenario
    cast: Cast
    clock: SimulatedClock
    started_at: datetime
    incident_id: str | None = None
    notices: dict[str, int] = field(default_factory=dict)  # the scenario's label -> notice id
    audit_seen: int = 0  # the last audit event the timeline has looked at
    timeline: list[dict[str, Any]] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        return self.clock.now

    def incident(self) -> Incident:
        incident = db.session.get(Incident, self.incident_id) if self.incident_id else None
        if incident is None:
            raise StepError("no incident is open yet: open_incident comes first")
        return incident

    def user(self, name: str) -> StaffUser:
        return db.session.get(StaffUser, self.cast.staff[name])

    def actor(self, name: str) -> Actor:
        return Actor.staff(self.user(name))

    def notice(self, label: str) -> RegulatorNotice:
        if label not in self.notices:
            raise StepError(f"no notice {label!r} was composed yet")
        return db.session.get(RegulatorNotice, self.notices[label])

    def regulator_ids(self, names: list[str] | str) -> list[int]:
        names = [names] if isinstance(names, str) else list(names)
        if missing := [n for n in names if n not in self.cast.regulators]:
            raise StepError(f"no regulator {missing[0]!r} in the drill's registry")
        return [self.cast.regulators[n] for n in names]


# -- the steps ----------------------------------------------------------------------------


def _components(statuses: dict[str, str] | None, actor: Actor) -> dict[str, str]:
    """Component names (created in the sandbox on first mention) to their status."""
    from statuspage.components.catalog import create_component

    resolved = {}
    for name, status in (statuses or {}).items():
        component = db.session.scalars(select(Component).where(Component.name == name)).first()
        if component is None:
            component = create_component(name, actor=actor)
        resolved[component.id] = status
    return resolved


def open_incident(drill: Drill, step: Step) -> str:
    f = step.fields
    incident = publishing.create_incident(
        OpenIncident(
            f["name"],
            f["body"],
            status=f.get("status", "investigating"),
            impact=f.get("impact"),
            components=_components(f.get("components"), drill.actor(f["by"])),
            # No `at`: opened now on the simulated clock (an `at` would mean a backfill, for
            # which no playbook runs).
        ),
        actor=drill.actor(f["by"]),
    )
    if f.get("cadence_minutes"):
        cadence.set_incident_cadence(
            incident, int(f["cadence_minutes"]), actor=drill.actor(f["by"])
        )
    drill.incident_id = incident.id
    ran = [run.playbook_name for run in playbooks.runs_for(incident.id)]
    ran_text = f"; playbook {', '.join(ran)} ran by itself" if ran else ""
    return f"opened {incident.name} ({incident.impact.value}){ran_text}"


def post_update(drill: Drill, step: Step) -> str:
    f = step.fields
    update = publishing.post_update(
        drill.incident(),
        PostUpdate(
            f["body"],
            status=f.get("status"),
            components=_components(f.get("components"), drill.actor(f["by"])),
            at=drill.now,
        ),
        actor=drill.actor(f["by"]),
    )
    return f"update posted ({update.status.value})"


def resolve(drill: Drill, step: Step) -> str:
    f = step.fields
    publishing.post_update(
        drill.incident(),
        PostUpdate(
            f["body"],
            status="resolved",
            components=_components(f.get("components"), drill.actor(f["by"])),
            at=drill.now,
        ),
        actor=drill.actor(f["by"]),
    )
    return "resolved"


def page_team(drill: Drill, step: Step) -> str:
    f = step.fields
    names = [f["roles"]] if isinstance(f["roles"], str) else list(f["roles"])
    roles = dict(
        db.session.execute(
            select(CrisisRole.name, CrisisRole.id).where(CrisisRole.name.in_(names))
        ).all()
    )
    if missing := [n for n in names if n not in roles]:
        raise StepError(f"no role {missing[0]!r} on the drill roster")
    bridge = f.get("bridge") or {}
    callout = assembly.assemble(
        drill.incident(),
        role_ids=list(roles.values()),
        all_paths=bool(f.get("all_paths", False)),
        bridge=assembly.check_bridge(
            str(bridge.get("phone", "")), str(bridge.get("pin", "")), bridge.get("meeting_url", "")
        ),
        repage_minutes=int(f.get("repage_minutes", 5)),
        max_rounds=int(f.get("max_rounds", 3)),
        note=str(f.get("note", "")),
        actor=drill.actor(f["by"]),
        now=drill.now,
    )
    return f"paged {len(callout.roles)} roles"


def acknowledge(drill: Drill, step: Step) -> str:
    """The member follows the acknowledgement link of the latest page they were sent."""
    from statuspage.delivery.ledger import acknowledge as ledger_acknowledge

    name = step.fields["member"]
    member = db.session.get(TeamMember, drill.cast.members[name])
    delivery = db.session.scalars(
        select(Delivery)
        .join(Notice, Notice.id == Delivery.notice_id)
        .where(
            Notice.incident_id == drill.incident().id,
            Notice.requires_ack.is_(True),
            Delivery.subscriber_id == member.subscriber_id,
            Delivery.sent_at.is_not(None),
        )
        .order_by(Delivery.sent_at.desc(), Delivery.id.desc())
        .limit(1)
    ).first()
    if delivery is None:
        raise StepError(f"{name} was sent nothing to acknowledge")
    path = f"{delivery.channel.value}-link"
    if not ledger_acknowledge(delivery, drill.now, path=path):
        return f"{name} had acknowledged already"
    return f"{name} acknowledged ({path})"


def guidelines(drill: Drill, step: Step) -> str:
    f = step.fields
    executives.save_guidelines(
        drill.incident(),
        holding_statement=str(f.get("holding_statement", "")),
        approved_qa=str(f.get("approved_qa", "")),
        do_not_say=str(f.get("do_not_say", "")),
        actor=drill.actor(f["by"]),
        now=drill.now,
        staff_user_id=drill.user(f["by"]).id,
    )
    return "messaging guidelines written"


def brief_executives(drill: Drill, step: Step) -> str:
    f = step.fields
    notice = executives.brief(
        drill.incident(), subject=f["subject"], body=f["body"], actor=drill.actor(f["by"])
    )
    return f"briefing sent (notice {notice.id})"


def reportable(drill: Drill, step: Step) -> str:
    f = step.fields
    incident = drill.incident()
    current = [r.id for r in obligations.reportable_to(incident)]
    marked = obligations.set_reportable(
        incident,
        sorted({*current, *drill.regulator_ids(f["regulators"])}),
        user=drill.user(f["by"]),
        actor=drill.actor(f["by"]),
    )
    return "reportable to " + ", ".join(r.name for r in marked)


def trigger(drill: Drill, step: Step) -> str:
    f = step.fields
    occurred = drill.started_at + f["occurred"]
    obligations.record_trigger(
        drill.incident(),
        str(f["kind"]),
        occurred,
        user=drill.user(f["by"]),
        actor=drill.actor(f["by"]),
        now=drill.now,
    )
    return f"{f['kind']}: {occurred:%Y-%m-%d %H:%M} UTC"


def compose_notice(drill: Drill, step: Step) -> str:
    f = step.fields
    incident = drill.incident()
    regulator_ids = drill.regulator_ids(f["regulators"])
    open_ids = list(
        db.session.scalars(
            select(Obligation.id)
            .join(RegulatorRule, RegulatorRule.id == Obligation.rule_id)
            .where(
                Obligation.incident_id == incident.id,
                Obligation.sent_at.is_(None),
                Obligation.due_at.is_not(None),
                RegulatorRule.regulator_id.in_(regulator_ids),
            )
            .order_by(Obligation.due_at)
        )
    )
    if not open_ids:
        raise StepError("no report of those regulators is due: mark them and record a trigger")
    notice = regulator_notices.compose_notice(
        incident, open_ids[:1], author=drill.user(f["by"]), actor=drill.actor(f["by"])
    )
    drill.notices[str(f["notice"])] = notice.id
    return f"notice {f['notice']!r} composed: {notice.subject}"


def edit_notice(drill: Drill, step: Step) -> str:
    f = step.fields
    notice = drill.notice(str(f["notice"]))
    regulator_notices.edit_notice(
        notice,
        subject=notice.subject,
        body=f"{notice.body}\n\n{str(f['append']).strip()}",
        editor=drill.user(f["by"]),
        actor=drill.actor(f["by"]),
    )
    return f"notice {f['notice']!r} edited"


def refresh_notice(drill: Drill, step: Step) -> str:
    f = step.fields
    regulator_notices.refresh_notice(
        drill.notice(str(f["notice"])), user=drill.user(f["by"]), actor=drill.actor(f["by"])
    )
    return f"notice {f['notice']!r} refreshed from the current facts"


def approve_notice(drill: Drill, step: Step) -> str:
    f = step.fields
    regulator_notices.approve_notice(
        drill.notice(str(f["notice"])),
        approver=drill.user(f["by"]),
        actor=drill.actor(f["by"]),
        now=drill.now,
    )
    return f"notice {f['notice']!r} approved"


def send_notice(drill: Drill, step: Step) -> str:
    f = step.fields
    notice = regulator_notices.send_notice(
        drill.notice(str(f["notice"])),
        sender=drill.user(f["by"]),
        actor=drill.actor(f["by"]),
        now=drill.now,
        late_reason=str(f.get("late_reason", "")),
    )
    return f"notice {f['notice']!r} sent (engine notice {notice.notice_id})"


def stand_down(drill: Drill, step: Step) -> str:
    f = step.fields
    told = assembly.stand_down_incident(
        drill.incident(),
        reason=str(f.get("reason", "stood down by the incident commander")),
        actor=drill.actor(f["by"]),
        now=drill.now,
    )
    return "team stood down" + (" and told" if told else " (nobody left to tell)")


def playbook(drill: Drill, step: Step) -> str:
    """Staff choose a playbook on the open incident (crisis.playbooks.run_playbook)."""
    f = step.fields
    found = playbooks.find_playbook(str(f["playbook"]))
    if found is None:
        names = ", ".join(p.name for p in playbooks.list_playbooks()) or "none"
        raise StepError(f"no playbook {f['playbook']!r} in the drill (it has: {names})")
    incident = drill.incident()
    before = playbooks.run_of(incident, found)
    run = playbooks.run_playbook(incident, found, actor=drill.actor(f["by"]), now=drill.now)
    if before is not None:
        how = "by itself" if run.automatic else "by staff"
        return f"playbook {found.name!r} had run already ({how}): nothing done again"
    outcome = run.outcome or {}
    skipped = "; ".join(f"{k}: {v}" for k, v in (outcome.get("skipped") or {}).items())
    return (
        f"playbook {found.name!r} ran: "
        + (", ".join(outcome.get("done") or []) or "nothing")
        + (f" (skipped {skipped})" if skipped else "")
    )


# The kinds of step and their handlers; scenario.STEP_FIELDS names each kind's fields.
HANDLERS: dict[str, Callable[[Drill, Step], str]] = {
    "open_incident": open_incident,
    "post_update": post_update,
    "resolve": resolve,
    "page_team": page_team,
    "acknowledge": acknowledge,
    "guidelines": guidelines,
    "brief_executives": brief_executives,
    "reportable": reportable,
    "trigger": trigger,
    "compose_notice": compose_notice,
    "edit_notice": edit_notice,
    "refresh_notice": refresh_notice,
    "approve_notice": approve_notice,
    "send_notice": send_notice,
    "stand_down": stand_down,
    "playbook": playbook,
}


# -- the run ------------------------------------------------------------------------------


def _entry(drill: Drill, **values: Any) -> dict[str, Any]:
    minutes = int((drill.now - drill.started_at).total_seconds() // 60)
    return {"at": drill.now.isoformat(), "offset": f"+{minutes // 60:02d}:{minutes % 60:02d}"} | (
        values
    )


def run_step(drill: Drill, step: Step) -> None:
    """Run one step and commit it; a refusal is rolled back and recorded as such."""
    try:
        detail = HANDLERS[step.kind](drill, step)
        db.session.commit()
        outcome = "done"
    except DomainError as exc:
        db.session.rollback()
        detail, outcome = str(exc), "refused"
    drill.timeline.append(
        _entry(drill, step=step.kind, by=step.by or step.fields.get("member"), outcome=outcome)
        | {"detail": detail}
    )
    drill.timeline += _system_events(drill)  # what the step set off (a stand-down...)


def _system_events(drill: Drill) -> list[dict[str, Any]]:
    """What the system did on its own since last asked (re-pages, stand-downs, reminders, a
    playbook run by itself when the incident opened: `by` "playbook"), from the sandbox's
    audit trail."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(AuditEvent.actor == "system", AuditEvent.action == "playbook.run"),
            AuditEvent.id > drill.audit_seen,
        )
        .order_by(AuditEvent.id)
    )
    events = []
    for event in rows:
        drill.audit_seen = event.id
        by = "system"
        if event.action == "playbook.run":
            if not (event.after or {}).get("automatic"):
                continue  # chosen by staff: the `playbook` step's own entry says it
            by = "playbook"
        minutes = int((event.at - drill.started_at).total_seconds() // 60)
        events.append(
            {
                "at": event.at.isoformat(),
                "offset": f"+{minutes // 60:02d}:{minutes % 60:02d}",
                "step": event.action,
                "by": by,
                "outcome": "done",
                "detail": event.after if isinstance(event.after, dict) else None,
            }
        )
    return events


@dataclass(frozen=True)
class Outcome:
    drill: Drill
    finished_at: datetime
    timeline: list[dict[str, Any]]


def run(scenario: Scenario, sandbox: Sandbox, live: LiveRoster, *, start: datetime) -> Outcome:
    """Seed the sandbox and play the scenario a simulated minute at a time; the sandbox's
    app context and the simulated clock are held throughout and released after."""
    start = (scenario.start or start).astimezone(UTC).replace(second=0, microsecond=0)
    clock = SimulatedClock(start)
    with sandbox.app.app_context(), clock.running():
        try:
            cast = seed(live, scenario)
        except DomainError as exc:  # a stand-in the roster refuses (a bad time zone...)
            raise ScenarioError(f"roster: {exc}") from None
        db.session.commit()
        drill = Drill(scenario=scenario, cast=cast, clock=clock, started_at=start)
        drill.audit_seen = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        pending = list(scenario.steps)
        for minute in range(scenario.minutes + 1):
            clock.set(start + timedelta(minutes=minute))
            sweep()  # the top of the minute, as the worker's schedule runs it
            db.session.commit()
            drill.timeline += _system_events(drill)
            while pending and pending[0].minute == minute:
                run_step(drill, pending.pop(0))
        return Outcome(drill, clock.now, drill.timeline)


# -- the whole drill ----------------------------------------------------------------------


def drill_document(
    scenario: Scenario, sandbox: Sandbox, live: LiveRoster, *, start: datetime
) -> dict[str, Any]:
    """Run the scenario in the sandbox; the drill's JSON document (README "Drills"):
    scenario, started_at, finished_at, timeline, report (crisis.report's Report.as_dict():
    bodies, senders, per-channel states, cadence), promises."""
    from statuspage.crisis.report import communication_report
    from statuspage.drills import promises

    outcome = run(scenario, sandbox, live, start=start)
    drill = outcome.drill
    with sandbox.app.app_context():
        incident = db.session.get(Incident, drill.incident_id) if drill.incident_id else None
        if incident is None:
            report = None
            checked = {key: promises.keep(["no incident was opened"]) for key in promises.KEYS}
        else:
            report = communication_report(incident.id, now=outcome.finished_at).as_dict()
            checked = promises.check_all(
                incident,
                page_within=timedelta(minutes=scenario.promises.page_within_minutes),
                finished_at=outcome.finished_at,
                reportable_to=[
                    drill.cast.regulators[key]
                    for key in scenario.regulators
                    if key in drill.cast.regulators
                ],
            )
        db.session.rollback()
    return {
        "scenario": {
            "name": scenario.name,
            "file": str(scenario.path),
            "description": scenario.description,
            "stand_ins": drill.cast.stand_ins,
        },
        "started_at": drill.started_at.isoformat(),
        "finished_at": outcome.finished_at.isoformat(),
        "timeline": outcome.timeline,
        "report": report,
        "promises": checked,
    }
