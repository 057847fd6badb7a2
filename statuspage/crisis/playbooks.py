"""Playbooks: saved crisis routines by severity ("SEV1 payments") and running one on an
incident: page the roles on the playbook's bridge, set the update cadence, save the messaging
guidelines and brief the executives, and make the incident reportable to the playbook's
regulators with their clocks started from the incident's start.

A playbook runs by itself when an incident opens with a matching impact and/or component
(`run_matching`, called by publishing.create_incident), or when staff choose it. It runs once
per (incident, playbook): the run's row is written first, under a unique constraint, so a
second run (or a racing one) pages nobody again. Everything it does goes through the
existing services, which audit and send after commit as they always do; all of it is internal
(team, executives, regulators' clocks): nothing customer-facing is sent by a playbook.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from statuspage.audit.changes import record_change
from statuspage.audit.trail import Actor, record
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import text
from statuspage.crisis import assembly, executives
from statuspage.crisis.notices import _staff_id
from statuspage.extensions import db
from statuspage.incidents import cadence
from statuspage.models import (
    Component,
    CrisisRole,
    EscalationPolicy,
    Impact,
    Incident,
    IncidentKind,
    Playbook,
    PlaybookRun,
    Regulator,
    StaffUser,
    TeamCallout,
    TriggerKind,
)
from statuspage.models.enums import CLOSED_STATUSES
from statuspage.regulators import obligations

MAX_NAME = 200
MAX_TEXT = 20_000
MATCHABLE_IMPACTS = tuple(i for i in Impact if i is not Impact.maintenance)
# The steps of a run, in the order they run (the briefing after the guidelines it carries).
STEPS = ("page", "cadence", "guidelines", "briefing", "regulators")
AUDITED_FIELDS = (
    "name",
    "auto_run",
    "impacts",
    "all_paths",
    "repage_minutes",
    "max_rounds",
    "bridge_phone",
    "bridge_pin",
    "meeting_url",
    "page_note",
    "policy_id",
    "cadence_minutes",
    "briefing_subject",
    "briefing_body",
    "holding_statement",
    "approved_qa",
    "do_not_say",
)


@dataclass(frozen=True)
class PlaybookFields:
    """A playbook as staff write it (the admin form, the demo, a drill scenario)."""

    name: str
    auto_run: bool = True
    impacts: tuple[str, ...] = ()
    component_ids: tuple[str, ...] = ()
    role_ids: tuple[int, ...] = ()
    all_paths: bool = True
    repage_minutes: int = 5
    max_rounds: int = 3
    bridge_phone: str = ""
    bridge_pin: str = ""
    meeting_url: str = ""
    page_note: str = ""
    # Page by this escalation policy (crisis.escalation) instead of `role_ids`; not both.
    policy_id: int | None = None
    cadence_minutes: int | None = None
    briefing_subject: str = ""
    briefing_body: str = ""
    holding_statement: str = ""
    approved_qa: str = ""
    do_not_say: str = ""
    regulator_ids: tuple[int, ...] = field(default=())


# --- the playbooks ---------------------------------------------------------------------------


def list_playbooks() -> list[Playbook]:
    return list(db.session.scalars(select(Playbook).order_by(Playbook.name)))


def get_playbook(playbook_id: int) -> Playbook:
    playbook = db.session.get(Playbook, playbook_id)
    if playbook is None:
        raise NotFound("no such playbook")
    return playbook


def find_playbook(name: str) -> Playbook | None:
    """The playbook named `name` (exactly, after trimming), or None."""
    return db.session.scalars(select(Playbook).where(Playbook.name == (name or "").strip())).first()


def _text(value: str, what: str, limit: int = MAX_TEXT, *, one_line: bool = False) -> str:
    return text(value, what, limit, required=False, one_line=one_line)


def _rows(model: type, ids: Iterable[object], what: str) -> list:
    wanted = sorted(set(ids))
    rows = list(db.session.scalars(select(model).where(model.id.in_(wanted)))) if wanted else []
    if len(rows) != len(wanted):
        raise InvalidInput(f"no such {what}: {sorted(set(wanted) - {r.id for r in rows})}")
    return rows


def _checked(fields: PlaybookFields, playbook: Playbook | None) -> dict[str, object]:
    """The fields, cleaned and checked; InvalidInput saying what is wrong."""
    name = text(fields.name, "a playbook's name", MAX_NAME, one_line=True,
                missing="give the playbook a name")  # fmt: skip
    same = find_playbook(name)
    if same is not None and same is not playbook:
        raise InvalidInput(f"a playbook named “{name}” exists already")
    impacts = []
    for value in fields.impacts:
        if value not in {i.value for i in MATCHABLE_IMPACTS}:
            raise InvalidInput(f"{value!r} is not an incident impact")
        impacts.append(value)
    roles = _rows(CrisisRole, fields.role_ids, "role")
    policy = None
    if fields.policy_id is not None:
        if roles:
            raise InvalidInput("page chosen roles or follow an escalation policy, not both")
        policy = db.session.get(EscalationPolicy, fields.policy_id)
        if policy is None:
            raise InvalidInput("choose an escalation policy from the list")
    components = _rows(Component, fields.component_ids, "component")
    regulators = _rows(Regulator, fields.regulator_ids, "regulator")
    if fields.auto_run and not impacts and not components:
        raise InvalidInput(
            "a playbook that runs by itself needs an impact or a component to match; "
            "or leave it to be chosen on the incident"
        )
    bridge = assembly.Bridge()
    if roles or policy or fields.bridge_phone or fields.bridge_pin or fields.meeting_url:
        bridge = assembly.check_bridge(fields.bridge_phone, fields.bridge_pin, fields.meeting_url)
    if not 1 <= fields.repage_minutes <= assembly.MAX_REPAGE_MINUTES:
        raise InvalidInput(f"page again after 1 to {assembly.MAX_REPAGE_MINUTES} minutes")
    if not 1 <= fields.max_rounds <= assembly.MAX_ROUNDS:
        raise InvalidInput(f"page at most 1 to {assembly.MAX_ROUNDS} times")
    minutes = fields.cadence_minutes
    if minutes is not None and not cadence.MIN_MINUTES <= minutes <= cadence.MAX_MINUTES:
        raise InvalidInput(
            f"an update cadence is between {cadence.MIN_MINUTES} and {cadence.MAX_MINUTES} minutes"
        )
    return {
        "name": name,
        "auto_run": bool(fields.auto_run),
        "impacts": sorted(set(impacts), key=[i.value for i in MATCHABLE_IMPACTS].index),
        "roles": roles,
        "policy_id": policy.id if policy else None,
        "components": components,
        "regulators": regulators,
        "all_paths": bool(fields.all_paths),
        "repage_minutes": fields.repage_minutes,
        "max_rounds": fields.max_rounds,
        "bridge_phone": bridge.phone,
        "bridge_pin": bridge.pin,
        "meeting_url": bridge.meeting_url,
        "page_note": _text(fields.page_note, "the note for the team", 2000),
        "cadence_minutes": minutes,
        "briefing_subject": _text(
            fields.briefing_subject, "the briefing's subject", 200, one_line=True
        ),
        "briefing_body": _text(fields.briefing_body, "the briefing"),
        "holding_statement": _text(fields.holding_statement, "the holding statement"),
        "approved_qa": _text(fields.approved_qa, "the approved Q&A"),
        "do_not_say": _text(fields.do_not_say, "what not to say"),
    }


def save_playbook(
    playbook: Playbook | None, fields: PlaybookFields, *, actor: Actor, now: datetime
) -> Playbook:
    """Create (`playbook` None) or change a playbook; audited; flushed. InvalidInput when a
    field is wrong: no name or a taken one, an unknown role, component or regulator, a bad
    bridge (assembly.check_bridge), paging or cadence numbers out of range, or a playbook
    that runs by itself with nothing to match."""
    values = _checked(fields, playbook)
    with record_change(
        actor,
        "playbook.create" if playbook is None else "playbook.update",
        playbook,
        AUDITED_FIELDS,
        target_type="playbook",
    ) as change:
        if playbook is None:
            playbook = change.obj = Playbook(created_at=now)
            db.session.add(playbook)
        for name, value in values.items():
            setattr(playbook, name, value)
        playbook.updated_at = now
        db.session.flush()
        change.extra = {
            "roles": [r.name for r in playbook.roles],
            "policy": playbook.policy.name if playbook.policy else None,
            "components": [c.name for c in playbook.components],
            "regulators": [r.name for r in playbook.regulators],
        }
    return playbook


def delete_playbook(playbook: Playbook, *, actor: Actor) -> None:
    """Remove a playbook; the runs it made stay on their incidents, under its name."""
    record(
        actor,
        "playbook.delete",
        target_type="playbook",
        target_id=playbook.id,
        before={"name": playbook.name},
    )
    db.session.delete(playbook)
    db.session.flush()


# --- matching and running --------------------------------------------------------------------


def matches(playbook: Playbook, incident: Incident) -> bool:
    """Whether the playbook's conditions hold for the incident: its impact is one of the
    playbook's (when it names any) and it touches one of the playbook's components (when it
    names any). A playbook with neither condition matches nothing by itself."""
    if not playbook.impacts and not playbook.components:
        return False
    if playbook.impacts and incident.impact.value not in playbook.impacts:
        return False
    if playbook.components:
        wanted = {c.id for c in playbook.components}
        if not wanted & {c.id for c in incident.components}:
            return False
    return True


def matching_playbooks(incident: Incident) -> list[Playbook]:
    """The playbooks that run by themselves on `incident` (auto-run ones whose conditions
    hold), by name."""
    if incident.kind is not IncidentKind.incident:
        return []
    found = db.session.scalars(
        select(Playbook).where(Playbook.auto_run.is_(True)).order_by(Playbook.name)
    )
    return [p for p in found if matches(p, incident)]


def run_of(incident: Incident, playbook: Playbook) -> PlaybookRun | None:
    return db.session.scalars(
        select(PlaybookRun).where(
            PlaybookRun.incident_id == incident.id, PlaybookRun.playbook_id == playbook.id
        )
    ).first()


def runs_for(incident_id: str) -> list[PlaybookRun]:
    """The playbooks run on an incident, first first."""
    return list(
        db.session.scalars(
            select(PlaybookRun)
            .where(PlaybookRun.incident_id == incident_id)
            .order_by(PlaybookRun.run_at, PlaybookRun.id)
        )
    )


def _page(incident: Incident, playbook: Playbook, actor: Actor, now: datetime) -> TeamCallout:
    """Call the team out: by the playbook's escalation policy (its tiers paged in turn, the
    commander told) when it names one, else its roles."""
    if playbook.policy is not None:
        return assembly.start_callout_with_policy(
            incident,
            playbook.policy,
            bridge=assembly.Bridge(
                playbook.bridge_phone, playbook.bridge_pin, playbook.meeting_url
            ),
            actor=actor,
            now=now,
            all_paths=playbook.all_paths,
            repage_minutes=playbook.repage_minutes,
            max_rounds=playbook.max_rounds,
            note=playbook.page_note,
        )
    return assembly.assemble(
        incident,
        role_ids=[r.id for r in playbook.roles],
        all_paths=playbook.all_paths,
        bridge=assembly.Bridge(playbook.bridge_phone, playbook.bridge_pin, playbook.meeting_url),
        repage_minutes=playbook.repage_minutes,
        max_rounds=playbook.max_rounds,
        note=playbook.page_note,
        actor=actor,
        now=now,
    )


def _start_clocks(
    incident: Incident, playbook: Playbook, user: StaffUser | None, actor: Actor, now: datetime
) -> list[str]:
    """Make the incident reportable to the playbook's regulators too (those it already was
    stay) and record, from the incident's start, each trigger their rules count from that is
    not recorded yet: a time staff recorded stays theirs, and they can correct these later.
    Returns the trigger kinds recorded."""
    current = [r.id for r in obligations.reportable_to(incident)]
    obligations.set_reportable(
        incident, current + [r.id for r in playbook.regulators], user=user, actor=actor
    )
    kinds = {
        bound.trigger
        for regulator in playbook.regulators
        for rule in regulator.rules
        for bound in rule.bounds
        if bound.trigger is not TriggerKind.report
    }
    recorded = obligations.triggers_of(incident)
    started = []
    for kind in sorted(kinds - recorded.keys()):
        obligations.record_trigger(
            incident, kind, incident.started_at, user=user, actor=actor, now=now
        )
        started.append(kind.value)
    return started


def _save_guidelines(
    incident: Incident, playbook: Playbook, actor: Actor, now: datetime, staff_id: int | None
) -> str:
    """Save the playbook's guidelines on the incident, filling only the ones it has empty: a
    holding statement, Q&A or "do not say" already written there (by staff, or a playbook
    run before) is kept. Returns what was kept ("" for nothing); nothing is written when
    every guideline the playbook has is kept."""
    current = executives.guidelines_for(incident)
    ours = {name: getattr(playbook, name) for name in executives.GUIDELINE_FIELDS}
    theirs = {
        name: (getattr(current, name) if current is not None else "") or ""
        for name in executives.GUIDELINE_FIELDS
    }
    kept = [name for name in executives.GUIDELINE_FIELDS if theirs[name].strip() and ours[name]]
    if not kept:
        executives.save_guidelines(
            incident, **ours, actor=actor, now=now, staff_user_id=staff_id
        )  # fmt: skip
        return ""
    titles = ", ".join(executives.GUIDELINE_TITLES[name] for name in kept)
    filled = [name for name in executives.GUIDELINE_FIELDS if ours[name] and name not in kept]
    if not filled:
        return f"kept the incident's own guidelines ({titles})"
    merged = {name: theirs[name] if theirs[name].strip() else ours[name] for name in ours}
    executives.save_guidelines(incident, **merged, actor=actor, now=now, staff_user_id=staff_id)
    return f"kept the {titles} already written for the incident; filled in the rest"


def _steps(playbook: Playbook) -> list[str]:
    """The steps this playbook has something to do in."""
    wanted = {
        "page": bool(playbook.roles) or playbook.policy is not None,
        "cadence": playbook.cadence_minutes is not None,
        "guidelines": any(getattr(playbook, f) for f in executives.GUIDELINE_FIELDS),
        "briefing": bool(playbook.briefing_body),
        "regulators": bool(playbook.regulators),
    }
    return [step for step in STEPS if wanted[step]]


def run_playbook(
    incident: Incident,
    playbook: Playbook,
    *,
    actor: Actor,
    now: datetime,
    automatic: bool = False,
) -> PlaybookRun:
    """Run `playbook` on `incident`: page its roles on its bridge (assembly.assemble), or its
    escalation policy's tiers in turn (assembly.start_callout_with_policy), set the incident's
    update cadence unless one is set already, save its messaging guidelines where the
    incident's are empty (those already written are kept, and the run says so in its
    "skipped") and brief the executives with them, and make the incident reportable to its
    regulators with their clocks started from the incident's start. Audited once as
    `playbook.run` (the services called audit their own parts); flushed; the pages and
    briefing go out after commit.

    Once per (incident, playbook): run again, it returns the first run and does nothing. A
    step that cannot be done (nobody with the roles is reachable, no executive on the roster)
    is skipped with its reason in the run's outcome; the other steps still run. InvalidInput
    for maintenance or a closed incident.
    """
    if incident.kind is not IncidentKind.incident:
        raise InvalidInput("a playbook runs on an incident, not on maintenance")
    if incident.status in CLOSED_STATUSES:
        raise InvalidInput("this incident is resolved: a playbook runs on an open incident")
    existing = run_of(incident, playbook)
    if existing is not None:
        return existing
    staff_id = _staff_id(actor)
    user = db.session.get(StaffUser, staff_id) if staff_id else None
    run = PlaybookRun(
        incident_id=incident.id,
        playbook_id=playbook.id,
        playbook_name=playbook.name,
        automatic=automatic,
        outcome={},
        run_at=now,
        run_by_id=staff_id,
    )
    db.session.add(run)
    db.session.flush()  # the unique (incident, playbook) row first: a racing run stops here
    done: list[str] = []
    skipped: dict[str, str] = {}
    started: list[str] = []
    for step in _steps(playbook):
        try:
            if step == "page":
                run.callout_id = _page(incident, playbook, actor, now).id
            elif step == "cadence":
                set_minutes = incident.update_cadence_minutes
                if set_minutes is not None and set_minutes != playbook.cadence_minutes:
                    kept_note = "kept the incident's own update cadence (every %d minutes)"
                    skipped[step] = kept_note % set_minutes
                    continue
                cadence.set_incident_cadence(incident, playbook.cadence_minutes, actor=actor)
            elif step == "guidelines":
                kept = _save_guidelines(incident, playbook, actor, now, staff_id)
                if kept:
                    skipped[step] = kept
                    if kept.startswith("kept the incident's own guidelines"):
                        continue
            elif step == "briefing":
                executives.brief(
                    incident,
                    subject=playbook.briefing_subject or f"{playbook.name}: {incident.name}",
                    body=playbook.briefing_body,
                    actor=actor,
                )
            else:
                started = _start_clocks(incident, playbook, user, actor, now)
        except InvalidInput as error:
            # Each service checks before it writes, so a refused step has left nothing.
            skipped[step] = str(error)
        else:
            done.append(step)
    run.outcome = {"done": done, "skipped": skipped}
    db.session.flush()
    record(
        actor,
        "playbook.run",
        target_type="incident",
        target_id=incident.id,
        incident_id=incident.id,
        at=now,
        after={
            "playbook": playbook.name,
            "automatic": automatic,
            "done": done,
            "skipped": skipped,
            "triggers_started": started,
        },
    )
    return run


def run_matching(incident: Incident, *, actor: Actor, now: datetime) -> list[PlaybookRun]:
    """Run every playbook that matches a newly opened incident (publishing.create_incident
    calls this); returns the runs."""
    return [
        run_playbook(incident, playbook, actor=actor, now=now, automatic=True)
        for playbook in matching_playbooks(incident)
    ]
