"""The webhook channel against a local receiver that verifies Standard Webhooks signatures."""

from __future__ import annotations

import pytest

from statuspage.channels.base import Message, Outgoing
from statuspage.channels.webhook import WebhookChannel
from statuspage.clock import utcnow
from statuspage.subscribers.endpoints import new_secret
from tests.fakes.receiver import HANG, Receiver
from tests.fakes.smtp import free_port

INCIDENT = {
    "meta": {"unsubscribe": "https://status.example.test/u/x", "documentation": "d"},
    "page": {"id": "p1", "status_indicator": "major", "status_description": "Partial"},
    "incident": {"id": "i1", "name": "API down", "incident_updates": []},
}


def _component_update(component_id: str) -> dict:
    return {
        "meta": INCIDENT["meta"],
        "page": INCIDENT["page"],
        "component_update": {
            "id": f"u1-{component_id}",
            "component_id": component_id,
            "old_status": "operational",
            "new_status": "major_outage",
            "created_at": "2030-01-01T00:00:00.000Z",
        },
        "component": {"id": component_id, "name": component_id.upper()},
    }


def _outgoing(
    delivery_id: int, url: str, secret: str | None, components: tuple[str, ...] = ()
) -> Outgoing:
    message = Message(
        subject="[Acme] API down: Investigating",
        text="",
        html="",
        short_text="API down",
        url="https://status.example.test/incidents/i1",
        payload=INCIDENT,
        component_updates=tuple(_component_update(c) for c in components),
    )
    return Outgoing(
        delivery_id, url, message, idempotency_key=f"delivery-{delivery_id}", secret=secret
    )


def test_each_event_is_posted_signed_with_its_own_webhook_id(receiver: Receiver):
    receiver.secret = new_secret()
    (result,) = WebhookChannel(timeout=5, allow_loopback=True).send(
        [_outgoing(7, receiver.url + "/hook", receiver.secret, ("api", "web"))]
    )
    assert result.outcome == "sent"
    assert result.provider_id == "delivery-7"
    assert [r.headers["webhook-id"] for r in receiver.requests] == [
        "delivery-7",
        "delivery-7-component-api",
        "delivery-7-component-web",
    ]
    assert all(r.verified for r in receiver.requests)
    assert all(r.path == "/hook" for r in receiver.requests)
    assert all(r.headers["content-type"] == "application/json" for r in receiver.requests)
    stamp = int(receiver.requests[0].headers["webhook-timestamp"])
    assert abs(stamp - utcnow().timestamp()) < 60
    incident, api, web = receiver.bodies()
    assert incident == INCIDENT
    assert api["component_update"]["component_id"] == "api"
    assert web["component"] == {"id": "web", "name": "WEB"}


def test_one_session_per_batch_reuses_one_connection(receiver: Receiver):
    receiver.secret = new_secret()
    batch = [_outgoing(n, receiver.url, receiver.secret) for n in range(1, 4)]
    results = WebhookChannel(timeout=5, allow_loopback=True).send(batch)
    assert [r.outcome for r in results] == ["sent"] * 3
    assert len({r.client_port for r in receiver.requests}) == 1


def test_a_wrong_secret_is_refused_by_the_receiver(receiver: Receiver):
    receiver.secret = new_secret()
    (result,) = WebhookChannel(timeout=5, allow_loopback=True).send(
        [_outgoing(1, receiver.url, new_secret())]
    )
    assert receiver.requests[0].verified is False
    assert (result.outcome, result.gone) == ("permanent", False)
    assert result.error.startswith("HTTP 401")


@pytest.mark.parametrize(
    ("answer", "outcome", "gone"),
    [
        (200, "sent", False),
        (202, "sent", False),
        (204, "sent", False),
        (410, "permanent", True),
        (404, "permanent", False),
        (400, "permanent", False),
        (403, "permanent", False),
        (301, "permanent", False),
        (408, "retry", False),
        (429, "retry", False),
        (500, "retry", False),
        (502, "retry", False),
        (503, "retry", False),
    ],
)
def test_http_answers_map_to_outcomes(receiver: Receiver, answer, outcome, gone):
    receiver.answer(
        (answer, {"Location": "https://elsewhere.example/"}) if answer == 301 else answer
    )
    (result,) = WebhookChannel(timeout=5, allow_loopback=True).send(
        [_outgoing(1, receiver.url, new_secret())]
    )
    assert (result.outcome, result.gone) == (outcome, gone)
    assert len(receiver.requests) == 1  # a redirect is not followed


def test_retry_after_sets_the_earliest_retry(receiver: Receiver):
    receiver.answer((429, {"Retry-After": "120"}))
    before = utcnow()
    (result,) = WebhookChannel(timeout=5, allow_loopback=True).send(
        [_outgoing(1, receiver.url, new_secret())]
    )
    assert result.outcome == "retry"
    assert 119 <= (result.not_before - before).total_seconds() <= 125


def test_a_timeout_is_retried(receiver: Receiver):
    receiver.answer(HANG)
    (result,) = WebhookChannel(timeout=0.3, allow_loopback=True).send(
        [_outgoing(1, receiver.url, new_secret())]
    )
    assert result.outcome == "retry"
    assert result.error.startswith("timeout")


def test_no_server_is_retried():
    url = f"http://127.0.0.1:{free_port()}/hook"
    (result,) = WebhookChannel(timeout=2, allow_loopback=True).send(
        [_outgoing(1, url, new_secret())]
    )
    assert result.outcome == "retry"
    assert result.error.startswith("connection")


def test_a_failed_event_stops_the_delivery_and_the_retry_sends_the_same_ids(receiver: Receiver):
    receiver.secret = new_secret()
    outgoing = _outgoing(3, receiver.url, receiver.secret, ("api", "web"))
    receiver.answer(200, 503)
    (first,) = WebhookChannel(timeout=5, allow_loopback=True).send([outgoing])
    assert first.outcome == "retry"
    assert len(receiver.requests) == 2  # the incident, then the failed component update
    (second,) = WebhookChannel(timeout=5, allow_loopback=True).send([outgoing])
    assert second.outcome == "sent"
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids == [
        "delivery-3",
        "delivery-3-component-api",
        "delivery-3",
        "delivery-3-component-api",
        "delivery-3-component-web",
    ]


@pytest.mark.parametrize("secret", [None, "", "whsec_"])
def test_a_contact_point_without_a_usable_secret_is_not_posted_to(receiver: Receiver, secret):
    (result,) = WebhookChannel(timeout=5, allow_loopback=True).send(
        [_outgoing(1, receiver.url, secret)]
    )
    assert result.outcome == "permanent"
    assert receiver.requests == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_an_address_that_is_not_public_is_refused_before_anything_is_sent(receiver, host):
    """DNS rebinding: the name was public when registered, and now answers a private or local
    address. The address the connection reached is checked, whatever the name."""
    url = receiver.url.replace("127.0.0.1", host) + "/hook"
    (result,) = WebhookChannel(timeout=5).send([_outgoing(1, url, new_secret())])
    assert result.outcome == "permanent"
    assert "not a public address" in result.error
    assert "127.0.0.1" in result.error
    assert receiver.requests == []


def test_chat_platforms_are_held_to_public_addresses_too(receiver):
    from statuspage.channels.registry import endpoint_channels

    for name, adapter in endpoint_channels(5).items():
        (result,) = adapter.send([_outgoing(1, receiver.url + "/hook", new_secret())])
        assert (name, result.outcome) == (name, "permanent")
        assert "not a public address" in result.error
    assert receiver.requests == []
