"""Crisis paging in the hash-chained audit trail: every page sent or failed, every
acknowledgement, every fallback to another path, of the notices that page people (the crisis
team, the executives) and of the notices to regulators (their delivery and their receipt are
evidence a regulator may ask for); never of customer fan-out, which stays one row per
delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from statuspage.audit.trail import SYSTEM, record
from statuspage.channels.base import Result
from statuspage.extensions import db
from statuspage.models import (
    Audience,
    Channel,
    ContactPoint,
    CrisisMessage,
    Delivery,
    DeliveryState,
    Notice,
    Subscriber,
    TeamCallout,
)

# The audiences whose deliveries are audited one by one: people paged in a crisis, and the
# regulators (their notice is also audited as a whole when staff send it: regulators).
PAGED = frozenset({Audience.team, Audience.executives, Audience.regulators})
# A regulator's delivery is named as such in the trail, not as a team page.
REGULATOR_ACTIONS = {
    "team.page_sent": "regulator_notice.delivered",
    "team.page_failed": "regulator_notice.delivery_failed",
    "team.acknowledged": "regulator_notice.acknowledged",
    "team.fallback": "regulator_notice.fallback",
}
INTERNAL_KEY = "internal:"  # how an internal contact point's key starts (crisis.notices)


def mask_address(channel: Channel, address: str) -> str:
    """A path as the audit trail names it: enough to tell two apart, not to reach anyone."""
    address = address or ""
    if channel is Channel.email and "@" in address:
        local, domain = address.rsplit("@", 1)
        return f"{local[:1]}***@{domain}"
    if channel is Channel.sms:
        return f"{address[:3]}***{address[-4:]}" if len(address) > 7 else "***"
    if address.startswith(("https://", "http://")):
        return address.split("/", 3)[2] + "/…"  # a webhook's host only: its path is a secret
    return f"{address[:2]}***"


def _paged_notice(delivery: Delivery) -> Notice | None:
    """The delivery's notice when it pages someone in a crisis, else None. A customer's
    contact point is told apart by its key alone, so customer fan-out costs no query."""
    point = delivery.contact_point
    if point is None or not (point.address_key or "").startswith(INTERNAL_KEY):
        return None
    notice = db.session.get(Notice, delivery.notice_id)
    if notice is None or notice.audience not in PAGED or notice.crisis_message_id is None:
        return None
    return notice


def _target(notice: Notice) -> tuple[str, int]:
    """A call-out's page is audited on the call-out; a briefing (or other message) on its
    notice."""
    callout_id = db.session.scalar(
        select(TeamCallout.id).where(TeamCallout.crisis_message_id == notice.crisis_message_id)
    )
    return ("team_page", callout_id) if callout_id is not None else ("notice", notice.id)


def _path(point: ContactPoint) -> str:
    return f"{point.channel.value} {mask_address(point.channel, point.address)}"


def _write(
    action: str, notice: Notice, delivery: Delivery, now: datetime, values: dict[str, Any]
) -> None:
    target_type, target_id = _target(notice)
    if notice.audience is Audience.regulators:
        action = REGULATOR_ACTIONS[action]
    kind = db.session.scalar(
        select(CrisisMessage.kind).where(CrisisMessage.id == notice.crisis_message_id)
    )
    subscriber = db.session.get(Subscriber, delivery.subscriber_id)
    record(
        SYSTEM,
        action,
        target_type=target_type,
        target_id=target_id,
        incident_id=notice.incident_id,
        at=now,
        after={
            "who": subscriber.name if subscriber else None,
            "message": kind.value if kind else None,
            "notice_id": notice.id,
            "delivery_id": delivery.id,
        }
        | values,
    )


def page_result(delivery: Delivery, result: Result, state: DeliveryState, now: datetime) -> None:
    """Audit one send's result of a crisis page: `team.page_sent`, or `team.page_failed`
    (`final`: no retry follows). Nothing for any other notice."""
    notice = _paged_notice(delivery)
    if notice is None:
        return
    sent = state is DeliveryState.sent
    values: dict[str, Any] = {"path": _path(delivery.contact_point), "outcome": result.outcome}
    if not sent:
        values |= {"error": result.error, "final": state is not DeliveryState.retry}
    _write("team.page_sent" if sent else "team.page_failed", notice, delivery, now, values)


def acknowledged(delivery: Delivery, now: datetime, how: str) -> None:
    """Audit a crisis page's acknowledgement: by whom, and by which path (the delivery's)."""
    notice = _paged_notice(delivery)
    if notice is None:
        return
    values = {"path": _path(delivery.contact_point), "how": how}
    _write("team.acknowledged", notice, delivery, now, values)


def fell_back(delivery: Delivery, successor: Delivery, reason: str, now: datetime) -> None:
    """Audit a crisis page moving to the recipient's next path: from which, to which, why."""
    notice = _paged_notice(delivery)
    if notice is None:
        return
    to = db.session.get(ContactPoint, successor.contact_point_id)
    values = {
        "from_path": _path(delivery.contact_point),
        "to_path": _path(to) if to else None,
        "reason": reason,
        "fallback_delivery_id": successor.id,
    }
    _write("team.fallback", notice, delivery, now, values)
