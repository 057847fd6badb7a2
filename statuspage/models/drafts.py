"""Work in progress on an incident: drafted updates awaiting a publisher, and internal notes.

Neither is ever public: no public query reads these tables, and publishing a draft goes
through the same service as any update.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.enums import IncidentStatus, db_enum
from statuspage.models.types import UTCDateTime


class UpdateDraft(db.Model):
    """An update a responder prepared; a comms member reviews and publishes it."""

    __tablename__ = "update_draft"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[IncidentStatus] = mapped_column(db_enum(IncidentStatus, "draft_status"))
    body: Mapped[str] = mapped_column(Text)
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # id -> new status
    author: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_update_id: Mapped[str | None] = mapped_column(String(12))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InternalNote(db.Model):
    """A note for the response team on an incident's timeline; never shown or sent outside."""

    __tablename__ = "internal_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
