"""The subscriber roster as staff see it: search, one person's record, CSV import and export.

Signing up and confirming belong to the public hub; this module is what comms staff do with
the list itself. Lists are paged by keyset and exports streamed, so no call loads the table.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from statuspage.audience.membership import resolve_organizations
from statuspage.audit.trail import Actor, record
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import email_address, text
from statuspage.extensions import db
from statuspage.i18n import LANGUAGES
from statuspage.models import (
    Channel,
    Component,
    ContactPoint,
    Delivery,
    DeliveryState,
    Incident,
    Notice,
    Subscriber,
    SubscriberKind,
)
from statuspage.subscribers.subscriptions import reader_language, reader_zone

PAGE_SIZE = 50
HISTORY_LIMIT = 100
EXPORT_PAGE = 500
IMPORT_BATCH = 500
# Invalid rows listed one by one in a report; beyond this only their number is given.
MAX_REPORTED = 200
MAX_NAME = 200
COMPONENT_SEPARATORS = re.compile(r"[;|]")
EXPORT_COLUMNS = (
    "email", "name", "components", "verified", "active", "created_at", "language", "time_zone"
)  # fmt: skip
# The columns an import reads, in this order unless a header row names them (an export's
# header does: its other columns are ignored, so an export imports back as it is).
IMPORT_COLUMNS = ("email", "name", "components", "language", "time_zone")


# --- reading ---------------------------------------------------------------------------------

# The roster is people: the page's own social accounts (syndication subscribers, managed on the
# Social screen) and the people Herald pages directly (internal subscribers, on the Team
# screen) are never listed, counted or exported with them.
PEOPLE = Subscriber.kind == SubscriberKind.person


@dataclass(frozen=True)
class RosterPage:
    subscribers: list[Subscriber]
    next_before: int | None  # pass as `before` for the next (older) page; None: last page


def _matching(statement: Select, query: str) -> Select:
    """Only subscribers whose name or any address contains `query` (case-insensitive)."""
    text = (query or "").strip().lower()
    if not text:
        return statement
    return statement.where(
        or_(
            func.lower(Subscriber.name).contains(text, autoescape=True),
            exists().where(
                ContactPoint.subscriber_id == Subscriber.id,
                func.lower(ContactPoint.address).contains(text, autoescape=True),
            ),
        )
    )


def search_subscribers(
    query: str = "", *, before: int | None = None, limit: int = PAGE_SIZE
) -> RosterPage:
    """Newest first, `limit` at a time; `query` matches a substring of a name or any address."""
    statement = select(Subscriber).options(selectinload(Subscriber.contact_points))
    statement = _matching(statement.where(PEOPLE), query)
    if before is not None:
        statement = statement.where(Subscriber.id < before)
    rows = list(db.session.scalars(statement.order_by(Subscriber.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return RosterPage(rows, rows[-1].id if more and rows else None)


def get_subscriber(subscriber_id: int) -> Subscriber:
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.kind is SubscriberKind.internal:  # the Team screen's
        raise NotFound(f"no subscriber {subscriber_id}")
    return subscriber


@dataclass(frozen=True)
class HistoryRow:
    delivery_id: int
    notice_id: int
    incident_id: str
    incident_name: str
    channel: Channel
    address: str
    state: DeliveryState
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    ack_path: str | None
    created_at: datetime


def delivery_history(subscriber_id: int, *, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The person's most recent deliveries, newest first, with their notice and incident."""
    rows = db.session.execute(
        select(
            Delivery.id,
            Delivery.notice_id,
            Incident.id,
            Incident.name,
            Delivery.channel,
            ContactPoint.address,
            Delivery.state,
            Delivery.attempts,
            Delivery.last_error,
            Delivery.sent_at,
            Delivery.acknowledged_at,
            Delivery.ack_path,
            Delivery.created_at,
        )
        .join(Notice, Notice.id == Delivery.notice_id)
        .join(Incident, Incident.id == Notice.incident_id)
        .join(ContactPoint, ContactPoint.id == Delivery.contact_point_id)
        .where(Delivery.subscriber_id == subscriber_id)
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    return [HistoryRow(*row) for row in rows]


# --- import ----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do), with the rows it refused."""

    dry_run: bool
    created: int = 0
    existing: int = 0  # already a subscriber's email address
    duplicates: list[int] = field(default_factory=list)  # lines repeating an earlier line
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line, why), first few
    invalid_count: int = 0

    def refuse(self, line: int, reason: str) -> None:
        self.invalid_count += 1
        if len(self.invalid) < MAX_REPORTED:
            self.invalid.append((line, reason))

    def summary(self) -> dict[str, int]:
        return {
            "created": self.created,
            "existing": self.existing,
            "duplicates": len(self.duplicates),
            "invalid": self.invalid_count,
        }


@dataclass(frozen=True)
class _Row:
    line: int
    email: str
    name: str
    components: list[Component] | None  # None: every component
    language: str | None = None  # None: the page's default
    time_zone: str | None = None  # None: the page's zone


def _component_lookup() -> dict[str, Component]:
    """Components by id and by lowercased name (a page has tens of them, not thousands)."""
    lookup: dict[str, Component] = {}
    for component in db.session.scalars(select(Component)):
        lookup[component.id.lower()] = component
        lookup.setdefault(component.name.strip().lower(), component)
    return lookup


def _row(
    cells: list[str], line: int, components: dict[str, Component], columns: dict[str, int]
) -> _Row | str:
    """One line's cells as a row to import, or why it cannot be imported. `columns` says
    where each of IMPORT_COLUMNS is (a header's order, else the usual one)."""
    if columns is _POSITIONAL and len(cells) > len(IMPORT_COLUMNS):
        return "more than five columns (email, name, components, language, time_zone)"

    def cell(name: str) -> str:
        at = columns.get(name)
        return cells[at] if at is not None and at < len(cells) else ""

    try:
        email = email_address(cell("email").lower(), problem="not an email address")
    except InvalidInput:
        return f"not an email address: {cell('email')[:80]!r}"
    try:
        name = text(cell("name"), "the name", MAX_NAME, required=False, one_line=True)
    except InvalidInput as exc:
        return str(exc)
    try:
        language = reader_language(cell("language"))
    except InvalidInput:
        shipped = ", ".join(sorted(LANGUAGES))
        return f"unknown language {cell('language')[:20]!r} (one of {shipped})"
    try:
        zone = reader_zone(cell("time_zone"))
    except InvalidInput:
        return f"unknown time zone {cell('time_zone')[:64]!r} (an IANA name, like Europe/Berlin)"
    wanted = [c.strip() for c in COMPONENT_SEPARATORS.split(cell("components"))]
    wanted = [c for c in wanted if c]
    unknown = [c for c in wanted if c.lower() not in components]
    if unknown:
        return f"no such component: {', '.join(unknown)[:120]}"
    chosen = {components[c.lower()].id: components[c.lower()] for c in wanted}
    return _Row(line, email, name, list(chosen.values()) or None, language, zone)


_POSITIONAL = {name: at for at, name in enumerate(IMPORT_COLUMNS)}


def _header(cells: list[str]) -> dict[str, int]:
    """Where a header row puts the columns an import reads (unknown ones are ignored)."""
    named = [c.strip().lower().replace(" ", "_") for c in cells]
    return {name: named.index(name) for name in IMPORT_COLUMNS if name in named}


def _parse(
    lines: Iterable[str], report: ImportReport, components: dict[str, Component]
) -> Iterator[_Row]:
    """Well-formed rows, in file order; bad and repeated ones go to the report by line number."""
    reader = csv.reader(lines)
    seen: set[str] = set()
    columns = _POSITIONAL
    try:
        for raw in reader:
            line, cells = reader.line_num, [cell.strip() for cell in raw]
            if not any(cells):
                continue  # a blank line
            if line == 1 and "email" in (c.lower() for c in cells):
                columns = _header(cells)  # a header row: it says where each column is
                continue
            row = _row(cells, line, components, columns)
            if isinstance(row, str):
                report.refuse(line, row)
            elif row.email in seen:
                report.duplicates.append(line)
            else:
                seen.add(row.email)
                yield row
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: the file is not valid CSV ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput("the file is not UTF-8 text; save it as UTF-8 CSV, then retry") from exc


def _existing(emails: list[str]) -> set[str]:
    return set(
        db.session.scalars(
            select(ContactPoint.address_key).where(
                ContactPoint.channel == Channel.email, ContactPoint.address_key.in_(emails)
            )
        )
    )


def import_subscribers(
    lines: Iterable[str], *, opted_in: bool, dry_run: bool, actor: Actor
) -> ImportReport:
    """Subscribe every new email address in a CSV of
    `email[,name][,components][,language][,time_zone]` lines (or any order a header names).

    Components are ids or names separated by ";" or "|"; none means every component. The
    language is a shipped one ("de"), the zone an IANA name ("Europe/Berlin"); empty: the
    page's. An unknown one refuses the line (the report says which and why). An
    address is created verified only when `opted_in` (staff vouch that these people already
    agreed to receive updates); otherwise it stays unverified, receives nothing, and waits
    for the public hub's confirmation. A dry run counts and checks the same way and writes
    nothing. A real import flushes one batch at a time and records one audit entry.
    """
    report = ImportReport(dry_run=dry_run)
    rows = _parse(lines, report, _component_lookup())
    now = utcnow()
    while batch := list(islice(rows, IMPORT_BATCH)):
        known = _existing([row.email for row in batch])
        added: list[Subscriber] = []
        for row in batch:
            if row.email in known:
                report.existing += 1
                continue
            report.created += 1
            if dry_run:
                continue
            added.append(
                Subscriber(
                    name=row.name,
                    language=row.language,
                    time_zone=row.time_zone,
                    all_components=row.components is None,
                    components=row.components or [],
                    contact_points=[
                        ContactPoint(
                            channel=Channel.email,
                            address=row.email,
                            address_key=row.email,
                            priority=1,
                            verified_at=now if opted_in else None,
                        )
                    ],
                )
            )
        if not dry_run:
            db.session.add_all(added)
            db.session.flush()
            if opted_in and added:  # verified addresses: some may be customers' people
                resolve_organizations(Subscriber.id.in_([s.id for s in added]))
    if not dry_run:
        record(
            actor,
            "subscribers.import",
            target_type="subscriber",
            target_id="import",
            after={**report.summary(), "opted_in": opted_in},
        )
    return report


# --- export ----------------------------------------------------------------------------------


def record_export(actor: Actor, query: str = "") -> None:
    """Personal data leaving the system is worth a line in the trail (flushed, not committed)."""
    record(
        actor,
        "subscribers.export",
        target_type="subscriber",
        target_id="export",
        after={"query": query} if query else None,
    )


def export_rows(query: str = "") -> Iterator[list[str]]:
    """One row per email address (EXPORT_COLUMNS), oldest subscriber first, a page at a time;
    the first three columns read back through `import_subscribers`."""
    yield list(EXPORT_COLUMNS)
    statement = select(Subscriber).options(
        selectinload(Subscriber.contact_points), selectinload(Subscriber.components)
    )
    statement = _matching(statement.where(PEOPLE), query)
    last_id = 0
    while True:
        page = list(
            db.session.scalars(
                statement.where(Subscriber.id > last_id).order_by(Subscriber.id).limit(EXPORT_PAGE)
            )
        )
        for person in page:
            follows = "" if person.all_components else ";".join(c.name for c in person.components)
            for point in person.contact_points:
                if point.channel is not Channel.email:
                    continue
                yield [
                    point.address,
                    person.name,
                    follows,
                    "yes" if point.verified_at else "no",
                    "yes" if point.active and person.unsubscribed_at is None else "no",
                    person.created_at.isoformat(),
                    person.language or "",
                    person.time_zone or "",
                ]
        if len(page) < EXPORT_PAGE:
            return
        last_id = page[-1].id
