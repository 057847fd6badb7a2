"""The audit trail: every staff and API write, append-only and hash-chained.

Each entry's hash covers its own fields and the previous entry's hash, so editing or
deleting any row breaks every hash after it; `verify_chain` finds the first break.
Appenders update the single `audit_head` row first, which serialises them on SQLite and
PostgreSQL alike, so the chain never forks under concurrent writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select, update

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import ApiKey, AuditEvent, AuditHead, StaffUser

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who did it: a staff member, an API key, or the system (jobs, CLI)."""

    label: str
    ip: str | None = None

    @classmethod
    def staff(cls, user: StaffUser, ip: str | None = None) -> Actor:
        return cls(f"staff:{user.id} {user.email}", ip)

    @classmethod
    def api_key(cls, key: ApiKey, ip: str | None = None) -> Actor:
        return cls(f"api:{key.id} {key.name}", ip)


SYSTEM = Actor("system")


def _digest(prev_hash: str, event: AuditEvent) -> str:
    payload = json.dumps(
        [
            prev_hash,
            event.at.isoformat(),
            event.actor,
            event.action,
            event.target_type,
            event.target_id,
            event.incident_id,
            event.before,
            event.after,
            event.ip,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def values_of(obj: object, *fields: str) -> dict[str, Any]:
    """The named attributes of a model, for an entry's before/after."""
    return {name: getattr(obj, name) for name in fields}


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return json.loads(json.dumps(values, default=str))


def record(
    actor: Actor,
    action: str,
    *,
    target_type: str,
    target_id: str | int,
    incident_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one entry (flushed, in the caller's transaction: it commits or vanishes with it)."""
    locked = db.session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(count=AuditHead.count + 1)
    )
    if locked.rowcount == 0:
        db.session.add(AuditHead(id=1, last_hash=GENESIS, count=1))
        db.session.flush()
    head = db.session.get(AuditHead, 1, populate_existing=True)
    event = AuditEvent(
        at=(at or utcnow()).astimezone(UTC),
        actor=actor.label[:300],
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        incident_id=incident_id,
        before=_jsonable(before),
        after=_jsonable(after),
        ip=actor.ip,
        prev_hash=head.last_hash,
    )
    event.hash = _digest(head.last_hash, event)
    head.last_hash = event.hash
    db.session.add(event)
    db.session.flush()
    return event


PAGE_SIZE = 500


def _in_pages(query: Select[tuple[AuditEvent]]) -> Iterator[AuditEvent]:
    """Stream entries in id order, a page at a time (keyset), holding no cursor open between
    pages: a reader may stop early or take its time without pinning the database."""
    last_id = 0
    while True:
        page = db.session.scalars(
            query.where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(PAGE_SIZE)
        ).all()
        yield from page
        if len(page) < PAGE_SIZE:
            return
        last_id = page[-1].id


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_id: int | None  # None: the chain is intact

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify_chain() -> ChainReport:
    """Walk the whole trail in order; report the first entry whose hash does not hold."""
    prev, checked = GENESIS, 0
    for event in _in_pages(select(AuditEvent)):
        if event.prev_hash != prev or _digest(prev, event) != event.hash:
            return ChainReport(checked, event.id)
        prev, checked = event.hash, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.last_hash != prev or head.count != checked):
        return ChainReport(checked, -1)  # rows deleted from the end
    return ChainReport(checked, None)


def events(
    *,
    incident_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    action: str | None = None,
) -> Iterator[AuditEvent]:
    """Entries, oldest first, streamed; filters for the admin view and exports."""
    query = select(AuditEvent)
    if incident_id:
        query = query.where(AuditEvent.incident_id == incident_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    if action:
        query = query.where(AuditEvent.action == action)
    yield from _in_pages(query)
