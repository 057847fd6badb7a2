"""The email that reminds comms and legal staff of a regulatory deadline (one per reminder row).

The sweep writes an ObligationReminder (unique per obligation, lead time and due time) and
enqueues this job after commit; the row's sent_at makes a second run send nothing. A relay
that cannot take it now raises (delivery.transactional), so the queue tries again.
"""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select

from statuspage.channels.base import Message, Result
from statuspage.clock import utcnow
from statuspage.delivery import transactional
from statuspage.extensions import db
from statuspage.models import Incident, Obligation, ObligationReminder, Role, StaffUser
from statuspage.regulators import deadlines

# Who is reminded; owners only when no comms or legal account is active, so a deadline is
# never seen by nobody.
REMINDED_ROLES = (Role.comms, Role.legal)


def _recipients() -> list[str]:
    def emails(roles: tuple[Role, ...]) -> list[str]:
        query = select(StaffUser.email).where(StaffUser.active, StaffUser.role.in_(roles))
        return list(db.session.scalars(query.order_by(StaffUser.id)))

    return emails(REMINDED_ROLES) or emails((Role.owner,))


def send_obligation_reminder(reminder_id: int) -> list[Result]:
    """Email the reminder to comms and legal once; a reminder already sent sends nothing."""
    reminder = db.session.get(ObligationReminder, reminder_id)
    if reminder is None or reminder.sent_at is not None:
        return []
    obligation = db.session.get(Obligation, reminder.obligation_id)
    if obligation is None or obligation.sent_at is not None:
        reminder.sent_at = utcnow()  # submitted meanwhile: nothing to remind of
        return []
    incident = db.session.get(Incident, obligation.incident_id)
    rule = obligation.rule
    now = utcnow()
    context = {
        "stage": rule.stage,
        "regulator": rule.regulator.name,
        "due": f"{reminder.due_at:%Y-%m-%d %H:%M}",
        "overdue": now >= reminder.due_at,
        "left": deadlines.describe(reminder.due_at - now),
        "incident_name": incident.name,
        "what_to_send": rule.what_to_send,
        "board_url": f"{current_app.config['BASE_URL']}/admin/incidents/{incident.id}/regulators",
    }
    when = "OVERDUE" if context["overdue"] else f"due {context['due']} UTC"
    subject = f"[Regulatory deadline] {rule.regulator.name} {rule.stage}: {when}"
    message = Message(
        subject=subject,
        text=render_template("email/obligation_reminder.txt", **context),
        html="",
        short_text=subject,
        url=context["board_url"],
        headers={"Auto-Submitted": "auto-generated"},
        incident_id=incident.id,
    )
    kind = transactional.OBLIGATION_REMINDER
    results = transactional.send(kind, reminder.id, _recipients(), message)
    reminder.sent_at = now
    return results
