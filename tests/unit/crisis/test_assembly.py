"""Assembling the crisis team: who is paged, on which paths, with the bridge in every channel's
message; escalation with an injected clock (the unacknowledged are paged again, on the next
path; the acknowledged are not); quiet hours. Through the real queue, a real SMTP server, and
Twilio and Slack answered at the HTTP boundary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs

import pytest
import responses
import time_machine
from sqlalchemy import select

from statuspage.audit.trail import SYSTEM
from statuspage.core.errors import InvalidInput
from statuspage.crisis.assembly import assemble, bridge_link, callouts_for_incident, check_bridge
from statuspage.crisis.roster import (
    ContactLine,
    in_quiet_hours,
    parse_contacts,
)
from statuspage.delivery.ledger import acknowledge
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.jobs.every_minute import sweep
from statuspage.models import AuditEvent, Delivery, TeamMember
from statuspage.page.state import ensure_page
from tests.factories import crisis_role, team_member
from tests.fakes.twilio import MESSAGES_URL, accept, configured
from tests.queue import drain

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York, 14:00 in London
SLACK_HOOK = "https://hooks.slack.com/services/T000/B000/XXXX"
BRIDGE = check_bridge("+1 555 123 4567", "123456", "https://meet.example.com/war-room")
TEL = "tel:+15551234567,,123456#"


@pytest.fixture
def http(app) -> Iterator[responses.RequestsMock]:
    """Twilio and a Slack incoming webhook, both taking every message."""
    with configured(app), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        accept(mock)
        mock.add(responses.POST, SLACK_HOOK, body="ok")
        ensure_page("Acme Status")
        db.session.commit()
        yield mock


def texts_to(mock: responses.RequestsMock) -> list[tuple[str, str]]:
    calls = [c for c in mock.calls if c.request.url == MESSAGES_URL]
    return [(form["To"][0], form["Body"][0]) for form in (parse_qs(c.request.body) for c in calls)]


def slack_posts(mock: responses.RequestsMock) -> list[dict]:
    return [json.loads(c.request.body) for c in mock.calls if c.request.url == SLACK_HOOK]


def email(address: str, quiet: bool = False) -> ContactLine:
    return ContactLine("email", address, quiet)


def sms(number: str, quiet: bool = False) -> ContactLine:
    return ContactLine("sms", number, quiet)


def page(incident, roles: list[str], *, all_paths: bool, minutes: int = 5, rounds: int = 3):
    at = db.session.get(type(incident), incident.id)
    return assemble(
        at,
        role_ids=[crisis_role(r).id for r in roles],
        all_paths=all_paths,
        bridge=BRIDGE,
        repage_minutes=minutes,
        max_rounds=rounds,
        actor=SYSTEM,
        now=START,
    )


def run(queue) -> None:
    db.session.commit()
    drain(queue)


def deliveries_to(person: TeamMember) -> list[Delivery]:
    return list(
        db.session.scalars(
            select(Delivery)
            .where(Delivery.subscriber_id == person.subscriber_id)
            .order_by(Delivery.id)
        )
    )


def test_the_bridge_link_dials_the_number_then_the_pin():
    assert bridge_link("+15551234567", "123456") == TEL
    assert BRIDGE.tel == TEL
    assert check_bridge("", "", "https://meet.example.com/x").tel == ""
    for bad in (
        ("", "", ""),
        ("+1 555", "1", ""),
        ("", "123", "https://m.example"),
        ("+15551234567", "12ab", ""),
    ):
        with pytest.raises(InvalidInput):
            check_bridge(*bad)
    with pytest.raises(InvalidInput):
        check_bridge("+15551234567", "", "javascript:alert(1)")


def test_assembling_pages_the_chosen_roles_with_the_bridge_in_every_channel(smtp, http, queue):
    with time_machine.travel(START, tick=False):
        incident = create_incident(
            OpenIncident("Data breach", "Investigating.", deliver_notifications=False)
        )
        ana = team_member(
            "Ana", ["Comms lead"], email("ana@acme.example"), sms("+15551230001"),
            ContactLine("slack", SLACK_HOOK),
        )  # fmt: skip
        team_member("Cy", ["Legal adviser"], email("cy@acme.example"))
        page(incident, ["Comms lead", "Technical liaison"], all_paths=True)
        run(queue)

    # only the chosen roles; every path at once
    assert [m["To"] for m in smtp.inbox.messages] == ["ana@acme.example"]
    mail = smtp.inbox.messages[0]
    assert "CONFIDENTIAL" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert TEL in text
    assert f'href="{TEL}"' in html  # one touch: a tel: link survives sanitising
    assert "https://meet.example.com/war-room" in text
    assert "/ack/" in text
    [(to, body)] = texts_to(http)
    assert to == "+15551230001"
    assert TEL in body
    assert "/ack/" in body  # the acknowledgement link is SMS's one uncut link
    [post] = slack_posts(http)
    assert TEL in json.dumps(post)
    assert {d.channel.value for d in deliveries_to(ana)} == {"email", "sms", "slack"}


def test_a_member_who_does_not_acknowledge_is_paged_again_on_the_next_path(smtp, http, queue):
    with time_machine.travel(START, tick=False):
        incident = create_incident(
            OpenIncident("Data breach", "Investigating.", deliver_notifications=False)
        )
        ana = team_member("Ana", ["Comms lead"], email("ana@acme.example"), sms("+15551230001"))
        bob = team_member(
            "Bob", ["Technical liaison"], email("bob@acme.example"), sms("+15551230002")
        )
        page(incident, ["Comms lead", "Technical liaison"], all_paths=False, minutes=5)
        run(queue)
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["ana@acme.example", "bob@acme.example"]
    assert texts_to(http) == []

    # Bob acknowledges his email; Ana does not
    acknowledge(deliveries_to(bob)[0], START + timedelta(minutes=2), "email-link")
    db.session.commit()

    with time_machine.travel(START + timedelta(minutes=4), tick=False):
        sweep()
        run(queue)
    assert texts_to(http) == []  # not yet: N minutes have not passed

    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        sweep()
        run(queue)
    assert [to for to, _ in texts_to(http)] == ["+15551230001"]  # Ana, on her next path
    assert len(smtp.inbox.messages) == 2  # and nobody else

    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        sweep()
        run(queue)
    # the third and last page: Ana again, from her first path
    assert sorted(m["To"] for m in smtp.inbox.messages) == [
        "ana@acme.example",
        "ana@acme.example",
        "bob@acme.example",
    ]
    assert [d.channel.value for d in deliveries_to(bob)] == ["email"]

    # (minute 20: at 30 the incident's update is overdue and Ana, comms, would be paged for it)
    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        sweep()
        run(queue)
    assert len(deliveries_to(ana)) == 3  # the rounds ran out

    [view] = callouts_for_incident(incident.id)
    status = {s.member.name: s for s in view.members}
    assert status["Bob"].acknowledged_at == START + timedelta(minutes=2)
    assert status["Bob"].ack_path == "email-link"
    assert status["Ana"].acknowledged_at is None
    assert status["Ana"].deliveries == 3
    repages = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "team.repage"))
    assert [e.after["members"] for e in repages] == [["Ana"], ["Ana"]]


def test_acknowledging_any_path_of_any_round_stops_the_pages(smtp, http, queue):
    with time_machine.travel(START, tick=False):
        incident = create_incident(
            OpenIncident("Data breach", "Investigating.", deliver_notifications=False)
        )
        ana = team_member("Ana", ["Comms lead"], email("ana@acme.example"), sms("+15551230001"))
        page(incident, ["Comms lead"], all_paths=True, minutes=5)
        run(queue)
    assert len(deliveries_to(ana)) == 2  # both paths at once
    sms_delivery = next(d for d in deliveries_to(ana) if d.channel.value == "sms")
    acknowledge(sms_delivery, START + timedelta(minutes=1), "sms-link")
    db.session.commit()
    for minutes in (5, 10, 15):
        with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
            sweep()
            sweep()  # a second sweep at the same time pages nobody twice
            run(queue)
    assert len(deliveries_to(ana)) == 2
    [view] = callouts_for_incident(incident.id)
    assert view.members[0].ack_channel == "sms"


def test_quiet_hours_hold_marked_paths_unless_none_other_is_left(smtp, http, queue):
    night = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 03:00 in New York
    quiet = {"timezone": "America/New_York", "quiet_start": time(22), "quiet_end": time(7)}
    with time_machine.travel(night, tick=False):
        incident = create_incident(
            OpenIncident("Data breach", "Investigating.", deliver_notifications=False)
        )
        ana = team_member(
            "Ana", ["Comms lead"], email("ana@acme.example"), sms("+15551230001", quiet=True),
            **quiet,
        )  # fmt: skip
        only_quiet = team_member("Dee", ["Comms lead"], sms("+15551230004", quiet=True), **quiet)
        assert in_quiet_hours(ana, night)
        assert not in_quiet_hours(ana, START)
        assemble(
            incident, role_ids=[crisis_role("Comms lead").id], all_paths=True, bridge=BRIDGE,
            repage_minutes=5, actor=SYSTEM, now=night,
        )  # fmt: skip
        run(queue)
    assert [d.channel.value for d in deliveries_to(ana)] == ["email"]  # the SMS is held
    assert [d.channel.value for d in deliveries_to(only_quiet)] == ["sms"]  # her only path

    with time_machine.travel(START, tick=False):  # daytime: every path
        assemble(
            incident, role_ids=[crisis_role("Comms lead").id], all_paths=True, bridge=BRIDGE,
            repage_minutes=5, actor=SYSTEM, now=START,
        )  # fmt: skip
        run(queue)
    assert [d.channel.value for d in deliveries_to(ana)] == ["email", "email", "sms"]


def test_roster_input_is_checked():
    assert parse_contacts("email ana@acme.example\n\nsms +15551230001 quiet") == [
        ContactLine("email", "ana@acme.example"),
        ContactLine("sms", "+15551230001", True),
    ]
    with pytest.raises(InvalidInput):
        parse_contacts("ana@acme.example")
    with pytest.raises(InvalidInput):
        team_member("Ana", ["Comms lead"])  # no contact point
    with pytest.raises(InvalidInput):
        team_member("Ana", ["Comms lead"], sms("555"))  # not E.164
    with pytest.raises(InvalidInput):
        team_member("Ana", ["Comms lead"], email("a@b.example"), timezone="Mars/Olympus")
    with pytest.raises(InvalidInput):
        team_member("Ana", ["Comms lead"], email("a@b.example"), quiet_start=time(22))


def test_nobody_reachable_with_those_roles_is_refused():
    incident = create_incident(
        OpenIncident("Data breach", "Investigating.", deliver_notifications=False)
    )
    with pytest.raises(InvalidInput):
        page(incident, ["Legal adviser"], all_paths=True)
    with pytest.raises(InvalidInput):
        assemble(
            incident, role_ids=[], all_paths=True, bridge=BRIDGE, repage_minutes=5,
            actor=SYSTEM, now=START,
        )  # fmt: skip
