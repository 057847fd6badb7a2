"""The crisis foundation: internal subscribers are reached by internal notices only (first
reachable contact point, or all of them), and never by a customer audience, list or count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from statuspage.audience.reach import reach
from statuspage.audience.recipients import recipients
from statuspage.audit.trail import SYSTEM
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.crisis.notices import (
    acknowledgements,
    current_contacts,
    internal_subscriber,
    send_internal,
    set_contacts,
)
from statuspage.delivery.ledger import acknowledge, create_deliveries
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import (
    Audience,
    AuditEvent,
    Channel,
    CrisisKind,
    CrisisMessage,
    Delivery,
    Subscriber,
    SubscriberKind,
)
from statuspage.subscribers.roster import export_rows, get_subscriber, search_subscribers
from tests import factories
from tests.factories import organization, segment, subscriber


def insider(name: str, *contacts: tuple[str, str]) -> Subscriber:
    person = internal_subscriber(name)
    set_contacts(person, contacts)
    return person


def test_internal_subscribers_hold_ordered_verified_contact_points():
    ana = insider("Ana", ("email", "ana@acme.example"), ("sms", "+15551230001"))
    points = ana.contact_points
    assert ana.kind is SubscriberKind.internal
    assert not ana.paused
    assert [(p.channel, p.address, p.priority) for p in points] == [
        (Channel.email, "ana@acme.example", 1),
        (Channel.sms, "+15551230001", 2),
    ]
    assert all(p.verified_at is not None for p in points)
    sms_id = points[1].id
    # replaced, in the new order; the one dropped is disabled, not deleted (its deliveries stay)
    set_contacts(ana, [("sms", "+15551230001"), ("email", "ana@ops.example")])
    assert [(p.channel, p.active) for p in ana.contact_points] == [
        (Channel.sms, True),
        (Channel.email, True),
        (Channel.email, False),
    ]
    assert ana.contact_points[0].id == sms_id
    assert [p.address for p in current_contacts(ana)] == ["+15551230001", "ana@ops.example"]


def test_the_same_address_can_be_a_customer_and_a_team_member():
    subscriber("ana@acme.example")
    ana = insider("Ana", ("email", "ana@acme.example"))
    assert ana.contact_points[0].address == "ana@acme.example"


def test_set_contacts_refuses_unknown_channels_duplicates_and_customers():
    ana = internal_subscriber("Ana")
    with pytest.raises(InvalidInput):
        set_contacts(ana, [("carrier-pigeon", "coop 3")])
    with pytest.raises(InvalidInput):
        set_contacts(ana, [("x", "@ana")])  # a world-readable channel
    with pytest.raises(InvalidInput):
        set_contacts(ana, [("email", "a@b.example"), ("email", "A@b.example")])
    with pytest.raises(InvalidInput):
        set_contacts(subscriber("c@d.example"), [("email", "c@d.example")])


def test_internal_notices_reach_their_recipients_first_path_or_all_paths():
    incident = create_incident(
        OpenIncident("Breach", "Investigating.", deliver_notifications=False)
    )
    ana = insider("Ana", ("email", "ana@acme.example"), ("sms", "+15551230001"))
    bob = insider("Bob", ("email", "bob@acme.example"))
    insider("Cy", ("email", "cy@acme.example"))  # on the roster, not on this notice
    subscriber("customer@example.com")

    first = send_internal(
        incident, audience=Audience.team, kind=CrisisKind.team_page, subject="Page",
        body="Join.", subscriber_ids=[ana.id, bob.id], actor=SYSTEM, ack_window=None,
    )  # fmt: skip
    got = recipients(first)
    assert [(r.subscriber_id, r.channel) for r in got] == [(ana.id, "email"), (bob.id, "email")]
    assert not first.requires_ack
    assert not first.all_paths

    every = send_internal(
        incident, audience=Audience.team, kind=CrisisKind.team_page, subject="Page",
        body="Join.", subscriber_ids=[ana.id], actor=SYSTEM,
        ack_window=timedelta(minutes=5), all_paths=True,
    )  # fmt: skip
    assert [(r.subscriber_id, r.channel) for r in recipients(every)] == [
        (ana.id, "email"),
        (ana.id, "sms"),
    ]
    assert every.requires_ack
    assert every.ack_window_seconds == 300
    message = db.session.get(CrisisMessage, every.crisis_message_id)
    assert message.kind is CrisisKind.team_page
    assert every.update_id is None
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.target_id == str(every.id)))
    assert [e.action for e in audit] == ["notice.team_page"]


def test_send_internal_refuses_no_one_and_customers():
    incident = create_incident(
        OpenIncident("Breach", "Investigating.", deliver_notifications=False)
    )
    person = subscriber("customer@example.com")
    for ids in ([], [person.id]):
        with pytest.raises(InvalidInput):
            send_internal(
                incident, audience=Audience.executives, kind=CrisisKind.briefing,
                subject="Brief", body="Words.", subscriber_ids=ids, actor=SYSTEM,
                ack_window=None,
            )  # fmt: skip


def test_internal_subscribers_are_in_no_customer_audience_list_or_count():
    eu = segment("EU")
    acme = organization("Acme", segments=[eu])
    fan = subscriber("fan@example.com")
    eu_customer = subscriber("ops@acme.example", organization_id=acme.id)
    ana = insider("Ana", ("email", "ana@acme.example"))
    ana.organization_id = acme.id  # even if something put them in an organization
    db.session.flush()

    public = create_incident(OpenIncident("Outage", "Looking.", deliver_notifications=False))
    notice = factories.notice(public)
    assert {r.subscriber_id for r in recipients(notice)} == {fan.id, eu_customer.id}

    private = create_incident(
        OpenIncident("EU outage", "Looking.", segments=[eu], deliver_notifications=False)
    )
    segments = factories.notice(private, Audience.segments)
    assert [r.subscriber_id for r in recipients(segments)] == [eu_customer.id]

    assert reach([], [], "incident").people == 2
    assert reach([eu.id], [], "incident").people == 1
    assert ana.id not in {s.id for s in search_subscribers().subscribers}
    assert "ana@acme.example" not in {row[0] for row in export_rows()}
    with pytest.raises(NotFound):
        get_subscriber(ana.id)


def test_acknowledgements_say_who_when_and_how():
    incident = create_incident(
        OpenIncident("Breach", "Investigating.", deliver_notifications=False)
    )
    ana = insider("Ana", ("email", "ana@acme.example"), ("sms", "+15551230001"))
    notice = send_internal(
        incident, audience=Audience.team, kind=CrisisKind.team_page, subject="Page",
        body="Join.", subscriber_ids=[ana.id], actor=SYSTEM,
        ack_window=timedelta(minutes=5), all_paths=True,
    )  # fmt: skip
    create_deliveries(notice, recipients(notice))
    email, sms = db.session.scalars(
        select(Delivery).where(Delivery.notice_id == notice.id).order_by(Delivery.id)
    ).all()
    assert (email.channel, sms.channel) == (Channel.email, Channel.sms)
    now = utcnow()
    acknowledge(sms, now, "sms-link")
    acks = acknowledgements(notice.id)
    assert [(a.subscriber_id, a.channel, a.path) for a in acks] == [
        (ana.id, "email", None),
        (ana.id, "sms", "sms-link"),
    ]
    assert acks[1].acknowledged_at == now
