"""Components, their groups, the log of every status change, and the daily uptime rollup."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.enums import ComponentStatus, Visibility, db_enum
from statuspage.models.types import PublicId, UTCDateTime, new_public_id

if TYPE_CHECKING:
    from statuspage.models.segments import Segment


class ComponentGroup(db.Model):
    __tablename__ = "component_group"

    id: Mapped[str] = mapped_column(PublicId, primary_key=True, default=new_public_id)
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    components: Mapped[list[Component]] = relationship(
        back_populates="group", order_by="Component.position"
    )


class Component(db.Model):
    __tablename__ = "component"

    id: Mapped[str] = mapped_column(PublicId, primary_key=True, default=new_public_id)
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    group_id: Mapped[str | None] = mapped_column(
        ForeignKey("component_group.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ComponentStatus] = mapped_column(
        db_enum(ComponentStatus), default=ComponentStatus.operational
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    showcase: Mapped[bool] = mapped_column(Boolean, default=True)
    only_show_if_degraded: Mapped[bool] = mapped_column(Boolean, default=False)
    # Public, or shown only to the segments in `segments` (audience decides).
    visibility: Mapped[Visibility] = mapped_column(
        db_enum(Visibility), default=Visibility.public, server_default="public"
    )
    start_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[ComponentGroup | None] = relationship(back_populates="components")
    segments: Mapped[list[Segment]] = relationship(
        secondary="component_segment", order_by="Segment.name"
    )


class ComponentStatusChange(db.Model):
    """One row per status change: the source of truth the uptime rollup is computed from."""

    __tablename__ = "component_status_change"
    __table_args__ = (Index("ix_status_change_component_at", "component_id", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    component_id: Mapped[str] = mapped_column(ForeignKey("component.id", ondelete="CASCADE"))
    old_status: Mapped[ComponentStatus | None] = mapped_column(
        db_enum(ComponentStatus, "old_status")
    )
    new_status: Mapped[ComponentStatus] = mapped_column(db_enum(ComponentStatus, "new_status"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))


class DailyUptime(db.Model):
    """Seconds spent in each status on one UTC day, stored so no request recomputes them."""

    __tablename__ = "daily_uptime"

    component_id: Mapped[str] = mapped_column(
        ForeignKey("component.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    observed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    degraded_seconds: Mapped[int] = mapped_column(Integer, default=0)
    partial_seconds: Mapped[int] = mapped_column(Integer, default=0)
    major_seconds: Mapped[int] = mapped_column(Integer, default=0)
    maintenance_seconds: Mapped[int] = mapped_column(Integer, default=0)
    uptime: Mapped[float] = mapped_column(Float, default=1.0)
