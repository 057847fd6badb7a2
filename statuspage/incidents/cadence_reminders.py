"""Remind comms that an open incident's next update is due (incidents.cadence.remind_due).

The sweep marks each due time once and records an audit entry; this job, enqueued after that
commit with the entry's id, emails the active owners and comms staff (delivery.transactional).
A relay that cannot take it now raises, so the queue tries again (at least once, like every
delivery).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import select

from statuspage.channels.base import Message, Result
from statuspage.delivery import transactional
from statuspage.extensions import db
from statuspage.incidents.cadence import cadence_of
from statuspage.models import AuditEvent, Incident, Role, StaffUser
from statuspage.page.state import get_page

REMINDED_ROLES = (Role.owner, Role.comms)  # who may post the update that is due


def send_cadence_reminder(audit_event_id: int) -> list[Result]:
    """Email owners and comms that the incident named by this reminder entry owes an update;
    nothing if the incident is gone or an update has been posted since the reminder."""
    event = db.session.get(AuditEvent, audit_event_id)
    if event is None or event.action != "incident.cadence_reminder":
        return []
    incident = db.session.get(Incident, event.target_id)
    due_at = datetime.fromisoformat((event.after or {})["due_at"])
    schedule = cadence_of(incident) if incident is not None else None
    if schedule is None or schedule.next_update_by != due_at:
        return []  # updated since (a new due time), closed or deleted: the reminder is moot
    addresses = db.session.scalars(
        select(StaffUser.email)
        .where(StaffUser.role.in_(REMINDED_ROLES), StaffUser.active.is_(True))
        .order_by(StaffUser.id)
    ).all()
    if not addresses:
        return []
    page = get_page()
    page_name = page.name if page else current_app.config["PAGE_NAME"]
    url = f"{current_app.config['BASE_URL']}/admin/incidents/{incident.id}"
    context = {"page_name": page_name, "incident": incident, "due_at": due_at, "url": url}
    subject = f"[{page_name}] Update due: {incident.name}"
    message = Message(
        subject=subject,
        text=render_template("email/cadence_reminder.txt", **context),
        html="",
        short_text=subject,
        url=url,
        headers={"Auto-Submitted": "auto-generated"},
        incident_id=incident.id,
    )
    return transactional.send(transactional.CADENCE_REMINDER, event.id, addresses, message)
