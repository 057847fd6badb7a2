"""Executives: an incident's messaging guidelines (holding statement, approved Q&A, what not
to say), and executive briefings, the internal-only updates that carry them.

A briefing is a CrisisMessage sent to the members flagged as executives through the delivery
engine, acknowledgement required (a missed window moves on to their next path). It has no
public surface and never reaches a customer: audience reaches internal subscribers
only through the notice's own recipient rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from statuspage.audit.changes import record_change
from statuspage.audit.trail import Actor
from statuspage.core.errors import InvalidInput
from statuspage.crisis.notices import Ack, acknowledgements, send_internal
from statuspage.extensions import db
from statuspage.models import (
    Audience,
    CrisisKind,
    CrisisMessage,
    Incident,
    MessagingGuidelines,
    Notice,
    TeamMember,
)

GUIDELINE_FIELDS = ("holding_statement", "approved_qa", "do_not_say")
GUIDELINE_TITLES = {
    "holding_statement": "Holding statement",
    "approved_qa": "Approved Q&A",
    "do_not_say": "What not to say",
}


def guidelines_for(incident: Incident) -> MessagingGuidelines | None:
    return db.session.get(MessagingGuidelines, incident.id)


def save_guidelines(
    incident: Incident,
    *,
    holding_statement: str,
    approved_qa: str,
    do_not_say: str,
    actor: Actor,
    now: datetime,
    staff_user_id: int | None = None,
) -> MessagingGuidelines:
    """Write the incident's guidelines (the next briefing attaches them); audited."""
    guidelines = guidelines_for(incident)
    with record_change(
        actor,
        "guidelines.update",
        guidelines,
        GUIDELINE_FIELDS,
        target_type="incident",
        target_id=incident.id,
        incident_id=incident.id,
    ) as change:
        if guidelines is None:
            guidelines = change.obj = MessagingGuidelines(incident_id=incident.id)
            db.session.add(guidelines)
        guidelines.holding_statement = (holding_statement or "").strip()
        guidelines.approved_qa = (approved_qa or "").strip()
        guidelines.do_not_say = (do_not_say or "").strip()
        guidelines.updated_at, guidelines.updated_by_id = now, staff_user_id
        db.session.flush()
    return guidelines


def executives() -> list[TeamMember]:
    return list(
        db.session.scalars(
            select(TeamMember).where(TeamMember.executive.is_(True)).order_by(TeamMember.name)
        )
    )


def briefing_body(body: str, guidelines: MessagingGuidelines | None) -> str:
    """The briefing's words with the guidelines attached (those that are written)."""
    parts = [body.strip()]
    written = [
        (GUIDELINE_TITLES[name], getattr(guidelines, name))
        for name in GUIDELINE_FIELDS
        if guidelines is not None and getattr(guidelines, name).strip()
    ]
    if written:
        parts.append("---\n\n### Messaging guidelines")
        parts += [f"#### {title}\n\n{text}" for title, text in written]
    return "\n\n".join(parts)


def brief(
    incident: Incident,
    *,
    subject: str,
    body: str,
    actor: Actor,
    ack_window: timedelta = timedelta(minutes=30),
) -> Notice:
    """Send an executive briefing, guidelines attached, to every executive; acknowledgement
    required within `ack_window` per path. InvalidInput when there is no executive."""
    people = executives()
    if not people:
        raise InvalidInput("nobody on the team roster is marked as an executive")
    if not (body or "").strip():
        raise InvalidInput("write the briefing")
    return send_internal(
        incident,
        audience=Audience.executives,
        kind=CrisisKind.briefing,
        subject=f"Executive briefing: {(subject or '').strip()}",
        body=briefing_body(body, guidelines_for(incident)),
        subscriber_ids=[m.subscriber_id for m in people],
        actor=actor,
        ack_window=ack_window,
    )


@dataclass(frozen=True)
class BriefingView:
    message: CrisisMessage
    notice: Notice
    acks: list[Ack]
    names: dict[int, str]  # subscriber id -> member name

    @property
    def acknowledged(self) -> list[Ack]:
        return [a for a in self.acks if a.acknowledged_at]


def briefings_for(incident_id: str) -> list[BriefingView]:
    """The incident's briefings, newest first, with who acknowledged each."""
    rows = db.session.execute(
        select(CrisisMessage, Notice)
        .join(Notice, Notice.crisis_message_id == CrisisMessage.id)
        .where(CrisisMessage.incident_id == incident_id, CrisisMessage.kind == CrisisKind.briefing)
        .order_by(CrisisMessage.created_at.desc(), Notice.id.desc())
    ).all()
    names = dict(db.session.execute(select(TeamMember.subscriber_id, TeamMember.name)).all())
    return [BriefingView(m, n, acknowledgements(n.id), names) for m, n in rows]
