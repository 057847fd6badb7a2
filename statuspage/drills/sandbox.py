"""The drill's sandbox: a fresh SQLite database migrated from scratch in its own instance
folder, into which a drill copy of the live roster is written.

Nothing of the drill can reach a customer, a regulator or the public page, by construction:
- the sandbox is another database and another instance folder (its snapshots, exports and
  queue are its own); the live database is only read, and only its roster;
- subscribers are never copied: no customer exists in the sandbox to be notified;
- every contact path is rewritten: email to `drill+<name>@<drill domain>`, SMS to a number
  reserved for drama (+44 7700 900xxx), chat webhooks dropped; regulators get drill addresses;
- the sandbox's config has no SMTP server (mail is written to its dev mailbox,
  `<sandbox>/mail/`), no Twilio, no social accounts, and its queue runs jobs immediately.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from flask import Flask, current_app, has_app_context
from flask_migrate import upgrade
from sqlalchemy import event, select

from statuspage.audit.trail import Actor
from statuspage.clock import utcnow
from statuspage.drills.scenario import PlaybookSpec, Scenario, ScenarioError
from statuspage.extensions import db
from statuspage.models import (
    Channel,
    Component,
    ContactPoint,
    CrisisRole,
    EscalationPolicy,
    Page,
    Playbook,
    Regulator,
    Role,
    StaffUser,
    TeamMember,
)

DRILL_ACTOR = Actor("drill")
DRILL_MAIL_FROM = "Herald drill <drill@herald.invalid>"  # .invalid: replies go nowhere
DRILL_BASE_URL = "https://drill.herald.invalid"  # links in the drill's mail lead nowhere real
DRILL_PHONE = "+447700900{:03d}"  # Ofcom's numbers reserved for drama: never a real phone
NO_PASSWORD = "!drill"  # noqa: S105 not a password hash: nobody signs in to a sandbox


@dataclass(frozen=True)
class LiveMember:
    name: str
    roles: tuple[str, ...]
    executive: bool
    timezone: str
    quiet_start: time | None
    quiet_end: time | None
    channels: tuple[tuple[str, bool], ...]  # (channel, held in quiet hours), in order


@dataclass(frozen=True)
class LiveBound:
    trigger: str
    amount: int
    unit: str
    after: str | None


@dataclass(frozen=True)
class LiveRule:
    stage: str
    what: str
    bounds: tuple[LiveBound, ...]


@dataclass(frozen=True)
class LiveRegulator:
    name: str
    jurisdiction: str
    country_code: str | None
    subdivision: str | None
    timezone: str
    source_note: str
    library_key: str | None
    rules: tuple[LiveRule, ...]


@dataclass(frozen=True)
class LiveBook:
    """A live playbook as a drill copies it: its fields, and its roles, components and
    regulators by name (the sandbox's rows of the same names)."""

    spec: PlaybookSpec


def _live_playbook(p: Playbook) -> LiveBook:
    return LiveBook(
        PlaybookSpec(
            name=p.name,
            auto_run=p.auto_run,
            impacts=tuple(p.impacts or ()),
            components=tuple(c.name for c in p.components),
            roles=tuple(r.name for r in p.roles),
            regulators=tuple(r.name for r in p.regulators),
            all_paths=p.all_paths,
            repage_minutes=p.repage_minutes,
            max_rounds=p.max_rounds,
            bridge={"phone": p.bridge_phone, "pin": p.bridge_pin, "meeting_url": p.meeting_url},
            note=p.page_note,
            cadence_minutes=p.cadence_minutes,
            briefing_subject=p.briefing_subject,
            briefing_body=p.briefing_body,
            holding_statement=p.holding_statement,
            approved_qa=p.approved_qa,
            do_not_say=p.do_not_say,
            policy=_live_policy(p.policy) if p.policy is not None else None,
        )
    )


def _live_policy(policy: EscalationPolicy) -> tuple:
    """An escalation policy by names: its tiers in order, each with its window."""
    tiers = tuple(
        (t.window_minutes, tuple(r.name for r in t.roles), tuple(m.name for m in t.members))
        for t in sorted(policy.tiers, key=lambda t: t.position)
    )
    return (policy.name, tiers)


@dataclass(frozen=True)
class LiveRoster:
    """What a drill copies from the live database: the crisis roster and the registry of
    regulators, without a single address; never a subscriber."""

    page_name: str | None
    cadence_minutes: int | None
    roles: tuple[str, ...]
    members: tuple[LiveMember, ...]
    regulators: tuple[LiveRegulator, ...]
    components: tuple[str, ...]
    playbooks: tuple[LiveBook, ...] = ()


def read_live_roster() -> LiveRoster:
    """Read the roster from the database of the current app context; writes nothing."""
    try:
        page = db.session.scalars(select(Page).limit(1)).first()
        members = []
        for member in db.session.scalars(select(TeamMember).order_by(TeamMember.id)):
            points = db.session.scalars(
                select(ContactPoint)
                .where(ContactPoint.subscriber_id == member.subscriber_id, ContactPoint.active)
                .order_by(ContactPoint.priority, ContactPoint.id)
            )
            members.append(
                LiveMember(
                    name=member.name,
                    roles=tuple(r.name for r in member.roles),
                    executive=member.executive,
                    timezone=member.timezone,
                    quiet_start=member.quiet_start,
                    quiet_end=member.quiet_end,
                    channels=tuple(
                        (p.channel.value, bool((p.meta or {}).get("quiet_hours"))) for p in points
                    ),
                )
            )
        regulators = tuple(
            LiveRegulator(
                name=r.name,
                jurisdiction=r.jurisdiction,
                country_code=r.country_code,
                subdivision=r.subdivision,
                timezone=r.timezone,
                source_note=r.source_note,
                library_key=r.library_key,
                rules=tuple(
                    LiveRule(
                        rule.stage,
                        rule.what_to_send,
                        tuple(
                            LiveBound(
                                b.trigger.value,
                                b.amount,
                                b.unit.value,
                                b.after_rule.stage if b.after_rule else None,
                            )
                            for b in rule.bounds
                        ),
                    )
                    for rule in r.rules
                ),
            )
            for r in db.session.scalars(select(Regulator).order_by(Regulator.id))
        )
        return LiveRoster(
            page_name=page.name if page else None,
            cadence_minutes=page.update_cadence_minutes if page else None,
            roles=tuple(db.session.scalars(select(CrisisRole.name).order_by(CrisisRole.id))),
            members=tuple(members),
            regulators=regulators,
            components=tuple(db.session.scalars(select(Component.name).order_by(Component.id))),
            playbooks=tuple(
                _live_playbook(p)
                for p in db.session.scalars(select(Playbook).order_by(Playbook.id))
            ),
        )
    finally:
        db.session.rollback()


def drill_name(page_name: str) -> str:
    """The sandbox page's name: every mail of the drill says it is one."""
    return f"DRILL: {page_name}"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "someone"


def drill_email(name: str, domain: str) -> str:
    return f"drill+{slug(name)}@{domain}"


@dataclass
class Sandbox:
    app: Flask
    folder: Path

    @property
    def mailbox(self) -> Path:
        """The sandbox's dev mailbox: every mail the drill sends is written here."""
        return self.folder / "mail"


def _throwaway(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """The sandbox is thrown away after the drill: it need not survive a power cut."""
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def build_sandbox(folder: Path, *, page_name: str) -> Sandbox:
    """A new app on a fresh SQLite database in `folder`, migrated from scratch, its queue
    immediate and its channels limited to the dev mailbox."""
    from statuspage import create_app
    from statuspage.config import from_environment
    from statuspage.delivery.outbox import RENDER_SNAPSHOTS
    from statuspage.jobs.queue import QUEUE_KEY

    folder.mkdir(parents=True, exist_ok=True)
    config = from_environment(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'drill.db'}",
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": secrets.token_urlsafe(32),
            "BASE_URL": DRILL_BASE_URL,
            "PAGE_NAME": drill_name(page_name),
            "MAIL_FROM": DRILL_MAIL_FROM,
            "QUEUE_URL": f"sqlite:///{folder / 'queue.db'}",
            "SNAPSHOT_VERSION_TTL": "0",
        }
    )
    # Explicitly empty, whatever the live process was started with: nothing leaves the sandbox.
    config.update(SMTP_URL="", TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="", TWILIO_FROM="")
    if has_app_context():
        # Flask-Limiter is one object per process and every create_app re-initialises it: the
        # sandbox keeps the live app's counters' store, never one in a folder removed when the
        # drill ends (the live app's throttles would then fail on a missing file).
        config["RATELIMIT_STORAGE_URI"] = current_app.config["RATELIMIT_STORAGE_URI"]
    app = create_app(config)
    queue = app.extensions[QUEUE_KEY]
    queue.huey.immediate = True
    # Nobody reads the sandbox's public page: rendering its snapshots would only cost time.
    queue.jobs[RENDER_SNAPSHOTS.name] = lambda *args: None
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        event.listen(db.engine, "connect", _throwaway)
        upgrade()  # alembic's INFO lines are the migration's business, not the drill's
    return Sandbox(app, folder)


# -- the drill roster ---------------------------------------------------------------------


@dataclass
class Cast:
    """The sandbox's people and regulators, by the names a scenario uses."""

    staff: dict[str, int]  # person -> drill staff account id
    members: dict[str, int]  # person -> team member id
    regulators: dict[str, int]  # library key and name -> regulator id
    stand_ins: list[str]  # scenario people the live roster did not have


class _Paths:
    """Drill addresses, unique within the sandbox."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        self.phones = 0
        self.emails: set[str] = set()

    def email(self, name: str) -> str:
        address, n = drill_email(name, self.domain), 1
        while address in self.emails:
            n += 1
            address = drill_email(f"{name} {n}", self.domain)
        self.emails.add(address)
        return address

    def phone(self) -> str:
        self.phones += 1
        return DRILL_PHONE.format(self.phones % 1000)

    def rewrite(self, name: str, channels: tuple[tuple[str, bool], ...]) -> list:
        """A member's paths in their order, each to a drill address; chat webhooks dropped
        (a drill posts in no real channel); an email first when none is left."""
        from statuspage.crisis.roster import ContactLine

        lines = []
        for channel, quiet in channels:
            if channel == Channel.email.value:
                lines.append(ContactLine("email", self.email(name), quiet))
            elif channel == Channel.sms.value:
                lines.append(ContactLine("sms", self.phone(), quiet))
        if not any(line.channel == "email" for line in lines):
            lines.insert(0, ContactLine("email", self.email(name)))
        return lines


def seed(live: LiveRoster, scenario: Scenario) -> Cast:
    """Write the drill roster into the sandbox (the current app context): the live roles,
    members and regulators with drill addresses, then the scenario's people the live roster
    does not have (all of them on an empty database) as stand-ins, each scenario person with a
    drill staff account to act with. Flushed; the runner commits."""
    from statuspage.crisis import roster
    from statuspage.page.state import ensure_page
    from statuspage.regulators import library, registry

    page = ensure_page(drill_name(live.page_name or scenario.name))
    if live.cadence_minutes:
        page.update_cadence_minutes = live.cadence_minutes
    wanted_roles = [
        *live.roles,
        *scenario.roles,
        *(r for p in scenario.people for r in p.roles),
        *(r for b in scenario.playbooks for r in b.roles),
    ]
    for name in dict.fromkeys(wanted_roles):
        if db.session.scalar(select(CrisisRole.id).where(CrisisRole.name == name)) is None:
            db.session.add(CrisisRole(name=name))
    db.session.flush()
    role_ids = dict(db.session.execute(select(CrisisRole.name, CrisisRole.id)).all())
    paths = _Paths(scenario.domain)
    members: dict[str, int] = {}
    for m in live.members:
        member = roster.save_member(
            None,
            name=m.name,
            role_ids=[role_ids[r] for r in m.roles],
            contacts=paths.rewrite(m.name, m.channels),
            executive=m.executive,
            timezone=m.timezone,
            quiet_start=m.quiet_start,
            quiet_end=m.quiet_end,
            actor=DRILL_ACTOR,
        )
        members[m.name] = member.id
    stand_ins = []
    for p in scenario.people:
        if p.name in members:
            continue
        member = roster.save_member(
            None,
            name=p.name,
            role_ids=[role_ids[r] for r in p.roles],
            contacts=paths.rewrite(p.name, tuple((c, False) for c in p.contacts)),
            executive=p.executive,
            timezone=p.timezone,
            actor=DRILL_ACTOR,
        )
        members[p.name] = member.id
        stand_ins.append(p.name)
    staff: dict[str, int] = {}
    for p in scenario.people:
        user = StaffUser(
            email=paths.email(f"staff {p.name}"),
            name=p.name,
            role=Role(p.staff_role),
            password_hash=NO_PASSWORD,
            active=True,
        )
        db.session.add(user)
        db.session.flush()
        db.session.get(TeamMember, members[p.name]).staff_user_id = user.id
        staff[p.name] = user.id
    regulators: dict[str, int] = {}
    for r in live.regulators:
        regulator = registry.create_regulator(
            name=r.name,
            jurisdiction=r.jurisdiction,
            country_code=r.country_code,
            subdivision=r.subdivision,
            timezone=r.timezone,
            source_note=r.source_note,
            actor=DRILL_ACTOR,
            library_key=r.library_key,
        )
        for rule in r.rules:
            registry.add_rule(
                regulator,
                stage=rule.stage,
                what_to_send=rule.what,
                bounds=[
                    registry.BoundSpec(b.trigger, b.amount, b.unit, b.after) for b in rule.bounds
                ],
                actor=DRILL_ACTOR,
            )
    present = set(db.session.scalars(select(Regulator.library_key)))
    known = {entry["key"] for entry in library.library()}
    live_names = {r.name for r in live.regulators}
    named = [key for b in scenario.playbooks for key in b.regulators]
    for key in dict.fromkeys([*scenario.regulators, *named]):
        if key not in present and key in known and key not in live_names:
            library.add_from_library(key, actor=DRILL_ACTOR)
            present.add(key)
    for regulator in db.session.scalars(select(Regulator).order_by(Regulator.id)):
        registry.set_regulator_contacts(
            regulator,
            [("email", paths.email(f"regulator {regulator.library_key or regulator.name}"))],
            actor=DRILL_ACTOR,
        )
        regulators[regulator.name] = regulator.id
        if regulator.library_key:
            regulators[regulator.library_key] = regulator.id
    db.session.flush()
    _seed_playbooks(live, scenario, regulators)
    return Cast(staff=staff, members=members, regulators=regulators, stand_ins=stand_ins)


def _seed_playbooks(live: LiveRoster, scenario: Scenario, regulators: dict[str, int]) -> None:
    """The live playbooks, then the scenario's that the live database has no playbook of the
    same name for; their components are created in the sandbox when missing. A ScenarioError
    (the drill exits 2) when one names a role or regulator the sandbox does not have, or a
    field crisis.playbooks refuses."""
    from statuspage.components.catalog import create_component
    from statuspage.core.errors import DomainError

    live_names = {b.spec.name for b in live.playbooks}
    specs = [b.spec for b in live.playbooks]
    specs += [s for s in scenario.playbooks if s.name not in live_names]
    role_ids = dict(db.session.execute(select(CrisisRole.name, CrisisRole.id)).all())
    for spec in specs:
        where = f"playbook {spec.name!r}"
        if missing := [r for r in spec.roles if r not in role_ids]:
            raise ScenarioError(f"{where}: no role {missing[0]!r} on the drill roster")
        if missing := [r for r in spec.regulators if r not in regulators]:
            raise ScenarioError(f"{where}: no regulator {missing[0]!r} in the drill's registry")
        component_ids = []
        for name in spec.components:
            component = db.session.scalars(select(Component).where(Component.name == name)).first()
            component = component or create_component(name, actor=DRILL_ACTOR)
            component_ids.append(component.id)
        try:
            _save_playbook(spec, component_ids, role_ids, regulators)
        except DomainError as exc:
            raise ScenarioError(f"{where}: {exc}") from None


def _save_playbook(
    spec: PlaybookSpec, component_ids: list, role_ids: dict[str, int], regulators: dict[str, int]
) -> None:
    from statuspage.crisis import escalation, playbooks

    policy_id = None
    if spec.policy is not None:
        # The drill copy of the live policy: its tiers page the sandbox's roles and members
        # of the same names (a member the drill roster lacks is left out of the tier).
        name, tiers = spec.policy
        member_ids = dict(db.session.execute(select(TeamMember.name, TeamMember.id)).all())
        policy = db.session.scalars(
            select(EscalationPolicy).where(EscalationPolicy.name == name)
        ).first() or escalation.save_policy(
            None,
            name=name,
            tiers=[
                escalation.TierSpec(
                    role_ids=[role_ids[r] for r in roles if r in role_ids],
                    member_ids=[member_ids[m] for m in members if m in member_ids],
                    window_minutes=window,
                )
                for window, roles, members in tiers
            ],
            actor=DRILL_ACTOR,
        )
        policy_id = policy.id
    playbooks.save_playbook(
        None,
        playbooks.PlaybookFields(
            name=spec.name,
            auto_run=spec.auto_run,
            impacts=spec.impacts,
            component_ids=tuple(component_ids),
            role_ids=tuple(role_ids[r] for r in spec.roles),
            policy_id=policy_id,
            all_paths=spec.all_paths,
            repage_minutes=spec.repage_minutes,
            max_rounds=spec.max_rounds,
            bridge_phone=spec.bridge.get("phone", ""),
            bridge_pin=spec.bridge.get("pin", ""),
            meeting_url=spec.bridge.get("meeting_url", ""),
            page_note=spec.note,
            cadence_minutes=spec.cadence_minutes,
            briefing_subject=spec.briefing_subject,
            briefing_body=spec.briefing_body,
            holding_statement=spec.holding_statement,
            approved_qa=spec.approved_qa,
            do_not_say=spec.do_not_say,
            regulator_ids=tuple(dict.fromkeys(regulators[r] for r in spec.regulators)),
        ),
        actor=DRILL_ACTOR,
        now=utcnow(),
    )
