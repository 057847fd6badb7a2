"""Incident templates: the words staff prepared in calm times, for the bad hour."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.enums import IncidentStatus, db_enum
from statuspage.models.types import PublicId, UTCDateTime, new_public_id


class IncidentTemplate(db.Model):
    __tablename__ = "incident_template"

    id: Mapped[str] = mapped_column(PublicId, primary_key=True, default=new_public_id)
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    update_status: Mapped[IncidentStatus] = mapped_column(
        db_enum(IncidentStatus, "update_status"), default=IncidentStatus.investigating
    )
    should_tweet: Mapped[bool] = mapped_column(Boolean, default=False)
    should_send_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    group_id: Mapped[str | None] = mapped_column(String(12))
    component_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
