"""The status words a reader sees, in the language in force (gettext): "Investigating" is a
msgid here once, not `value.capitalize()` spelled in every template and channel."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from statuspage.models.enums import ComponentStatus, IncidentStatus

_INCIDENT: dict[IncidentStatus, LazyString] = {
    IncidentStatus.investigating: _l("Investigating"),
    IncidentStatus.identified: _l("Identified"),
    IncidentStatus.monitoring: _l("Monitoring"),
    IncidentStatus.resolved: _l("Resolved"),
    IncidentStatus.postmortem: _l("Postmortem"),
    IncidentStatus.scheduled: _l("Scheduled"),
    IncidentStatus.in_progress: _l("In progress"),
    IncidentStatus.verifying: _l("Verifying"),
    IncidentStatus.completed: _l("Completed"),
}
_COMPONENT: dict[ComponentStatus, LazyString] = {
    ComponentStatus.operational: _l("Operational"),
    ComponentStatus.degraded_performance: _l("Degraded performance"),
    ComponentStatus.partial_outage: _l("Partial outage"),
    ComponentStatus.major_outage: _l("Major outage"),
    ComponentStatus.under_maintenance: _l("Under maintenance"),
}


def status_label(status: IncidentStatus | ComponentStatus) -> str:
    """`status` in the reader's language ("Investigating", "調査中"), English as a fallback."""
    table: dict = _INCIDENT if isinstance(status, IncidentStatus) else _COMPONENT
    word = table.get(status)
    return str(word) if word is not None else status.label
