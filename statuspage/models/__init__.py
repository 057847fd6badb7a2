"""All models, imported here so metadata (and Alembic) sees every table."""

from statuspage.models.audit import AuditEvent, AuditHead
from statuspage.models.components import (
    Component,
    ComponentGroup,
    ComponentStatusChange,
    DailyUptime,
)
from statuspage.models.enums import (
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
    Visibility,
)
from statuspage.models.incidents import AffectedComponent, Incident, IncidentUpdate
from statuspage.models.page import Page
from statuspage.models.staff import ApiKey, Role, StaffUser
from statuspage.models.templates import IncidentTemplate

__all__ = [
    "AffectedComponent",
    "ApiKey",
    "AuditEvent",
    "AuditHead",
    "Component",
    "ComponentGroup",
    "ComponentStatus",
    "ComponentStatusChange",
    "DailyUptime",
    "Impact",
    "Incident",
    "IncidentKind",
    "IncidentStatus",
    "IncidentTemplate",
    "IncidentUpdate",
    "Page",
    "Role",
    "StaffUser",
    "Visibility",
]
