"""The promises that the controls make hard to break in a drill, judged directly from a record
built through the services on a simulated clock: a notice that stated other facts than the
incident had when it went out, a report sent after its due time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from statuspage.audit.trail import Actor
from statuspage.clock import SimulatedClock
from statuspage.drills import promises
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Role
from statuspage.regulators import library, notices, obligations, registry
from tests.factories import staff_user

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
CLI = Actor("cli:test")


@pytest.fixture
def clock():
    clock = SimulatedClock(T0)
    with clock.running():
        yield clock


def mas_notice(clock: SimulatedClock, *, send_after: timedelta, late_reason: str = ""):
    comms = staff_user("comms@example.com", Role.comms)
    legal = staff_user("legal@example.com", Role.legal)
    mas = library.add_from_library("mas", actor=CLI)
    registry.set_regulator_contacts(mas, [("email", "drill+mas@drill.invalid")], actor=CLI)
    incident = create_incident(OpenIncident("Payments down", "Investigating."))
    obligations.set_reportable(incident, [mas.id], user=comms, actor=CLI)
    for kind in ("discovery", "awareness"):
        obligations.record_trigger(incident, kind, T0, user=comms, actor=CLI, now=T0)
    first = next(o for o in obligations.obligations_of(incident) if o.rule.stage == "notification")
    clock.set(T0 + timedelta(minutes=5))
    notice = notices.compose_notice(incident, [first.id], author=comms, actor=CLI)
    notices.approve_notice(notice, approver=legal, actor=CLI, now=clock.now)
    clock.set(T0 + send_after)
    notices.send_notice(notice, sender=comms, actor=CLI, now=clock.now, late_reason=late_reason)
    db.session.flush()
    return incident, notice, comms


def test_a_notice_stating_other_facts_than_the_incident_had_when_sent(clock):
    incident, notice, comms = mas_notice(clock, send_after=timedelta(minutes=10))
    assert promises.no_outdated_facts_sent(incident) is True
    # A later revision does not make what was sent wrong: it was true when it went out.
    clock.set(T0 + timedelta(minutes=30))
    earlier = T0 - timedelta(hours=3, minutes=5)
    obligations.record_trigger(incident, "awareness", earlier, user=comms, actor=CLI, now=clock.now)
    assert promises.no_outdated_facts_sent(incident) is True

    # The defect of [13/14]: the notice said "Awareness 04:55" while the incident said 08:00.
    notice.facts = notice.facts | {"awareness": "2026-06-01 04:55 UTC"}
    db.session.flush()
    assert promises.no_outdated_facts_sent(incident) == {
        "held": False,
        "why": f"notice {notice.id} said awareness 2026-06-01 04:55 UTC "
        "when it was 2026-06-01 08:00 UTC",
    }


def test_a_notice_stating_other_affected_counts_than_the_incident_had_when_sent(clock):
    from statuspage.regulators import facts

    incident, notice, comms = mas_notice(clock, send_after=timedelta(minutes=10))
    assert notice.facts["affected_customers"] == "not known yet"
    # Counts recorded after the send: what went out was true when it went out.
    clock.set(T0 + timedelta(minutes=30))
    facts.record_affected(
        incident, customers=1200, records=None, user=comms, actor=CLI, now=clock.now
    )
    assert promises.no_outdated_facts_sent(incident) is True

    # A notice that said 1,200 customers while the audit trail had 1,500 when it went out.
    clock.set(T0 + timedelta(minutes=40))
    facts.record_affected(
        incident, customers=1500, records=None, user=comms, actor=CLI, now=clock.now
    )
    notice.facts = notice.facts | {"affected_customers": "1,200"}
    notice.sent_at = clock.now
    db.session.flush()
    assert promises.no_outdated_facts_sent(incident) == {
        "held": False,
        "why": f"notice {notice.id} said affected_customers 1,200 when it was 1,500",
    }


def test_a_report_sent_after_its_due_time(clock):
    incident, _, _ = mas_notice(clock, send_after=timedelta(minutes=70), late_reason="Drill")
    assert promises.regulator_deadlines_met(incident, clock.now) == {
        "held": False,
        "why": "Monetary Authority of Singapore (MAS) notification was due at +01:00 and sent "
        "at +01:10 (10 min late)",
    }
    assert promises.second_person_approved(incident) is True


def test_a_report_sent_in_time_and_one_not_due_yet(clock):
    incident, _, _ = mas_notice(clock, send_after=timedelta(minutes=50))
    # The root cause analysis is due in 14 days: not a breach when the drill ends today.
    assert promises.regulator_deadlines_met(incident, T0 + timedelta(hours=2)) is True
    assert promises.regulator_deadlines_met(incident, T0 + timedelta(days=15)) == {
        "held": False,
        "why": "Monetary Authority of Singapore (MAS) root cause and impact analysis was due "
        "at +336:00 and never sent",
    }


def test_a_team_paged_by_a_playbook_running_by_itself_was_paged_in_window(smtp, queue):
    """An incident opened by the system (monitoring automation) runs the matching playbook
    under the system's name: the promise reads the pages it sent, whoever started them."""
    import time_machine

    from statuspage.crisis import playbooks
    from statuspage.crisis.roster import ContactLine
    from statuspage.models import AuditEvent
    from statuspage.page.state import ensure_page
    from tests.factories import crisis_role, team_member
    from tests.queue import drain

    with time_machine.travel(T0, tick=False):
        ensure_page("Acme Bank Status")
        team_member("Ana", ["Comms lead"], ContactLine("email", "ana@bank.example"))
        team_member("Bob", ["Technical liaison"], ContactLine("email", "bob@bank.example"))
        playbooks.save_playbook(
            None,
            playbooks.PlaybookFields(
                name="SEV1 payments",
                impacts=("critical",),
                role_ids=(crisis_role("Comms lead").id, crisis_role("Technical liaison").id),
                meeting_url="https://meet.example.com/sev1",
            ),
            actor=CLI,
            now=T0,
        )
        db.session.commit()
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        # Opened by the system (monitoring automation): no staff member starts the page.
        incident = create_incident(
            OpenIncident("Payments down", "Investigating.", impact="critical")
        )
        db.session.commit()
    [run] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "playbook.run"))
    assert run.actor == "system"
    # Nothing sent yet (the queue has not run): nobody was reached.
    assert (
        "Ana was never reached"
        in promises.team_paged_in_window(incident, timedelta(minutes=5))["why"]
    )
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        drain(queue)
    db.session.expire_all()
    assert promises.team_paged_in_window(incident, timedelta(minutes=5)) is True
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["ana@bank.example", "bob@bank.example"]


def test_cadence_kept_names_the_worst_late_update_and_one_never_posted(clock):
    from statuspage.incidents import cadence
    from statuspage.incidents.commands import PostUpdate
    from statuspage.incidents.publishing import post_update
    from statuspage.page.state import ensure_page

    ensure_page("Acme Bank Status")
    incident = create_incident(OpenIncident("Payments down", "Investigating."))
    cadence.set_incident_cadence(incident, 10, actor=CLI)
    clock.set(T0 + timedelta(minutes=9))
    post_update(incident, PostUpdate("Still investigating."), actor=CLI)
    db.session.flush()
    # Due at +00:19: not owed yet at +00:15; on time so far.
    assert promises.cadence_kept(incident, T0 + timedelta(minutes=15)) is True
    clock.set(T0 + timedelta(minutes=22))
    post_update(incident, PostUpdate("Found it."), actor=CLI)
    db.session.flush()
    assert promises.cadence_kept(incident, T0 + timedelta(minutes=30)) == {
        "held": False,
        "why": "the update due at +00:19 was posted at +00:22 (3 min late)",
    }
    # Nothing since +00:22: due at +00:32, still missing when the drill ends at +00:40.
    assert promises.cadence_kept(incident, T0 + timedelta(minutes=40)) == {
        "held": False,
        "why": "the update due at +00:32 was never posted (8 min late when the drill ended); "
        "2 of 3 updates were late",
    }
