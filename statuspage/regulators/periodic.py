"""The regulators' periodic work: deadline reminders and acknowledgement sync."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from statuspage.audit import trail
from statuspage.audit.trail import SYSTEM
from statuspage.delivery.outbox import SEND_OBLIGATION_REMINDER, after_commit
from statuspage.extensions import db
from statuspage.models import (
    Obligation,
    ObligationReminder,
)
from statuspage.regulators.notices import sync_acknowledgements

# Reminders to comms and legal before each deadline: a day, an hour, and at the due time.
REMINDER_LEADS = (timedelta(hours=24), timedelta(hours=1), timedelta(0))


def remind(now: datetime, *, mail: bool = True) -> list[int]:
    """Create the reminders now due (one per obligation, lead time and due time) and enqueue
    their emails after commit; returns the new reminders' ids. Only the nearest lead reached
    is sent: an obligation overdue when created gets one reminder, not three. `mail=False`
    records them as reminded without a mail (the demo's invented past)."""
    horizon = now + max(REMINDER_LEADS)
    rows = db.session.scalars(
        select(Obligation).where(
            Obligation.sent_at.is_(None),
            Obligation.due_at.is_not(None),
            Obligation.due_at <= horizon,
            # Past its last reminder (at the due time): never looked at again.
            ~select(ObligationReminder.id)
            .where(
                ObligationReminder.obligation_id == Obligation.id,
                ObligationReminder.lead_minutes == 0,
                ObligationReminder.due_at == Obligation.due_at,
            )
            .exists(),
        )
    )
    created = []
    for obligation in rows:
        reached = [lead for lead in REMINDER_LEADS if now >= obligation.due_at - lead]
        lead_minutes = int(min(reached).total_seconds() // 60)
        exists = db.session.scalar(
            select(ObligationReminder.id).where(
                ObligationReminder.obligation_id == obligation.id,
                ObligationReminder.lead_minutes <= lead_minutes,
                ObligationReminder.due_at == obligation.due_at,
            )
        )
        if exists:
            continue
        reminder = ObligationReminder(
            obligation_id=obligation.id, lead_minutes=lead_minutes, due_at=obligation.due_at
        )
        db.session.add(reminder)
        db.session.flush()
        # In the hash-chained trail with every other crisis event: when the team was warned.
        trail.record(
            SYSTEM,
            "regulator.deadline_reminder",
            target_type="obligation",
            target_id=obligation.id,
            incident_id=obligation.incident_id,
            at=now,
            after={
                "regulator": obligation.rule.regulator.name,
                "stage": obligation.rule.stage,
                "due_at": obligation.due_at,
                "lead_minutes": lead_minutes,
                "mailed": mail,
            },
        )
        if mail:
            after_commit(SEND_OBLIGATION_REMINDER, reminder.id)
        created.append(reminder.id)
    return created


def sweep(now: datetime) -> None:
    """The periodic part: acknowledgements into obligations, reminders before deadlines."""
    sync_acknowledgements()
    remind(now)
