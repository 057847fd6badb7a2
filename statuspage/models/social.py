"""The page's own social accounts (X, Mastodon) and the thread each incident starts there.

An account is reached through the delivery engine like any contact point: it owns a
syndication subscriber with one contact point, so its posts are durable, retried, logged and
idempotent like every other delivery. The credentials stay here, readable by owners only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.enums import db_enum
from statuspage.models.subscribers import Channel
from statuspage.models.types import UTCDateTime


class SocialAccount(db.Model):
    __tablename__ = "social_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network: Mapped[Channel] = mapped_column(db_enum(Channel, "network"), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")  # "@acme@hachyderm.io"
    credentials: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_point.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SocialThread(db.Model):
    """Per incident and network: the first post (the thread) and the latest, to reply to."""

    __tablename__ = "social_thread"
    __table_args__ = (UniqueConstraint("incident_id", "network"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    network: Mapped[Channel] = mapped_column(db_enum(Channel, "network"))
    root_post_id: Mapped[str] = mapped_column(String(64))
    last_post_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
