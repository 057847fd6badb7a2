"""Moved to admin.forms.cadence; kept only for admin/views/incidents.py, which the incident
command-object change owns while this split lands. Delete it once that view imports
`cadence_context` from admin.forms.cadence."""

from admin.forms.cadence import cadence_context

__all__ = ["cadence_context"]
