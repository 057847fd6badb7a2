"""Signed-in sessions kept on the server, so signing out ends them.

The cookies (the staff's Flask session, a customer's `herald_viewer`) are signed, not
encrypted, and a copy of one works wherever it is sent. Each names a row here by a random
secret (stored hashed); signing out ends the row, and a cookie whose row is ended or gone
signs nobody in, even before it expires.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.types import UTCDateTime


class StaffSession(db.Model):
    """One sign-in of a staff member to the admin."""

    __tablename__ = "staff_session"

    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ViewerSession(db.Model):
    """One sign-in of a private viewer (a customer's address) to the public site."""

    __tablename__ = "viewer_session"

    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
