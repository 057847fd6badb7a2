"""Customers and the slices staff cut them into: organizations, segments, and who belongs.

A segment (a region, a plan, a tenant: anything staff define) is what a private incident or a
private component is scoped to. Organizations belong to many segments; people belong to an
organization by explicit membership (an email address) or by a verified email domain rule.
Who may see and who receives a private notice follows from these rows, in
audience alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.types import UTCDateTime

organization_segment = Table(
    "organization_segment",
    db.Model.metadata,
    Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_id", ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True),
)

component_segment = Table(
    "component_segment",
    db.Model.metadata,
    Column("component_id", ForeignKey("component.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_id", ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True),
)

incident_segment = Table(
    "incident_segment",
    db.Model.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_id", ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True),
)


class Segment(db.Model):
    __tablename__ = "segment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(50), default="")  # "region", "plan", "tenant"...
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organizations: Mapped[list[Organization]] = relationship(
        secondary=organization_segment, back_populates="segments", order_by="Organization.name"
    )


class Organization(db.Model):
    """A customer. Its private JSON API token is kept as a hash; the secret is shown once."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    api_token_prefix: Mapped[str | None] = mapped_column(String(16))

    segments: Mapped[list[Segment]] = relationship(
        secondary=organization_segment, back_populates="organizations", order_by="Segment.name"
    )
    domains: Mapped[list[OrganizationDomain]] = relationship(
        back_populates="organization",
        cascade="all, delete-orphan",
        order_by="OrganizationDomain.domain",
    )
    members: Mapped[list[OrganizationMember]] = relationship(
        back_populates="organization",
        cascade="all, delete-orphan",
        order_by="OrganizationMember.email",
    )


class OrganizationDomain(db.Model):
    """Everyone with a verified address at this domain belongs to the organization."""

    __tablename__ = "organization_domain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)  # lowercased, no "@"

    organization: Mapped[Organization] = relationship(back_populates="domains")


class OrganizationMember(db.Model):
    """An explicit member: this email address belongs to the organization."""

    __tablename__ = "organization_member"
    __table_args__ = (UniqueConstraint("organization_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320), index=True)  # lowercased
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="members")


class ViewerFeedToken(db.Model):
    """A private viewer's feed URL: the token is kept as a hash and can be revoked."""

    __tablename__ = "viewer_feed_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UsedSignInLink(db.Model):
    """A magic sign-in link works once: its id is written here when it is used."""

    __tablename__ = "used_sign_in_link"

    link_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
