"""Metrics out: Statuspage's metrics providers and metrics, and their data points stored
downsampled (raw for a day, 5-minute buckets for a week, hourly buckets for a month)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models.types import PublicId, UTCDateTime, new_public_id

RAW = 0
FIVE_MINUTES = 300
HOURLY = 3600
RESOLUTIONS = (RAW, FIVE_MINUTES, HOURLY)


class MetricsProvider(db.Model):
    """Where a page's metrics come from: "Self" (data pushed through the API) or
    "Prometheus" (`metric_base_uri` is the server, each metric's identifier a PromQL query
    the worker reads on a schedule)."""

    __tablename__ = "metrics_provider"

    id: Mapped[str] = mapped_column(PublicId, primary_key=True, default=new_public_id)
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    metric_base_uri: Mapped[str | None] = mapped_column(String(500))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    last_revalidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Metric(db.Model):
    """One chartable series, in Statuspage's shape; `display` puts it on the public page."""

    __tablename__ = "metric"

    id: Mapped[str] = mapped_column(PublicId, primary_key=True, default=new_public_id)
    page_id: Mapped[str] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    metrics_provider_id: Mapped[str] = mapped_column(
        ForeignKey("metrics_provider.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    metric_identifier: Mapped[str] = mapped_column(String(2000), default="")
    display: Mapped[bool] = mapped_column(Boolean, default=True)
    tooltip_description: Mapped[str | None] = mapped_column(Text)
    y_axis_min: Mapped[float | None] = mapped_column(Float)
    y_axis_max: Mapped[float | None] = mapped_column(Float)
    y_axis_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    suffix: Mapped[str] = mapped_column(String(40), default="")
    decimal_places: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    most_recent_data_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the last pull from its provider gave no point (no series, several, server down);
    # None once a pull succeeds. Shown to owners; never on the public page.
    last_problem: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MetricPoint(db.Model):
    """One bucket of one metric at one resolution (RAW: one data point, `bucket` its
    timestamp). Buckets keep sum, count, min and max, so they merge and average exactly."""

    __tablename__ = "metric_point"

    metric_id: Mapped[str] = mapped_column(
        ForeignKey("metric.id", ondelete="CASCADE"), primary_key=True
    )
    resolution: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)  # epoch seconds, UTC
    total: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=1)
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)
