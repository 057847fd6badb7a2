"""Affected counts (customers, records) as facts a regulator notice states and is bound to:
a change after composing makes it outdated until it is refreshed ([13/14] controls)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from statuspage.audit.trail import Actor
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import AuditEvent, Regulator, RegulatorNoticeState, Role, StaffUser
from statuspage.regulators import facts, library, notices, obligations, registry
from statuspage.staff.permissions import Forbidden
from tests.factories import staff_user

AWARE = datetime(2026, 6, 1, 4, 55, tzinfo=UTC)
CLI = Actor("cli:test")


@pytest.fixture
def people() -> dict[str, StaffUser]:
    return {
        "comms": staff_user("comms@example.com", Role.comms),
        "legal": staff_user("legal@example.com", Role.legal),
        "viewer": staff_user("viewer@example.com", Role.viewer),
    }


@pytest.fixture
def gdpr() -> Regulator:
    regulator = library.add_from_library("gdpr", actor=CLI)
    registry.set_regulator_contacts(regulator, [("email", "dpa@regulator.example")], actor=CLI)
    return regulator


def _incident(gdpr, people):
    incident = create_incident(OpenIncident("Customer data exposed", "Investigating."))
    obligations.set_reportable(incident, [gdpr.id], user=people["comms"], actor=CLI)
    obligations.record_trigger(
        incident, "awareness", AWARE, user=people["comms"], actor=CLI, now=AWARE
    )
    return incident


def _compose(incident, people, at):
    with time_machine.travel(at, tick=False):
        (row,) = obligations.board(incident, at)
        return notices.compose_notice(
            incident, [row.obligation.id], author=people["comms"], actor=CLI
        )


def test_a_notice_whose_affected_count_changed_waits_for_a_refresh(gdpr, people) -> None:
    incident = _incident(gdpr, people)
    composed = AWARE + timedelta(minutes=5)
    facts.record_affected(
        incident, customers=1200, records=None, user=people["comms"], actor=CLI, now=composed
    )
    notice = _compose(incident, people, composed)
    assert "Affected customers: 1,200" in notice.body
    assert "Affected records: not known yet" in notice.body
    assert notice.facts["affected_customers"] == "1,200"
    assert notice.facts["affected_records"] == "not known yet"
    other = _compose(incident, people, composed)  # approved before the change, below
    with time_machine.travel(composed + timedelta(minutes=5), tick=False):
        notices.approve_notice(other, approver=people["legal"], actor=CLI, now=composed)

    later = AWARE + timedelta(minutes=30)
    with time_machine.travel(later, tick=False):
        facts.record_affected(
            incident, customers=1500, records=None, user=people["comms"], actor=CLI, now=later
        )
        (change,) = notices.outdated_facts(notice)
        assert (change.name, change.old, change.new) == ("affected_customers", "1,200", "1,500")
        with pytest.raises(InvalidInput, match=r"outdated.*affected_customers 1,200 → 1,500"):
            notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=later)
        assert notice.state is RegulatorNoticeState.draft
        with pytest.raises(InvalidInput, match=r"outdated.*affected_customers 1,200 → 1,500"):
            notices.send_notice(other, sender=people["comms"], actor=CLI, now=later)
        assert other.sent_at is None

    refreshed = later + timedelta(minutes=10)
    with time_machine.travel(refreshed, tick=False):
        notices.refresh_notice(notice, user=people["comms"], actor=CLI)
        assert notices.outdated_facts(notice) == []
        assert "Affected customers: 1,500" in notice.body
        assert "1,200" not in notice.body
        assert notice.facts["affected_customers"] == "1,500"
        assert not notices.may_approve(notice, people["comms"])
        notices.approve_notice(notice, approver=people["legal"], actor=CLI, now=refreshed)
        notices.send_notice(notice, sender=people["comms"], actor=CLI, now=refreshed)
    assert notice.state is RegulatorNoticeState.sent


def test_counts_are_validated_audited_and_kept_by_role(gdpr, people) -> None:
    incident = _incident(gdpr, people)
    now = AWARE + timedelta(minutes=5)
    for bad, reason in [
        (-5, "between 0 and 10,000,000,000"),
        (10**10 + 1, "between 0 and 10,000,000,000"),
        ("abc", "whole number"),
        (True, "whole number"),
        (12.5, "whole number"),
    ]:
        with pytest.raises(InvalidInput, match=reason):
            facts.record_affected(
                incident, customers=bad, records=None, user=people["comms"], actor=CLI, now=now
            )
        with pytest.raises(InvalidInput, match=f"affected records must be.*{reason}"):
            facts.record_affected(
                incident, customers=None, records=bad, user=people["comms"], actor=CLI, now=now
            )
    assert (incident.affected_customers, incident.affected_records) == (None, None)
    with pytest.raises(Forbidden):
        facts.record_affected(
            incident, customers=1, records=1, user=people["viewer"], actor=CLI, now=now
        )

    facts.record_affected(
        incident, customers=0, records=10**10, user=people["comms"], actor=CLI, now=now
    )
    facts.record_affected(  # the same again: nothing changed, nothing audited
        incident, customers=0, records=10**10, user=people["comms"], actor=CLI, now=now
    )
    later = now + timedelta(minutes=1)
    facts.record_affected(
        incident, customers=None, records=7, user=people["comms"], actor=CLI, now=later
    )
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "regulators.affected_counts")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.before, e.after) for e in events] == [
        (
            {"affected_customers": None, "affected_records": None},
            {"affected_customers": 0, "affected_records": 10**10},
        ),
        (
            {"affected_customers": 0, "affected_records": 10**10},
            {"affected_customers": None, "affected_records": 7},
        ),
    ]
    assert [e.at for e in events] == [now, later]
    assert all(e.incident_id == incident.id for e in events)


def test_a_notice_composed_before_counts_were_kept(gdpr, people) -> None:
    """Its facts lack the counts: it stated none. Not outdated while they are unknown; once a
    count is recorded it is, since the regulator would not learn it from this notice."""
    incident = _incident(gdpr, people)
    composed = AWARE + timedelta(minutes=5)
    notice = _compose(incident, people, composed)
    notice.facts = {
        k: v for k, v in notice.facts.items() if k not in ("affected_customers", "affected_records")
    }
    db.session.flush()
    assert notices.outdated_facts(notice) == []
    facts.record_affected(
        incident, customers=None, records=300, user=people["comms"], actor=CLI, now=composed
    )
    (change,) = notices.outdated_facts(notice)
    assert (change.name, change.old, change.new) == ("affected_records", "not known yet", "300")
