"""How far a notice has got: its fan-out and its deliveries, counted per channel, for staff."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from statuspage.core.errors import NotFound
from statuspage.extensions import db
from statuspage.models import Delivery, DeliveryState, FanOutState, Notice

COLUMNS = ("recipients", "attempted", "sent", "failed", "acknowledged", "stuck")
# Deliveries a worker has yet to finish: while any exist the numbers are still moving. A stuck
# one (its channel is not configured) is not among them: it waits for the configuration, not
# for a worker, and is counted in its own column instead.
UNFINISHED = (DeliveryState.pending, DeliveryState.sending, DeliveryState.retry)


@dataclass(frozen=True)
class NoticeProgress:
    notice: Notice
    by_channel: dict[str, dict[str, int]]
    totals: dict[str, int]
    unfinished: int

    @property
    def running(self) -> bool:
        """Whether the numbers may still change (the admin page keeps polling while so)."""
        return self.notice.fanout_state is not FanOutState.done or self.unfinished > 0

    def as_json(self) -> dict[str, Any]:
        notice = self.notice
        return {
            "notice_id": notice.id,
            "fanout_state": notice.fanout_state.value,
            "fanout_cursor": notice.fanout_cursor,
            "fanout_started_at": _iso(notice.fanout_started_at),
            "fanout_finished_at": _iso(notice.fanout_finished_at),
            "by_channel": self.by_channel,
            "totals": self.totals,
            "unfinished": self.unfinished,
            "running": self.running,
        }


def _iso(at: Any) -> str | None:
    return at.isoformat() if at else None


def get_notice(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"no notice {notice_id}")
    return notice


def notice_progress(notice_id: int) -> NoticeProgress:
    """The notice, its per-channel counts (`progress`) and their totals."""
    notice = get_notice(notice_id)
    by_channel = {
        channel: {column: tally[column] for column in COLUMNS}
        for channel, tally in sorted(progress(notice_id).items())
    }
    totals = {column: sum(c[column] for c in by_channel.values()) for column in COLUMNS}
    unfinished = db.session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.notice_id == notice_id, Delivery.state.in_(UNFINISHED))
    )
    return NoticeProgress(notice, by_channel, totals, unfinished or 0)


def notices_for_incident(incident_id: str) -> list[Notice]:
    """An incident's notices, newest first (one per update that notified, per audience)."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.incident_id == incident_id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
        )
    )


def progress(notice_id: int) -> dict[str, Counter[str]]:
    """Per channel: recipients, attempted, sent, failed, acknowledged and stuck (parked: the
    channel is not configured) (the admin's view)."""
    rows = db.session.execute(
        select(Delivery.channel, Delivery.state, Delivery.attempts, Delivery.acknowledged_at).where(
            Delivery.notice_id == notice_id
        )
    )
    counts: dict[str, Counter[str]] = {}
    for channel, state, attempts, acknowledged_at in rows:
        tally = counts.setdefault(channel.value, Counter())
        tally["recipients"] += 1
        tally["attempted"] += attempts > 0
        tally["sent"] += state is DeliveryState.sent
        tally["failed"] += state is DeliveryState.failed
        tally["acknowledged"] += acknowledged_at is not None
        tally["stuck"] += state is DeliveryState.stuck
    return counts
