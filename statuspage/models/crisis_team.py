"""The crisis team: roles, members (their contact points live on an internal subscriber),
the call-outs that assemble them on an incident, and the incident's messaging guidelines."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.subscribers import Subscriber
from statuspage.models.types import UTCDateTime

team_member_role = Table(
    "team_member_role",
    db.Model.metadata,
    Column("member_id", ForeignKey("team_member.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("crisis_role.id", ondelete="CASCADE"), primary_key=True),
)

team_page_role = Table(
    "team_page_role",
    db.Model.metadata,
    Column("page_id", ForeignKey("team_page.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("crisis_role.id", ondelete="CASCADE"), primary_key=True),
)


class CrisisRole(db.Model):
    """A part someone plays in a crisis: comms lead, technical liaison, legal adviser..."""

    __tablename__ = "crisis_role"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamMember(db.Model):
    """Someone on the roster (staff or not). Their contact points, in order, are those of
    `subscriber`, an internal subscriber, so the delivery engine pages them like anyone."""

    __tablename__ = "team_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), unique=True)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # Executives receive briefings (crisis.executives) with the messaging guidelines.
    executive: Mapped[bool] = mapped_column(Boolean, default=False)
    # Quiet hours, in the member's own time zone: during them, the contact points marked
    # as respecting quiet hours are skipped unless no other is left (crisis).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriber: Mapped[Subscriber] = relationship()
    roles: Mapped[list[CrisisRole]] = relationship(
        secondary=team_member_role, order_by="CrisisRole.name"
    )


class TeamCallout(db.Model):
    """One call-out of the crisis team ("assemble the team") on an incident: who was paged,
    how, and when to page again. Its tables keep their first name, `team_page`.

    Every round of pages is a Notice carrying the same CrisisMessage; a member who
    acknowledges any delivery of any round is done.
    """

    __tablename__ = "team_page"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    crisis_message_id: Mapped[int] = mapped_column(
        ForeignKey("crisis_message.id", ondelete="CASCADE")
    )
    all_paths: Mapped[bool] = mapped_column(Boolean, default=True)
    bridge_phone: Mapped[str] = mapped_column(String(40), default="")
    bridge_pin: Mapped[str] = mapped_column(String(20), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    repage_minutes: Mapped[int] = mapped_column(Integer, default=5)
    max_rounds: Mapped[int] = mapped_column(Integer, default=3)
    rounds: Mapped[int] = mapped_column(Integer, default=1)
    # When the sweep pages the unacknowledged again; None: everyone acknowledged, or the
    # rounds ran out.
    next_repage_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When the call-out was stood down (incident resolved, or the button): no page, re-page
    # or fallback of it goes out after this, and the team was told once.
    stood_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # With an escalation policy (crisis.escalation): the tier paged last, and when its window
    # ends (None: someone acknowledged, the tiers ran out, or no policy).
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation_policy.id", ondelete="SET NULL")
    )
    tier: Mapped[int | None] = mapped_column(Integer)
    tier_deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[CrisisRole]] = relationship(
        secondary=team_page_role, order_by="CrisisRole.name"
    )


class TeamCalloutMember(db.Model):
    """A member a call-out reached for (resolved from its roles when it was sent)."""

    __tablename__ = "team_page_member"

    callout_id: Mapped[int] = mapped_column(
        "page_id", ForeignKey("team_page.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("team_member.id", ondelete="CASCADE"), primary_key=True
    )
    # The policy tier they were paged in (None: a call-out without a policy).
    tier: Mapped[int | None] = mapped_column(Integer)


class MessagingGuidelines(db.Model):
    """What executives may say about an incident; attached to every briefing."""

    __tablename__ = "messaging_guidelines"

    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True
    )
    holding_statement: Mapped[str] = mapped_column(Text, default="")
    approved_qa: Mapped[str] = mapped_column(Text, default="")
    do_not_say: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
