"""THE scoping rule: who may see a notice. Every read surface asks here; none filters itself.

For now every notice is public. Segments and private viewers arrive with [5/7] and change
this module alone: every surface already routes through `visible` and `may_see`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

from statuspage.models import Incident, Visibility


@dataclass(frozen=True)
class Viewer:
    """Who is looking: anonymous (the default), a private viewer of some segments, or staff."""

    segment_ids: frozenset[int] = frozenset()
    staff: bool = False


PUBLIC = Viewer()


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL filter every incident query applies for this viewer."""
    if viewer.staff:
        return true()
    return Incident.visibility == Visibility.public


def may_see(viewer: Viewer, incident: Incident) -> bool:
    """The same rule as `visible`, for one incident already loaded."""
    return viewer.staff or incident.visibility is Visibility.public
