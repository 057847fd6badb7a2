"""All models, imported here so metadata (and Alembic) sees every table."""

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

__all__ = [
    "AffectedComponent",
    "Component",
    "ComponentGroup",
    "ComponentStatus",
    "ComponentStatusChange",
    "DailyUptime",
    "Impact",
    "Incident",
    "IncidentKind",
    "IncidentStatus",
    "IncidentUpdate",
    "Page",
    "Visibility",
]
