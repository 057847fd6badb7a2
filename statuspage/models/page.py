"""The status page itself: its identity and the version every public snapshot is keyed on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.types import PublicId, UTCDateTime, new_public_id


class Page(db.Model):
    __tablename__ = "page"

    id: Mapped[str] = mapped_column(PublicId, primary_key=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="Etc/UTC")
    # The language of a reader who names none (statuspage/i18n.choose) and of the composer's
    # required tab; `languages` are the ones an update may be translated into (None: all
    # shipped languages).
    default_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    languages: Mapped[list[str] | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    homepage_url: Mapped[str | None] = mapped_column(String(500))  # the company's own site
    logo_url: Mapped[str | None] = mapped_column(String(500))
    brand_color: Mapped[str] = mapped_column(String(7), default="#1e7b34")
    # [{"label": "Support", "url": "https://..."}], shown in the public footer
    footer_links: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Update cadence (incidents.cadence): the default minutes between an open incident's
    # updates, and whether the public pages say "Next update by HH:MM UTC".
    update_cadence_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    public_next_update: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # Regulator notices' mail, for a regulator that sets none of its own (regulators.mail):
    # the From's display name, the Reply-To and the CC (comma-separated addresses).
    regulator_sender_name: Mapped[str | None] = mapped_column(String(100))
    regulator_reply_to: Mapped[str | None] = mapped_column(String(254))
    regulator_cc: Mapped[str | None] = mapped_column(String(1000))
    # Minutes before each due time comms are reminded (0: at the due time), and minutes
    # after it an update still missing is escalated to the comms roles' SMS and chat paths.
    cadence_reminder_lead_minutes: Mapped[int] = mapped_column(
        Integer, default=5, server_default="5"
    )
    cadence_escalation_grace_minutes: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    # Bumped by every change that shows on the public site; snapshots are keyed on it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The newest metric data the published charts hold (the displayed metrics' greatest
    # `most_recent_data_at` when the minute's sweep last bumped the version for them).
    charts_data_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
