"""What Statuspage keeps of a page access group or user that segments and organizations lack.

A page access group is a segment and a page access user an address in its organizations
(audience.page_access); these rows hold the rest of Statuspage's objects: the group's
`external_identifier`, the user's `external_login` and when it was made (its memberships are
remade when it moves between groups), and when each was last changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.types import UTCDateTime

MAX_EXTERNAL_ID = 200


class PageAccessGroupRecord(db.Model):
    """A segment's page access group fields; it goes with the segment."""

    __tablename__ = "page_access_group"

    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True
    )
    external_identifier: Mapped[str | None] = mapped_column(String(MAX_EXTERNAL_ID))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PageAccessUserRecord(db.Model):
    """A page access user's fields, by its address (the user itself is its memberships)."""

    __tablename__ = "page_access_user"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)  # lowercased
    external_login: Mapped[str | None] = mapped_column(String(MAX_EXTERNAL_ID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
