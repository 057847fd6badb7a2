"""Monitoring in: the integrations alerts arrive through, the rules that map them to
components, the alerts themselves (kept by fingerprint), each component's automation
setting and its damping state, and the incidents automation drafts for comms to review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.enums import ComponentStatus, IncidentStatus, db_enum
from statuspage.models.types import PublicId, UTCDateTime, new_public_id


class IntegrationKind(StrEnum):
    """The monitoring tools whose webhook Herald reads; the value is the URL's segment."""

    alertmanager = "alertmanager"
    grafana = "grafana"
    uptime_kuma = "uptime-kuma"
    generic = "generic"


class AutomationMode(StrEnum):
    """What alerts may do to one component: nothing, its status, or its status and a
    drafted incident that waits for a person (or publishes itself where a rule says so)."""

    off = "off"
    status = "status"
    status_and_draft = "status_and_draft"


class AlertState(StrEnum):
    firing = "firing"
    resolved = "resolved"


class Integration(db.Model):
    """One monitoring tool's way in. Only a digest of its secret is kept: the secret is
    shown once, at creation, and a database dump signs nobody's alerts."""

    __tablename__ = "integration"

    id: Mapped[str] = mapped_column(PublicId, primary_key=True, default=new_public_id)
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    kind: Mapped[IntegrationKind] = mapped_column(db_enum(IntegrationKind))
    name: Mapped[str] = mapped_column(String(200))
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertRule(db.Model):
    """Alerts whose labels match every matcher move `component_id` to `component_status`.

    `matchers` is a list of [label, op, value] with op one of =, !=, =~, !~ (Alertmanager's
    own matcher operators). `integration_id` None means any integration of the page.
    Rules are tried by `position`; the first that matches an alert takes it.
    """

    __tablename__ = "alert_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    integration_id: Mapped[str | None] = mapped_column(
        ForeignKey("integration.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    matchers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    component_id: Mapped[str] = mapped_column(
        ForeignKey("component.id", ondelete="CASCADE"), index=True
    )
    component_status: Mapped[ComponentStatus] = mapped_column(
        db_enum(ComponentStatus, "alert_rule_status")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A drafted incident from this rule's alerts publishes itself, without a person.
    publish_automatically: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(db.Model):
    """One alert as its tool last reported it, kept by (integration, fingerprint)."""

    __tablename__ = "alert"
    __table_args__ = (
        UniqueConstraint("integration_id", "fingerprint"),
        Index("ix_alert_component_state", "component_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ForeignKey("integration.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(200))
    state: Mapped[AlertState] = mapped_column(db_enum(AlertState))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    annotations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rule.id", ondelete="SET NULL"))
    component_id: Mapped[str | None] = mapped_column(
        ForeignKey("component.id", ondelete="SET NULL")
    )
    component_status: Mapped[ComponentStatus | None] = mapped_column(
        db_enum(ComponentStatus, "alert_component_status")
    )


class ComponentAutomation(db.Model):
    """One component's automation setting and the status waiting out its hold.

    A status alerts ask for is published only once it has held `hold_seconds` (damping a
    flapping alert): `pending_status` since `pending_since` until then.
    """

    __tablename__ = "component_automation"

    component_id: Mapped[str] = mapped_column(
        ForeignKey("component.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[AutomationMode] = mapped_column(
        db_enum(AutomationMode), default=AutomationMode.off
    )
    hold_seconds: Mapped[int] = mapped_column(Integer, default=60)
    pending_status: Mapped[ComponentStatus | None] = mapped_column(
        db_enum(ComponentStatus, "automation_pending_status")
    )
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentDraft(db.Model):
    """An incident automation proposes: comms review it and publish it (then it becomes an
    incident like any other) or discard it. Nothing here is ever shown to customers."""

    __tablename__ = "incident_draft"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[IncidentStatus] = mapped_column(
        db_enum(IncidentStatus, "incident_draft_status"), default=IncidentStatus.investigating
    )
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # id -> status
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every alert behind it resolved before anyone published it.
    alerts_resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_incident_id: Mapped[str | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
