"""Segments and which components each sees."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import text
from statuspage.extensions import db
from statuspage.models import (
    Component,
    Organization,
    Segment,
    Visibility,
)
from statuspage.page.state import bump_version

MAX_SEGMENT_NAME = 100
MAX_KIND = 50
MAX_DESCRIPTION = 2000


def _text(
    value: str | None, what: str, max_length: int, *, required: bool = False, one_line: bool = True
) -> str:
    """Segments' optional fields (kind, description) may be blank; a name may not. A name and
    a kind are one line; a description may be several."""
    return text(value, what, max_length, required=required, one_line=one_line)


def _unused_name(
    model: type[Segment] | type[Organization], name: str, noun: str, own_id: int | None = None
) -> None:
    """Names are unique regardless of case: "EU" and "eu" would read as one segment."""
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if own_id is not None:
        query = query.where(model.id != own_id)
    if db.session.scalar(query) is not None:
        raise InvalidInput(f"there is already {noun} named {name!r}")


def _segments(items: Iterable[Segment | int | str]) -> list[Segment]:
    """Segments (or their ids), each existing, without repeats."""
    chosen: list[Segment] = []
    for item in items:
        segment = item if isinstance(item, Segment) else _segment_or_none(item)
        if segment is None:
            raise InvalidInput(f"no segment {item!r}")
        if segment not in chosen:
            chosen.append(segment)
    return sorted(chosen, key=lambda s: s.name)  # as the relationships read them back


def _segment_or_none(segment_id: int | str) -> Segment | None:
    try:
        number = int(segment_id)
    except (TypeError, ValueError):
        return None
    return db.session.get(Segment, number) if 0 < number < 2**31 else None


# --- segments --------------------------------------------------------------------------------


def list_segments() -> list[Segment]:
    return list(db.session.scalars(select(Segment).order_by(Segment.name)))


def get_segment(segment_id: int | str) -> Segment:
    segment = _segment_or_none(segment_id)
    if segment is None:
        raise NotFound(f"no segment {segment_id!r}")
    return segment


def _segment_values(segment: Segment) -> dict[str, Any]:
    return {"name": segment.name, "kind": segment.kind, "description": segment.description}


def create_segment(
    name: str, *, kind: str = "", description: str = "", actor: Actor = SYSTEM
) -> Segment:
    name = _text(name, "a segment name", MAX_SEGMENT_NAME, required=True)
    _unused_name(Segment, name, "a segment")
    segment = Segment(
        name=name,
        kind=_text(kind, "a segment kind", MAX_KIND),
        description=_text(description, "a description", MAX_DESCRIPTION, one_line=False),
    )
    db.session.add(segment)
    db.session.flush()
    record_created(actor, "segment.create", segment, _segment_values, target_type="segment")
    return segment


def update_segment(
    segment: Segment,
    *,
    name: str | None = None,
    kind: str | None = None,
    description: str | None = None,
    actor: Actor = SYSTEM,
) -> Segment:
    """Rename or describe a segment; who belongs to it and what it sees stay as they are."""
    with record_change(actor, "segment.update", segment, _segment_values, target_type="segment"):
        if name is not None:
            name = _text(name, "a segment name", MAX_SEGMENT_NAME, required=True)
            _unused_name(Segment, name, "a segment", segment.id)
            segment.name = name
        if kind is not None:
            segment.kind = _text(kind, "a segment kind", MAX_KIND)
        if description is not None:
            segment.description = _text(
                description, "a description", MAX_DESCRIPTION, one_line=False
            )
        db.session.flush()
    return segment


def delete_segment(segment: Segment, *, actor: Actor = SYSTEM) -> None:
    """Delete a segment. Its organizations stay (in their other segments); incidents and
    components private to it stay private, to their other segments, or to staff alone when
    it was their only one: deleting an audience never publishes what it was told."""
    record_removed(
        actor,
        "segment.delete",
        segment,
        _segment_values,
        target_type="segment",
        organizations=[o.name for o in segment.organizations],
    )
    db.session.delete(segment)
    db.session.flush()


# --- components ------------------------------------------------------------------------------


def set_component_audience(
    component: Component,
    visibility: Visibility | str,
    segments: Iterable[Segment | int | str] = (),
    *,
    actor: Actor = SYSTEM,
) -> Component:
    """Make a component public (segments are dropped) or visible only to `segments`.

    Private with no segment left (its last one was deleted, or removed through the API) it
    is seen by staff alone. The public page changes, and its version moves, only when the
    component enters or leaves it.
    """
    try:
        visibility = Visibility(visibility)
    except ValueError as exc:
        raise InvalidInput("a component is visible to everyone or to segments") from exc
    was_public = component.visibility is Visibility.public
    with record_change(
        actor, "component.audience", component, _audience_values, target_type="component"
    ):
        component.segments = [] if visibility is Visibility.public else _segments(segments)
        component.visibility = visibility
        db.session.flush()
        if was_public != (visibility is Visibility.public):
            bump_version()
    return component


def _audience_values(component: Component) -> dict[str, Any]:
    return {
        "visibility": component.visibility.value,
        "segments": [s.name for s in component.segments],
    }
