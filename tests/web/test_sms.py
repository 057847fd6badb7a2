"""SMS subscriptions end to end: the real subscribe form with CSRF, the real queue drained as
a worker would, Twilio's API answered by `responses`, and inbound texts signed as Twilio
signs them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import responses
from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.crisis.assembly import check_bridge
from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Channel, ContactPoint, CrisisRole, Delivery, Subscriber, TeamMember
from statuspage.page.state import ensure_page
from tests.factories import contact_point, subscriber
from tests.fakes.twilio import (
    BASIC_AUTH,
    INBOUND_PATH,
    SENDER,
    accept,
    configured,
    inbound,
    sign,
    text_from,
    texts,
)
from tests.queue import drain

BASE = "http://status.example.test"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
PHONE = "+447700900123"
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture(autouse=True)
def _page() -> None:
    ensure_page("Acme Status")
    db.session.commit()


@pytest.fixture
def twilio(app) -> Iterator[responses.RequestsMock]:
    """Twilio configured, and its API answered here: every message accepted."""
    with configured(app), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        accept(mock)
        yield mock


def subscribe(client, phone: str = PHONE, remote: str = "127.0.0.1", **fields):
    page = client.get("/subscribe")
    token = CSRF_INPUT.search(page.get_data(as_text=True))[1]
    data = {"csrf_token": token, "phone": phone, "email": "", "scope": "all"}
    data |= {"incidents": "y", "maintenance": "y"} | fields
    return client.post("/subscribe", data=data, environ_overrides={"REMOTE_ADDR": remote})


def reply(client, body: str, phone: str = PHONE):
    return inbound(client, BASE, text_from(phone, body))


def contact_of(phone: str = PHONE) -> ContactPoint:
    db.session.expire_all()
    return db.session.scalars(
        select(ContactPoint).where(
            ContactPoint.channel == Channel.sms, ContactPoint.address == phone
        )
    ).one()


def verified_phone(phone: str = PHONE) -> ContactPoint:
    """A subscriber's verified number, committed."""
    contact = contact_point(phone, Channel.sms)
    subscriber(contact)
    db.session.commit()
    return contact


def publish(queue, name: str = "Outage", **kwargs) -> None:
    create_incident(OpenIncident(name, "Looking.", **kwargs))
    db.session.commit()
    drain(queue)


def test_subscribing_by_phone_texts_the_opt_in_and_nothing_more_until_yes(client, queue, twilio):
    form = client.get("/subscribe").get_data(as_text=True)
    assert 'name="phone"' in form
    assert 'type="tel"' in form
    response = subscribe(client, "+44 7700-900 123")
    assert response.status_code == 200
    assert "Check your phone" in response.get_data(as_text=True)
    assert "Reply YES" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    contact = contact_of()
    assert (contact.address_key, contact.verified_at) == (PHONE, None)
    assert texts(twilio) == []  # the text waits for the commit and the worker

    drain(queue)
    assert texts(twilio) == [
        {
            "To": PHONE,
            "From": SENDER,
            "Body": "Reply YES to get Acme Status status updates. Reply STOP to stop.",
        }
    ]
    assert twilio.calls[0].request.headers["Authorization"] == BASIC_AUTH

    publish(queue, "Before YES")
    assert len(texts(twilio)) == 1  # an unverified number receives nothing


def test_yes_verifies_applies_the_choices_and_updates_follow(client, queue, twilio):
    api, web = create_component("API"), create_component("Web")
    db.session.commit()
    subscribe(client, scope="chosen", components=[web.id], maintenance="", sms_all_updates="y")
    drain(queue)

    answer = reply(client, " yes! ")
    assert answer.status_code == 200
    assert answer.mimetype == "text/xml"
    assert "<Message>You will get Acme Status status updates by text." in answer.get_data(
        as_text=True
    )
    contact = contact_of()
    assert contact.verified_at is not None
    assert contact.active
    assert contact.meta == {"all_updates": True}
    subscriber = contact.subscriber
    assert [c.id for c in subscriber.components] == [web.id]
    assert (subscriber.notify_incidents, subscriber.notify_maintenance) == (True, False)

    publish(queue, "API only", components={api: "major_outage"})
    assert len(texts(twilio)) == 1  # not a component this number follows
    publish(queue, "Web down", components={web: "major_outage"})
    *_, update = texts(twilio)
    assert update["To"] == PHONE
    assert update["Body"].startswith("Acme Status: Web down (Investigating) http://")

    again = reply(client, "YES")
    assert "You already get Acme Status status updates" in again.get_data(as_text=True)


def test_stop_silences_the_number_and_start_brings_it_back(client, queue, twilio):
    verified_phone()
    stopped = reply(client, "STOP")
    assert stopped.status_code == 200
    assert stopped.get_data(as_text=True) == EMPTY  # Twilio confirms a STOP itself
    contact = contact_of()
    assert (contact.active, contact.disabled_reason) == (False, "STOP")

    publish(queue, "While stopped")
    assert texts(twilio) == []
    # Asking on the web again does not text a number that said STOP; only its owner restarts.
    assert subscribe(client).status_code == 200
    drain(queue)
    assert texts(twilio) == []

    started = reply(client, "Start")
    assert "<Message>You will get Acme Status status updates" in started.get_data(as_text=True)
    contact = contact_of()
    assert (contact.active, contact.disabled_reason, contact.disabled_at) == (True, None, None)
    publish(queue, "After START")
    (update,) = texts(twilio)
    assert "After START" in update["Body"]


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "Cancel", "END", "quit"])
def test_every_opt_out_keyword_stops(client, twilio, word):
    verified_phone()
    assert reply(client, word).get_data(as_text=True) == EMPTY
    assert contact_of().disabled_reason == "STOP"


def test_help_answers_a_known_number_and_chatter_gets_nothing(client, twilio):
    verified_phone()
    help_text = reply(client, "HELP").get_data(as_text=True)
    assert "<Message>Acme Status status updates: http://status.example.test" in help_text
    assert "Reply STOP to stop" in help_text
    assert reply(client, "thanks, very useful").get_data(as_text=True) == EMPTY
    assert contact_of().active


@pytest.mark.parametrize("body", ["YES", "HELP", "STOP", "START", "hello"])
def test_an_unknown_number_gets_an_empty_answer_and_nothing_changes(client, twilio, body):
    verified_phone()
    answer = reply(client, body, phone="+447700900999")
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == EMPTY
    assert db.session.scalar(select(ContactPoint.address).where(ContactPoint.active)) == PHONE
    assert len(db.session.scalars(select(ContactPoint)).all()) == 1


def test_a_bad_or_missing_signature_is_refused(client, twilio):
    verified_phone()
    params = text_from(PHONE, "STOP")
    assert inbound(client, BASE, params, signature="").status_code == 403  # no header
    forged = sign(f"{BASE}{INBOUND_PATH}", params, token="not-the-auth-token")
    assert inbound(client, BASE, params, signature=forged).status_code == 403
    tampered = sign(f"{BASE}{INBOUND_PATH}", params | {"Body": "HELP"})
    assert inbound(client, BASE, params, signature=tampered).status_code == 403
    # Signed over the URL Flask saw (http://localhost/...), not the public one Twilio called.
    local = sign(f"http://localhost{INBOUND_PATH}", params)
    assert inbound(client, BASE, params, signature=local).status_code == 403
    assert contact_of().active


def test_the_webhook_needs_no_csrf_token_but_only_takes_posts(client, twilio):
    assert client.get(INBOUND_PATH).status_code == 405
    assert reply(client, "HELP").status_code == 200  # CSRF on, no token: Twilio has none


def test_the_answer_is_the_same_for_a_known_and_an_unknown_number(client, queue, twilio):
    api, web = create_component("API"), create_component("Web")
    person = verified_phone().subscriber
    person.all_components, person.components = False, [api]
    db.session.commit()
    known = subscribe(client, PHONE, scope="chosen", components=[web.id])
    unknown = subscribe(client, "+447700900456", scope="chosen", components=[web.id])
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    db.session.expire_all()
    assert [c.id for c in db.session.get(Subscriber, person.id).components] == [api.id]
    drain(queue)
    bodies = {t["To"]: t["Body"] for t in texts(twilio)}
    assert bodies == {
        PHONE: "You already get Acme Status status updates. Reply YES to use your new choices.",
        "+447700900456": "Reply YES to get Acme Status status updates. Reply STOP to stop.",
    }
    reply(client, "YES")  # only the phone's owner changes its choices
    assert [c.id for c in contact_of().subscriber.components] == [web.id]


@pytest.mark.parametrize("phone", ["07700 900123", "+0447700900123", "+44 77", "call me", "+" * 9])
def test_a_malformed_number_is_a_form_error(client, queue, twilio, phone):
    response = subscribe(client, phone)
    assert response.status_code == 400
    assert "country code" in response.get_data(as_text=True)
    drain(queue)
    assert texts(twilio) == []
    assert db.session.scalars(select(ContactPoint)).all() == []


def test_one_number_is_limited_whoever_asks(client, queue, twilio):
    for n in range(3):
        assert subscribe(client, PHONE, remote=f"10.0.0.{n}").status_code == 200
    assert subscribe(client, "+44 7700 900123", remote="10.0.0.9").status_code == 429
    assert subscribe(client, "+447700900456", remote="10.0.0.9").status_code == 200


def test_one_client_is_limited_whatever_numbers_it_submits(client, queue, twilio):
    for n in range(10):
        assert subscribe(client, f"+4477009001{n:02d}").status_code == 200
    assert subscribe(client, "+447700900199").status_code == 429


def test_email_and_phone_in_one_form_ask_for_both(client, queue, twilio):
    response = subscribe(client, email="both@example.com")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Check your inbox" in page
    assert "Reply YES" in page
    channels = sorted(c.value for c in db.session.scalars(select(ContactPoint.channel)))
    assert channels == ["email", "sms"]


def test_without_twilio_sms_is_not_offered_and_refused_clearly(client, queue):
    form = client.get("/subscribe").get_data(as_text=True)
    assert 'name="phone"' not in form
    assert re.search(r'<input[^>]*id="email"[^>]*required', form)  # email is the only way in
    response = subscribe(client, PHONE)
    assert response.status_code == 400
    assert "Text message updates are not available on this page." in response.get_data(as_text=True)
    assert db.session.scalars(select(ContactPoint)).all() == []
    webhook = client.post(INBOUND_PATH, data=text_from(PHONE, "YES"))
    assert webhook.status_code == 404
    assert "SMS is not configured" in webhook.get_data(as_text=True)


def test_stop_from_a_crisis_team_phone_pauses_that_path_and_start_restores_it(
    client, queue, smtp, twilio
):
    """The number is both a customer's and a team member's: STOP stops both, and the team is
    then paged by email only; START brings the team path back. The texter is told nothing
    about the crisis list."""
    from statuspage.audit.trail import SYSTEM
    from statuspage.crisis.assembly import assemble
    from statuspage.crisis.roster import ContactLine, ensure_default_roles, save_member

    verified_phone()
    ensure_default_roles()
    lead = db.session.scalars(select(CrisisRole).where(CrisisRole.name == "Comms lead")).one()
    ana = save_member(
        None,
        name="Ana",
        role_ids=[lead.id],
        contacts=[ContactLine("email", "ana@acme.example"), ContactLine("sms", PHONE)],
        actor=SYSTEM,
    )
    incident = create_incident(OpenIncident("Breach", "Looking."))
    db.session.commit()

    def page_team() -> list[str]:
        before = {d.id for d in db.session.scalars(select(Delivery))}
        assemble(
            db.session.get(type(incident), incident.id),
            role_ids=[lead.id],
            all_paths=True,
            bridge=check_bridge("", "", "https://meet.example.com/war-room"),
            repage_minutes=5,
            max_rounds=1,
            actor=SYSTEM,
            now=utcnow(),
        )
        db.session.commit()
        drain(queue)
        return sorted(
            d.channel.value
            for d in db.session.scalars(
                select(Delivery).where(Delivery.subscriber_id == ana.subscriber_id)
            )
            if d.id not in before
        )

    assert reply(client, "STOP").get_data(as_text=True) == EMPTY
    db.session.expire_all()
    paths = {
        p.channel.value: p for p in db.session.get(TeamMember, ana.id).subscriber.contact_points
    }
    assert (paths["sms"].active, paths["sms"].disabled_reason) == (False, "STOP")
    assert paths["email"].active
    customer = db.session.scalars(select(ContactPoint).where(ContactPoint.address_key == PHONE))
    assert customer.one().disabled_reason == "STOP"  # the customer's subscription too
    twilio.calls.reset()
    assert page_team() == ["email"]
    assert texts(twilio) == []

    started = reply(client, "START")
    assert "You will get Acme Status status updates" in started.get_data(as_text=True)
    db.session.expire_all()
    assert page_team() == ["email", "sms"]
    assert [t["To"] for t in texts(twilio)] == [PHONE]


def test_a_crisis_only_number_is_answered_with_nothing_whatever_it_sends(client, queue, twilio):
    from statuspage.audit.trail import SYSTEM
    from statuspage.crisis.roster import ContactLine, ensure_default_roles, save_member

    ensure_default_roles()
    lead = db.session.scalars(select(CrisisRole).where(CrisisRole.name == "Comms lead")).one()
    save_member(
        None, name="Bo", role_ids=[lead.id], contacts=[ContactLine("sms", PHONE)], actor=SYSTEM
    )
    db.session.commit()
    for body in ("HELP", "YES", "STOP", "START", "hello"):
        assert reply(client, body).get_data(as_text=True) == EMPTY
    db.session.expire_all()
    (path,) = db.session.scalars(select(ContactPoint).where(ContactPoint.address == PHONE))
    assert (path.active, path.disabled_reason) == (True, None)  # STOP, then START
