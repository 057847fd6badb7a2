"""The Statuspage vocabularies, enum for enum, so existing clients read Herald unchanged."""

from enum import StrEnum

from sqlalchemy import Enum


class ComponentStatus(StrEnum):
    operational = "operational"
    degraded_performance = "degraded_performance"
    partial_outage = "partial_outage"
    major_outage = "major_outage"
    under_maintenance = "under_maintenance"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


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
        return self.value.replace("_", " ").capitalize()


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
