"""Create components and groups, and change a component's status (logged, rolled up, versioned)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import Component, ComponentGroup, ComponentStatus, ComponentStatusChange
from statuspage.services.errors import InvalidInput, NotFound
from statuspage.services.page import bump_version, ensure_page
from statuspage.services.uptime import rollup_uptime


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a name is required")
    if len(name) > 200:
        raise InvalidInput("a name is at most 200 characters")
    return name


def _next_position(column, where=None) -> int:
    query = select(func.coalesce(func.max(column), 0))
    if where is not None:
        query = query.where(where)
    return int(db.session.scalar(query)) + 1


def create_group(
    name: str, *, description: str | None = None, position: int | None = None
) -> ComponentGroup:
    page = ensure_page()
    group = ComponentGroup(
        page_id=page.id,
        name=_clean_name(name),
        description=description,
        position=position if position is not None else _next_position(ComponentGroup.position),
    )
    db.session.add(group)
    db.session.flush()
    bump_version()
    return group


def create_component(
    name: str,
    *,
    group: ComponentGroup | None = None,
    description: str | None = None,
    status: ComponentStatus = ComponentStatus.operational,
    position: int | None = None,
    only_show_if_degraded: bool = False,
    showcase: bool = True,
    at: datetime | None = None,
) -> Component:
    """Create a component; its first status is logged, so uptime starts counting from `at`."""
    at = at or utcnow()
    page = ensure_page()
    if position is None:
        position = _next_position(
            Component.position, Component.group_id == (group.id if group else None)
        )
    component = Component(
        page_id=page.id,
        group=group,
        name=_clean_name(name),
        description=description,
        status=ComponentStatus(status),
        position=position,
        only_show_if_degraded=only_show_if_degraded,
        showcase=showcase,
        created_at=at,
        updated_at=at,
    )
    db.session.add(component)
    db.session.flush()
    db.session.add(
        ComponentStatusChange(
            component_id=component.id, old_status=None, new_status=component.status, changed_at=at
        )
    )
    db.session.flush()
    rollup_uptime(component.id, at.date(), max(at, utcnow()))
    bump_version(at)
    return component


def get_component(component_id: str) -> Component:
    component = db.session.get(Component, component_id)
    if component is None:
        raise NotFound(f"no component {component_id!r}")
    return component


def set_component_status(
    component: Component,
    status: ComponentStatus | str,
    *,
    at: datetime | None = None,
    incident_id: str | None = None,
) -> ComponentStatusChange | None:
    """Change a component's status: logged, uptime rolled up from `at`, page version bumped.

    Returns the logged change, or None when the status was already `status`.
    """
    try:
        status = ComponentStatus(status)
    except ValueError as exc:
        raise InvalidInput(f"unknown component status {status!r}") from exc
    if component.status is status:
        return None
    at = at or utcnow()
    change = ComponentStatusChange(
        component_id=component.id,
        old_status=component.status,
        new_status=status,
        changed_at=at,
        incident_id=incident_id,
    )
    component.status = status
    component.updated_at = at
    db.session.add(change)
    db.session.flush()
    rollup_uptime(component.id, at.date(), max(at, utcnow()))
    bump_version(at)
    return change


def list_components() -> list[Component]:
    """Every component in page order (groups first by position, then components by position)."""
    query = (
        select(Component)
        .outerjoin(ComponentGroup)
        .order_by(ComponentGroup.position.nulls_first(), Component.position, Component.name)
    )
    return list(db.session.scalars(query))


def list_groups() -> list[ComponentGroup]:
    return list(db.session.scalars(select(ComponentGroup).order_by(ComponentGroup.position)))
