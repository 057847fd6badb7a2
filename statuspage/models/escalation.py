"""Escalation policies: ordered tiers of the crisis team, each paged when the one before it
went unacknowledged for its window, and the record of each call-out's tier escalations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.crisis_team import CrisisRole, TeamMember
from statuspage.models.types import UTCDateTime

escalation_tier_role = Table(
    "escalation_tier_role",
    db.Model.metadata,
    Column("tier_id", ForeignKey("escalation_tier.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("crisis_role.id", ondelete="CASCADE"), primary_key=True),
)

escalation_tier_member = Table(
    "escalation_tier_member",
    db.Model.metadata,
    Column("tier_id", ForeignKey("escalation_tier.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("team_member.id", ondelete="CASCADE"), primary_key=True),
)


class EscalationPolicy(db.Model):
    """A saved order of paging: primary, backup, next tier... (crisis.escalation)."""

    __tablename__ = "escalation_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tiers: Mapped[list[EscalationTier]] = relationship(
        order_by="EscalationTier.position", cascade="all, delete-orphan"
    )


class EscalationTier(db.Model):
    """One tier of a policy: the roles and members it pages, and how long they have to
    acknowledge before the next tier is paged."""

    __tablename__ = "escalation_tier"
    __table_args__ = (UniqueConstraint("policy_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_policy.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # 1: the primary tier
    window_minutes: Mapped[int] = mapped_column(Integer)

    roles: Mapped[list[CrisisRole]] = relationship(
        secondary=escalation_tier_role, order_by="CrisisRole.name"
    )
    members: Mapped[list[TeamMember]] = relationship(
        secondary=escalation_tier_member, order_by="TeamMember.name"
    )


class TeamCalloutEscalation(db.Model):
    """A call-out's tier escalation: tier `tier` was paged (or, `exhausted`, the last tier's
    window ended unanswered), and the message the incident commander was told with. One a
    tier: the unique key is a second guard against two sweeps escalating twice."""

    __tablename__ = "team_page_escalation"
    __table_args__ = (UniqueConstraint("page_id", "tier", "exhausted"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    callout_id: Mapped[int] = mapped_column(
        "page_id", ForeignKey("team_page.id", ondelete="CASCADE"), index=True
    )
    tier: Mapped[int] = mapped_column(Integer)
    exhausted: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The commander's message (None: nobody to tell); never a stand-down notice.
    crisis_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("crisis_message.id", ondelete="SET NULL")
    )
