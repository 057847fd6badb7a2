"""Subscribers (people), their contact points in priority order, and what they follow."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.components import Component
from statuspage.models.enums import db_enum
from statuspage.models.types import UTCDateTime


class Channel(StrEnum):
    email = "email"
    webpush = "webpush"
    sms = "sms"
    webhook = "webhook"
    slack = "slack"
    teams = "teams"
    discord = "discord"
    # Social networks: the page's own accounts, reached through a syndication subscriber.
    x = "x"
    mastodon = "mastodon"


# Channels that publish to the world (anyone can read what they carry): they may carry only
# public notices. audience applies this; nothing else decides it.
PUBLIC_CHANNELS = frozenset({Channel.x, Channel.mastodon})
# Channels that post to an endpoint someone registered; a run of failures disables them.
ENDPOINT_CHANNELS = frozenset({Channel.webhook, Channel.slack, Channel.teams, Channel.discord})


class SubscriberKind(StrEnum):
    person = "person"  # someone who subscribed, or was imported, or registered a webhook
    syndication = "syndication"  # one of the page's own social accounts (see SocialAccount)
    # Someone Herald pages directly (a crisis team member, an executive, a regulator): never
    # in a customer audience, list, export or count, never behind a public link.
    internal = "internal"


subscription_component = Table(
    "subscription_component",
    db.Model.metadata,
    Column("subscriber_id", ForeignKey("subscriber.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", ForeignKey("component.id", ondelete="CASCADE"), primary_key=True),
)


class Subscriber(db.Model):
    """A person who receives updates; what they follow is on this row and its components."""

    __tablename__ = "subscriber"
    # A private notice reads its audience through this index: the persons of a few hundred
    # organizations among millions, each row answered from the index alone on PostgreSQL
    # (audience.recipient_batches; bench/audience.py).
    __table_args__ = (
        Index(
            "ix_subscriber_organization",
            "organization_id",
            "id",
            postgresql_include=[
                "kind",
                "paused",
                "unsubscribed_at",
                "notify_incidents",
                "notify_maintenance",
                "all_components",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[SubscriberKind] = mapped_column(
        db_enum(SubscriberKind), default=SubscriberKind.person, server_default="person"
    )
    all_components: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_incidents: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_maintenance: Mapped[bool] = mapped_column(Boolean, default=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # What every message to this person is rendered in; None: the page's default language and
    # time zone at the time of sending.
    language: Mapped[str | None] = mapped_column(String(8))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The customer this person belongs to (explicitly, or by a verified email's domain
    # rule, resolved by audience.segments when it changes): what private notices reach.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL")
    )
    # Bumped to invalidate every signed link sent to this person so far.
    token_version: Mapped[int] = mapped_column(Integer, default=1)

    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="subscriber",
        order_by="ContactPoint.priority",
        cascade="all, delete-orphan",
    )
    components: Mapped[list[Component]] = relationship(secondary=subscription_component)


class ContactPoint(db.Model):
    """One way to reach a subscriber: an email address, a push subscription, a phone, a URL."""

    __tablename__ = "contact_point"
    # `organization_id` is the database's to write (triggers): after a flush it is expired and
    # read when asked for, never taken from an INSERT's RETURNING, which on SQLite is read
    # before its AFTER triggers run.
    __mapper_args__: ClassVar[dict[str, Any]] = {"eager_defaults": False}
    __table_args__ = (
        UniqueConstraint("channel", "address_key", name="uq_contact_point_channel_address"),
        # Each subscriber's contact points in the order they are tried, read from the index
        # alone on PostgreSQL (audience: a public notice's, the engine's fallback).
        Index(
            "ix_contact_point_subscriber",
            "subscriber_id",
            "priority",
            "id",
            postgresql_include=["channel", "active", "verified_at"],
        ),
        # A private notice's contact points as a few range scans, one per organization of
        # its segments, instead of one lookup per recipient (audience;
        # bench/audience.py).
        Index(
            "ix_contact_point_organization",
            "organization_id",
            "subscriber_id",
            "priority",
            "id",
            postgresql_include=["channel", "active", "verified_at"],
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"))
    # A copy of the subscriber's `organization_id`, for the index above. The database keeps it
    # (triggers of migration 0012, on every insert and update of a contact point and every
    # change of a subscriber's organization): never written here, read back after a flush.
    # Only a hint: the audience still checks the subscriber's own organization in the same
    # query, so a stale copy could only lose a recipient, never add one.
    organization_id: Mapped[int | None] = mapped_column(
        Integer, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    channel: Mapped[Channel] = mapped_column(db_enum(Channel))
    address: Mapped[str] = mapped_column(Text)  # email, push subscription JSON, URL, phone
    # A short unique form of the address (lowercased email, hash of a push endpoint): what
    # makes "the same contact point" without indexing unbounded text.
    address_key: Mapped[str] = mapped_column(String(320))
    priority: Mapped[int] = mapped_column(Integer, default=1)  # 1 is tried first
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bounces: Mapped[int] = mapped_column(Integer, default=0)
    # Failed attempts since the last success; endpoints (ENDPOINT_CHANNELS) are disabled
    # after a run of them.
    failures_in_row: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A per-contact-point secret: a webhook's signing secret (Standard Webhooks "whsec_...").
    secret: Mapped[str | None] = mapped_column(String(200))
    # Channel-specific facts that are not the address: the email to tell when a webhook is
    # disabled, an SMS number's opt-in state, a push subscription's user agent.
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="contact_points")
