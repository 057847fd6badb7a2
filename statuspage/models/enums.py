"""The Statuspage vocabularies, enum for enum, so existing clients read Herald unchanged."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum


class ComponentStatus(StrEnum):
    operational = "operational"
    degraded_performance = "degraded_performance"
    partial_outage = "partial_outage"
    major_outage = "major_outage"
    under_maintenance = "under_maintenance"

    @property
    def label(self) -> str:
        """The status in the language in force (a plain str: safe in JSON and f-strings;
        the JSON outputs send `.value`, never this)."""
        return str(_COMPONENT_LABELS[self])


class IncidentKind(StrEnum):
    incident = "incident"
    maintenance = "maintenance"


class IncidentStatus(StrEnum):
    # incident lifecycle
    investigating = "investigating"
    identified = "identified"
    monitoring = "monitoring"
    resolved = "resolved"
    postmortem = "postmortem"
    # scheduled maintenance lifecycle
    scheduled = "scheduled"
    in_progress = "in_progress"
    verifying = "verifying"
    completed = "completed"

    @property
    def label(self) -> str:
        """The status in the language in force (a plain str, as ComponentStatus.label)."""
        return str(_INCIDENT_LABELS[self])


INCIDENT_STATUSES = frozenset(
    {
        IncidentStatus.investigating,
        IncidentStatus.identified,
        IncidentStatus.monitoring,
        IncidentStatus.resolved,
        IncidentStatus.postmortem,
    }
)
MAINTENANCE_STATUSES = frozenset(
    {
        IncidentStatus.scheduled,
        IncidentStatus.in_progress,
        IncidentStatus.verifying,
        IncidentStatus.completed,
    }
)
CLOSED_STATUSES = frozenset(
    {IncidentStatus.resolved, IncidentStatus.postmortem, IncidentStatus.completed}
)


class Impact(StrEnum):
    none = "none"
    minor = "minor"
    major = "major"
    critical = "critical"
    maintenance = "maintenance"

    @property
    def label(self) -> str:
        """The impact alone ("Minor"), in the language in force: the history's filter."""
        return str(_IMPACT_LABELS[self])

    @property
    def phrase(self) -> str:
        """The impact as a phrase ("Minor impact", "No impact"), in the language in force: a
        whole phrase per value, since word order and agreement differ between languages."""
        return str(_IMPACT_PHRASES[self])


# Labels are lazy: gettext runs when `.label` is read, in the language then in force (a
# request's reader, or a message's subscriber under `reading_as`); outside any app context
# they read as the English msgid.
_COMPONENT_LABELS = {
    ComponentStatus.operational: _l("Operational"),
    ComponentStatus.degraded_performance: _l("Degraded performance"),
    ComponentStatus.partial_outage: _l("Partial outage"),
    ComponentStatus.major_outage: _l("Major outage"),
    ComponentStatus.under_maintenance: _l("Under maintenance"),
}
_INCIDENT_LABELS = {
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
_IMPACT_LABELS = {
    Impact.none: _l("None"),
    Impact.minor: _l("Minor"),
    Impact.major: _l("Major"),
    Impact.critical: _l("Critical"),
    Impact.maintenance: _l("Maintenance"),
}
_IMPACT_PHRASES = {
    Impact.none: _l("No impact"),
    Impact.minor: _l("Minor impact"),
    Impact.major: _l("Major impact"),
    Impact.critical: _l("Critical impact"),
    Impact.maintenance: _l("Maintenance"),
}


class Visibility(StrEnum):
    public = "public"
    segments = "segments"


def db_enum(enum_cls: type[StrEnum], name: str | None = None) -> Enum:
    """A portable enum column: VARCHAR + CHECK, the same on SQLite and PostgreSQL.

    Native PostgreSQL enums need their own ALTER TYPE migrations for every new value;
    a checked string does not, and reads the same. `name` names the CHECK constraint; two
    columns of one table with the same enum need different names.
    """
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        name=name or enum_cls.__name__.lower(),
    )
