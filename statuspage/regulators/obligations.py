"""Each incident's regulatory obligations: triggers, which regulators it is reportable to,
the deadline board, and portal submissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from statuspage.audit import trail
from statuspage.audit.trail import Actor
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.extensions import db
from statuspage.models import (
    Incident,
    Obligation,
    Regulator,
    RegulatorRule,
    Reportable,
    StaffUser,
    TriggerKind,
    TriggerTime,
)
from statuspage.regulators import deadlines

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
        raise InvalidInput("a trigger time cannot be in the future")
    row = triggers_of(incident).get(kind)
    before = None if row is None else {"occurred_at": row.occurred_at}
    if row is None:
        row = TriggerTime(incident_id=incident.id, kind=kind)
        db.session.add(row)
    row.occurred_at, row.recorded_at = occurred_at, now
    row.recorded_by_id = user.id if user else None
    db.session.flush()
    refresh_obligations(incident)
    trail.record(
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
        trail.record(
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
    filed_text: str = "",
    user: StaffUser | None,
    actor: Actor,
    now: datetime,
) -> Obligation:
    """A report filed by hand on the regulator's portal, with its reference number and the
    text filed (kept on the obligation and in the audit trail, as the record of what the
    regulator was told)."""
    reference = reference.strip()
    if not reference:
        raise InvalidInput("a portal submission needs its reference number")
    if obligation.sent_at is not None:
        raise InvalidInput("this report was submitted already")
    if submitted_at > now + timedelta(minutes=5):
        raise InvalidInput("a submission time cannot be in the future")
    _check_late(obligation, submitted_at, late_reason)
    _mark_sent(obligation, submitted_at, late_reason, user)
    obligation.portal_reference = reference
    obligation.filed_text = filed_text.strip() or None
    incident = db.session.get(Incident, obligation.incident_id)
    refresh_obligations(incident)  # a chained report's clock starts now
    trail.record(
        actor,
        "regulators.portal_submission",
        target_type="obligation",
        target_id=obligation.id,
        incident_id=incident.id,
        after={
            "regulator": obligation.rule.regulator.name,
            "stage": obligation.rule.stage,
            "reference": reference,
            "filed_text": obligation.filed_text,
            "submitted_at": submitted_at,
            "late_reason": obligation.late_reason,
        },
    )
    return obligation
