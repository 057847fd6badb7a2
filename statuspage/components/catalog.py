"""Create components and groups, and change a component's status (logged, rolled up, versioned)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from statuspage.audience.visibility import Viewer, component_visible
from statuspage.audit.changes import record_change, record_created, record_removed
from statuspage.audit.trail import SYSTEM, Actor, record, values_of
from statuspage.clock import utcnow
from statuspage.components.uptime import rollup_uptime
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import choice, text
from statuspage.extensions import db
from statuspage.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    ComponentStatusChange,
    Visibility,
)
from statuspage.page.state import bump_version, ensure_page

MAX_NAME = 200
MAX_DESCRIPTION = 1000  # the admin form's limit, now the API's too


def _clean_name(name: str) -> str:
    return text(name, "a name", MAX_NAME, one_line=True)


def _clean_description(description: str | None) -> str | None:
    if description is None:
        return None
    return text(description, "a description", MAX_DESCRIPTION, required=False) or None


def _status(value: ComponentStatus | str) -> ComponentStatus:
    return choice(ComponentStatus, value, "a component status")


def _next_position(column, where=None) -> int:
    query = select(func.coalesce(func.max(column), 0))
    if where is not None:
        query = query.where(where)
    return int(db.session.scalar(query)) + 1


def create_group(
    name: str,
    *,
    description: str | None = None,
    position: int | None = None,
    actor: Actor = SYSTEM,
) -> ComponentGroup:
    page = ensure_page()
    group = ComponentGroup(
        page_id=page.id,
        name=_clean_name(name),
        description=_clean_description(description),
        position=position if position is not None else _next_position(ComponentGroup.position),
    )
    db.session.add(group)
    db.session.flush()
    bump_version()
    record_created(
        actor, "component_group.create", group, GROUP_FIELDS, target_type="component_group"
    )
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
    actor: Actor = SYSTEM,
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
        description=_clean_description(description),
        status=_status(status),
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
    record_created(actor, "component.create", component, COMPONENT_FIELDS, target_type="component")
    return component


def get_component(component_id: str) -> Component:
    component = db.session.get(Component, component_id)
    if component is None:
        raise NotFound(f"no component {component_id!r}")
    return component


def visible_component(viewer: Viewer, component_id: str) -> Component | None:
    """The component, if `viewer` may see it; else None, whether it is private or does not
    exist. One query on both paths, so the answer's timing cannot tell a private component
    from a made-up id (loading it and then looking at its segments took measurably longer)."""
    return db.session.scalar(
        select(Component).where(Component.id == component_id, component_visible(viewer))
    )


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
    status = _status(status)
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
    if component.visibility is Visibility.public:
        bump_version(at)  # a private component's news does not move the public snapshot
    return change


def list_components(viewer: Viewer) -> list[Component]:
    """The components `viewer` may see, in page order (groups by position, then components).

    Every caller says who is looking (`audience.PUBLIC`, a private viewer, `audience.STAFF`):
    a private component must never appear where its segments are not the audience.
    """
    query = (
        select(Component)
        .outerjoin(ComponentGroup)
        .where(component_visible(viewer))
        .order_by(ComponentGroup.position.nulls_first(), Component.position, Component.name)
    )
    return list(db.session.scalars(query))


def list_groups() -> list[ComponentGroup]:
    return list(db.session.scalars(select(ComponentGroup).order_by(ComponentGroup.position)))


COMPONENT_FIELDS = (
    "name", "description", "group_id", "position", "status", "only_show_if_degraded",
    "showcase", "start_date",
)  # fmt: skip
GROUP_FIELDS = ("name", "description", "position")


def _group_values(group: ComponentGroup) -> dict[str, object]:
    """An edit's entry also shows the members, in order (a reorder is an edit)."""
    return values_of(group, *GROUP_FIELDS) | {"components": [c.id for c in group.components]}


def _group_or_none(group_id: str | None) -> ComponentGroup | None:
    if not group_id:
        return None
    try:
        return get_group(group_id)
    except NotFound as exc:  # named in a body, not a URL: the input is wrong
        raise InvalidInput(str(exc)) from exc


def update_component(
    component: Component,
    *,
    actor: Actor = SYSTEM,
    name: str | None = None,
    description: str | None = None,
    group_id: str | object | None = ...,
    position: int | None = None,
    status: ComponentStatus | str | None = None,
    only_show_if_degraded: bool | None = None,
    showcase: bool | None = None,
    start_date: date | object | None = ...,
) -> Component:
    """Edit a component; a status change is logged for uptime like any other.

    `group_id` and `start_date` take None to clear them; leave them out to keep them.
    """
    with record_change(
        actor, "component.update", component, COMPONENT_FIELDS, target_type="component"
    ):
        if name is not None:
            component.name = _clean_name(name)
        if description is not None:
            component.description = _clean_description(description)
        if group_id is not ...:
            component.group = _group_or_none(group_id)  # type: ignore[arg-type]
        if position is not None:
            component.position = int(position)
        if only_show_if_degraded is not None:
            component.only_show_if_degraded = bool(only_show_if_degraded)
        if showcase is not None:
            component.showcase = bool(showcase)
        if start_date is not ...:
            component.start_date = start_date  # type: ignore[assignment]
        if status is not None:
            set_component_status(component, status)
        component.updated_at = utcnow()
        db.session.flush()
        bump_version()
    return component


def delete_component(component: Component, *, actor: Actor = SYSTEM) -> None:
    record_removed(actor, "component.delete", component, COMPONENT_FIELDS, target_type="component")
    db.session.delete(component)
    db.session.flush()
    bump_version()


def get_group(group_id: str) -> ComponentGroup:
    group = db.session.get(ComponentGroup, group_id)
    if group is None:
        raise NotFound(f"no component group {group_id!r}")
    return group


def update_group(
    group: ComponentGroup,
    *,
    actor: Actor = SYSTEM,
    name: str | None = None,
    description: str | None = None,
    position: int | None = None,
    component_ids: list[str] | None = None,
) -> ComponentGroup:
    """Edit a group; `component_ids` makes exactly those components its members, in order."""
    with record_change(
        actor, "component_group.update", group, _group_values, target_type="component_group"
    ):
        if name is not None:
            group.name = _clean_name(name)
        if description is not None:
            group.description = _clean_description(description)
        if position is not None:
            group.position = int(position)
        if component_ids is not None:
            members = [get_component(cid) for cid in component_ids]
            for component in list(group.components):
                if component not in members:
                    component.group = None
            for index, component in enumerate(members, start=1):
                component.group, component.position = group, index
        group.updated_at = utcnow()
        db.session.flush()
        db.session.refresh(group)
        bump_version()
    return group


def delete_group(group: ComponentGroup, *, actor: Actor = SYSTEM) -> None:
    """Delete a group; its components stay, ungrouped."""
    record_removed(
        actor, "component_group.delete", group, GROUP_FIELDS, target_type="component_group"
    )
    for component in list(group.components):
        component.group = None
    db.session.delete(group)
    db.session.flush()
    bump_version()


def reorder(ids: list[str], *, actor: Actor = SYSTEM) -> None:
    """Give components (or groups) positions 1..n in the order of `ids`."""
    for index, item_id in enumerate(ids, start=1):
        item = db.session.get(Component, item_id) or db.session.get(ComponentGroup, item_id)
        if item is None:
            raise InvalidInput(f"no component or group {item_id!r}")
        item.position = index
    db.session.flush()
    bump_version()
    record(actor, "components.reorder", target_type="page", target_id="order", after={"ids": ids})


def set_start_date(
    component: Component, start_date: date | None, *, actor: Actor = SYSTEM
) -> Component:
    """Set the day a component came into service (Statuspage's `start_date`; None clears it)."""
    return update_component(component, actor=actor, start_date=start_date)
