"""Regulators, their notification rules, and each incident's regulatory obligations and notices.

A Regulator's contact points are held by an internal subscriber (crisis.notices), so
the delivery engine serves a regulator exactly as it serves anyone: retries, fallback to the
next contact point, acknowledgement links. A RegulatorRule is one report a regime asks for
("initial", "final"); its RuleBounds say when it is due (several: whichever is earlier). An
Obligation is one rule for one incident; its due time is computed by regulators.deadlines from
the incident's TriggerTimes and is stored so the sweep can find what falls due.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.enums import db_enum
from statuspage.models.types import UTCDateTime


class Unit(StrEnum):
    """How a deadline counts (regulators.deadlines says exactly how)."""

    hours = "hours"  # calendar hours, absolute time
    days = "days"  # calendar days, local wall clock
    months = "months"  # calendar months, local wall clock, clamped to the month's end
    business_days = "business_days"  # weekdays that are not the jurisdiction's holidays

    @property
    def label(self) -> str:
        return {
            Unit.hours: "hours",
            Unit.days: "calendar days",
            Unit.months: "months",
            Unit.business_days: "business days",
        }[self]


class TriggerKind(StrEnum):
    """What starts a regulatory clock, as staff record it on an incident."""

    awareness = "awareness"  # the organisation became aware of the incident
    classification = "classification"  # classified as major / reportable
    determination = "determination"  # determined material / notifiable
    discovery = "discovery"  # the breach was discovered
    report = "report"  # chained: an earlier report of the same regulator was submitted

    @property
    def label(self) -> str:
        return "submission of the earlier report" if self is TriggerKind.report else self.value


INCIDENT_TRIGGERS = [k for k in TriggerKind if k is not TriggerKind.report]


class Regulator(db.Model):
    __tablename__ = "regulator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    jurisdiction: Mapped[str] = mapped_column(String(200), default="")
    # The holidays package's names for where business days are counted.
    country_code: Mapped[str | None] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    source_note: Mapped[str] = mapped_column(Text, default="")
    # The library entry it came from (data/regulators.json), so loading it twice adds nothing.
    library_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    # The internal subscriber holding its contact points, in priority order.
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriber.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Its notices' mail (regulators.mail): the From's display name (the address stays the
    # page's sender, so SPF and DKIM hold), the Reply-To and the CC (the bank's compliance
    # mailbox, comma-separated). None: the page's default (Page.regulator_*).
    mail_sender_name: Mapped[str | None] = mapped_column(String(100))
    mail_reply_to: Mapped[str | None] = mapped_column(String(254))
    mail_cc: Mapped[str | None] = mapped_column(String(1000))

    rules: Mapped[list[RegulatorRule]] = relationship(
        back_populates="regulator",
        order_by="RegulatorRule.position",
        cascade="all, delete-orphan",
    )


class RegulatorRule(db.Model):
    """One report a regime asks for: its stage, when it is due, and what it must contain."""

    __tablename__ = "regulator_rule"
    __table_args__ = (UniqueConstraint("regulator_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    regulator_id: Mapped[int] = mapped_column(ForeignKey("regulator.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(100))  # "early warning", "initial", "final"
    what_to_send: Mapped[str] = mapped_column(Text, default="")

    regulator: Mapped[Regulator] = relationship(back_populates="rules")
    bounds: Mapped[list[RuleBound]] = relationship(
        back_populates="rule",
        order_by="RuleBound.id",
        cascade="all, delete-orphan",
        foreign_keys="RuleBound.rule_id",
    )


class RuleBound(db.Model):
    """`amount` `unit` after `trigger`; a rule is due at the earliest of its bounds."""

    __tablename__ = "rule_bound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("regulator_rule.id", ondelete="CASCADE"))
    trigger: Mapped[TriggerKind] = mapped_column(db_enum(TriggerKind))
    # For trigger "report": the earlier rule (same regulator) whose submission starts the clock.
    after_rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("regulator_rule.id", ondelete="CASCADE")
    )
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[Unit] = mapped_column(db_enum(Unit, name="deadline_unit"))

    rule: Mapped[RegulatorRule] = relationship(back_populates="bounds", foreign_keys=[rule_id])
    after_rule: Mapped[RegulatorRule | None] = relationship(foreign_keys=[after_rule_id])


class TriggerTime(db.Model):
    """When a trigger happened on an incident, as staff record it, and when and by whom."""

    __tablename__ = "trigger_time"
    __table_args__ = (UniqueConstraint("incident_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    kind: Mapped[TriggerKind] = mapped_column(db_enum(TriggerKind))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )


class Reportable(db.Model):
    """An incident is reportable to a regulator (staff decided so)."""

    __tablename__ = "reportable"

    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True
    )
    regulator_id: Mapped[int] = mapped_column(
        ForeignKey("regulator.id", ondelete="CASCADE"), primary_key=True
    )
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )


class Obligation(db.Model):
    """One rule for one incident. Its state (waiting, due, overdue, sent, acknowledged) is
    derived from these times and the clock (regulators.deadlines.state), so it is never stale."""

    __tablename__ = "obligation"
    __table_args__ = (UniqueConstraint("incident_id", "rule_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("regulator_rule.id", ondelete="CASCADE"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    portal_reference: Mapped[str | None] = mapped_column(String(200))
    # The text filed on the regulator's portal, as staff pasted it when recording the filing.
    filed_text: Mapped[str | None] = mapped_column(Text)
    late_reason: Mapped[str | None] = mapped_column(Text)
    regulator_notice_id: Mapped[int | None] = mapped_column(
        ForeignKey("regulator_notice.id", ondelete="SET NULL")
    )
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rule: Mapped[RegulatorRule] = relationship()


class ObligationReminder(db.Model):
    """A reminder to comms and legal, once per (obligation, lead time, due time)."""

    __tablename__ = "obligation_reminder"
    __table_args__ = (UniqueConstraint("obligation_id", "lead_minutes", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligation.id", ondelete="CASCADE"))
    lead_minutes: Mapped[int] = mapped_column(Integer)  # 1440, 60, 0: before the due time
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RegulatorNoticeState(StrEnum):
    draft = "draft"
    approved = "approved"
    sent = "sent"


class RegulatorNotice(db.Model):
    """A formal notice to one or more regulators: composed, approved by legal, sent."""

    __tablename__ = "regulator_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[RegulatorNoticeState] = mapped_column(
        db_enum(RegulatorNoticeState), default=RegulatorNoticeState.draft
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Four-eyes: who edited it since the last approval (staff ids); none of them, nor its
    # author, may approve, or an editor could approve their own words.
    editor_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    # The text approval is reviewed against (the last approved version; the composed draft
    # before the first approval), so the approver sees what changed since.
    reviewed_subject: Mapped[str | None] = mapped_column(String(300))
    reviewed_body: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The delivery engine's notice that carried it (audience "regulators").
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id", ondelete="SET NULL"))
    # The incident's facts the text was composed from ({"awareness": "2026-06-01 04:55 UTC"},
    # statuspage.regulators.notices.notice_facts): a later change to any of them makes the
    # notice outdated, so approval and sending wait for a refresh. None: composed before.
    facts: Mapped[dict[str, str] | None] = mapped_column(JSON)

    obligations: Mapped[list[Obligation]] = relationship(
        secondary="regulator_notice_obligation", order_by="Obligation.id"
    )


class RegulatorNoticeObligation(db.Model):
    """Which obligations a notice fulfils (one report per regulator it goes to)."""

    __tablename__ = "regulator_notice_obligation"

    regulator_notice_id: Mapped[int] = mapped_column(
        ForeignKey("regulator_notice.id", ondelete="CASCADE"), primary_key=True
    )
    obligation_id: Mapped[int] = mapped_column(
        ForeignKey("obligation.id", ondelete="CASCADE"), primary_key=True
    )


class RegulatorMail(db.Model):
    """The copy of a regulator notice's mail as Herald handed it to the SMTP server (one per
    delivery: its own recipient and acknowledgement link), with its SHA-256, kept before the
    first try so every retry sends the same bytes (regulators.mail)."""

    __tablename__ = "regulator_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    regulator_notice_id: Mapped[int] = mapped_column(
        ForeignKey("regulator_notice.id", ondelete="CASCADE"), index=True
    )
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("delivery.id", ondelete="SET NULL"), unique=True
    )
    regulator_id: Mapped[int | None] = mapped_column(
        ForeignKey("regulator.id", ondelete="SET NULL")
    )
    # The envelope recipients: the regulator's address, then the CC.
    recipients: Mapped[list[Any]] = mapped_column(JSON)
    mime: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
