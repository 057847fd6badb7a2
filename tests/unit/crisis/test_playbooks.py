"""Playbooks by severity: an incident that opens with a matching impact or component runs the
playbook by itself (team paged on the saved bridge, cadence set, executives briefed with the
guidelines, regulators' clocks started from the incident's start); a chosen playbook runs
the same; each runs once per incident. With a moving clock, the real queue and SMTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from statuspage.audit.trail import SYSTEM, Actor
from statuspage.components.catalog import create_component
from statuspage.core.errors import InvalidInput
from statuspage.crisis import playbooks
from statuspage.crisis.assembly import callouts_for_incident
from statuspage.crisis.escalation import TierSpec, save_policy
from statuspage.crisis.executives import briefings_for, guidelines_for, save_guidelines
from statuspage.crisis.playbooks import PlaybookFields
from statuspage.crisis.roster import ContactLine, add_role
from statuspage.extensions import db
from statuspage.incidents.cadence import set_incident_cadence
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.jobs.every_minute import sweep
from statuspage.models import (
    Audience,
    AuditEvent,
    EscalationPolicy,
    Incident,
    IncidentDraft,
    Notice,
    Playbook,
    PlaybookRun,
    Regulator,
    TeamCallout,
    TriggerKind,
)
from statuspage.monitoring.drafts import publish_draft
from statuspage.page.state import ensure_page
from statuspage.regulators import library, obligations
from statuspage.regulators.deadlines import State
from tests.factories import crisis_role, segment, team_member
from tests.queue import drain

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
CLI = Actor("cli:test")


def email(address: str) -> ContactLine:
    return ContactLine("email", address)


def text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def commit(queue) -> None:
    db.session.commit()
    drain(queue)


def setup_roster() -> None:
    ensure_page("Acme Bank Status")
    team_member("Ana", ["Comms lead"], email("ana@bank.example"))
    team_member("Bob", ["Technical liaison"], email("bob@bank.example"))
    team_member("Lee", ["Legal adviser"], email("lee@bank.example"))
    team_member("Eve", ["Executive sponsor"], email("eve@bank.example"), executive=True)


def sev1(**changes) -> Playbook:
    library.load_library(actor=CLI)  # once: a second load adds nothing
    regulators = {r.library_key: r for r in db.session.scalars(select(Regulator))}
    fields = PlaybookFields(
        name="SEV1 payments",
        impacts=("critical",),
        role_ids=(crisis_role("Comms lead").id, crisis_role("Technical liaison").id),
        all_paths=True,
        repage_minutes=5,
        max_rounds=3,
        bridge_phone="+65 6123 4567",
        bridge_pin="424242",
        meeting_url="https://meet.example.com/sev1",
        cadence_minutes=15,
        briefing_subject="Payments down",
        briefing_body="Card payments are failing in Singapore. The team is on the bridge.",
        holding_statement="We are aware of a payments issue and are working on it.",
        approved_qa="Q: Is money lost? A: No.",
        do_not_say="No root cause, no time to fix.",
        regulator_ids=(regulators["mas"].id, regulators["gdpr"].id),
    )
    fields = PlaybookFields(**(fields.__dict__ | changes))
    return playbooks.save_playbook(None, fields, actor=CLI, now=START)


def open_incident(impact: str = "critical", **extra) -> Incident:
    return create_incident(
        OpenIncident("Card payments failing", "Investigating.", impact=impact,
                     deliver_notifications=False, **extra)
    )  # fmt: skip


def runs() -> list[PlaybookRun]:
    return list(db.session.scalars(select(PlaybookRun)))


def audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_matching_incident_runs_the_playbook_by_itself(smtp, queue):
    with time_machine.travel(START, tick=False):
        setup_roster()
        sev1()
        db.session.commit()
    with time_machine.travel(START + timedelta(minutes=3), tick=False):
        incident = open_incident()
        commit(queue)
    opened = incident.started_at
    assert opened == START + timedelta(minutes=3)

    [run] = runs()
    assert run.automatic
    assert run.playbook_name == "SEV1 payments"
    assert run.outcome == {"done": list(playbooks.STEPS), "skipped": {}}
    # the team, paged on the saved bridge, acknowledgement asked
    [callout] = db.session.scalars(select(TeamCallout))
    assert run.callout_id == callout.id
    assert (callout.bridge_phone, callout.bridge_pin) == ("+6561234567", "424242")
    assert callout.meeting_url == "https://meet.example.com/sev1"
    pages = {m["To"]: text(m) for m in smtp.inbox.messages if "Join the bridge" in text(m)}
    assert sorted(pages) == ["ana@bank.example", "bob@bank.example"]
    assert "tel:+6561234567,,424242#" in pages["ana@bank.example"]
    # the cadence, the guidelines, and the briefing carrying them to the executive only
    assert incident.update_cadence_minutes == 15
    assert guidelines_for(incident).do_not_say == "No root cause, no time to fix."
    [briefing] = briefings_for(incident.id)
    assert briefing.message.subject == "Executive briefing: Payments down"
    [mail] = [m for m in smtp.inbox.messages if "Executive briefing" in text(m)]
    assert mail["To"] == "eve@bank.example"
    assert "No root cause, no time to fix." in text(mail)
    # the regulators' clocks, from the incident's start (not from the playbook's save)
    assert {r.library_key for r in obligations.reportable_to(incident)} == {"gdpr", "mas"}
    triggers = obligations.triggers_of(incident)
    assert {k: t.occurred_at for k, t in triggers.items()} == {
        TriggerKind.awareness: opened,
        TriggerKind.discovery: opened,
    }
    board = {
        (r.regulator.library_key, r.rule.stage): r for r in obligations.board(incident, opened)
    }
    assert board["mas", "notification"].obligation.due_at == opened + timedelta(hours=1)
    assert board["gdpr", "breach notification"].obligation.due_at == opened + timedelta(hours=72)
    assert board["mas", "notification"].state is State.due
    # audited once as the run, beside what each service audits itself
    [event] = audits("playbook.run")
    assert event.after["playbook"] == "SEV1 payments"
    assert event.after["automatic"] is True
    assert event.after["triggers_started"] == ["awareness", "discovery"]
    assert len(audits("team.assemble")) == 1
    assert len(audits("regulators.reportable")) == 1

    # the clock moves: the unacknowledged are paged again by the sweep, as any call-out
    with time_machine.travel(START + timedelta(minutes=8, seconds=1), tick=False):
        sweep()
        commit(queue)
    db.session.refresh(callout)
    assert callout.rounds == 2


def test_running_twice_pages_nobody_twice(smtp, queue):
    with time_machine.travel(START, tick=False):
        setup_roster()
        playbook = sev1()
        incident = open_incident()
        commit(queue)
    mails = len(smtp.inbox.messages)
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        again = playbooks.run_playbook(
            incident, playbook, actor=SYSTEM, now=START + timedelta(minutes=2)
        )
        commit(queue)
    assert again.id == runs()[0].id
    assert len(runs()) == 1
    assert len(smtp.inbox.messages) == mails
    assert len(callouts_for_incident(incident.id)) == 1
    assert len(audits("playbook.run")) == 1
    assert len(briefings_for(incident.id)) == 1


@pytest.mark.parametrize(
    ("impact", "backfilled", "runs_"),
    [("critical", False, 1), ("major", False, 0), ("none", False, 0), ("critical", True, 0)],
)
def test_only_an_incident_opened_now_with_a_matching_impact_runs_it(impact, backfilled, runs_):
    setup_roster()
    sev1()
    at = {"at": START} if backfilled else {}
    open_incident(impact, **at)
    assert len(runs()) == runs_


def test_components_match_and_both_conditions_must_hold():
    setup_roster()
    payments = create_component("Payments")
    cards = create_component("Cards")
    sev1(name="Payments any impact", impacts=(), component_ids=(payments.id,))
    sev1(name="SEV1 payments", component_ids=(payments.id,))
    create_incident(
        OpenIncident("Cards slow", "Looking.", components={cards: "degraded_performance"},
                     deliver_notifications=False)
    )  # fmt: skip
    assert runs() == []
    incident = create_incident(
        OpenIncident("Payments slow", "Looking.", components={payments: "degraded_performance"},
                     deliver_notifications=False)
    )  # fmt: skip
    assert [r.playbook_name for r in runs()] == ["Payments any impact"]  # not critical
    assert [p.name for p in playbooks.matching_playbooks(incident)] == ["Payments any impact"]


def test_a_chosen_playbook_runs_and_keeps_the_triggers_staff_recorded(smtp, queue):
    with time_machine.travel(START, tick=False):
        setup_roster()
        playbook = sev1(auto_run=False)
        incident = open_incident()
        assert runs() == []  # not automatic
        aware = START - timedelta(hours=2)
        obligations.record_trigger(incident, "awareness", aware, user=None, actor=CLI, now=START)
        commit(queue)
    later = START + timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        run = playbooks.run_playbook(incident, playbook, actor=CLI, now=later)
        commit(queue)
    assert not run.automatic
    triggers = obligations.triggers_of(incident)
    assert triggers[TriggerKind.awareness].occurred_at == aware  # staff's stays
    assert triggers[TriggerKind.discovery].occurred_at == incident.started_at
    # and staff can still correct the playbook's: the due time follows
    corrected = incident.started_at - timedelta(minutes=30)
    obligations.record_trigger(incident, "discovery", corrected, user=None, actor=CLI, now=later)
    [mas] = [
        o
        for o in obligations.obligations_of(incident)
        if (o.rule.regulator.library_key, o.rule.stage) == ("mas", "notification")
    ]
    assert mas.due_at == corrected + timedelta(hours=1)


def test_a_step_that_cannot_run_is_skipped_and_the_others_run(smtp, queue):
    ensure_page("Acme Bank Status")
    team_member("Ana", ["Comms lead"], email("ana@bank.example"))  # no executive on the roster
    sev1()
    incident = open_incident()
    [run] = runs()
    assert "briefing" in run.outcome["skipped"]
    assert run.outcome["done"] == ["page", "cadence", "guidelines", "regulators"]
    assert incident.update_cadence_minutes == 15
    assert briefings_for(incident.id) == []


def test_a_private_incident_pages_only_the_team_and_no_customer():
    setup_roster()
    sev1()
    incident = open_incident(segments=[segment("Bank partners")])
    assert len(runs()) == 1
    audiences = db.session.scalars(
        select(Notice.audience).where(Notice.incident_id == incident.id)
    ).all()
    assert set(audiences) <= {Audience.team, Audience.executives}


def test_a_resolved_incident_or_maintenance_does_not_run_a_playbook():
    setup_roster()
    playbook = sev1(auto_run=False)
    incident = open_incident()
    post_update(incident, PostUpdate("Fixed.", status="resolved", deliver_notifications=False))
    with pytest.raises(InvalidInput, match="resolved"):
        playbooks.run_playbook(incident, playbook, actor=CLI, now=START)
    assert runs() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "name"),
        ({"impacts": (), "component_ids": ()}, "needs an impact or a component"),
        ({"impacts": ("maintenance",)}, "not an incident impact"),
        ({"bridge_phone": "", "meeting_url": "", "bridge_pin": ""}, "dial-in number or a meeting"),
        ({"meeting_url": "javascript:alert(1)"}, "https://"),
        ({"bridge_pin": "12ab"}, "PIN"),
        ({"repage_minutes": 0}, "page again"),
        ({"max_rounds": 11}, "at most"),
        ({"cadence_minutes": 2}, "cadence"),
        ({"role_ids": (9999,)}, "no such role"),
        ({"regulator_ids": (9999,)}, "no such regulator"),
    ],
)
def test_a_playbook_with_a_wrong_field_is_refused(changes, message):
    setup_roster()
    with pytest.raises(InvalidInput, match=message):
        sev1(**changes)
    assert db.session.scalar(select(func.count()).select_from(Playbook)) == 0


def test_names_are_unique_and_a_deleted_playbook_leaves_its_runs():
    setup_roster()
    playbook = sev1()
    with pytest.raises(InvalidInput, match="exists already"):
        sev1()
    incident = open_incident()
    assert playbooks.find_playbook(" SEV1 payments ") is playbook
    playbooks.delete_playbook(playbook, actor=CLI)
    [run] = playbooks.runs_for(incident.id)
    assert run.playbook_id is None
    assert run.playbook_name == "SEV1 payments"
    assert playbooks.find_playbook("SEV1 payments") is None


def test_an_incident_published_from_a_monitoring_draft_runs_it_too():
    setup_roster()
    payments = create_component("Payments")
    sev1(name="Payments down", impacts=(), component_ids=(payments.id,))
    draft = IncidentDraft(
        page_id=payments.page_id, title="Payments down", body="Card payments fail.",
        components={payments.id: "major_outage"},
    )  # fmt: skip
    db.session.add(draft)
    db.session.flush()
    incident = publish_draft(draft, None, actor=CLI)
    [run] = playbooks.runs_for(incident.id)
    assert run.automatic
    assert run.playbook_name == "Payments down"


def sev1_policy() -> EscalationPolicy:
    """Ana (comms lead) is tier 1 for 5 minutes, Bob (technical liaison) tier 2; Ian is the
    incident commander."""
    add_role("Incident commander", actor=SYSTEM)
    team_member("Ian", ["Incident commander"], email("ian@bank.example"))
    return save_policy(
        None,
        name="Payments on-call",
        tiers=[
            TierSpec([crisis_role("Comms lead").id], [], 5),
            TierSpec([crisis_role("Technical liaison").id], [], 10),
        ],
        actor=SYSTEM,
    )


def paged(smtp) -> list[str]:
    return sorted(m["To"] for m in smtp.inbox.messages if "Join the bridge" in text(m))


def test_a_playbook_with_an_escalation_policy_pages_its_tiers_in_turn(smtp, queue):
    with time_machine.travel(START, tick=False):
        setup_roster()
        policy = sev1_policy()
        playbook = sev1(role_ids=(), policy_id=policy.id, repage_minutes=60)
        assert playbook.policy is policy
        db.session.commit()
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        incident = open_incident()
        commit(queue)
    [run] = runs()
    assert "page" in run.outcome["done"]
    [callout] = db.session.scalars(select(TeamCallout))
    assert run.callout_id == callout.id
    assert (callout.policy_id, callout.tier) == (policy.id, 1)
    assert callout.bridge_phone == "+6561234567"
    assert paged(smtp) == ["ana@bank.example"]  # tier 1 only, not every role at once

    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        sweep()
        commit(queue)
    assert paged(smtp) == ["ana@bank.example"]  # tier 1's window is still open
    with time_machine.travel(START + timedelta(minutes=6, seconds=1), tick=False):
        sweep()
        commit(queue)
    assert paged(smtp) == ["ana@bank.example", "bob@bank.example"]
    told = [m for m in smtp.inbox.messages if m["To"] == "ian@bank.example"]
    assert any("Escalated to tier 2: Card payments failing" in text(m) for m in told)
    [view] = callouts_for_incident(incident.id)
    assert view.tiers.policy_name == "Payments on-call"
    assert [s.member.name for s in view.unreached] == ["Ana", "Bob"]


def test_a_playbook_pages_roles_or_a_policy_not_both():
    setup_roster()
    policy = sev1_policy()
    with pytest.raises(InvalidInput, match="not both"):
        sev1(policy_id=policy.id)  # the roles are still there
    with pytest.raises(InvalidInput, match="escalation policy from the list"):
        sev1(role_ids=(), policy_id=9999)
    assert db.session.scalar(select(func.count()).select_from(Playbook)) == 0


def test_a_playbook_chosen_later_keeps_the_cadence_and_guidelines_staff_set(smtp, queue):
    with time_machine.travel(START, tick=False):
        setup_roster()
        playbook = sev1(auto_run=False)
        incident = open_incident()
        commit(queue)
    staff_set = START + timedelta(minutes=5)
    with time_machine.travel(staff_set, tick=False):
        set_incident_cadence(incident, 30, actor=CLI)
        save_guidelines(
            incident,
            holding_statement="Our own words, approved by legal.",
            approved_qa="",
            do_not_say="",
            actor=CLI,
            now=staff_set,
        )
        commit(queue)
    later = START + timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        run = playbooks.run_playbook(incident, playbook, actor=CLI, now=later)
        commit(queue)
    db.session.refresh(incident)
    assert incident.update_cadence_minutes == 30  # theirs, not the playbook's 15
    guidelines = guidelines_for(incident)
    assert guidelines.holding_statement == "Our own words, approved by legal."
    # the empty ones are filled from the playbook
    assert guidelines.approved_qa == "Q: Is money lost? A: No."
    assert guidelines.do_not_say == "No root cause, no time to fix."
    skipped = run.outcome["skipped"]
    assert skipped["cadence"] == "kept the incident's own update cadence (every 30 minutes)"
    assert "Holding statement" in skipped["guidelines"]
    assert "cadence" not in run.outcome["done"]
    [event] = audits("playbook.run")
    assert event.after["skipped"] == skipped
    # the briefing carries the guidelines as they stand: staff's holding statement
    [mail] = [m for m in smtp.inbox.messages if "Executive briefing" in text(m)]
    assert "Our own words, approved by legal." in text(mail)
    assert "We are aware of a payments issue" not in text(mail)


def test_a_playbook_chosen_later_keeps_guidelines_written_in_full():
    setup_roster()
    playbook = sev1(auto_run=False, cadence_minutes=None)
    incident = open_incident()
    save_guidelines(
        incident, holding_statement="Ours.", approved_qa="Ours too.", do_not_say="Nothing.",
        actor=CLI, now=START,
    )  # fmt: skip
    run = playbooks.run_playbook(incident, playbook, actor=CLI, now=START + timedelta(minutes=1))
    assert run.outcome["skipped"]["guidelines"].startswith("kept the incident's own guidelines")
    assert "guidelines" not in run.outcome["done"]
    assert guidelines_for(incident).holding_statement == "Ours."
