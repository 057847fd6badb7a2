"""Notices and deliveries as rows: written by hand, neither fanned out nor sent."""

from __future__ import annotations

from typing import Any

from statuspage.extensions import db
from statuspage.models import Audience, ContactPoint, Delivery, Incident, Notice


def notice(incident: Incident, audience: Audience = Audience.public, **fields: Any) -> Notice:
    """A notice of the incident's first update (unless `update_id` says otherwise) to
    `audience`, added and flushed."""
    row = Notice(
        incident_id=incident.id,
        audience=audience,
        **{"update_id": incident.updates[0].id, **fields},
    )
    db.session.add(row)
    db.session.flush()
    return row


def delivery(notice: Notice, contact: ContactPoint, **fields: Any) -> Delivery:
    """A delivery of `notice` to `contact` (a flushed one), on its channel; added and flushed."""
    row = Delivery(
        notice_id=notice.id,
        contact_point_id=contact.id,
        subscriber_id=contact.subscriber_id,
        channel=contact.channel,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row
