"""Components and groups, through the catalog service (so tests exercise it too)."""

from __future__ import annotations

from datetime import datetime

from statuspage.components.catalog import create_component, create_group
from statuspage.models import Component, ComponentGroup


def group_with_components(
    group_name: str, names: list[str], *, at: datetime | None = None
) -> tuple[ComponentGroup, list[Component]]:
    group = create_group(group_name)
    return group, [create_component(n, group=group, at=at) for n in names]
