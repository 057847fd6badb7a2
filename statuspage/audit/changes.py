"""Audit entries for a record's own fields: what they were, what they became.

Writes that create, edit or remove a record audit it the same way: the same fields, read
before the write and after it. These helpers take those two readings, so a service names
the fields once and cannot read them at the wrong moment (before the write, or after a
delete). Other entries (a domain added, a reminder sent) say what happened in their own
words and call `trail.record` directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from statuspage.audit.trail import Actor, record, values_of
from statuspage.models import AuditEvent

# The fields of a record an entry shows: attribute names, or a function of the record for
# values that are not plain attributes (names of related rows, an enum's value).
Fields = Sequence[str] | Callable[[Any], dict[str, Any]]


def snapshot(obj: Any, fields: Fields) -> dict[str, Any]:
    if callable(fields):
        return fields(obj)
    return values_of(obj, *fields)


@dataclass
class Change:
    """The record being changed, as the block of `record_change` sees it.

    A block that makes the record (there was none before) sets `obj`; `extra` takes what the
    entry's after shows beside the fields (known only once the change is made).
    """

    obj: Any
    before: dict[str, Any] | None
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def record_change(
    actor: Actor,
    action: str,
    obj: Any,
    fields: Fields,
    *,
    target_type: str,
    target_id: str | int | None = None,
    incident_id: str | None = None,
) -> Iterator[Change]:
    """Append one entry for the block's change to `obj`: `fields` before it and after it.

    An entry is written every time the block ends normally, whether or not a value moved
    (an edit that changed nothing is still an edit someone made). An exception in the block
    writes nothing; it propagates, and the caller's transaction goes with it. `obj` None:
    nothing existed before (`before` is None) and the block sets `change.obj`. The target
    is the record itself unless `target_id` names another.
    """
    change = Change(obj, None if obj is None else snapshot(obj, fields))
    yield change
    after = snapshot(change.obj, fields) | change.extra
    _append(actor, action, change.obj, target_type, target_id, incident_id, change.before, after)


def record_created(
    actor: Actor,
    action: str,
    obj: Any,
    fields: Fields,
    *,
    target_type: str,
    target_id: str | int | None = None,
    incident_id: str | None = None,
    **extra: Any,
) -> AuditEvent:
    """Append the entry for a record just made (flushed, so it has its id): `fields` after,
    with `extra` beside them."""
    after = snapshot(obj, fields) | extra
    return _append(actor, action, obj, target_type, target_id, incident_id, None, after)


def record_removed(
    actor: Actor,
    action: str,
    obj: Any,
    fields: Fields,
    *,
    target_type: str,
    target_id: str | int | None = None,
    incident_id: str | None = None,
    **extra: Any,
) -> AuditEvent:
    """Append the entry for a record about to go (call it before the delete, while its
    related rows still load): `fields` before, with `extra` beside them."""
    before = snapshot(obj, fields) | extra
    return _append(actor, action, obj, target_type, target_id, incident_id, before, None)


def _append(
    actor: Actor,
    action: str,
    obj: Any,
    target_type: str,
    target_id: str | int | None,
    incident_id: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    """The entry, its target `obj` unless `target_id` names another."""
    return record(
        actor,
        action,
        target_type=target_type,
        target_id=obj.id if target_id is None else target_id,
        incident_id=incident_id,
        before=before,
        after=after,
    )
