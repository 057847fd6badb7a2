"""Incidents and scheduled maintenance, their updates, and the components each update touched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.components import Component
from statuspage.models.enums import (
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
    Visibility,
    db_enum,
)
from statuspage.models.segments import Segment
from statuspage.models.types import PublicId, UTCDateTime, new_public_id

incident_component = Table(
    "incident_component",
    db.Model.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", ForeignKey("component.id", ondelete="CASCADE"), primary_key=True),
)


class Incident(db.Model):
    """An incident or a scheduled maintenance (Statuspage models both as incidents)."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_kind_created", "kind", "created_at"),)

    id: Mapped[str] = mapped_column(PublicId, primary_key=True, default=new_public_id)
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    kind: Mapped[IncidentKind] = mapped_column(db_enum(IncidentKind))
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[IncidentStatus] = mapped_column(db_enum(IncidentStatus))
    impact: Mapped[Impact] = mapped_column(db_enum(Impact))
    # Who may see it is decided in audience alone; this column is its input.
    visibility: Mapped[Visibility] = mapped_column(db_enum(Visibility), default=Visibility.public)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    monitoring_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Maintenance automation, as Statuspage's scheduled_auto_* and scheduled_remind_prior.
    auto_start: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    remind_prior: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written after the fact (`at` in the past: Statuspage's backfill), not as it happened.
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    postmortem_body: Mapped[str | None] = mapped_column(Text)
    postmortem_body_html: Mapped[str | None] = mapped_column(Text)
    postmortem_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Update cadence (incidents.cadence): minutes between updates while open; None follows the
    # page's default. The due time last reminded, so each due time is reminded once.
    update_cadence_minutes: Mapped[int | None] = mapped_column(Integer)
    cadence_reminded_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Minutes before each due time comms are reminded; None follows the page's lead.
    cadence_reminder_lead_minutes: Mapped[int | None] = mapped_column(Integer)
    # The due time last escalated (incidents.cadence_escalation), each escalated once.
    cadence_escalated_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many customers and records the incident affects, as a regulator notice states them
    # (regulators.facts); None: not known yet.
    affected_customers: Mapped[int | None] = mapped_column(BigInteger)
    affected_records: Mapped[int | None] = mapped_column(BigInteger)

    updates: Mapped[list[IncidentUpdate]] = relationship(
        back_populates="incident",
        order_by="IncidentUpdate.display_at.desc()",
        cascade="all, delete-orphan",
    )
    components: Mapped[list[Component]] = relationship(
        secondary=incident_component, order_by=Component.position
    )
    # The affected segments of a private incident (visibility "segments"); empty when public.
    segments: Mapped[list[Segment]] = relationship(
        secondary="incident_segment", order_by="Segment.name"
    )

    @property
    def is_maintenance(self) -> bool:
        return self.kind is IncidentKind.maintenance

    @property
    def latest_update(self) -> IncidentUpdate | None:
        return self.updates[0] if self.updates else None


class IncidentUpdate(db.Model):
    __tablename__ = "incident_update"
    __table_args__ = (Index("ix_incident_update_incident_display", "incident_id", "display_at"),)

    id: Mapped[str] = mapped_column(PublicId, primary_key=True, default=new_public_id)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    status: Mapped[IncidentStatus] = mapped_column(db_enum(IncidentStatus))
    body: Mapped[str] = mapped_column(Text)  # Markdown, as written
    body_html: Mapped[str] = mapped_column(Text)  # sanitised once, at write time
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    display_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deliver_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    custom_tweet: Mapped[str | None] = mapped_column(String(500))
    tweet_id: Mapped[str | None] = mapped_column(String(64))

    incident: Mapped[Incident] = relationship(back_populates="updates")
    affected_components: Mapped[list[AffectedComponent]] = relationship(
        back_populates="update", cascade="all, delete-orphan", order_by="AffectedComponent.id"
    )
    translations: Mapped[list[UpdateTranslation]] = relationship(
        back_populates="update", cascade="all, delete-orphan", order_by="UpdateTranslation.language"
    )


class UpdateTranslation(db.Model):
    """An update's title (the incident's name as of this update) and message in one more
    language. The update's own `body` and the incident's `name` are the default language's."""

    __tablename__ = "update_translation"
    __table_args__ = (UniqueConstraint("update_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[str] = mapped_column(
        ForeignKey("incident_update.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # Markdown, as written
    body_html: Mapped[str] = mapped_column(Text)  # sanitised once, at write time

    update: Mapped[IncidentUpdate] = relationship(back_populates="translations")


class AffectedComponent(db.Model):
    """A component an update touched, with its status before and after."""

    __tablename__ = "affected_component"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[str] = mapped_column(
        ForeignKey("incident_update.id", ondelete="CASCADE"), index=True
    )
    component_id: Mapped[str] = mapped_column(ForeignKey("component.id", ondelete="CASCADE"))
    old_status: Mapped[ComponentStatus] = mapped_column(db_enum(ComponentStatus, "old_status"))
    new_status: Mapped[ComponentStatus] = mapped_column(db_enum(ComponentStatus, "new_status"))

    update: Mapped[IncidentUpdate] = relationship(back_populates="affected_components")
    component: Mapped[Component] = relationship()
