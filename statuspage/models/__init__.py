"""All models, imported here so metadata (and Alembic) sees every table."""

from statuspage.models.audit import AuditEvent, AuditHead
from statuspage.models.components import (
    Component,
    ComponentGroup,
    ComponentStatusChange,
    DailyUptime,
)
from statuspage.models.drafts import InternalNote, UpdateDraft
from statuspage.models.enums import (
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
    Visibility,
)
from statuspage.models.incidents import AffectedComponent, Incident, IncidentUpdate
from statuspage.models.notices import (
    Audience,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    FanOutState,
    Notice,
)
from statuspage.models.page import Page
from statuspage.models.segments import (
    Organization,
    OrganizationDomain,
    OrganizationMember,
    Segment,
    UsedSignInLink,
    ViewerFeedToken,
    component_segment,
    incident_segment,
    organization_segment,
)
from statuspage.models.social import SocialAccount, SocialThread
from statuspage.models.staff import ApiKey, Role, StaffUser
from statuspage.models.subscribers import (
    ENDPOINT_CHANNELS,
    PUBLIC_CHANNELS,
    Channel,
    ContactPoint,
    Subscriber,
    SubscriberKind,
)
from statuspage.models.templates import IncidentTemplate

__all__ = [
    "ENDPOINT_CHANNELS",
    "PUBLIC_CHANNELS",
    "AffectedComponent",
    "ApiKey",
    "Audience",
    "AuditEvent",
    "AuditHead",
    "Channel",
    "Component",
    "ComponentGroup",
    "ComponentStatus",
    "ComponentStatusChange",
    "ContactPoint",
    "DailyUptime",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryState",
    "FanOutState",
    "Impact",
    "Incident",
    "IncidentKind",
    "IncidentStatus",
    "IncidentTemplate",
    "IncidentUpdate",
    "InternalNote",
    "Notice",
    "Organization",
    "OrganizationDomain",
    "OrganizationMember",
    "Page",
    "Role",
    "Segment",
    "SocialAccount",
    "SocialThread",
    "StaffUser",
    "Subscriber",
    "SubscriberKind",
    "UpdateDraft",
    "UsedSignInLink",
    "ViewerFeedToken",
    "Visibility",
    "component_segment",
    "incident_segment",
    "organization_segment",
]
