"""The Mastodon channel against a fake Mastodon server on loopback (Mastodon.py, unpatched)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest

from statuspage.channels.base import Message, Outgoing
from statuspage.channels.mastodon import MastodonChannel
from statuspage.channels.social_text import MASTODON_RULES, post_length
from tests.fakes.smtp import free_port
from tests.fakes.social import MASTODON_TOKEN, FakeMastodon

URL = "http://status.example.test/incidents/abc123"


def message(incident: str = "abc123", body: str = "We are looking into it.", **extra) -> Message:
    return Message(
        subject="",
        text="",
        html="",
        short_text="",
        url=URL,
        title="API down: Investigating",
        incident_id=incident,
        body_text=body,
        **extra,
    )


def outgoing(delivery_id: int = 1, reply_to: str | None = None, **extra) -> Outgoing:
    return Outgoing(
        delivery_id,
        "http://mastodon.example",
        message(**extra),
        idempotency_key=f"delivery-{delivery_id}",
        reply_to=reply_to,
    )


def channel(server: FakeMastodon, token: str = MASTODON_TOKEN, **options) -> MastodonChannel:
    """The fake server runs on this machine: loopback allowed, as the test suite allows it."""
    return MastodonChannel(server.url, token, **{"allow_loopback": True} | options)


def test_a_post_is_public_with_the_link_and_the_deliverys_idempotency_key(mastodon):
    (result,) = channel(mastodon).send([outgoing(7)])
    assert result.outcome == "sent"
    (request,) = mastodon.requests
    assert request.text == f"API down: Investigating\nWe are looking into it.\n{URL}"
    assert request.fields["visibility"] == "public"
    assert request.headers["Idempotency-Key"] == "delivery-7"
    assert request.reply_to is None
    assert result.provider_id == mastodon.posted[0]["id"]


def test_a_later_update_replies_to_the_post_it_is_given(mastodon):
    (result,) = channel(mastodon).send([outgoing(2, reply_to="109000000000000042")])
    assert result.outcome == "sent"
    assert mastodon.requests[0].reply_to == "109000000000000042"


def test_two_updates_of_one_incident_in_one_batch_thread_onto_each_other(mastodon):
    first, second, other = channel(mastodon).send(
        [outgoing(1), outgoing(2), outgoing(3, incident="zzz999")]
    )
    replies = [r.reply_to for r in mastodon.requests]
    assert replies == [None, first.provider_id, None]
    assert second.provider_id != first.provider_id
    assert other.outcome == "sent"


def test_a_retry_with_the_same_key_posts_nothing_twice(mastodon):
    """A response lost to a timeout: the status was made; the retry gets it back, not a copy."""
    mastodon.delay = 1.0
    (lost,) = channel(mastodon, timeout=0.3).send([outgoing(5)])
    assert lost.outcome == "retry"
    assert "unreachable" in lost.error
    mastodon.delay = 0
    (retried,) = channel(mastodon).send([outgoing(5)])
    assert retried.outcome == "sent"
    assert [r.headers["Idempotency-Key"] for r in mastodon.requests] == ["delivery-5"] * 2
    assert len(mastodon.posted) == 1
    assert retried.provider_id == mastodon.posted[0]["id"]


def test_staff_text_is_used_and_long_text_is_cut_to_500_with_the_link_last(mastodon):
    long = "Payments are failing for some cards. " * 30
    channel(mastodon).send([outgoing(1, social_text=long)])
    text = mastodon.requests[0].text
    assert post_length(text, MASTODON_RULES) <= 500
    assert text.startswith("Payments are failing")
    assert text.endswith(f"…\n{URL}")


def test_a_refused_token_is_permanent_and_logged(mastodon, caplog):
    caplog.set_level(logging.WARNING, "statuspage.channels.mastodon")
    (result,) = channel(mastodon, token="revoked").send([outgoing()])
    assert result.outcome == "permanent"
    assert "token" in result.error
    assert "refused the account's access token" in caplog.text
    assert mastodon.posted == []


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (403, "permanent"),  # a token without write:statuses, a suspended account
        (422, "permanent"),  # Mastodon refused the text
        (500, "retry"),
        (503, "retry"),
    ],
)
def test_answers_are_retried_or_given_up_as_they_deserve(mastodon, status, outcome):
    mastodon.fail_next(status, "nope")
    (result,) = channel(mastodon).send([outgoing()])
    assert result.outcome == outcome
    assert mastodon.posted == []


def test_a_rate_limit_is_retried_no_earlier_than_its_reset(mastodon):
    reset = int(time.time()) + 600
    mastodon.fail_next(429, "Too many requests", {"X-RateLimit-Reset": str(reset)})
    (result,) = channel(mastodon).send([outgoing()])
    assert result.outcome == "retry"
    assert "rate limit" in result.error
    # Mastodon.py adjusts the reset by the server's Date header: within a few seconds of it.
    assert abs(result.not_before - datetime.fromtimestamp(reset, UTC)).total_seconds() < 5


def test_no_server_is_a_retry():
    dead = MastodonChannel(
        f"http://127.0.0.1:{free_port()}", MASTODON_TOKEN, timeout=2, allow_loopback=True
    )
    (result,) = dead.send([outgoing()])
    assert result.outcome == "retry"
    assert "unreachable" in result.error


def test_a_server_on_an_internal_address_gets_no_request_and_so_never_the_token(mastodon):
    """The same rule as webhooks: the connection is checked after DNS, so an address that
    resolves to this machine (or inside the network) is refused before anything is sent."""
    (result,) = channel(mastodon, allow_loopback=False).send([outgoing()])
    assert result.outcome == "retry"
    assert "not a public address" in result.error
    assert mastodon.requests == []
