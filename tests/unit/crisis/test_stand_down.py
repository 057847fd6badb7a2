"""Standing the crisis team down: resolving the incident (or the button) stops every page,
re-page and fallback of its call-outs, and tells each member who was paged once. With a
moving clock and the minute's sweep, through the real queue and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.crisis.assembly import assemble, check_bridge, stand_down, stand_down_incident
from statuspage.crisis.roster import ContactLine
from statuspage.delivery.engine import fan_out
from statuspage.delivery.ledger import fallback
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.jobs.every_minute import sweep
from statuspage.models import (
    AuditEvent,
    Delivery,
    DeliveryState,
    Incident,
    Notice,
    TeamCallout,
    TeamMember,
)
from statuspage.page.state import ensure_page
from tests.factories import crisis_role, team_member
from tests.queue import drain

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
BRIDGE = check_bridge("+1 555 123 4567", "123456", "https://meet.example.com/war-room")
STAND_DOWN = "The crisis response team is no longer needed"


def email(address: str) -> ContactLine:
    return ContactLine("email", address)


def run(queue) -> None:
    db.session.commit()
    drain(queue)


def setup_team() -> tuple[Incident, TeamMember, TeamMember]:
    ensure_page("Acme Status")
    incident = create_incident(
        OpenIncident("Data breach", "Investigating.", deliver_notifications=False)
    )
    ana = team_member("Ana", ["Comms lead"], email("ana@acme.example"), email("ana@home.example"))
    bob = team_member("Bob", ["Technical liaison"], email("bob@acme.example"))
    return incident, ana, bob


def call_out(incident: Incident) -> TeamCallout:
    """One path after another, a re-page every minute, up to ten pages."""
    return assemble(
        db.session.get(Incident, incident.id),
        role_ids=[crisis_role("Comms lead").id, crisis_role("Technical liaison").id],
        all_paths=False,
        bridge=BRIDGE,
        repage_minutes=1,
        max_rounds=10,
        actor=SYSTEM,
        now=START,
    )


def resolve(incident: Incident, at: datetime) -> None:
    post_update(
        db.session.get(Incident, incident.id),
        PostUpdate("Fixed.", status="resolved", at=at, deliver_notifications=False),
    )


def pages(callout: TeamCallout) -> list[Delivery]:
    return list(
        db.session.scalars(
            select(Delivery)
            .join(Notice, Notice.id == Delivery.notice_id)
            .where(Notice.crisis_message_id == callout.crisis_message_id)
            .order_by(Delivery.id)
        )
    )


def text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def stand_downs(smtp) -> list[str]:
    """Who was sent the stand-down (no acknowledgement asked), once each."""
    told = [m for m in smtp.inbox.messages if STAND_DOWN in text(m)]
    assert all("/ack/" not in text(m) for m in told)
    return sorted(m["To"] for m in told)


def sweep_at(queue, *minutes: float) -> None:
    for m in minutes:
        with time_machine.travel(START + timedelta(minutes=m), tick=False):
            sweep()
            sweep()  # a second sweep at the same minute changes nothing
            run(queue)


def test_resolving_stops_every_page_and_tells_the_team_once(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, *_ = setup_team()
        callout = call_out(incident)
        run(queue)
    assert len(pages(callout)) == 2  # Ana and Bob, on their first path

    with time_machine.travel(START + timedelta(seconds=30), tick=False):
        resolve(incident, START + timedelta(seconds=30))
        run(queue)
    sweep_at(queue, 1, 2, 10)

    assert len(pages(callout)) == 2  # no re-page, no fallback after the stand-down
    assert len(smtp.inbox.messages) == 4  # two pages, two stand-downs
    assert stand_downs(smtp) == ["ana@acme.example", "bob@acme.example"]
    db.session.refresh(callout)
    assert callout.stood_down_at == START + timedelta(seconds=30)
    assert callout.next_repage_at is None
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "team.stand_down"))
    assert event.target_id == str(callout.id)
    assert event.after["reason"] == "incident resolved"
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "team.repage")
    ).all()

    # the button after the resolve (and a second resolve) tells nobody again
    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        assert stand_down(incident, [callout], reason="stood down by staff", actor=SYSTEM,
                          now=START + timedelta(minutes=11)) is None  # fmt: skip
        assert stand_down_incident(incident, reason="again", actor=SYSTEM, now=START) is None
        run(queue)
    assert stand_downs(smtp) == ["ana@acme.example", "bob@acme.example"]


def test_a_re_page_queued_before_the_resolve_is_never_sent(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, *_ = setup_team()
        callout = call_out(incident)
        run(queue)
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        sweep()  # the second round is written and queued, not yet fanned out
        db.session.commit()
        resolve(incident, START + timedelta(minutes=1))
        run(queue)
    sweep_at(queue, 2, 10)
    assert len(pages(callout)) == 2
    assert stand_downs(smtp) == ["ana@acme.example", "bob@acme.example"]
    assert len(smtp.inbox.messages) == 4


def test_unsent_pages_are_cancelled_by_the_button_and_nothing_falls_back(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, *_ = setup_team()
        callout = call_out(incident)
        db.session.commit()
        [notice_id] = db.session.scalars(
            select(Notice.id).where(Notice.crisis_message_id == callout.crisis_message_id)
        )
        fan_out(notice_id)  # the pages are written and queued, not yet sent
        db.session.commit()
        assert [d.state for d in pages(callout)] == [DeliveryState.pending] * 2
        stand_down(incident, [callout], reason="stood down by staff", actor=SYSTEM, now=START)
        run(queue)
    sweep_at(queue, 1, 2, 10)
    assert [d.state for d in pages(callout)] == [DeliveryState.superseded] * 2
    assert [m for m in smtp.inbox.messages if "/ack/" in text(m)] == []  # no page went out
    assert stand_downs(smtp) == ["ana@acme.example", "bob@acme.example"]
    # the resolve after the button tells nobody again
    resolve(incident, START + timedelta(minutes=11))
    run(queue)
    assert stand_downs(smtp) == ["ana@acme.example", "bob@acme.example"]


def test_a_page_that_fails_after_the_stand_down_falls_back_to_no_other_path(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, ana, _ = setup_team()
        callout = call_out(incident)
        run(queue)
        [first] = [d for d in pages(callout) if d.subscriber_id == ana.subscriber_id]
        resolve(incident, START)
        run(queue)
    # Ana has a second path; a failure of her page reported now starts nothing on it
    assert fallback(first, START + timedelta(minutes=3), "failed") is None
    sweep_at(queue, 1, 2, 10)
    assert len(pages(callout)) == 2


def test_two_call_outs_are_one_stand_down_and_a_reopened_incident_stands_down_again(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, *_ = setup_team()
        first, second = call_out(incident), call_out(incident)
        run(queue)
        resolve(incident, START)
        run(queue)
    assert stand_downs(smtp) == ["ana@acme.example", "bob@acme.example"]  # once each
    later = START + timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        post_update(
            db.session.get(Incident, incident.id),
            PostUpdate("Back.", status="investigating", at=later, deliver_notifications=False),
        )
        third = assemble(
            db.session.get(Incident, incident.id),
            role_ids=[crisis_role("Comms lead").id],
            all_paths=False, bridge=BRIDGE, repage_minutes=1, actor=SYSTEM, now=later,
        )  # fmt: skip
        run(queue)
        resolve(incident, later)
        run(queue)
    sweep_at(queue, 21, 22, 30)
    # Ana, paged again after she was told, is told again; Bob, not paged again, is not
    assert stand_downs(smtp) == ["ana@acme.example", "ana@acme.example", "bob@acme.example"]
    assert [len(pages(c)) for c in (first, second, third)] == [2, 2, 1]


def test_a_page_that_comes_back_for_a_retry_after_the_stand_down_is_never_resent(smtp, queue):
    with time_machine.travel(START, tick=False):
        incident, *_ = setup_team()
        callout = call_out(incident)
        run(queue)
        resolve(incident, START)
        run(queue)
    sent = len(smtp.inbox.messages)
    # a send in flight at the stand-down answers "try again": the retry is due at once
    for delivery in pages(callout):
        delivery.state, delivery.next_attempt_at = DeliveryState.retry, START
    db.session.commit()
    sweep_at(queue, 1, 2, 10)
    assert len(smtp.inbox.messages) == sent
    assert [d.state for d in pages(callout)] == [DeliveryState.superseded] * 2
