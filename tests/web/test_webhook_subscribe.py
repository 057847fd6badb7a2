"""Registering a webhook or a chat channel on the public subscribe page: real forms with CSRF,
a local receiver that verifies signatures, the real queue drained as a worker would."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from statuspage.components.catalog import create_component
from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Channel, ContactPoint, Subscriber
from tests.fakes.receiver import Receiver
from tests.queue import drain

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')
VERIFY_FORM = re.compile(r'action="(/subscribe/webhook/verify/[^"]+)"')


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


def csrf_token(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return CSRF_INPUT.search(response.get_data(as_text=True))[1]


def register(client, channel: str, url: str, remote: str = "127.0.0.1", **fields):
    path = f"/subscribe/{channel}"
    data = {"csrf_token": csrf_token(client, path), "url": url, "scope": "all"}
    data |= {"incidents": "y", "maintenance": "y", "notify_email": "ops@example.com"} | fields
    return client.post(path, data=data, environ_overrides={"REMOTE_ADDR": remote})


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def contact_points() -> list[ContactPoint]:
    return list(db.session.scalars(select(ContactPoint).order_by(ContactPoint.id)))


def test_the_subscribe_page_offers_webhooks_and_chat(client):
    page = client.get("/subscribe").get_data(as_text=True)
    for channel in ("webhook", "slack", "teams", "discord"):
        assert f'href="/subscribe/{channel}"' in page
        form = client.get(f"/subscribe/{channel}")
        assert form.status_code == 200
        assert form.headers["Cache-Control"] == "private, no-store"
        assert 'name="url"' in form.get_data(as_text=True)
    assert client.get("/subscribe/pigeon").status_code == 404


def test_a_webhook_is_registered_shown_its_secret_once_verified_then_receives_updates(
    client, receiver: Receiver, queue
):
    api = create_component("API")
    db.session.commit()
    response = register(client, "webhook", receiver.url + "/status")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    page = response.get_data(as_text=True)
    secret = SECRET.search(page)[1]
    (contact,) = contact_points()
    assert contact.channel is Channel.webhook
    assert contact.secret == secret
    assert contact.verified_at is None  # nothing is sent before the ping is answered
    assert contact.meta == {"notify_email": "ops@example.com"}
    assert receiver.requests == []

    # The receiver learns the secret, and the registrant presses "Verify".
    receiver.secret = secret
    verify_path = VERIFY_FORM.search(page)[1]
    assert secret not in client.get(verify_path).get_data(as_text=True)  # shown once
    done = client.post(verify_path, data={"csrf_token": CSRF_INPUT.search(page)[1]})
    assert done.status_code == 200
    assert "You are subscribed" in done.get_data(as_text=True)
    (ping,) = receiver.requests
    assert ping.verified
    assert ping.json["type"] == "ping"
    assert ping.json["meta"]["unsubscribe"].startswith("http://status.example.test/subscriptions/")
    db.session.expire_all()
    assert contact_points()[0].verified_at is not None

    create_incident(OpenIncident("API down", "Errors.", components={api: "major_outage"}))
    db.session.commit()
    drain(queue)
    incident, component = receiver.requests[1:]
    assert incident.verified
    assert component.verified
    assert incident.json["incident"]["name"] == "API down"
    assert component.json["component_update"]["new_status"] == "major_outage"


def test_a_ping_that_is_refused_leaves_the_webhook_unverified(client, receiver: Receiver):
    page = register(client, "webhook", receiver.url).get_data(as_text=True)
    receiver.secret = "whsec_" + "A" * 44  # the receiver was set up with another secret
    response = client.post(
        VERIFY_FORM.search(page)[1], data={"csrf_token": CSRF_INPUT.search(page)[1]}
    )
    assert response.status_code == 400
    assert "did not accept" in response.get_data(as_text=True)
    assert "HTTP 401" in response.get_data(as_text=True)
    db.session.expire_all()
    assert contact_points()[0].verified_at is None


def test_a_forged_verify_link_is_refused(client):
    assert client.get("/subscribe/webhook/verify/not-a-token").status_code == 400


def test_registering_someone_elses_url_again_makes_a_separate_subscription(client, receiver):
    first = SECRET.search(register(client, "webhook", receiver.url).get_data(as_text=True))[1]
    second = SECRET.search(register(client, "webhook", receiver.url).get_data(as_text=True))[1]
    assert first != second
    assert [c.secret for c in contact_points()] == [first, second]


@pytest.mark.parametrize(
    ("channel", "url", "fields", "error"),
    [
        ("webhook", "", {}, "This field is required"),
        ("webhook", "not-a-url", {}, "Enter a full URL"),
        ("webhook", "https://ex ample.com/x", {}, "spaces in it"),
        ("webhook", "ftp://example.com/hook", {}, "Enter a full URL"),
        ("webhook", "http://93.184.215.14/hook", {}, "must start with https://"),
        ("webhook", "https://user:pw@93.184.215.14/hook", {}, "no user name or password"),
        ("webhook", "https://10.1.2.3/hook", {}, "not a public address"),
        ("webhook", "https://169.254.169.254/latest", {}, "not a public address"),
        ("webhook", "https://93.184.215.14/hook", {"notify_email": ""}, "Enter an email address"),
        ("webhook", "https://93.184.215.14/hook", {"notify_email": "nope"}, "valid email address"),
        ("webhook", "https://93.184.215.14/" + "x" * 2100, {}, "longer than 2000"),
        ("slack", "https://example.com/services/T/B/x", {}, "hooks.slack.com/services"),
        ("slack", "https://hooks.slack.com/other/T/B/x", {}, "hooks.slack.com/services"),
        ("slack", "http://hooks.slack.com/services/T/B/x", {}, "https://"),
        ("discord", "https://discord.example/api/webhooks/1/x", {}, "discord.com/api/webhooks"),
        ("teams", "https://example.com/webhookb2/x", {}, "webhook.office.com"),
        ("teams", "https://webhook.office.com.evil.example/x", {}, "webhook.office.com"),
        ("slack", "https://hooks.slack.com/services/T/B/x", {"scope": "chosen"}, "at least one"),
    ],
)
def test_bad_input_is_a_clear_400(client, channel, url, fields, error):
    response = register(client, channel, url, **fields)
    assert response.status_code == 400
    assert error in text_of(response)
    assert contact_points() == []


def test_a_slack_channel_is_verified_by_its_welcome_message(client, receiver: Receiver, queue):
    api, web = create_component("API"), create_component("Web")
    db.session.commit()
    url = receiver.url + "/services/T0/B0/x"
    response = register(client, "slack", url, scope="chosen", components=[web.id])
    assert response.status_code == 200
    assert "You are subscribed" in response.get_data(as_text=True)
    (welcome,) = receiver.requests
    assert welcome.json["blocks"][0]["text"]["text"].endswith(": updates will be posted here")
    assert "affecting Web will be posted" in welcome.json["blocks"][1]["text"]["text"]
    (contact,) = contact_points()
    assert contact.verified_at is not None
    assert contact.secret is None

    # Registering the same URL again updates that channel's subscription: no second one.
    assert register(client, "slack", url).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ContactPoint)) == 1
    db.session.expire_all()
    assert db.session.scalars(select(Subscriber)).one().all_components is True

    create_incident(OpenIncident("API down", "Errors.", components={api: "major_outage"}))
    db.session.commit()
    drain(queue)
    update = receiver.requests[-1].json
    assert update["blocks"][0]["text"]["text"] == "API down: Investigating"


@pytest.mark.parametrize("answer", [404, 500])
def test_a_chat_hook_that_refuses_the_welcome_is_not_saved(client, receiver: Receiver, answer):
    receiver.answer(answer)
    response = register(client, "discord", receiver.url + "/api/webhooks/1/x")
    assert response.status_code == 400
    assert f"HTTP {answer}" in response.get_data(as_text=True)
    assert contact_points() == []
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_teams_and_discord_welcome_in_their_own_formats(client, receiver: Receiver):
    assert register(client, "teams", receiver.url + "/teams").status_code == 200
    assert register(client, "discord", receiver.url + "/discord").status_code == 200
    teams, discord = receiver.bodies()
    assert teams["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert discord["embeds"][0]["title"] == "Acme Status: updates will be posted here"


def test_registration_is_rate_limited_per_url(client, receiver: Receiver):
    url = receiver.url + "/services/T/B/limited"
    for n in range(3):
        assert register(client, "slack", url, remote=f"10.0.0.{n}").status_code == 200
    assert register(client, "slack", url, remote="10.0.0.9").status_code == 429


def test_registration_is_rate_limited_per_client(client):
    for n in range(10):
        url = f"https://hooks.slack.com/nope/{n}"
        assert register(client, "slack", url, remote="10.9.9.9").status_code == 400
    assert (
        register(client, "slack", "https://hooks.slack.com/x", remote="10.9.9.9").status_code == 429
    )
