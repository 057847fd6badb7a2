"""Crisis messages: the internal words Herald pages people with (team pages, executive
briefings, regulator notices), and the explicit recipients of an internal notice.

A CrisisMessage is never an IncidentUpdate: it has no public surface. A Notice that carries
one (`Notice.crisis_message_id`) goes to the internal subscribers named in its
NoticeRecipient rows, through the same delivery engine as every other notice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.enums import db_enum
from statuspage.models.types import UTCDateTime


class CrisisKind(StrEnum):
    team_page = "team_page"  # "assemble the team" (crisis)
    briefing = "briefing"  # an executive briefing (crisis.executives)
    regulator_notice = "regulator_notice"  # a formal notice to regulators


class CrisisMessage(db.Model):
    """What an internal notice says; several notices may carry one (a team page's re-pages)."""

    __tablename__ = "crisis_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CrisisKind] = mapped_column(db_enum(CrisisKind))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # Markdown
    # The line SMS and chat carry (a team page's bridge); None: the subject.
    short_text: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeRecipient(db.Model):
    """One explicit recipient of an internal notice (an internal subscriber)."""

    __tablename__ = "notice_recipient"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notice.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscriber.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The contact point ids this recipient is paged on, in order, when the sender chose them
    # (a team page's quiet hours and escalation choose); None: audience's rule.
    contact_point_ids: Mapped[list[Any] | None] = mapped_column(JSON)
