"""Small builders for test data, all through the services (so tests exercise them too)."""

from __future__ import annotations

from datetime import datetime

from statuspage.models import Component, ComponentGroup
from statuspage.services.components import create_component, create_group


def group_with_components(
    group_name: str, names: list[str], *, at: datetime | None = None
) -> tuple[ComponentGroup, list[Component]]:
    group = create_group(group_name)
    return group, [create_component(n, group=group, at=at) for n in names]
