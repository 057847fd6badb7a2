"""THE scoping rule, read side: who may see an incident or a component. Every read surface
asks here; none filters on its own.

An incident or a component is public, or private to segments. A viewer (anonymous, a
signed-in private viewer, or staff) sees the public ones and the private ones of their
segments.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    or_,
    true,
)

from statuspage.models import (
    Component,
    Incident,
    Visibility,
    component_segment,
    incident_segment,
)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: anonymous (the default), a private viewer of some segments, or staff."""

    segment_ids: frozenset[int] = frozenset()
    staff: bool = False
    email: str | None = None  # a signed-in private viewer's address
    organization_ids: frozenset[int] = frozenset()

    @property
    def is_public(self) -> bool:
        """Sees exactly what the anonymous public sees: the snapshot may serve them."""
        return not self.staff and not self.segment_ids


PUBLIC = Viewer()
STAFF = Viewer(staff=True)  # the admin and the management API: everything, marked as such


def _scoped(viewer: Viewer, visibility, link_row_id, link_segment_id) -> ColumnElement[bool]:
    """Public rows, and private ones linked to at least one of the viewer's segments."""
    if viewer.staff:
        return true()
    public = visibility == Visibility.public
    if not viewer.segment_ids:
        return public
    return or_(
        public,
        and_(
            visibility == Visibility.segments,
            exists().where(link_row_id, link_segment_id.in_(sorted(viewer.segment_ids))),
        ),
    )


def _may_see(viewer: Viewer, row: Incident | Component) -> bool:
    if viewer.staff or row.visibility is Visibility.public:
        return True
    return any(segment.id in viewer.segment_ids for segment in row.segments)


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL filter every incident query applies for this viewer: public incidents, and
    the private ones with at least one affected segment among the viewer's."""
    return _scoped(
        viewer,
        Incident.visibility,
        incident_segment.c.incident_id == Incident.id,
        incident_segment.c.segment_id,
    )


def may_see(viewer: Viewer, incident: Incident) -> bool:
    """The same rule as `visible`, for one incident already loaded."""
    return _may_see(viewer, incident)


def component_visible(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL filter for components: public ones, and private ones of the viewer's segments."""
    return _scoped(
        viewer,
        Component.visibility,
        component_segment.c.component_id == Component.id,
        component_segment.c.segment_id,
    )


def may_see_component(viewer: Viewer, component: Component) -> bool:
    """The same rule as `component_visible`, for one component already loaded."""
    return _may_see(viewer, component)
