"""Moved to admin.views.crisis_team_sections; kept only for admin/views/incidents.py, which the
incident command-object change owns while this rename lands. Delete it once that view imports
`crisis_sections` from admin.views.crisis_team_sections."""

from admin.views.crisis_team_sections import crisis_sections

__all__ = ["crisis_sections"]
