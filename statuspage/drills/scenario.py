"""A drill's scenario: the YAML file read into checked dataclasses, or a ScenarioError that
says what is wrong and where (never a traceback).

A step is `at: "+HH:MM"` (minutes after the drill starts), `do: <kind>` and the kind's own
fields. The kinds and the fields each takes are listed in STEP_FIELDS; the runner has one
handler per kind (runner.HANDLERS). A new kind (e.g. `playbook`) is one entry in each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from statuspage.regulators import library

MAX_MINUTES = 24 * 60  # a drill is a day at most
_OFFSET = re.compile(r"^\+(\d{1,2}):([0-5]\d)$")
_CHANNELS = ("email", "sms")
STAFF_ROLES = ("owner", "comms", "responder", "legal", "viewer")

# kind -> (required fields, optional fields); `at` and `do` are every step's. A new kind is
# one entry here and one handler in runner.HANDLERS.
STEP_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "open_incident": (
        frozenset({"name", "body", "by"}),
        frozenset({"components", "impact", "status", "cadence_minutes"}),
    ),
    "post_update": (frozenset({"body", "by"}), frozenset({"status", "components"})),
    "resolve": (frozenset({"body", "by"}), frozenset({"components"})),
    "page_team": (
        frozenset({"roles", "bridge", "by"}),  # a bridge, as the admin's form asks for one
        frozenset({"all_paths", "repage_minutes", "max_rounds", "note"}),
    ),
    "acknowledge": (frozenset({"member"}), frozenset()),
    "guidelines": (
        frozenset({"by"}),
        frozenset({"holding_statement", "approved_qa", "do_not_say"}),
    ),
    "brief_executives": (frozenset({"subject", "body", "by"}), frozenset()),
    "reportable": (frozenset({"regulators", "by"}), frozenset()),
    "trigger": (frozenset({"kind", "occurred", "by"}), frozenset()),
    "compose_notice": (frozenset({"notice", "regulators", "by"}), frozenset()),
    "edit_notice": (frozenset({"notice", "append", "by"}), frozenset()),
    "refresh_notice": (frozenset({"notice", "by"}), frozenset()),
    "approve_notice": (frozenset({"notice", "by"}), frozenset()),
    "send_notice": (frozenset({"notice", "by"}), frozenset({"late_reason"})),
    "stand_down": (frozenset({"by"}), frozenset({"reason"})),
    # Staff choose a playbook on the open incident (one matching the incident's impact or
    # components has run by itself when it opened: choosing it again does nothing).
    "playbook": (frozenset({"playbook", "by"}), frozenset()),
}


class ScenarioError(ValueError):
    """The scenario cannot be run as written; the message says why (the CLI exits 2)."""


# What each field of a step holds: checked when the scenario is read, so a step never fails
# half-way through a drill for a typo in its file.
_TEXT = frozenset(
    {
        "name", "body", "by", "member", "subject", "append", "note", "reason", "late_reason",
        "holding_statement", "approved_qa", "do_not_say", "notice", "impact", "status",
        "playbook",
    }
)  # fmt: skip
_WHOLE = frozenset({"cadence_minutes", "repage_minutes", "max_rounds"})
_NAMES = frozenset({"roles", "regulators"})
_MAPPINGS = frozenset({"components", "bridge"})
TRIGGERS = ("awareness", "classification", "determination", "discovery")


def _check_value(name: str, value: Any, where: str) -> Any:
    if name in _TEXT and (not isinstance(value, str) or not value.strip()):
        raise ScenarioError(f"{where}: `{name}` is a text, got {value!r}")
    if name in _WHOLE and (isinstance(value, bool) or not isinstance(value, int)):
        raise ScenarioError(f"{where}: `{name}` is a whole number of minutes, got {value!r}")
    if name == "all_paths" and not isinstance(value, bool):
        raise ScenarioError(f"{where}: `all_paths` is true or false")
    if name in _NAMES:
        return list(_strings(value, f"{where}: `{name}`"))
    if name in _MAPPINGS and not (
        isinstance(value, dict) and all(isinstance(v, str | int) for v in value.values())
    ):
        raise ScenarioError(f"{where}: `{name}` is a mapping, like {{Payments: major_outage}}")
    if name == "kind" and value not in TRIGGERS:
        raise ScenarioError(f"{where}: a trigger's kind is one of {', '.join(TRIGGERS)}")
    return value


@dataclass(frozen=True)
class Person:
    """Someone the scenario names: a stand-in on the drill roster unless the live roster
    copied into the sandbox has a member of that name."""

    name: str
    roles: tuple[str, ...] = ()
    staff_role: str = "comms"
    executive: bool = False
    contacts: tuple[str, ...] = ("email",)
    timezone: str = "UTC"


@dataclass(frozen=True)
class PlaybookSpec:
    """A playbook the scenario brings (for a live database without it): written into the
    sandbox unless the live database has a playbook of the same name, which is used instead.
    Roles, components and regulators are named (regulators by library key or name)."""

    name: str
    auto_run: bool = True
    impacts: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    regulators: tuple[str, ...] = ()
    all_paths: bool = True
    repage_minutes: int = 5
    max_rounds: int = 3
    bridge: dict[str, str] = field(default_factory=dict)
    note: str = ""
    cadence_minutes: int | None = None
    briefing_subject: str = ""
    briefing_body: str = ""
    holding_statement: str = ""
    approved_qa: str = ""
    do_not_say: str = ""
    # A live playbook that pages by an escalation policy: the policy's name and its tiers as
    # (window minutes, role names, member names), copied into the sandbox with it.
    policy: tuple[str, tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...]] | None = None


_PLAYBOOK_TEXTS = (
    "note", "briefing_subject", "briefing_body", "holding_statement", "approved_qa",
    "do_not_say",
)  # fmt: skip
_PLAYBOOK_NUMBERS = ("repage_minutes", "max_rounds", "cadence_minutes")
_PLAYBOOK_LISTS = ("impacts", "components", "roles", "regulators")
_PLAYBOOK_FLAGS = ("auto_run", "all_paths")
_BRIDGE = ("phone", "pin", "meeting_url")


def _playbook(raw: Any, where: str) -> PlaybookSpec:
    raw = _mapping(raw, where)
    known = {"name", "bridge", *_PLAYBOOK_TEXTS, *_PLAYBOOK_NUMBERS, *_PLAYBOOK_LISTS,
             *_PLAYBOOK_FLAGS}  # fmt: skip
    if unknown := sorted(set(raw) - known):
        raise ScenarioError(f"{where}: unknown field {unknown[0]!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"{where} needs a name")
    values: dict[str, Any] = {"name": name.strip()}
    for key in _PLAYBOOK_TEXTS:
        if key in raw:
            if not isinstance(raw[key], str):
                raise ScenarioError(f"{where}: `{key}` is a text, got {raw[key]!r}")
            values[key] = raw[key].strip()
    for key in _PLAYBOOK_NUMBERS:
        if key in raw:
            if isinstance(raw[key], bool) or not isinstance(raw[key], int):
                raise ScenarioError(f"{where}: `{key}` is a whole number, got {raw[key]!r}")
            values[key] = raw[key]
    for key in _PLAYBOOK_LISTS:
        if raw.get(key):
            values[key] = _strings(raw[key], f"{where}.{key}")
    for key in _PLAYBOOK_FLAGS:
        if key in raw:
            if not isinstance(raw[key], bool):
                raise ScenarioError(f"{where}: `{key}` is true or false")
            values[key] = raw[key]
    bridge = _mapping(raw.get("bridge") or {}, f"{where}.bridge")
    if unknown := sorted(set(bridge) - set(_BRIDGE)):
        raise ScenarioError(f"{where}.bridge: unknown field {unknown[0]!r}")
    values["bridge"] = {k: str(v) for k, v in bridge.items()}
    return PlaybookSpec(**values)


@dataclass(frozen=True)
class Step:
    at: timedelta
    kind: str
    fields: dict[str, Any]
    line: int  # the step's position in the list, from 1, for messages

    @property
    def minute(self) -> int:
        return int(self.at.total_seconds() // 60)

    @property
    def by(self) -> str | None:
        return self.fields.get("by")

    def describe(self) -> str:
        return f"{self.kind} at +{self.minute // 60:02d}:{self.minute % 60:02d}"


@dataclass(frozen=True)
class Promises:
    """The thresholds the promises are judged by."""

    page_within_minutes: int = 5  # every member paged within this of the incident opening


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    steps: tuple[Step, ...]
    people: tuple[Person, ...] = ()
    roles: tuple[str, ...] = ()
    regulators: tuple[str, ...] = ()  # library keys the drill needs in the sandbox
    playbooks: tuple[PlaybookSpec, ...] = ()
    domain: str = "drill.herald.invalid"
    start: datetime | None = None
    until: timedelta | None = None
    promises: Promises = field(default_factory=Promises)
    description: str = ""

    @property
    def minutes(self) -> int:
        """How long the drill runs: to `until`, else a quarter of an hour after its last step
        (so a page or reminder that should not come has time to show)."""
        if self.until is not None:
            return int(self.until.total_seconds() // 60)
        return (self.steps[-1].minute if self.steps else 0) + 15

    def person(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name), None)


def parse_offset(value: Any, where: str, *, before_start: bool = False) -> timedelta:
    """`+HH:MM` after the drill's start (or `-HH:MM` before it, for a time in the incident's
    past: when a breach was discovered, say)."""
    text = str(value).strip() if isinstance(value, str) else ""
    sign = 1
    if before_start and text.startswith("-"):
        text, sign = "+" + text[1:], -1
    match = _OFFSET.match(text)
    if match is None:
        raise ScenarioError(
            f'{where}: an offset is written "+HH:MM" (e.g. "+00:05"), not {value!r}'
        )
    offset = timedelta(hours=int(match[1]), minutes=int(match[2]))
    if offset > timedelta(minutes=MAX_MINUTES):
        raise ScenarioError(f"{where}: {value} is past a day; a drill runs a day at most")
    return sign * offset


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where} must be a mapping (key: value lines)")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ScenarioError(f"{where} must be a list of names")
    return tuple(v.strip() for v in value)


def _person(raw: Any, where: str) -> Person:
    raw = _mapping(raw, where)
    unknown = set(raw) - {"name", "roles", "staff_role", "executive", "contacts", "timezone"}
    if unknown:
        raise ScenarioError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"{where} needs a name")
    contacts = _strings(raw.get("contacts", ["email"]), f"{where}.contacts")
    if bad := [c for c in contacts if c not in _CHANNELS]:
        raise ScenarioError(f"{where}: a drill pages by {' or '.join(_CHANNELS)}, not {bad[0]!r}")
    staff_role = str(raw.get("staff_role", "comms"))
    if staff_role not in STAFF_ROLES:
        raise ScenarioError(f"{where}: staff_role is one of {', '.join(STAFF_ROLES)}")
    return Person(
        name=name.strip(),
        roles=_strings(raw.get("roles", []), f"{where}.roles") if raw.get("roles") else (),
        staff_role=staff_role,
        executive=bool(raw.get("executive", False)),
        contacts=contacts,
        timezone=str(raw.get("timezone", "UTC")),
    )


def _step(raw: Any, number: int, people: set[str]) -> Step:
    where = f"step {number}"
    raw = _mapping(raw, where)
    kind = raw.get("do")
    if kind not in STEP_FIELDS:
        known = ", ".join(sorted(STEP_FIELDS))
        raise ScenarioError(f"{where}: unknown step {kind!r} (the steps are: {known})")
    if "at" not in raw:
        raise ScenarioError(f'{where} ({kind}) needs `at: "+HH:MM"`')
    at = parse_offset(raw["at"], f"{where} ({kind})")
    required, optional = STEP_FIELDS[kind]
    fields = {k: v for k, v in raw.items() if k not in ("at", "do")}
    if missing := sorted(required - fields.keys()):
        raise ScenarioError(f"{where} ({kind}) needs `{missing[0]}`")
    if unknown := sorted(fields.keys() - required - optional):
        raise ScenarioError(f"{where} ({kind}): unknown field {unknown[0]!r}")
    fields = {
        name: _check_value(name, value, f"{where} ({kind})") for name, value in fields.items()
    }
    for name_field in ("by", "member"):
        who = fields.get(name_field)
        if who is not None and who not in people:
            raise ScenarioError(f"{where} ({kind}): {who!r} is not in the scenario's roster")
    if kind == "trigger":
        fields["occurred"] = parse_offset(
            fields["occurred"], f"{where} (trigger).occurred", before_start=True
        )
    return Step(at=at, kind=kind, fields=fields, line=number)


def parse(data: Any, path: Path) -> Scenario:
    """A scenario from its YAML document (already loaded)."""
    data = _mapping(data, "the scenario")
    allowed = {
        "name", "description", "domain", "start", "until", "roster", "regulators", "steps",
        "promises", "playbooks",
    }  # fmt: skip
    if unknown := sorted(set(data) - allowed):
        raise ScenarioError(f"unknown top-level field {unknown[0]!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError("the scenario needs a `name`")
    roster = _mapping(data.get("roster") or {}, "roster")
    if unknown := sorted(set(roster) - {"roles", "people"}):
        raise ScenarioError(f"roster: unknown field {unknown[0]!r}")
    people_raw = roster.get("people") or []
    if not isinstance(people_raw, list):
        raise ScenarioError("roster.people must be a list")
    people = tuple(_person(p, f"roster.people[{i}]") for i, p in enumerate(people_raw, 1))
    names = {p.name for p in people}
    if len(names) != len(people):
        raise ScenarioError("roster.people names someone twice")
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise ScenarioError("the scenario needs `steps`, a list")
    steps = sorted(
        (_step(raw, number, names) for number, raw in enumerate(steps_raw, 1)),
        key=lambda s: (s.at, s.line),
    )
    start = data.get("start")
    if start is not None:
        if not isinstance(start, datetime):
            try:
                start = datetime.fromisoformat(str(start))
            except ValueError as exc:
                raise ScenarioError(f"start: {start!r} is not an ISO date and time") from exc
        start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    until = parse_offset(data["until"], "until") if "until" in data else None
    if until is not None and steps[-1].at > until:
        raise ScenarioError(f"until: the last step ({steps[-1].describe()}) comes after it")
    promises_raw = _mapping(data.get("promises") or {}, "promises")
    if unknown := sorted(set(promises_raw) - {"page_within_minutes"}):
        raise ScenarioError(f"promises: unknown field {unknown[0]!r}")
    within = promises_raw.get("page_within_minutes", Promises.page_within_minutes)
    if not isinstance(within, int) or within < 1:
        raise ScenarioError("promises.page_within_minutes is a whole number of minutes")
    regulators = _strings(data.get("regulators"), "regulators") if data.get("regulators") else ()
    known = {entry["key"] for entry in library.library()}
    if unknown := [key for key in regulators if key not in known]:
        raise ScenarioError(f"regulators: no regime {unknown[0]!r} in the regulator library")
    playbooks_raw = data.get("playbooks") or []
    if not isinstance(playbooks_raw, list):
        raise ScenarioError("playbooks must be a list")
    playbooks = tuple(_playbook(p, f"playbooks[{i}]") for i, p in enumerate(playbooks_raw, 1))
    if len({p.name for p in playbooks}) != len(playbooks):
        raise ScenarioError("playbooks names a playbook twice")
    domain = str(data.get("domain") or Scenario.domain).strip().lower()
    if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
        raise ScenarioError(f"domain: {domain!r} is not a domain name")
    return Scenario(
        name=name.strip(),
        description=str(data.get("description") or "").strip(),
        path=path,
        steps=tuple(steps),
        people=people,
        roles=_strings(roster.get("roles") or [], "roster.roles") if roster.get("roles") else (),
        regulators=regulators,
        playbooks=playbooks,
        domain=domain,
        start=start,
        until=until,
        promises=Promises(page_within_minutes=within),
    )


def load(path: str | Path) -> Scenario:
    """Read and check a scenario file; ScenarioError on a missing file or bad YAML."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"no scenario file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read {path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path} is not valid YAML: {exc}") from None
    return parse(data, path)
