"""Regulator notices: drafted from a template, approved, sent, and acknowledged."""

from __future__ import annotations

import difflib
import hashlib
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from statuspage.audit import trail
from statuspage.audit.changes import record_change
from statuspage.audit.trail import Actor
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.crisis import notices
from statuspage.extensions import db
from statuspage.models import (
    Audience,
    Delivery,
    Incident,
    Obligation,
    Regulator,
    RegulatorNotice,
    RegulatorNoticeState,
    RegulatorRule,
    StaffUser,
    TriggerKind,
)
from statuspage.models.crisis import CrisisKind
from statuspage.models.regulators import INCIDENT_TRIGGERS
from statuspage.regulators.facts import counts_of, unstated
from statuspage.regulators.obligations import (
    _check_late,
    _mark_sent,
    refresh_obligations,
    triggers_of,
)
from statuspage.regulators.registry import contacts_of
from statuspage.staff.permissions import Action, Forbidden, allows

DEFAULT_ACK_WINDOW = timedelta(hours=1)


# -- regulator notices ---------------------------------------------------------------------


class _Blank(dict):
    """Unknown placeholders stay as written, so a template typo shows instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, fields: dict[str, str]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Blank(fields))
    except (ValueError, IndexError):
        return template  # stray braces: the text as written


def template_fields(incident: Incident) -> dict[str, str]:
    """What a rule's "what must be sent" may name in braces: {incident_name}, {awareness}..."""
    latest = incident.latest_update
    fields = {
        "incident_name": incident.name,
        "incident_id": incident.id,
        "status": incident.status.label,
        "impact": incident.impact.value,
        "started_at": f"{incident.started_at:%Y-%m-%d %H:%M} UTC",
        "latest_update": latest.body if latest is not None else "",
    }
    for kind in TriggerKind:
        fields[kind.value] = "not recorded"
    for kind, row in triggers_of(incident).items():
        fields[kind.value] = f"{row.occurred_at:%Y-%m-%d %H:%M} UTC"
    # {affected_customers}, {affected_records}: "1,200", or "not known yet"
    return fields | counts_of(incident)


def draft_text(incident: Incident, obligations: Sequence[Obligation]) -> tuple[str, str]:
    """A notice's subject and body from the template, filled with the incident's fields."""
    fields = template_fields(incident)
    stages = ", ".join(sorted({o.rule.stage for o in obligations}))
    subject = f"Incident notification ({stages}): {incident.name}"
    lines = [
        f"Incident: {fields['incident_name']} (reference {fields['incident_id']})",
        f"Status: {fields['status']}; impact: {fields['impact']}",
        f"Started: {fields['started_at']}",
    ]
    lines += [
        f"{kind.value.capitalize()}: {fields[kind.value]}"
        for kind in TriggerKind
        if kind is not TriggerKind.report and fields[kind.value] != "not recorded"
    ]
    lines += [
        f"Affected customers: {fields['affected_customers']}",
        f"Affected records: {fields['affected_records']}",
    ]
    for o in obligations:
        rule = o.rule
        lines += ["", f"## {rule.regulator.name}: {rule.stage}", ""]
        lines.append(_fill(rule.what_to_send, fields) or "(describe the incident)")
    if fields["latest_update"]:
        lines += ["", "## Latest update", "", fields["latest_update"]]
    return subject[:300], "\n".join(lines)


def notice_facts(incident: Incident) -> dict[str, str]:
    """The incident's facts a notice states and a regulator relies on: when it started, each
    trigger time (awareness...) and the affected counts (customers, records), as the notice's
    text shows them. Kept with the notice at composing, so a later revision of any of them is
    seen exactly."""
    fields = template_fields(incident)
    return (
        {"started": fields["started_at"]}
        | {kind.value: fields[kind.value] for kind in INCIDENT_TRIGGERS}
        | counts_of(incident)
    )


@dataclass(frozen=True)
class FactChange:
    """One fact that changed since the notice was composed: what it said, what is true now."""

    name: str
    old: str
    new: str


def outdated_facts(notice: RegulatorNotice) -> list[FactChange]:
    """The facts that changed on the incident since the notice was composed; empty while it
    is current (and for a sent notice, or one composed before facts were kept).

    A fact the kept facts lack was not stated by the notice (`facts.unstated`): a trigger
    time reads "not recorded", an affected count "not known yet". So a notice composed before
    counts were kept is not outdated while they are unknown, and is once a count is recorded:
    the notice does not state it, which is a change the regulator must be told of."""
    if notice.facts is None or notice.state is RegulatorNoticeState.sent:
        return []
    incident = db.session.get(Incident, notice.incident_id)
    if incident is None:
        return []
    now = notice_facts(incident)
    return [
        FactChange(name, notice.facts.get(name, unstated(name)), value)
        for name, value in now.items()
        if notice.facts.get(name, unstated(name)) != value
    ]


def _refuse_outdated(notice: RegulatorNotice, doing: str) -> None:
    if changes := outdated_facts(notice):
        changed = "; ".join(f"{c.name} {c.old} → {c.new}" for c in changes)
        raise InvalidInput(
            f"this notice is outdated: the incident's facts changed since it was composed "
            f"({changed}). Refresh it from the current facts before {doing}"
        )


def get_notice(notice_id: int) -> RegulatorNotice:
    notice = db.session.get(RegulatorNotice, notice_id)
    if notice is None:
        raise NotFound("no such regulator notice")
    return notice


def notices_of(incident: Incident) -> list[RegulatorNotice]:
    return list(
        db.session.scalars(
            select(RegulatorNotice)
            .where(RegulatorNotice.incident_id == incident.id)
            .order_by(RegulatorNotice.id.desc())
        )
    )


def compose_notice(
    incident: Incident, obligation_ids: Iterable[int], *, author: StaffUser, actor: Actor
) -> RegulatorNotice:
    """A draft notice for these open obligations of the incident, from the template."""
    ids = {int(i) for i in obligation_ids}
    if not ids:
        raise InvalidInput("choose the reports this notice submits")
    obligations = list(
        db.session.scalars(
            select(Obligation)
            .where(Obligation.id.in_(ids), Obligation.incident_id == incident.id)
            .order_by(Obligation.id)
        )
    )
    if len(obligations) != len(ids):
        raise InvalidInput("a chosen report is not one of this incident's")
    if done := [o for o in obligations if o.sent_at is not None]:
        raise InvalidInput(f"the {done[0].rule.stage} to {done[0].rule.regulator.name} was sent")
    subject, body = draft_text(incident, obligations)
    notice = RegulatorNotice(
        incident_id=incident.id,
        subject=subject,
        body=body,
        author_id=author.id,
        editor_ids=[],
        reviewed_subject=subject,
        reviewed_body=body,
        obligations=obligations,
        facts=notice_facts(incident),
    )
    db.session.add(notice)
    db.session.flush()
    trail.record(
        actor,
        "regulator_notice.compose",
        target_type="regulator_notice",
        target_id=notice.id,
        incident_id=incident.id,
        after={"subject": subject, "obligations": sorted(ids)},
    )
    return notice


def edit_notice(
    notice: RegulatorNotice, *, subject: str, body: str, editor: StaffUser, actor: Actor
) -> None:
    """Change a notice not yet sent; an approved one needs approving again, and the editor
    joins those who may not approve it (or an editor could approve their own words)."""
    if notice.state is RegulatorNoticeState.sent:
        raise InvalidInput("this notice was sent; it cannot change")
    if not subject.strip() or not body.strip():
        raise InvalidInput("a notice needs a subject and a body")
    with record_change(
        actor,
        "regulator_notice.edit",
        notice,
        _notice_values,
        target_type="regulator_notice",
        incident_id=notice.incident_id,
    ):
        notice.subject, notice.body = subject.strip()[:300], body.strip()
        notice.state, notice.approved_by_id, notice.approved_at = (
            RegulatorNoticeState.draft,
            None,
            None,
        )
        if editor.id not in (notice.editor_ids or []):
            notice.editor_ids = [*(notice.editor_ids or []), editor.id]
        db.session.flush()


def refresh_notice(notice: RegulatorNotice, *, user: StaffUser, actor: Actor) -> None:
    """Compose an outdated notice again from the incident's current facts: its text is
    redrafted (edits since composing are replaced, as they may state the old facts) and it
    needs approving again, by someone other than `user` (who composed this text, as an
    author does)."""
    if notice.state is RegulatorNoticeState.sent:
        raise InvalidInput("this notice was sent; it cannot change")
    incident = db.session.get(Incident, notice.incident_id)
    if not notice.obligations:
        raise InvalidInput("this notice submits no report any more: compose a new one")
    before = {"facts": notice.facts, **_notice_values(notice)}
    notice.subject, notice.body = draft_text(incident, notice.obligations)
    notice.facts = notice_facts(incident)
    if user.id not in (notice.editor_ids or []):
        notice.editor_ids = [*(notice.editor_ids or []), user.id]
    notice.state, notice.approved_by_id, notice.approved_at = (
        RegulatorNoticeState.draft,
        None,
        None,
    )
    db.session.flush()
    trail.record(
        actor,
        "regulator_notice.refresh",
        target_type="regulator_notice",
        target_id=notice.id,
        incident_id=notice.incident_id,
        before=before,
        after={"facts": notice.facts, **_notice_values(notice)},
    )


def _notice_values(notice: RegulatorNotice) -> dict[str, str]:
    return {"subject": notice.subject, "body": notice.body, "state": notice.state.value}


def text_hash(notice: RegulatorNotice) -> str:
    """SHA-256 of the notice's subject and body: the approval and the send name the same text
    in the audit trail, and the kept mail (regulators.mail) carries it."""
    return hashlib.sha256(f"{notice.subject}\n\n{notice.body}".encode()).hexdigest()


def may_approve(notice: RegulatorNotice, user: StaffUser) -> bool:
    """Whether four-eyes lets this user approve (the screen offers the button only then)."""
    return notice.author_id != user.id and user.id not in (notice.editor_ids or [])


def changes_since_approval(notice: RegulatorNotice) -> list[tuple[str, str]]:
    """The lines removed and added since the last approved text (the composed draft before
    the first approval), subject first: what the approver is asked to vouch for."""
    if notice.reviewed_body is None:  # composed before the text was kept
        return []
    before = [f"Subject: {notice.reviewed_subject}", *notice.reviewed_body.splitlines()]
    after = [f"Subject: {notice.subject}", *notice.body.splitlines()]
    changes: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        changes += [("removed", line) for line in before[a0:a1]]
        changes += [("added", line) for line in after[b0:b1]]
    return changes


def approve_notice(
    notice: RegulatorNotice, *, approver: StaffUser, actor: Actor, now: datetime
) -> None:
    """Legal's approval: by a user whose role approves, who is neither the notice's author nor
    anyone who edited it since its last approval. The approved text is kept, so the next
    approver sees what changed since."""
    if not allows(approver.role, Action.approve):
        raise Forbidden(f"the {approver.role.value} role may not approve regulator notices")
    if notice.author_id == approver.id:
        raise InvalidInput("the author of a notice cannot approve it: a second person must")
    if approver.id in (notice.editor_ids or []):
        raise InvalidInput(
            "you edited this notice since its last approval, so you cannot approve it: "
            "a second person must"
        )
    if notice.state is not RegulatorNoticeState.draft:
        raise InvalidInput(f"this notice is {notice.state.value} already")
    _refuse_outdated(notice, "approving it")
    notice.state = RegulatorNoticeState.approved
    notice.approved_by_id, notice.approved_at = approver.id, now
    notice.editor_ids = []
    notice.reviewed_subject, notice.reviewed_body = notice.subject, notice.body
    db.session.flush()
    trail.record(
        actor,
        "regulator_notice.approve",
        target_type="regulator_notice",
        target_id=notice.id,
        incident_id=notice.incident_id,
        after={"approved_by": approver.email, "text_sha256": text_hash(notice)},
    )


def send_notice(
    notice: RegulatorNotice,
    *,
    sender: StaffUser,
    actor: Actor,
    now: datetime,
    late_reason: str = "",
    ack_window: timedelta = DEFAULT_ACK_WINDOW,
) -> RegulatorNotice:
    """Send an approved notice to its regulators at once, acknowledgement requested; marks
    its obligations sent. A late one needs `late_reason` (refused without)."""
    if notice.state is not RegulatorNoticeState.approved:
        raise InvalidInput("a regulator notice is sent only once legal has approved it")
    _refuse_outdated(notice, "sending it (it then needs approving again)")
    obligations = notice.obligations
    if not obligations:  # its regulators were unmarked since it was composed
        raise InvalidInput("this notice submits no report any more: compose a new one")
    if done := [o for o in obligations if o.sent_at is not None]:
        raise InvalidInput(f"the {done[0].rule.stage} to {done[0].rule.regulator.name} was sent")
    for obligation in obligations:
        _check_late(obligation, now, late_reason)
    regulators = {o.rule.regulator.id: o.rule.regulator for o in obligations}
    if unreachable := [r.name for r in regulators.values() if not contacts_of(r)]:
        raise InvalidInput(
            f"{', '.join(sorted(unreachable))} has no contact point: add one, or record a "
            "portal submission instead"
        )
    incident = db.session.get(Incident, notice.incident_id)
    engine_notice = notices.send_internal(
        incident,
        audience=Audience.regulators,
        kind=CrisisKind.regulator_notice,
        subject=notice.subject,
        body=notice.body,
        subscriber_ids=sorted(r.subscriber_id for r in regulators.values()),
        actor=actor,
        ack_window=ack_window,
    )
    notice.state, notice.sent_at, notice.notice_id = (
        RegulatorNoticeState.sent,
        now,
        engine_notice.id,
    )
    for obligation in obligations:
        _mark_sent(obligation, now, late_reason, sender)
        obligation.regulator_notice_id = notice.id
    refresh_obligations(incident)
    trail.record(
        actor,
        "regulator_notice.send",
        target_type="regulator_notice",
        target_id=notice.id,
        incident_id=incident.id,
        after={
            "regulators": sorted(r.name for r in regulators.values()),
            "notice_id": engine_notice.id,
            "late_reason": late_reason.strip() or None,
            # the approved text that went out; each mail's own bytes: regulator_notice.mail
            "text_sha256": text_hash(notice),
        },
    )
    return notice


# -- the sweep: acknowledgements and reminders ---------------------------------------------


def sync_acknowledgements() -> int:
    """Mark obligations acknowledged once their regulator acknowledged the notice's delivery;
    returns how many."""
    rows = db.session.execute(
        select(Obligation, Delivery.acknowledged_at)
        .join(RegulatorNotice, RegulatorNotice.id == Obligation.regulator_notice_id)
        .join(RegulatorRule, RegulatorRule.id == Obligation.rule_id)
        .join(Regulator, Regulator.id == RegulatorRule.regulator_id)
        .join(
            Delivery,
            (Delivery.notice_id == RegulatorNotice.notice_id)
            & (Delivery.subscriber_id == Regulator.subscriber_id),
        )
        .where(Obligation.acknowledged_at.is_(None), Delivery.acknowledged_at.is_not(None))
    ).all()
    marked = set()
    for obligation, acknowledged_at in rows:
        if obligation.id in marked:
            continue
        obligation.acknowledged_at = acknowledged_at
        marked.add(obligation.id)
    db.session.flush()
    return len(marked)
