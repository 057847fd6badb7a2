"""Regulators (statuspage/regulators/): obligations, notices, approval, reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from statuspage import models
from statuspage.audit.trail import Actor
from statuspage.core.errors import InvalidInput
from statuspage.delivery import engine, ledger
from statuspage.delivery.outbox import OUTBOX_KEY
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import (
    Audience,
    AuditEvent,
    Delivery,
    Notice,
    NoticeRecipient,
    ObligationReminder,
    Regulator,
    RegulatorNoticeState,
    Role,
    StaffUser,
    SubscriberKind,
)
from statuspage.regulators import library, notices, obligations, periodic, registry
from statuspage.regulators.deadlines import State
from statuspage.staff.permissions import Forbidden
from tests.factories import staff_user

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
CLI = Actor("cli:test")


@pytest.fixture
def people() -> dict[str, StaffUser]:
    return {
        "comms": staff_user("comms@example.com", Role.comms),
        "legal": staff_user("legal@example.com", Role.legal),
        "legal2": staff_user("legal2@example.com", Role.legal),
        "viewer": staff_user("viewer@example.com", Role.viewer),
    }


@pytest.fixture
def listed() -> dict[str, Regulator]:
    added = library.load_library(actor=CLI)
    return {r.library_key: r for r in added}


def board_by_stage(incident, now):
    return {
        (row.regulator.library_key, row.rule.stage): row for row in obligations.board(incident, now)
    }


def test_the_library_loads_every_regime_once_with_its_source(listed) -> None:
    assert set(listed) == {e["key"] for e in library.library()}
    assert len(listed) == 11
    dora = listed["dora"]
    assert "2025/301" in dora.source_note
    assert "Art. 19" in dora.source_note
    initial, intermediate, final = dora.rules
    assert registry.rule_summary(initial) == (
        "4 hours after classification, or 24 hours after awareness if earlier"
    )
    assert intermediate.bounds[0].after_rule is initial
    assert final.bounds[0].after_rule is intermediate
    assert library.load_library(actor=CLI) == []  # nothing twice
    with pytest.raises(InvalidInput, match="already in the registry"):
        library.add_from_library("gdpr", actor=CLI)
    # Each regulator's contact points are held by an internal subscriber.
    subscriber = db.session.get(models.Subscriber, dora.subscriber_id)
    assert subscriber.kind is SubscriberKind.internal


def test_bad_registry_input_is_refused_clearly() -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        registry.create_regulator(name="X", timezone="Mars/Olympus", actor=CLI)
    with pytest.raises(InvalidInput, match="country code"):
        registry.create_regulator(name="X", country_code="ZZ", actor=CLI)
    with pytest.raises(InvalidInput, match="subdivision"):
        registry.create_regulator(name="X", country_code="GB", subdivision="XXX", actor=CLI)
    regulator = registry.create_regulator(name="X", country_code="gb", actor=CLI)
    assert regulator.country_code == "GB"
    with pytest.raises(InvalidInput, match="earlier stage"):
        registry.add_rule(
            regulator,
            stage="final",
            what_to_send="",
            bounds=[registry.BoundSpec("report", 1, "months", "initial")],
            actor=CLI,
        )
    with pytest.raises(InvalidInput, match="unknown trigger"):
        registry.add_rule(
            regulator,
            stage="x",
            what_to_send="",
            bounds=[registry.BoundSpec("whenever", 1, "hours")],
            actor=CLI,
        )


def test_obligations_wait_for_their_trigger_then_count_from_it(listed, people) -> None:
    incident = create_incident(OpenIncident("Card data exposed", "Investigating."))
    chosen = [listed[k].id for k in ("dora", "gdpr", "sec-8k")]
    obligations.set_reportable(incident, chosen, user=people["comms"], actor=CLI)
    rows = board_by_stage(incident, T0)
    assert len(rows) == 5  # DORA 3 + GDPR 1 + SEC 1
    assert {row.state for row in rows.values()} == {State.waiting}

    # Awareness recorded late: 26 hours after it happened.
    now = T0 + timedelta(hours=26)
    obligations.record_trigger(incident, "awareness", T0, user=people["comms"], actor=CLI, now=now)
    rows = board_by_stage(incident, now)
    assert rows["gdpr", "breach notification"].obligation.due_at == T0 + timedelta(hours=72)
    # DORA's 24 h after awareness binds although classification is not recorded yet, and
    # it passed before anyone recorded the trigger: overdue the moment it is known.
    initial = rows["dora", "initial notification"]
    assert initial.obligation.due_at == T0 + timedelta(hours=24)
    assert initial.state is State.overdue
    assert initial.countdown == "overdue by 2 h 0 min"
    assert rows["dora", "intermediate report"].state is State.waiting
    assert rows["sec-8k", "Form 8-K Item 1.05"].state is State.waiting

    # Classification within the first hours: 4 h after it is earlier than 24 h.
    obligations.record_trigger(
        incident, "classification", T0 + timedelta(hours=2), user=people["comms"], actor=CLI,
        now=now,
    )  # fmt: skip
    rows = board_by_stage(incident, now)
    assert rows["dora", "initial notification"].obligation.due_at == T0 + timedelta(hours=6)
    trigger = obligations.triggers_of(incident)[models.TriggerKind.classification]
    assert (trigger.recorded_at, trigger.recorded_by_id) == (now, people["comms"].id)


def test_the_sec_clock_counts_business_days_in_new_york(listed, people) -> None:
    incident = create_incident(OpenIncident("Ransomware", "Investigating."))
    obligations.set_reportable(incident, [listed["sec-8k"].id], user=people["comms"], actor=CLI)
    # Determined material Tuesday 24 Nov 2026 11:00 EST; Thanksgiving on Thursday.
    determined = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    obligations.record_trigger(
        incident, "determination", determined, user=people["comms"], actor=CLI,
        now=determined + timedelta(hours=1),
    )  # fmt: skip
    (row,) = obligations.board(incident, determined)
    assert row.obligation.due_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def test_a_trigger_in_the_future_is_refused(listed, people) -> None:
    incident = create_incident(OpenIncident("x", "y"))
    with pytest.raises(InvalidInput, match="future"):
        obligations.record_trigger(
            incident, "awareness", T0 + timedelta(hours=1), user=people["comms"], actor=CLI,
            now=T0,
        )  # fmt: skip


def _dora_incident(listed, people):
    incident = create_incident(OpenIncident("Payments down", "Investigating."))
    obligations.set_reportable(incident, [listed["dora"].id], user=people["comms"], actor=CLI)
    registry.set_regulator_contacts(
        listed["dora"], [("email", "ict-incidents@supervisor.example")], actor=CLI
    )
    obligations.record_trigger(incident, "awareness", T0, user=people["comms"], actor=CLI, now=T0)
    obligations.record_trigger(
        incident, "classification", T0 + timedelta(hours=1), user=people["comms"], actor=CLI,
        now=T0 + timedelta(hours=1),
    )  # fmt: skip
    return incident


def test_two_people_approve_a_notice_before_it_is_sent(listed, people) -> None:
    incident = _dora_incident(listed, people)
    rows = board_by_stage(incident, T0)
    initial = rows["dora", "initial notification"].obligation
    notice = notices.compose_notice(incident, [initial.id], author=people["legal"], actor=CLI)
    assert notice.subject == "Incident notification (initial notification): Payments down"
    assert "Financial supervisor (DORA): initial notification" in notice.body
    assert "Awareness: 2026-06-01 08:00 UTC" in notice.body
    now = T0 + timedelta(hours=2)
    with pytest.raises(InvalidInput, match="only once legal has approved"):
        notices.send_notice(notice, sender=people["comms"], actor=CLI, now=now)
    with pytest.raises(InvalidInput, match="cannot approve it"):
        notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=now)
    with pytest.raises(Forbidden):
        notices.approve_notice(notice, approver=people["comms"], actor=CLI, now=now)
    notices.approve_notice(notice, approver=people["legal2"], actor=CLI, now=now)
    assert notice.state is RegulatorNoticeState.approved

    # Editing an approved notice needs approving again.
    notices.edit_notice(
        notice, subject="Initial notification", body="Words.", editor=people["comms"], actor=CLI
    )
    assert notice.state is RegulatorNoticeState.draft
    assert notice.approved_by_id is None
    notices.approve_notice(notice, approver=people["legal2"], actor=CLI, now=now)

    notices.send_notice(notice, sender=people["comms"], actor=CLI, now=now)
    assert notice.state is RegulatorNoticeState.sent
    engine_notice = db.session.get(Notice, notice.notice_id)
    assert engine_notice.audience is Audience.regulators
    assert engine_notice.requires_ack
    recipients = db.session.scalars(
        select(NoticeRecipient.subscriber_id).where(NoticeRecipient.notice_id == engine_notice.id)
    ).all()
    assert recipients == [listed["dora"].subscriber_id]
    assert ("fan_out", (engine_notice.id,), None) in db.session.info[OUTBOX_KEY]
    rows = board_by_stage(incident, now)
    assert rows["dora", "initial notification"].state is State.sent
    assert not rows["dora", "initial notification"].late
    # The chain starts from the actual submission: intermediate 72 h after it.
    assert rows["dora", "intermediate report"].obligation.due_at == now + timedelta(hours=72)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "regulator_notice.compose",
        "regulator_notice.approve",
        "regulator_notice.edit",
        "regulator_notice.send",
        "regulators.trigger",
        "regulators.reportable",
    } <= actions


def test_a_late_notice_needs_its_reason(listed, people) -> None:
    incident = _dora_incident(listed, people)
    initial = board_by_stage(incident, T0)["dora", "initial notification"].obligation
    notice = notices.compose_notice(incident, [initial.id], author=people["comms"], actor=CLI)
    notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=T0)
    late = T0 + timedelta(hours=6)  # due at T0 + 5 h
    with pytest.raises(InvalidInput, match="a late submission needs its reason"):
        notices.send_notice(notice, sender=people["comms"], actor=CLI, now=late)
    notices.send_notice(
        notice, sender=people["comms"], actor=CLI, now=late, late_reason="Classification disputed"
    )
    row = board_by_stage(incident, late)["dora", "initial notification"]
    assert row.late
    assert row.obligation.late_reason == "Classification disputed"


def test_a_regulator_without_contact_points_is_refused(listed, people) -> None:
    incident = create_incident(OpenIncident("x", "y"))
    obligations.set_reportable(incident, [listed["gdpr"].id], user=people["comms"], actor=CLI)
    (row,) = obligations.board(incident, T0)
    notice = notices.compose_notice(
        incident, [row.obligation.id], author=people["comms"], actor=CLI
    )
    notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=T0)
    with pytest.raises(InvalidInput, match="no contact point"):
        notices.send_notice(notice, sender=people["comms"], actor=CLI, now=T0)


def test_a_portal_submission_is_recorded_with_its_reference(listed, people) -> None:
    incident = create_incident(OpenIncident("x", "y"))
    obligations.set_reportable(incident, [listed["nydfs"].id], user=people["comms"], actor=CLI)
    obligations.record_trigger(
        incident, "determination", T0, user=people["comms"], actor=CLI, now=T0
    )
    (row,) = obligations.board(incident, T0)
    late = T0 + timedelta(hours=73)
    kwargs = {"user": people["comms"], "actor": CLI, "now": late}
    with pytest.raises(InvalidInput, match="reference"):
        obligations.record_portal_submission(
            row.obligation, reference=" ", submitted_at=late, **kwargs
        )
    with pytest.raises(InvalidInput, match="reason"):
        obligations.record_portal_submission(
            row.obligation, reference="DFS-1", submitted_at=late, **kwargs
        )
    # Filed on time, recorded afterwards: not late, no reason needed.
    obligations.record_portal_submission(
        row.obligation, reference="DFS-2026-0042", submitted_at=T0 + timedelta(hours=70), **kwargs
    )
    (row,) = obligations.board(incident, late)
    assert row.state is State.sent
    assert not row.late
    assert row.obligation.portal_reference == "DFS-2026-0042"
    # A regulator a report went to stays reportable.
    with pytest.raises(InvalidInput, match="stays reportable"):
        obligations.set_reportable(incident, [], user=people["comms"], actor=CLI)


def test_unmarking_a_regulator_drops_its_open_obligations(listed, people) -> None:
    incident = create_incident(OpenIncident("x", "y"))
    ids = [listed["gdpr"].id, listed["apra"].id]
    obligations.set_reportable(incident, ids, user=people["comms"], actor=CLI)
    obligations.set_reportable(incident, ids[:1], user=people["comms"], actor=CLI)
    assert [r.regulator.library_key for r in obligations.board(incident, T0)] == ["gdpr"]
    with pytest.raises(InvalidInput, match="no such regulator"):
        obligations.set_reportable(incident, [999999], user=people["comms"], actor=CLI)


def test_reminders_are_created_once_per_lead_and_only_the_nearest(listed, people) -> None:
    incident = create_incident(OpenIncident("x", "y"))
    obligations.set_reportable(incident, [listed["cert-in"].id], user=people["comms"], actor=CLI)
    obligations.record_trigger(incident, "awareness", T0, user=people["comms"], actor=CLI, now=T0)
    due = T0 + timedelta(hours=6)
    assert len(periodic.remind(T0)) == 1  # within 24 h at once: the 24 h reminder
    assert periodic.remind(T0 + timedelta(minutes=1)) == []  # idempotent
    assert len(periodic.remind(due - timedelta(minutes=59))) == 1  # the 1 h reminder
    assert periodic.remind(due - timedelta(minutes=30)) == []
    assert len(periodic.remind(due)) == 1  # at the due time
    assert periodic.remind(due + timedelta(hours=1)) == []
    leads = db.session.scalars(select(ObligationReminder.lead_minutes)).all()
    assert sorted(leads) == [0, 60, 1440]

    # An obligation known only once overdue gets one reminder, not three.
    other = create_incident(OpenIncident("z", "w"))
    obligations.set_reportable(other, [listed["cert-in"].id], user=people["comms"], actor=CLI)
    obligations.record_trigger(other, "awareness", T0, user=people["comms"], actor=CLI, now=due)
    assert len(periodic.remind(due + timedelta(hours=2))) == 1
    count = db.session.scalar(select(func.count()).select_from(ObligationReminder))
    assert count == 4


def test_each_deadline_reminder_is_in_the_audit_chain(listed, people) -> None:
    """[13/14]: every event of a crisis is in the hash-chained trail, reminders included."""
    from statuspage.audit.trail import verify_chain

    incident = create_incident(OpenIncident("x", "y"))
    obligations.set_reportable(incident, [listed["cert-in"].id], user=people["comms"], actor=CLI)
    obligations.record_trigger(incident, "awareness", T0, user=people["comms"], actor=CLI, now=T0)
    due = T0 + timedelta(hours=6)
    periodic.remind(T0)
    periodic.remind(due)
    entries = db.session.scalars(
        select(models.AuditEvent)
        .where(models.AuditEvent.action == "regulator.deadline_reminder")
        .order_by(models.AuditEvent.id)
    ).all()
    assert [(e.after["lead_minutes"], e.incident_id, e.actor) for e in entries] == [
        (1440, incident.id, "system"),
        (0, incident.id, "system"),
    ]
    assert entries[0].after["regulator"] == listed["cert-in"].name
    assert verify_chain().ok


def test_a_regulators_acknowledgement_marks_its_obligation(listed, people) -> None:
    incident = _dora_incident(listed, people)
    initial = board_by_stage(incident, T0)["dora", "initial notification"].obligation
    notice = notices.compose_notice(incident, [initial.id], author=people["comms"], actor=CLI)
    notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=T0)
    notices.send_notice(notice, sender=people["comms"], actor=CLI, now=T0 + timedelta(hours=2))
    db.session.commit()
    engine.fan_out(notice.notice_id)
    assert notices.sync_acknowledgements() == 0
    (delivery,) = db.session.scalars(select(Delivery).where(Delivery.notice_id == notice.notice_id))
    acked_at = T0 + timedelta(hours=3)
    ledger.acknowledge(delivery, acked_at, "email-link")
    assert notices.sync_acknowledgements() == 1
    row = board_by_stage(incident, acked_at)["dora", "initial notification"]
    assert row.state is State.acknowledged
    assert row.obligation.acknowledged_at == acked_at


def test_the_cli_loads_the_library(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["regulators", "load-library", "--key", "dora", "--key", "mas"])
    assert result.exit_code == 0, result.output
    assert "Added 2 regulators" in result.output
    result = runner.invoke(args=["regulators", "load-library"])
    assert "Added 9 regulators" in result.output
    assert runner.invoke(args=["regulators", "load-library"]).output.startswith("Added 0")
    assert db.session.scalar(select(func.count()).select_from(Regulator)) == 11


def test_unmarking_a_regulator_empties_a_draft_notice_which_then_cannot_be_sent(
    listed, people
) -> None:
    incident = _dora_incident(listed, people)
    initial = board_by_stage(incident, T0)["dora", "initial notification"].obligation
    notice = notices.compose_notice(incident, [initial.id], author=people["comms"], actor=CLI)
    notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=T0)
    obligations.set_reportable(incident, [], user=people["comms"], actor=CLI)
    db.session.commit()
    db.session.expire_all()
    assert notice.obligations == []
    with pytest.raises(InvalidInput, match="no report any more"):
        notices.send_notice(notice, sender=people["comms"], actor=CLI, now=T0)


def test_nis2_final_report_is_a_month_after_the_notification_was_submitted(listed, people) -> None:
    incident = create_incident(OpenIncident("x", "y"))
    obligations.set_reportable(incident, [listed["nis2"].id], user=people["comms"], actor=CLI)
    aware = datetime(2026, 1, 30, 9, 0, tzinfo=UTC)
    obligations.record_trigger(
        incident, "awareness", aware, user=people["comms"], actor=CLI, now=aware
    )
    rows = board_by_stage(incident, aware)
    assert rows["nis2", "early warning"].obligation.due_at == aware + timedelta(hours=24)
    notification = rows["nis2", "incident notification"].obligation
    assert notification.due_at == aware + timedelta(hours=72)
    assert rows["nis2", "final report"].state is State.waiting
    sent = datetime(2026, 1, 31, 15, 0, tzinfo=UTC)  # 16:00 in Brussels
    obligations.record_portal_submission(
        notification, reference="CSIRT-9", submitted_at=sent, user=None, actor=CLI, now=sent
    )
    final = board_by_stage(incident, sent)["nis2", "final report"].obligation
    assert final.due_at == datetime(2026, 2, 28, 15, 0, tzinfo=UTC)  # 31 Jan + 1 month


AWARE = datetime(2026, 6, 1, 4, 55, tzinfo=UTC)


def _gdpr_notice(listed, people):
    """A GDPR notice composed at 05:00 with "Awareness 04:55", on a clock that moves."""
    incident = create_incident(OpenIncident("Customer data exposed", "Investigating."))
    gdpr = listed["gdpr"]
    obligations.set_reportable(incident, [gdpr.id], user=people["comms"], actor=CLI)
    registry.set_regulator_contacts(gdpr, [("email", "dpa@regulator.example")], actor=CLI)
    composed = AWARE + timedelta(minutes=5)
    with time_machine.travel(composed, tick=False):
        obligations.record_trigger(
            incident, "awareness", AWARE, user=people["comms"], actor=CLI, now=composed
        )
        (row,) = obligations.board(incident, composed)
        notice = notices.compose_notice(
            incident, [row.obligation.id], author=people["comms"], actor=CLI
        )
    assert "Awareness: 2026-06-01 04:55 UTC" in notice.body
    assert notice.facts["awareness"] == "2026-06-01 04:55 UTC"
    return incident, notice


def test_a_notice_with_unchanged_facts_is_approved_and_sent(listed, people) -> None:
    incident, notice = _gdpr_notice(listed, people)
    later = AWARE + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        # Recording the same awareness again changes no fact.
        obligations.record_trigger(
            incident, "awareness", AWARE, user=people["comms"], actor=CLI, now=later
        )
        assert notices.outdated_facts(notice) == []
        notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=later)
        notices.send_notice(notice, sender=people["comms"], actor=CLI, now=later)
    assert notice.state is RegulatorNoticeState.sent


def test_a_notice_whose_awareness_was_revised_waits_for_a_refresh(listed, people) -> None:
    incident, notice = _gdpr_notice(listed, people)
    revised = AWARE - timedelta(days=1)  # the day before
    later = AWARE + timedelta(minutes=30)
    with time_machine.travel(later, tick=False):
        obligations.record_trigger(
            incident, "awareness", revised, user=people["comms"], actor=CLI, now=later
        )
        (change,) = notices.outdated_facts(notice)
        assert (change.name, change.old, change.new) == (
            "awareness",
            "2026-06-01 04:55 UTC",
            "2026-05-31 04:55 UTC",
        )
        with pytest.raises(InvalidInput, match=r"outdated.*awareness 2026-06-01 04:55 UTC → 2026"):
            notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=later)
        assert notice.state is RegulatorNoticeState.draft

    # Approved before the revision: sending is refused all the same.
    _, other = _gdpr_notice_again(incident, people)
    with time_machine.travel(later, tick=False):
        notices.approve_notice(other, approver=people["legal"], actor=CLI, now=later)
    with time_machine.travel(later + timedelta(minutes=5), tick=False):
        obligations.record_trigger(
            incident, "awareness", revised - timedelta(hours=1), user=people["comms"], actor=CLI,
            now=later + timedelta(minutes=5),
        )  # fmt: skip
        with pytest.raises(InvalidInput, match="this notice is outdated"):
            notices.send_notice(other, sender=people["comms"], actor=CLI, now=later)
    assert other.sent_at is None

    refreshed_at = later + timedelta(minutes=10)
    with time_machine.travel(refreshed_at, tick=False):
        notices.refresh_notice(notice, user=people["comms"], actor=CLI)
        assert notices.outdated_facts(notice) == []
        # Whoever refreshed composed this text: four-eyes wants someone else to approve it.
        assert not notices.may_approve(notice, people["comms"])
        assert notice.facts["awareness"] == "2026-05-31 03:55 UTC"
        assert "Awareness: 2026-05-31 03:55 UTC" in notice.body
        assert notice.state is RegulatorNoticeState.draft
        notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=refreshed_at)
        notices.send_notice(notice, sender=people["comms"], actor=CLI, now=refreshed_at)
    assert notice.state is RegulatorNoticeState.sent
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "regulator_notice.refresh")
        )
        == 1
    )


def _gdpr_notice_again(incident, people):
    """A second notice for the same (unsent) report, composed from the current facts."""
    now = AWARE + timedelta(minutes=20)
    with time_machine.travel(now, tick=False):
        (row,) = obligations.board(incident, now)
        return incident, notices.compose_notice(
            incident, [row.obligation.id], author=people["comms"], actor=CLI
        )


def test_an_editor_cannot_approve_the_edit_a_third_person_must(listed, people) -> None:
    """Four-eyes covers every editor since the last approval, not only the author."""
    incident = _dora_incident(listed, people)
    initial = board_by_stage(incident, T0)["dora", "initial notification"].obligation
    notice = notices.compose_notice(incident, [initial.id], author=people["comms"], actor=CLI)
    now = T0 + timedelta(hours=2)
    notices.edit_notice(
        notice, subject="Initial notification", body="Legal's words.", editor=people["legal"],
        actor=CLI,
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="edited this notice"):
        notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=now)
    assert notice.state is RegulatorNoticeState.draft
    notices.approve_notice(notice, approver=people["legal2"], actor=CLI, now=now)
    assert notice.state is RegulatorNoticeState.approved
    assert notice.reviewed_subject == "Initial notification"
    assert notice.reviewed_body == "Legal's words."

    # An edit after approval: a new approval, by someone other than that editor.
    notices.edit_notice(
        notice, subject="Initial notification", body="Legal2's words.", editor=people["legal2"],
        actor=CLI,
    )  # fmt: skip
    assert notice.state is RegulatorNoticeState.draft
    with pytest.raises(InvalidInput, match="edited this notice"):
        notices.approve_notice(notice, approver=people["legal2"], actor=CLI, now=now)
    # legal's edit was approved by legal2 already: legal reviews legal2's edit.
    notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=now)
    assert notice.approved_by_id == people["legal"].id

    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target_type == "regulator_notice")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "regulator_notice.compose",
        "regulator_notice.edit",
        "regulator_notice.approve",
        "regulator_notice.edit",
        "regulator_notice.approve",
    ]


def test_the_changes_since_the_last_approval_are_a_line_diff(listed, people) -> None:
    incident = _dora_incident(listed, people)
    initial = board_by_stage(incident, T0)["dora", "initial notification"].obligation
    notice = notices.compose_notice(incident, [initial.id], author=people["comms"], actor=CLI)
    notices.edit_notice(
        notice, subject="Notice", body="One.\nTwo.\nThree.", editor=people["comms"], actor=CLI
    )
    notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=T0)
    assert notices.changes_since_approval(notice) == []
    notices.edit_notice(
        notice, subject="Notice", body="One.\n2.\nThree.\nFour.", editor=people["comms"], actor=CLI
    )
    assert notices.changes_since_approval(notice) == [
        ("removed", "Two."),
        ("added", "2."),
        ("added", "Four."),
    ]
