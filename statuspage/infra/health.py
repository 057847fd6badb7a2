"""Read-only figures for health checks and metrics: is the database there, how deliveries stand.

Each is one cheap query; nothing here writes, so a scrape or a probe never holds a lock a
worker needs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text

from statuspage.extensions import db
from statuspage.models import Channel, Delivery, DeliveryState

# A delivery still owed to its recipient: waiting, leased by a worker, or due for a retry.
UNDELIVERED = (DeliveryState.pending, DeliveryState.sending, DeliveryState.retry)


def ping_database() -> None:
    """Raise if the database does not answer a trivial query."""
    db.session.execute(text("SELECT 1"))


def delivery_counts() -> dict[tuple[Channel, DeliveryState], int]:
    """How many deliveries are in each (channel, state); every pair is present, zeros too."""
    counts = dict.fromkeys(((c, s) for c in Channel for s in DeliveryState), 0)
    rows = db.session.execute(
        select(Delivery.channel, Delivery.state, func.count()).group_by(
            Delivery.channel, Delivery.state
        )
    )
    for channel, state, count in rows:
        counts[(channel, state)] = count
    return counts


def oldest_undelivered_age(now: datetime) -> float:
    """Seconds since the oldest delivery still owed was created; 0 when nothing is owed."""
    oldest = db.session.scalar(
        select(func.min(Delivery.created_at)).where(Delivery.state.in_(UNDELIVERED))
    )
    if oldest is None:
        return 0.0
    return max((now - oldest).total_seconds(), 0.0)
