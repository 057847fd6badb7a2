"""The regulator registry, each incident's regulatory obligations, and regulator notices.

Staff record an incident's trigger times and mark the regulators it is reportable to; every
rule of those regulators becomes an Obligation whose due time services.deadlines computes.
A regulator notice is composed from the rules' templates, approved by a legal user who is not
its author (two people), and sent through the delivery engine with acknowledgement requested;
a portal submission made by hand is recorded with its reference. A submission after the due
time needs its reason. Every staff action is audited; functions flush, the caller commits.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import available_timezones

import holidays
from sqlalchemy import delete, select

from statuspage.extensions import db
from statuspage.models import (
    Audience,
    ContactPoint,
    Delivery,
    Incident,
    Obligation,
    ObligationReminder,
    Regulator,
    RegulatorNotice,
    RegulatorNoticeState,
    RegulatorRule,
    Reportable,
    RuleBound,
    StaffUser,
    Subscriber,
    TriggerKind,
    TriggerTime,
    Unit,
)
from statuspage.models.crisis import CrisisKind
from statuspage.services import audit, crisis_notices, deadlines
from statuspage.services.audit import Actor
from statuspage.services.errors import InvalidInput, NotFound
from statuspage.services.outbox import after_commit
from statuspage.services.permissions import Action, Forbidden, allows

# Reminders to comms and legal before each deadline: a day, an hour, and at the due time.
REMINDER_LEADS = (timedelta(hours=24), timedelta(hours=1), timedelta(0))
DEFAULT_ACK_WINDOW = timedelta(hours=1)
REGULATOR_FIELDS = ("name", "jurisdiction", "country_code", "subdivision", "timezone")


# -- the library --------------------------------------------------------------------------


def library() -> list[dict[str, Any]]:
    """The shipped regimes (statuspage/data/regulators.json), as editable data."""
    text = resources.files("statuspage.data").joinpath("regulators.json").read_text("utf-8")
    return json.loads(text)["regulators"]


def add_from_library(key: str, *, actor: Actor) -> Regulator:
    """Add the library's regime `key` to the registry, rules and all; refuses a second copy."""
    entry = next((e for e in library() if e["key"] == key), None)
    if entry is None:
        raise InvalidInput(f"no regime {key!r} in the library")
    if db.session.scalar(select(Regulator.id).where(Regulator.library_key == key)):
        raise InvalidInput(f"{entry['name']} is already in the registry")
    regulator = create_regulator(
        name=entry["name"],
        jurisdiction=entry.get("jurisdiction", ""),
        country_code=entry.get("country"),
        subdivision=entry.get("subdivision"),
        timezone=entry.get("timezone", "UTC"),
        source_note=entry.get("source", ""),
        actor=actor,
        library_key=key,
    )
    for rule in entry["rules"]:
        add_rule(
            regulator,
            stage=rule["stage"],
            what_to_send=rule.get("what", ""),
            bounds=[
                BoundSpec(b["trigger"], b["amount"], b["unit"], b.get("after"))
                for b in rule["bounds"]
            ],
            actor=actor,
        )
    return regulator


def load_library(*, actor: Actor) -> list[Regulator]:
    """Add every library regime not in the registry yet; returns those added."""
    present = set(db.session.scalars(select(Regulator.library_key)))
    return [
        add_from_library(entry["key"], actor=actor)
        for entry in library()
        if entry["key"] not in present
    ]


# -- the registry -------------------------------------------------------------------------


def _clean_place(
    country_code: str | None, subdivision: str | None, timezone: str
) -> tuple[str | None, str | None]:
    if timezone not in available_timezones():
        raise InvalidInput(f"unknown timezone {timezone!r} (use an IANA name: Europe/London)")
    country = (country_code or "").strip().upper() or None
    subdiv = (subdivision or "").strip().upper() or None
    if country is None:
        if subdiv:
            raise InvalidInput("a subdivision needs its country code")
        return None, None
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise InvalidInput(f"no holiday calendar for country code {country!r}")
    if subdiv and subdiv not in supported[country]:
        raise InvalidInput(f"no subdivision {subdiv!r} in {country}")
    return country, subdiv


def get_regulator(regulator_id: int) -> Regulator:
    regulator = db.session.get(Regulator, regulator_id)
    if regulator is None:
        raise NotFound("no such regulator")
    return regulator


def list_regulators() -> list[Regulator]:
    return list(db.session.scalars(select(Regulator).order_by(Regulator.name)))


def create_regulator(
    *,
    name: str,
    jurisdiction: str = "",
    country_code: str | None = None,
    subdivision: str | None = None,
    timezone: str = "UTC",
    source_note: str = "",
    actor: Actor,
    library_key: str | None = None,
) -> Regulator:
    """A new regulator and the internal subscriber that holds its contact points."""
    name = name.strip()
    if not name:
        raise InvalidInput("a regulator needs a name")
    if db.session.scalar(select(Regulator.id).where(Regulator.name == name)):
        raise InvalidInput(f"a regulator named {name!r} exists already")
    country, subdiv = _clean_place(country_code, subdivision, timezone)
    regulator = Regulator(
        name=name,
        jurisdiction=jurisdiction.strip(),
        country_code=country,
        subdivision=subdiv,
        timezone=timezone,
        source_note=source_note.strip(),
        library_key=library_key,
        subscriber_id=crisis_notices.internal_subscriber(f"Regulator: {name}").id,
    )
    db.session.add(regulator)
    db.session.flush()
    audit.record(
        actor,
        "regulator.create",
        target_type="regulator",
        target_id=regulator.id,
        after=audit.values_of(regulator, *REGULATOR_FIELDS, "library_key"),
    )
    return regulator


def update_regulator(
    regulator: Regulator,
    *,
    name: str,
    jurisdiction: str,
    country_code: str | None,
    subdivision: str | None,
    timezone: str,
    source_note: str,
    actor: Actor,
) -> Regulator:
    name = name.strip()
    if not name:
        raise InvalidInput("a regulator needs a name")
    clash = db.session.scalar(
        select(Regulator.id).where(Regulator.name == name, Regulator.id != regulator.id)
    )
    if clash:
        raise InvalidInput(f"a regulator named {name!r} exists already")
    country, subdiv = _clean_place(country_code, subdivision, timezone)
    before = audit.values_of(regulator, *REGULATOR_FIELDS)
    regulator.name, regulator.jurisdiction, regulator.timezone = name, jurisdiction, timezone
    regulator.country_code, regulator.subdivision = country, subdiv
    regulator.source_note = source_note.strip()
    if regulator.subscriber_id is not None:  # its contact points' holder is named after it
        db.session.get(Subscriber, regulator.subscriber_id).name = f"Regulator: {name}"
    db.session.flush()
    for incident_id in _reportable_incidents(regulator.id):  # business days may have moved
        refresh_obligations(db.session.get(Incident, incident_id))
    audit.record(
        actor,
        "regulator.update",
        target_type="regulator",
        target_id=regulator.id,
        before=before,
        after=audit.values_of(regulator, *REGULATOR_FIELDS),
    )
    return regulator


def _reportable_incidents(regulator_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Reportable.incident_id).where(Reportable.regulator_id == regulator_id)
        )
    )


def delete_regulator(regulator: Regulator, *, actor: Actor) -> None:
    """Remove a regulator no incident is reportable to (obligations are the record)."""
    if _reportable_incidents(regulator.id):
        raise InvalidInput(
            f"{regulator.name} has incidents reportable to it; its obligations are the record"
        )
    audit.record(
        actor,
        "regulator.delete",
        target_type="regulator",
        target_id=regulator.id,
        before=audit.values_of(regulator, *REGULATOR_FIELDS),
    )
    db.session.delete(regulator)
    db.session.flush()


def contacts_of(regulator: Regulator) -> list[ContactPoint]:
    if regulator.subscriber_id is None:
        return []
    return list(
        db.session.scalars(
            select(ContactPoint)
            .where(ContactPoint.subscriber_id == regulator.subscriber_id)
            .order_by(ContactPoint.priority)
        )
    )


def set_regulator_contacts(
    regulator: Regulator, contacts: Sequence[tuple[str, str]], *, actor: Actor
) -> list[ContactPoint]:
    """Replace the regulator's contact points, in order ((channel, address) pairs)."""
    before = [(c.channel.value, c.address) for c in contacts_of(regulator)]
    if regulator.subscriber_id is None:
        regulator.subscriber_id = crisis_notices.internal_subscriber(
            f"Regulator: {regulator.name}"
        ).id
    subscriber = db.session.get(Subscriber, regulator.subscriber_id)
    points = crisis_notices.set_contacts(subscriber, contacts)
    audit.record(
        actor,
        "regulator.contacts",
        target_type="regulator",
        target_id=regulator.id,
        before={"contacts": before},
        after={"contacts": [(c.channel.value, c.address) for c in points]},
    )
    return points


@dataclass(frozen=True)
class BoundSpec:
    """A bound as staff or the library state it: `after` names the earlier stage of a chain."""

    trigger: str
    amount: int
    unit: str
    after: str | None = None


def _bound(regulator: Regulator, spec: BoundSpec) -> RuleBound:
    try:
        trigger, unit = TriggerKind(spec.trigger), Unit(spec.unit)
    except ValueError as error:
        raise InvalidInput(f"unknown trigger or unit: {error}") from None
    if not 0 < int(spec.amount) <= 10_000:
        raise InvalidInput("a deadline's amount is a whole number from 1 to 10000")
    after = None
    if trigger is TriggerKind.report:
        after = next((r for r in regulator.rules if r.stage == (spec.after or "")), None)
        if after is None:
            raise InvalidInput(
                f"a chained deadline names an earlier stage of {regulator.name} "
                f"(not {spec.after or 'none'!r})"
            )
    return RuleBound(trigger=trigger, amount=int(spec.amount), unit=unit, after_rule=after)


def add_rule(
    regulator: Regulator,
    *,
    stage: str,
    what_to_send: str,
    bounds: Sequence[BoundSpec],
    actor: Actor,
) -> RegulatorRule:
    """A new report stage; several bounds are combined as "whichever is earlier"."""
    stage = stage.strip()
    if not stage:
        raise InvalidInput("a rule needs its stage (e.g. initial, final)")
    if any(r.stage == stage for r in regulator.rules):
        raise InvalidInput(f"{regulator.name} has a {stage!r} rule already")
    if not bounds:
        raise InvalidInput("a rule needs at least one deadline")
    rule = RegulatorRule(
        stage=stage,
        what_to_send=what_to_send.strip(),
        position=len(regulator.rules),
        bounds=[_bound(regulator, spec) for spec in bounds],
    )
    regulator.rules.append(rule)
    db.session.flush()
    for incident_id in _reportable_incidents(regulator.id):
        _ensure_obligations(db.session.get(Incident, incident_id), regulator)
    audit.record(
        actor,
        "regulator.rule.add",
        target_type="regulator",
        target_id=regulator.id,
        after={"stage": stage, "bounds": [rule_summary(rule)]},
    )
    return rule


def delete_rule(rule: RegulatorRule, *, actor: Actor) -> None:
    """Remove a rule no incident has an obligation under (obligations are the record)."""
    if db.session.scalar(select(Obligation.id).where(Obligation.rule_id == rule.id).limit(1)):
        raise InvalidInput(f"the {rule.stage!r} rule has obligations on incidents; keep it")
    audit.record(
        actor,
        "regulator.rule.delete",
        target_type="regulator",
        target_id=rule.regulator_id,
        before={"stage": rule.stage, "bounds": [rule_summary(rule)]},
    )
    db.session.delete(rule)
    db.session.flush()


def rule_summary(rule: RegulatorRule) -> str:
    """ "4 hours after classification, or 24 hours after awareness if earlier"."""
    parts = [
        f"{b.amount} {b.unit.label} after "
        + (f"the {b.after_rule.stage} was sent" if b.after_rule else b.trigger.value)
        for b in rule.bounds
    ]
    return parts[0] + "".join(f", or {p} if earlier" for p in parts[1:])


# -- an incident's triggers and obligations ------------------------------------------------


def jurisdiction(regulator: Regulator) -> deadlines.Jurisdiction:
    return deadlines.Jurisdiction(regulator.timezone, regulator.country_code, regulator.subdivision)


def triggers_of(incident: Incident) -> dict[TriggerKind, TriggerTime]:
    rows = db.session.scalars(select(TriggerTime).where(TriggerTime.incident_id == incident.id))
    return {row.kind: row for row in rows}


def obligations_of(incident: Incident) -> list[Obligation]:
    return list(
        db.session.scalars(
            select(Obligation)
            .join(RegulatorRule)
            .join(Regulator)
            .where(Obligation.incident_id == incident.id)
            .order_by(Regulator.name, RegulatorRule.position)
        )
    )


def refresh_obligations(incident: Incident) -> None:
    """Recompute every obligation's due time from the incident's triggers and sent reports."""
    obligations = obligations_of(incident)
    times: dict[str, datetime | None] = {
        kind.value: row.occurred_at for kind, row in triggers_of(incident).items()
    }
    times |= {f"report:{o.rule_id}": o.sent_at for o in obligations}
    for obligation in obligations:
        rule = obligation.rule
        bounds = [
            deadlines.Bound(
                f"report:{b.after_rule_id}" if b.after_rule_id else b.trigger.value,
                b.amount,
                b.unit,
            )
            for b in rule.bounds
        ]
        obligation.due_at = deadlines.due_at(bounds, times, jurisdiction(rule.regulator))
    db.session.flush()


def record_trigger(
    incident: Incident,
    kind: TriggerKind | str,
    occurred_at: datetime,
    *,
    user: StaffUser | None,
    actor: Actor,
    now: datetime,
) -> TriggerTime:
    """Record (or correct) when a trigger happened; due times follow from it, not from now."""
    kind = TriggerKind(kind)
    if kind is TriggerKind.report:
        raise InvalidInput("a report's submission is recorded by sending or recording it")
    if occurred_at > now + timedelta(minutes=5):
        raise InvalidInput("a trigger time cannot be in the future (times are in UTC)")
    row = triggers_of(incident).get(kind)
    before = None if row is None else {"occurred_at": row.occurred_at}
    if row is None:
        row = TriggerTime(incident_id=incident.id, kind=kind)
        db.session.add(row)
    row.occurred_at, row.recorded_at = occurred_at, now
    row.recorded_by_id = user.id if user else None
    db.session.flush()
    refresh_obligations(incident)
    audit.record(
        actor,
        "regulators.trigger",
        target_type="incident",
        target_id=incident.id,
        incident_id=incident.id,
        before=before,
        after={"kind": kind.value, "occurred_at": occurred_at},
    )
    return row


def _ensure_obligations(incident: Incident, regulator: Regulator) -> None:
    have = set(
        db.session.scalars(
            select(Obligation.rule_id).where(
                Obligation.incident_id == incident.id,
                Obligation.rule_id.in_([r.id for r in regulator.rules]),
            )
        )
    )
    for rule in regulator.rules:
        if rule.id not in have:
            db.session.add(Obligation(incident_id=incident.id, rule_id=rule.id))
    db.session.flush()
    refresh_obligations(incident)


def reportable_to(incident: Incident) -> list[Regulator]:
    return list(
        db.session.scalars(
            select(Regulator)
            .join(Reportable, Reportable.regulator_id == Regulator.id)
            .where(Reportable.incident_id == incident.id)
            .order_by(Regulator.name)
        )
    )


def set_reportable(
    incident: Incident, regulator_ids: Iterable[int], *, user: StaffUser | None, actor: Actor
) -> list[Regulator]:
    """Make the incident reportable to exactly these regulators; returns them.

    A regulator added gets one obligation per rule; one removed loses its obligations,
    unless a report was already submitted to it (that record stays).
    """
    wanted = {int(i) for i in regulator_ids}
    regulators = {
        r.id: r for r in db.session.scalars(select(Regulator).where(Regulator.id.in_(wanted)))
    }
    if missing := wanted - regulators.keys():
        raise InvalidInput(f"no such regulator: {sorted(missing)}")
    current = {r.id: r for r in reportable_to(incident)}
    for regulator_id in current.keys() - wanted:
        rule_ids = [r.id for r in current[regulator_id].rules]
        submitted = db.session.scalar(
            select(Obligation.id).where(
                Obligation.incident_id == incident.id,
                Obligation.rule_id.in_(rule_ids),
                Obligation.sent_at.is_not(None),
            )
        )
        if submitted:
            raise InvalidInput(
                f"a report was already submitted to {current[regulator_id].name}; "
                "it stays reportable"
            )
        db.session.execute(
            delete(Obligation).where(
                Obligation.incident_id == incident.id, Obligation.rule_id.in_(rule_ids)
            )
        )
        db.session.execute(
            delete(Reportable).where(
                Reportable.incident_id == incident.id, Reportable.regulator_id == regulator_id
            )
        )
    for regulator_id in wanted - current.keys():
        db.session.add(
            Reportable(
                incident_id=incident.id,
                regulator_id=regulator_id,
                marked_by_id=user.id if user else None,
            )
        )
        db.session.flush()
        _ensure_obligations(incident, regulators[regulator_id])
    db.session.flush()
    if wanted != current.keys():
        audit.record(
            actor,
            "regulators.reportable",
            target_type="incident",
            target_id=incident.id,
            incident_id=incident.id,
            before={"regulators": sorted(r.name for r in current.values())},
            after={"regulators": sorted(r.name for r in regulators.values())},
        )
    return sorted(regulators.values(), key=lambda r: r.name)


@dataclass(frozen=True)
class BoardRow:
    """One obligation as the countdown board shows it."""

    obligation: Obligation
    regulator: Regulator
    rule: RegulatorRule
    state: deadlines.State
    left: timedelta | None  # due - now (negative: overdue); None while waiting
    late: bool  # submitted after its due time

    @property
    def countdown(self) -> str:
        if self.left is None:
            return ""
        words = deadlines.describe(self.left)
        return f"{words} left" if self.left > timedelta(0) else f"overdue by {words}"


def board(incident: Incident, now: datetime) -> list[BoardRow]:
    rows = []
    for o in obligations_of(incident):
        state = deadlines.state(o.due_at, now, sent_at=o.sent_at, acknowledged_at=o.acknowledged_at)
        open_ = state in (deadlines.State.due, deadlines.State.overdue)
        rows.append(
            BoardRow(
                obligation=o,
                regulator=o.rule.regulator,
                rule=o.rule,
                state=state,
                left=(o.due_at - now) if open_ and o.due_at else None,
                late=o.sent_at is not None and deadlines.is_late(o.due_at, o.sent_at),
            )
        )
    return rows


def get_obligation(obligation_id: int) -> Obligation:
    obligation = db.session.get(Obligation, obligation_id)
    if obligation is None:
        raise NotFound("no such obligation")
    return obligation


def _check_late(obligation: Obligation, submitted_at: datetime, late_reason: str) -> None:
    if deadlines.is_late(obligation.due_at, submitted_at) and not late_reason.strip():
        rule = obligation.rule
        raise InvalidInput(
            f"the {rule.stage} to {rule.regulator.name} was due at "
            f"{obligation.due_at:%Y-%m-%d %H:%M} UTC: a late submission needs its reason"
        )


def _mark_sent(
    obligation: Obligation, submitted_at: datetime, late_reason: str, user: StaffUser | None
) -> None:
    obligation.sent_at = submitted_at
    obligation.submitted_by_id = user.id if user else None
    if deadlines.is_late(obligation.due_at, submitted_at):
        obligation.late_reason = late_reason.strip()


def record_portal_submission(
    obligation: Obligation,
    *,
    reference: str,
    submitted_at: datetime,
    late_reason: str = "",
    user: StaffUser | None,
    actor: Actor,
    now: datetime,
) -> Obligation:
    """A report filed by hand on the regulator's portal, with its reference number."""
    reference = reference.strip()
    if not reference:
        raise InvalidInput("a portal submission needs its reference number")
    if obligation.sent_at is not None:
        raise InvalidInput("this report was submitted already")
    if submitted_at > now + timedelta(minutes=5):
        raise InvalidInput("a submission time cannot be in the future (times are in UTC)")
    _check_late(obligation, submitted_at, late_reason)
    _mark_sent(obligation, submitted_at, late_reason, user)
    obligation.portal_reference = reference
    incident = db.session.get(Incident, obligation.incident_id)
    refresh_obligations(incident)  # a chained report's clock starts now
    audit.record(
        actor,
        "regulators.portal_submission",
        target_type="obligation",
        target_id=obligation.id,
        incident_id=incident.id,
        after={
            "regulator": obligation.rule.regulator.name,
            "stage": obligation.rule.stage,
            "reference": reference,
            "submitted_at": submitted_at,
            "late_reason": obligation.late_reason,
        },
    )
    return obligation


# -- regulator notices ---------------------------------------------------------------------


class _Blank(dict):
    """Unknown placeholders stay as written, so a template typo shows instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, fields: dict[str, str]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Blank(fields))
    except (ValueError, IndexError):
        return template  # stray braces: the text as written


def template_fields(incident: Incident) -> dict[str, str]:
    """What a rule's "what must be sent" may name in braces: {incident_name}, {awareness}..."""
    latest = incident.latest_update
    fields = {
        "incident_name": incident.name,
        "incident_id": incident.id,
        "status": incident.status.label,
        "impact": incident.impact.value,
        "started_at": f"{incident.started_at:%Y-%m-%d %H:%M} UTC",
        "latest_update": latest.body if latest is not None else "",
    }
    for kind in TriggerKind:
        fields[kind.value] = "not recorded"
    for kind, row in triggers_of(incident).items():
        fields[kind.value] = f"{row.occurred_at:%Y-%m-%d %H:%M} UTC"
    return fields


def draft_text(incident: Incident, obligations: Sequence[Obligation]) -> tuple[str, str]:
    """A notice's subject and body from the template, filled with the incident's fields."""
    fields = template_fields(incident)
    stages = ", ".join(sorted({o.rule.stage for o in obligations}))
    subject = f"Incident notification ({stages}): {incident.name}"
    lines = [
        f"Incident: {fields['incident_name']} (reference {fields['incident_id']})",
        f"Status: {fields['status']}; impact: {fields['impact']}",
        f"Started: {fields['started_at']}",
    ]
    lines += [
        f"{kind.value.capitalize()}: {fields[kind.value]}"
        for kind in TriggerKind
        if kind is not TriggerKind.report and fields[kind.value] != "not recorded"
    ]
    for o in obligations:
        rule = o.rule
        lines += ["", f"## {rule.regulator.name}: {rule.stage}", ""]
        lines.append(_fill(rule.what_to_send, fields) or "(describe the incident)")
    if fields["latest_update"]:
        lines += ["", "## Latest update", "", fields["latest_update"]]
    return subject[:300], "\n".join(lines)


def get_notice(notice_id: int) -> RegulatorNotice:
    notice = db.session.get(RegulatorNotice, notice_id)
    if notice is None:
        raise NotFound("no such regulator notice")
    return notice


def notices_of(incident: Incident) -> list[RegulatorNotice]:
    return list(
        db.session.scalars(
            select(RegulatorNotice)
            .where(RegulatorNotice.incident_id == incident.id)
            .order_by(RegulatorNotice.id.desc())
        )
    )


def compose_notice(
    incident: Incident, obligation_ids: Iterable[int], *, author: StaffUser, actor: Actor
) -> RegulatorNotice:
    """A draft notice for these open obligations of the incident, from the template."""
    ids = {int(i) for i in obligation_ids}
    if not ids:
        raise InvalidInput("choose the reports this notice submits")
    obligations = list(
        db.session.scalars(
            select(Obligation)
            .where(Obligation.id.in_(ids), Obligation.incident_id == incident.id)
            .order_by(Obligation.id)
        )
    )
    if len(obligations) != len(ids):
        raise InvalidInput("a chosen report is not one of this incident's")
    if done := [o for o in obligations if o.sent_at is not None]:
        raise InvalidInput(f"the {done[0].rule.stage} to {done[0].rule.regulator.name} was sent")
    subject, body = draft_text(incident, obligations)
    notice = RegulatorNotice(
        incident_id=incident.id,
        subject=subject,
        body=body,
        author_id=author.id,
        obligations=obligations,
    )
    db.session.add(notice)
    db.session.flush()
    audit.record(
        actor,
        "regulator_notice.compose",
        target_type="regulator_notice",
        target_id=notice.id,
        incident_id=incident.id,
        after={"subject": subject, "obligations": sorted(ids)},
    )
    return notice


def edit_notice(notice: RegulatorNotice, *, subject: str, body: str, actor: Actor) -> None:
    """Change a notice not yet sent; an approved one needs approving again."""
    if notice.state is RegulatorNoticeState.sent:
        raise InvalidInput("this notice was sent; it cannot change")
    if not subject.strip() or not body.strip():
        raise InvalidInput("a notice needs a subject and a body")
    before = {"subject": notice.subject, "body": notice.body, "state": notice.state.value}
    notice.subject, notice.body = subject.strip()[:300], body.strip()
    notice.state, notice.approved_by_id, notice.approved_at = (
        RegulatorNoticeState.draft,
        None,
        None,
    )
    db.session.flush()
    audit.record(
        actor,
        "regulator_notice.edit",
        target_type="regulator_notice",
        target_id=notice.id,
        incident_id=notice.incident_id,
        before=before,
        after={"subject": notice.subject, "body": notice.body, "state": notice.state.value},
    )


def approve_notice(
    notice: RegulatorNotice, *, approver: StaffUser, actor: Actor, now: datetime
) -> None:
    """Legal's approval: by a user whose role approves, who is not the notice's author."""
    if not allows(approver.role, Action.approve):
        raise Forbidden(f"the {approver.role.value} role may not approve regulator notices")
    if notice.author_id == approver.id:
        raise InvalidInput("the author of a notice cannot approve it: a second person must")
    if notice.state is not RegulatorNoticeState.draft:
        raise InvalidInput(f"this notice is {notice.state.value} already")
    notice.state = RegulatorNoticeState.approved
    notice.approved_by_id, notice.approved_at = approver.id, now
    db.session.flush()
    audit.record(
        actor,
        "regulator_notice.approve",
        target_type="regulator_notice",
        target_id=notice.id,
        incident_id=notice.incident_id,
        after={"approved_by": approver.email},
    )


def send_notice(
    notice: RegulatorNotice,
    *,
    sender: StaffUser,
    actor: Actor,
    now: datetime,
    late_reason: str = "",
    ack_window: timedelta = DEFAULT_ACK_WINDOW,
) -> RegulatorNotice:
    """Send an approved notice to its regulators at once, acknowledgement requested; marks
    its obligations sent. A late one needs `late_reason` (refused without)."""
    if notice.state is not RegulatorNoticeState.approved:
        raise InvalidInput("a regulator notice is sent only once legal has approved it")
    obligations = notice.obligations
    if not obligations:  # its regulators were unmarked since it was composed
        raise InvalidInput("this notice submits no report any more: compose a new one")
    if done := [o for o in obligations if o.sent_at is not None]:
        raise InvalidInput(f"the {done[0].rule.stage} to {done[0].rule.regulator.name} was sent")
    for obligation in obligations:
        _check_late(obligation, now, late_reason)
    regulators = {o.rule.regulator.id: o.rule.regulator for o in obligations}
    if unreachable := [r.name for r in regulators.values() if not contacts_of(r)]:
        raise InvalidInput(
            f"{', '.join(sorted(unreachable))} has no contact point: add one, or record a "
            "portal submission instead"
        )
    incident = db.session.get(Incident, notice.incident_id)
    engine_notice = crisis_notices.send_internal(
        incident,
        audience=Audience.regulators,
        kind=CrisisKind.regulator_notice,
        subject=notice.subject,
        body=notice.body,
        subscriber_ids=sorted(r.subscriber_id for r in regulators.values()),
        actor=actor,
        ack_window=ack_window,
    )
    notice.state, notice.sent_at, notice.notice_id = (
        RegulatorNoticeState.sent,
        now,
        engine_notice.id,
    )
    for obligation in obligations:
        _mark_sent(obligation, now, late_reason, sender)
        obligation.regulator_notice_id = notice.id
    refresh_obligations(incident)
    audit.record(
        actor,
        "regulator_notice.send",
        target_type="regulator_notice",
        target_id=notice.id,
        incident_id=incident.id,
        after={
            "regulators": sorted(r.name for r in regulators.values()),
            "notice_id": engine_notice.id,
            "late_reason": late_reason.strip() or None,
        },
    )
    return notice


# -- the sweep: acknowledgements and reminders ---------------------------------------------


def sync_acknowledgements() -> int:
    """Mark obligations acknowledged once their regulator acknowledged the notice's delivery;
    returns how many."""
    rows = db.session.execute(
        select(Obligation, Delivery.acknowledged_at)
        .join(RegulatorNotice, RegulatorNotice.id == Obligation.regulator_notice_id)
        .join(RegulatorRule, RegulatorRule.id == Obligation.rule_id)
        .join(Regulator, Regulator.id == RegulatorRule.regulator_id)
        .join(
            Delivery,
            (Delivery.notice_id == RegulatorNotice.notice_id)
            & (Delivery.subscriber_id == Regulator.subscriber_id),
        )
        .where(Obligation.acknowledged_at.is_(None), Delivery.acknowledged_at.is_not(None))
    ).all()
    marked = set()
    for obligation, acknowledged_at in rows:
        if obligation.id in marked:
            continue
        obligation.acknowledged_at = acknowledged_at
        marked.add(obligation.id)
    db.session.flush()
    return len(marked)


def remind(now: datetime) -> list[int]:
    """Create the reminders now due (one per obligation, lead time and due time) and enqueue
    their emails after commit; returns the new reminders' ids. Only the nearest lead reached
    is sent: an obligation overdue when created gets one reminder, not three."""
    horizon = now + max(REMINDER_LEADS)
    rows = db.session.scalars(
        select(Obligation).where(
            Obligation.sent_at.is_(None),
            Obligation.due_at.is_not(None),
            Obligation.due_at <= horizon,
            # Past its last reminder (at the due time): never looked at again.
            ~select(ObligationReminder.id)
            .where(
                ObligationReminder.obligation_id == Obligation.id,
                ObligationReminder.lead_minutes == 0,
                ObligationReminder.due_at == Obligation.due_at,
            )
            .exists(),
        )
    )
    created = []
    for obligation in rows:
        reached = [lead for lead in REMINDER_LEADS if now >= obligation.due_at - lead]
        lead_minutes = int(min(reached).total_seconds() // 60)
        exists = db.session.scalar(
            select(ObligationReminder.id).where(
                ObligationReminder.obligation_id == obligation.id,
                ObligationReminder.lead_minutes <= lead_minutes,
                ObligationReminder.due_at == obligation.due_at,
            )
        )
        if exists:
            continue
        reminder = ObligationReminder(
            obligation_id=obligation.id, lead_minutes=lead_minutes, due_at=obligation.due_at
        )
        db.session.add(reminder)
        db.session.flush()
        after_commit("send_obligation_reminder", reminder.id)
        created.append(reminder.id)
    return created


def sweep(now: datetime) -> None:
    """The periodic part: acknowledgements into obligations, reminders before deadlines."""
    sync_acknowledgements()
    remind(now)
