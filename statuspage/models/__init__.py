"""All models, imported here so metadata (and Alembic) sees every table."""

from statuspage.models.audit import AuditEvent, AuditHead
from statuspage.models.components import (
    Component,
    ComponentGroup,
    ComponentStatusChange,
    DailyUptime,
)
from statuspage.models.crisis import CrisisKind, CrisisMessage, NoticeRecipient
from statuspage.models.crisis_team import (
    CrisisRole,
    MessagingGuidelines,
    TeamCallout,
    TeamCalloutMember,
    TeamMember,
    team_member_role,
    team_page_role,
)
from statuspage.models.drafts import InternalNote, UpdateDraft
from statuspage.models.enums import (
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
    Visibility,
)
from statuspage.models.incidents import (
    AffectedComponent,
    Incident,
    IncidentUpdate,
    UpdateTranslation,
)
from statuspage.models.notices import (
    Audience,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    FanOutState,
    Notice,
)
from statuspage.models.page import Page
from statuspage.models.page_access import PageAccessGroupRecord, PageAccessUserRecord
from statuspage.models.regulators import (
    Obligation,
    ObligationReminder,
    Regulator,
    RegulatorNotice,
    RegulatorNoticeObligation,
    RegulatorNoticeState,
    RegulatorRule,
    Reportable,
    RuleBound,
    TriggerKind,
    TriggerTime,
    Unit,
)
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
from statuspage.models.sessions import StaffSession, ViewerSession
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
    "CrisisKind",
    "CrisisMessage",
    "CrisisRole",
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
    "MessagingGuidelines",
    "Notice",
    "NoticeRecipient",
    "Obligation",
    "ObligationReminder",
    "Organization",
    "OrganizationDomain",
    "OrganizationMember",
    "Page",
    "PageAccessGroupRecord",
    "PageAccessUserRecord",
    "Regulator",
    "RegulatorNotice",
    "RegulatorNoticeObligation",
    "RegulatorNoticeState",
    "RegulatorRule",
    "Reportable",
    "Role",
    "RuleBound",
    "Segment",
    "SocialAccount",
    "SocialThread",
    "StaffSession",
    "StaffUser",
    "Subscriber",
    "SubscriberKind",
    "TeamCallout",
    "TeamCalloutMember",
    "TeamMember",
    "TriggerKind",
    "TriggerTime",
    "Unit",
    "UpdateDraft",
    "UpdateTranslation",
    "UsedSignInLink",
    "ViewerFeedToken",
    "ViewerSession",
    "Visibility",
    "component_segment",
    "incident_segment",
    "organization_segment",
    "team_member_role",
    "team_page_role",
]
