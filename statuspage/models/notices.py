"""Notices (an update for one audience), their deliveries, and every delivery attempt.

A Notice is the outbox row: written in the publishing transaction, fanned out after
commit. A Delivery is one notice for one contact point, unique on that pair, so a fan-out
run twice creates nothing twice. The database, not the queue, is the record.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.enums import db_enum
from statuspage.models.subscribers import Channel, ContactPoint
from statuspage.models.types import UTCDateTime


class Audience(StrEnum):
    public = "public"
    segments = "segments"
    team = "team"
    executives = "executives"
    regulators = "regulators"


class FanOutState(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"


class DeliveryState(StrEnum):
    pending = "pending"  # created, waiting for a worker
    sending = "sending"  # leased by a worker until lease_until
    retry = "retry"  # a transient failure; due again at next_attempt_at
    sent = "sent"  # handed to the provider
    failed = "failed"  # permanent failure, or out of attempts
    superseded = "superseded"  # a fallback contact point took over (no ack in time)
    # Its channel is not configured (SMS without Twilio): parked, neither sent nor failed, and
    # sent after all once a worker runs with the channel configured (delivery.ledger.unpark).
    stuck = "stuck"


class Notice(db.Model):
    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_fanout", "fanout_state", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    # An update's notice names the update; an internal notice (team page, briefing, regulator
    # notice) names its crisis message instead.
    update_id: Mapped[str | None] = mapped_column(
        ForeignKey("incident_update.id", ondelete="CASCADE")
    )
    crisis_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("crisis_message.id", ondelete="CASCADE"), index=True
    )
    audience: Mapped[Audience] = mapped_column(db_enum(Audience))
    # False: each recipient's first reachable contact point, then the engine's fallback;
    # True: every reachable contact point at once (a crisis page).
    all_paths: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    requires_ack: Mapped[bool] = mapped_column(default=False)
    ack_window_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fanout_state: Mapped[FanOutState] = mapped_column(
        db_enum(FanOutState), default=FanOutState.pending
    )
    # The last subscriber id a fan-out finished, so a restarted fan-out resumes there.
    fanout_cursor: Mapped[int] = mapped_column(Integer, default=0)
    fanout_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the fan-out last committed a page: the sweep takes a fan-out over only once this
    # is old (the worker died or hangs), never while a long one is still making progress.
    fanout_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fanout_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class Delivery(db.Model):
    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("notice_id", "contact_point_id", name="uq_delivery_notice_contact"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
        Index("ix_delivery_notice_state", "notice_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    contact_point_id: Mapped[int] = mapped_column(
        ForeignKey("contact_point.id", ondelete="CASCADE")
    )
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(db_enum(Channel))
    state: Mapped[DeliveryState] = mapped_column(
        db_enum(DeliveryState), default=DeliveryState.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ack_path: Mapped[str | None] = mapped_column(String(50))  # how: "email-link", "slack-link"
    fallback_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery.id", ondelete="SET NULL")
    )

    contact_point: Mapped[ContactPoint] = relationship()


class DeliveryAttempt(db.Model):
    """Every attempt, append-only: when, what came back, the provider's id or the error."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # sent | retry | permanent | lease-expired | skipped (its contact point was disabled)
    # | bounced (a bounce came back after it was sent: delivery.bounces)
    outcome: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
