"""The regulator registry: regulators, their contact points and their notification rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import available_timezones

import holidays
from sqlalchemy import select

from statuspage.audit import trail
from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import Actor
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.crisis import notices
from statuspage.extensions import db
from statuspage.models import (
    ContactPoint,
    Incident,
    Obligation,
    Regulator,
    RegulatorRule,
    Reportable,
    RuleBound,
    Subscriber,
    TriggerKind,
    Unit,
)
from statuspage.regulators.obligations import _ensure_obligations, refresh_obligations

REGULATOR_FIELDS = ("name", "jurisdiction", "country_code", "subdivision", "timezone")


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
        subscriber_id=notices.internal_subscriber(f"Regulator: {name}").id,
    )
    db.session.add(regulator)
    db.session.flush()
    record_created(
        actor,
        "regulator.create",
        regulator,
        (*REGULATOR_FIELDS, "library_key"),
        target_type="regulator",
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
    with record_change(
        actor, "regulator.update", regulator, REGULATOR_FIELDS, target_type="regulator"
    ):
        regulator.name, regulator.jurisdiction, regulator.timezone = name, jurisdiction, timezone
        regulator.country_code, regulator.subdivision = country, subdiv
        regulator.source_note = source_note.strip()
        if regulator.subscriber_id is not None:  # its contact points' holder is named after it
            db.session.get(Subscriber, regulator.subscriber_id).name = f"Regulator: {name}"
        db.session.flush()
        for incident_id in _reportable_incidents(regulator.id):  # business days may have moved
            refresh_obligations(db.session.get(Incident, incident_id))
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
    record_removed(actor, "regulator.delete", regulator, REGULATOR_FIELDS, target_type="regulator")
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
        regulator.subscriber_id = notices.internal_subscriber(f"Regulator: {regulator.name}").id
    subscriber = db.session.get(Subscriber, regulator.subscriber_id)
    points = notices.set_contacts(subscriber, contacts)
    trail.record(
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
    record_created(
        actor,
        "regulator.rule.add",
        rule,
        _rule_values,
        target_type="regulator",
        target_id=regulator.id,
    )
    return rule


def delete_rule(rule: RegulatorRule, *, actor: Actor) -> None:
    """Remove a rule no incident has an obligation under (obligations are the record)."""
    if db.session.scalar(select(Obligation.id).where(Obligation.rule_id == rule.id).limit(1)):
        raise InvalidInput(f"the {rule.stage!r} rule has obligations on incidents; keep it")
    record_removed(
        actor,
        "regulator.rule.delete",
        rule,
        _rule_values,
        target_type="regulator",
        target_id=rule.regulator_id,
    )
    db.session.delete(rule)
    db.session.flush()


def _rule_values(rule: RegulatorRule) -> dict[str, object]:
    """A rule is audited on its regulator (the target), by its stage and deadlines."""
    return {"stage": rule.stage, "bounds": [rule_summary(rule)]}


def rule_summary(rule: RegulatorRule) -> str:
    """ "4 hours after classification, or 24 hours after awareness if earlier"."""
    parts = [
        f"{b.amount} {b.unit.label} after "
        + (f"the {b.after_rule.stage} was sent" if b.after_rule else b.trigger.value)
        for b in rule.bounds
    ]
    return parts[0] + "".join(f", or {p} if earlier" for p in parts[1:])
