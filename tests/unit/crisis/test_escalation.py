"""Escalation policies on a moving clock, through the minute's sweep, the real queue and a real
SMTP server: tier 1 is paged; a tier unanswered for its window pages the next tier on top and
tells the incident commander; the last tier's end is told too; an acknowledgement or a
stand-down stops the tiers; two sweeps escalate once; the incident shows who is unreached."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM, Actor, verify_chain
from statuspage.core.errors import InvalidInput
from statuspage.crisis import escalation
from statuspage.crisis.assembly import (
    assemble,
    callouts_for_incident,
    check_bridge,
    stand_down,
    start_callout_with_policy,
)
from statuspage.crisis.escalation import TierSpec, save_policy
from statuspage.crisis.roster import ContactLine, add_role
from statuspage.delivery.ledger import acknowledge
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.jobs.every_minute import sweep
from statuspage.models import (
    AuditEvent,
    Delivery,
    EscalationPolicy,
    Incident,
    TeamCallout,
    TeamMember,
)
from statuspage.page.state import ensure_page
from tests.factories import crisis_role, staff_user, team_member
from tests.queue import drain

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
BRIDGE = check_bridge("+1 555 123 4567", "123456", "https://meet.example.com/war-room")


def email(address: str) -> ContactLine:
    return ContactLine("email", address)


def run(queue) -> None:
    db.session.commit()
    drain(queue)


def text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def setup_policy(*, commander: bool = True) -> tuple[Incident, EscalationPolicy, dict]:
    """Ana (comms lead) is tier 1 for 5 minutes, Bob (technical liaison) tier 2 for 10, Cy
    (named) tier 3 for 5; Ian holds "Incident commander" (when `commander`)."""
    ensure_page("Acme Status")
    incident = create_incident(
        OpenIncident("Payments down", "Investigating.", deliver_notifications=False)
    )
    comms, tech = crisis_role("Comms lead"), crisis_role("Technical liaison")
    people = {
        "ana": team_member("Ana", ["Comms lead"], email("ana@acme.example")),
        "bob": team_member("Bob", ["Technical liaison"], email("bob@acme.example")),
        "cy": team_member("Cy", [], email("cy@acme.example")),
    }
    if commander:
        add_role("Incident commander", actor=SYSTEM)
        people["ian"] = team_member("Ian", ["Incident commander"], email("ian@acme.example"))
    policy = save_policy(
        None,
        name="SEV1 payments",
        tiers=[
            TierSpec([comms.id], [], 5),
            TierSpec([tech.id], [], 10),
            TierSpec([], [], 3),  # pages nobody: left out
            TierSpec([], [people["cy"].id], 5),
        ],
        actor=SYSTEM,
    )
    return incident, policy, people


def call_out(incident: Incident, policy: EscalationPolicy) -> TeamCallout:
    """By the policy; no re-page within the hour, so only the tiers page."""
    return assemble(
        db.session.get(Incident, incident.id),
        role_ids=[],
        policy_id=policy.id,
        all_paths=True,
        bridge=BRIDGE,
        repage_minutes=60,
        max_rounds=2,
        actor=SYSTEM,
        now=START,
    )


def sweep_at(queue, *minutes: float) -> None:
    for m in minutes:
        with time_machine.travel(START + timedelta(minutes=m), tick=False):
            sweep()
            sweep()  # a second sweep at the same minute changes nothing
            run(queue)


def pages_to(smtp) -> list[str]:
    return sorted(m["To"] for m in smtp.inbox.messages if "/ack/" in text(m))


NEWS = re.compile(r"(Escalated to tier \d|Nobody answered): Payments down")


def news_to(smtp, address: str) -> list[str]:
    """The subjects of the escalation news `address` was sent (mails lead with them)."""
    found = [NEWS.search(text(m)) for m in smtp.inbox.messages if m["To"] == address]
    return [match.group(0) for match in found if match]


def commander_news(smtp) -> list[str]:
    return news_to(smtp, "ian@acme.example")


def escalations() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "team.escalated").order_by(AuditEvent.id)
        )
    )


def test_each_unanswered_tier_pages_the_next_and_the_commander_is_told(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, policy, _ = setup_policy()
        assert [t.window_minutes for t in policy.tiers] == [5, 10, 5]
        callout = call_out(incident, policy)
        run(queue)
    assert pages_to(smtp) == ["ana@acme.example"]

    sweep_at(queue, 4)
    assert pages_to(smtp) == ["ana@acme.example"]  # tier 1's window is still open
    sweep_at(queue, 5)
    assert pages_to(smtp) == ["ana@acme.example", "bob@acme.example"]
    assert commander_news(smtp) == ["Escalated to tier 2: Payments down"]

    [view] = callouts_for_incident(incident.id)
    assert view.tiers.policy_name == "SEV1 payments"
    assert (view.tiers.tier, view.tiers.tiers) == (2, 3)
    assert view.tiers.deadline == START + timedelta(minutes=15)
    assert [s.member.name for s in view.unreached] == ["Ana", "Bob"]

    sweep_at(queue, 14)
    assert len(pages_to(smtp)) == 2
    sweep_at(queue, 15)
    assert pages_to(smtp) == ["ana@acme.example", "bob@acme.example", "cy@acme.example"]
    sweep_at(queue, 20)
    assert commander_news(smtp) == [
        "Escalated to tier 2: Payments down",
        "Escalated to tier 3: Payments down",
        "Nobody answered: Payments down",
    ]
    last = [m for m in smtp.inbox.messages if "Nobody answered: Payments" in text(m)]
    assert "Still unreached: Ana, Bob, Cy" in text(last[0])
    assert "/ack/" not in text(last[0])  # the commander's news asks for no acknowledgement

    sweep_at(queue, 30, 60)  # nothing beyond the last tier (the hourly re-page aside)
    assert len(commander_news(smtp)) == 3
    [view] = callouts_for_incident(incident.id)
    assert view.tiers.tier == 3
    assert view.tiers.exhausted
    assert view.tiers.deadline is None
    assert [e.after["to_tier"] for e in escalations()] == [2, 3, None]
    assert escalations()[-1].after["exhausted"] is True
    assert escalations()[0].after["commander_told"] == ["Ian"]
    assert escalations()[0].target_id == str(callout.id)
    assert verify_chain().ok


def test_an_acknowledgement_stops_the_tiers(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, policy, people = setup_policy()
        callout = call_out(incident, policy)
        run(queue)
    [page] = db.session.scalars(
        select(Delivery).where(Delivery.subscriber_id == people["ana"].subscriber_id)
    )
    assert acknowledge(page, START + timedelta(minutes=3), "email-link")
    db.session.commit()
    sweep_at(queue, 5, 15, 20)
    assert pages_to(smtp) == ["ana@acme.example"]
    assert commander_news(smtp) == []
    assert escalations() == []
    [view] = callouts_for_incident(incident.id)
    assert view.tiers.tier == 1
    assert view.unreached == []
    db.session.refresh(callout)
    assert callout.tier_deadline_at is None


def test_a_stand_down_stops_the_tiers_and_the_commander_news_is_no_stand_down(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, policy, _ = setup_policy()
        callout = call_out(incident, policy)
        run(queue)
    sweep_at(queue, 5)  # tier 2 paged, Ian told
    assert pages_to(smtp) == ["ana@acme.example", "bob@acme.example"]
    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        stand_down(
            db.session.get(Incident, incident.id),
            [callout],
            reason="stood down by staff",
            actor=SYSTEM,
            now=START + timedelta(minutes=6),
        )
        run(queue)
    sweep_at(queue, 15, 20, 30)
    assert pages_to(smtp) == ["ana@acme.example", "bob@acme.example"]  # no tier 3
    assert commander_news(smtp) == ["Escalated to tier 2: Payments down"]
    told = sorted(m["To"] for m in smtp.inbox.messages if "Stand down: Payments" in text(m))
    assert told == ["ana@acme.example", "bob@acme.example"]
    db.session.refresh(callout)
    assert callout.tier_deadline_at is None
    assert [e.after["to_tier"] for e in escalations()] == [2]


def test_two_sweeps_escalate_once(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, policy, _ = setup_policy()
        callout = call_out(incident, policy)
        run(queue)
    at = START + timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        # two sweeps read the same due call-out; the first escalates it, the late one claims
        # nothing; a third, after both, finds nothing due
        read_by_first, read_by_late = escalation.due_callouts(at), escalation.due_callouts(at)
        assert [d.callout_id for d in read_by_late] == [callout.id]
        assert len(escalation.escalate_due(read_by_first, at)) == 1
        assert escalation.escalate_due(read_by_late, at) == []
        assert escalation.escalate_tiers(at) == []
        run(queue)
    sweep_at(queue, 5)
    assert pages_to(smtp) == ["ana@acme.example", "bob@acme.example"]
    assert len(commander_news(smtp)) == 1
    assert len(escalations()) == 1


def test_without_a_commander_role_whoever_started_the_call_out_is_told(smtp, queue, app):
    with time_machine.travel(START, tick=False):
        incident, policy, _ = setup_policy(commander=False)
        lead = staff_user("lead@acme.example")
        team_member("Lee", [], email("lee@acme.example"), staff_user_id=lead.id)
        start_callout_with_policy(
            db.session.get(Incident, incident.id),
            policy,
            bridge=BRIDGE,
            actor=Actor.staff(lead),
            now=START,
        )
        run(queue)
    sweep_at(queue, 5)
    news = news_to(smtp, "lee@acme.example")
    assert news == ["Escalated to tier 2: Payments down"]
    assert escalations()[0].after["commander_told"] == ["Lee"]


def test_a_policy_and_roles_together_or_an_unknown_policy_are_refused(app):
    incident, policy, _ = setup_policy()
    for roles, policy_id in (([crisis_role("Comms lead").id], policy.id), ([], 9999)):
        with pytest.raises(InvalidInput):
            assemble(incident, role_ids=roles, policy_id=policy_id, all_paths=True,
                     bridge=BRIDGE, repage_minutes=5, actor=SYSTEM, now=START)  # fmt: skip
    with pytest.raises(InvalidInput):
        save_policy(None, name="SEV1 PAYMENTS", tiers=[TierSpec([], [1], 5)], actor=SYSTEM)
    with pytest.raises(InvalidInput):
        save_policy(None, name="Empty", tiers=[TierSpec([], [], 5)], actor=SYSTEM)
    with pytest.raises(InvalidInput):
        save_policy(None, name="Long", tiers=[TierSpec([], [1], 0)], actor=SYSTEM)
    assert db.session.scalar(select(TeamMember.id).limit(1)) is not None


def test_a_commander_who_was_paged_too_is_still_told_to_stand_down(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, policy, people = setup_policy(commander=False)
        add_role("Incident commander", actor=SYSTEM)
        ana = people["ana"]
        ana.roles = [*ana.roles, crisis_role("Incident commander")]
        callout = call_out(incident, policy)
        run(queue)
    sweep_at(queue, 5)  # tier 2 paged; Ana, the commander, told after her own page
    assert news_to(smtp, "ana@acme.example") == ["Escalated to tier 2: Payments down"]
    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        stand_down(
            db.session.get(Incident, incident.id),
            [callout],
            reason="stood down by staff",
            actor=SYSTEM,
            now=START + timedelta(minutes=6),
        )
        run(queue)
    told = sorted(m["To"] for m in smtp.inbox.messages if "Stand down: Payments" in text(m))
    assert told == ["ana@acme.example", "bob@acme.example"]
