"""The X channel: tweepy, unpatched, with X's fixed host intercepted by `responses`."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

import pytest
import requests

from statuspage.channels.base import Message, Outgoing
from statuspage.channels.social_text import X_RULES, post_length
from statuspage.channels.x import XChannel

URL = "http://status.example.test/incidents/abc123"
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
NOT_PERMITTED = {
    "detail": "You are not permitted to perform this action.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}


def outgoing(
    delivery_id: int = 1, reply_to: str | None = None, incident: str = "abc123", **extra
) -> Outgoing:
    message = Message(
        subject="",
        text="",
        html="",
        short_text="",
        url=URL,
        title="API down: Investigating",
        incident_id=incident,
        body_text=extra.pop("body", "We are looking into it."),
        **extra,
    )
    return Outgoing(delivery_id, "x:@acme", message, f"delivery-{delivery_id}", reply_to=reply_to)


CHANNEL = XChannel("consumer-key", "consumer-secret", "access-token", "access-secret")


def test_a_post_is_signed_and_carries_the_text_and_link(x_api):
    (result,) = CHANNEL.send([outgoing()])
    assert result.outcome == "sent"
    (post,) = x_api.posted
    assert result.provider_id == post.id
    assert post.text == f"API down: Investigating\nWe are looking into it.\n{URL}"
    assert post.reply_to is None
    authorization = post.headers["Authorization"]
    assert 'oauth_consumer_key="consumer-key"' in authorization
    assert 'oauth_token="access-token"' in authorization
    assert x_api.mock.calls[0].request.req_kwargs["timeout"] == 10.0  # never unbounded


def test_a_later_update_replies_to_the_post_it_is_given(x_api):
    CHANNEL.send([outgoing(reply_to="1800000000000000042")])
    assert x_api.posted[0].reply_to == "1800000000000000042"
    assert x_api.posted[0].fields["reply"] == {"in_reply_to_tweet_id": "1800000000000000042"}


def test_two_updates_of_one_incident_in_one_batch_thread_onto_each_other(x_api):
    first, _second, _other = CHANNEL.send(
        [outgoing(1), outgoing(2), outgoing(3, incident="zzz999")]
    )
    assert [p.reply_to for p in x_api.posted] == [None, first.provider_id, None]


def test_long_text_is_cut_to_280_with_the_link_whole_and_last(x_api):
    body = "Card payments fail for some customers in the EU; we are failing over. " * 8
    CHANNEL.send([outgoing(body=body)])
    text = x_api.posted[0].text
    assert post_length(text, X_RULES) <= 280
    assert text.endswith(f"…\n{URL}")


def test_wide_characters_count_twice_on_x(x_api):
    CHANNEL.send([outgoing(social_text="障害が発生しています。" * 30)])
    text = x_api.posted[0].text
    words = text.removesuffix(f"\n{URL}")
    assert words.endswith("…")
    # 280 - 23 (link) - 1 (newline) = 256 units; each Japanese character is 2, "…" 2.
    assert len(words) == 127 + 1
    assert post_length(text, X_RULES) <= 280


def test_credentials_x_refuses_are_permanent_and_logged(x_api, caplog):
    caplog.set_level(logging.WARNING, "statuspage.channels.x")
    x_api.fail_next(401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401})
    x_api.fail_next(403, NOT_PERMITTED)
    unauthorized, forbidden = CHANNEL.send([outgoing(1), outgoing(2, incident="other")])
    assert (unauthorized.outcome, forbidden.outcome) == ("permanent", "permanent")
    assert "401" in unauthorized.error
    assert "not permitted" in forbidden.error
    assert caplog.text.count("X refused the account's credentials or rights") == 2
    assert x_api.posted == []


def test_duplicate_content_is_taken_as_already_posted_not_retried(x_api, caplog):
    """X has no idempotency key: a retry of a post whose answer was lost is refused as a
    duplicate. The words are on X, so the delivery is done; the reason stays in the log."""
    caplog.set_level(logging.INFO, "statuspage.channels.x")
    x_api.fail_next(403, DUPLICATE)
    (result,) = CHANNEL.send([outgoing()])
    assert result.outcome == "sent"
    assert result.provider_id is None  # the thread goes on from the post before it
    assert "duplicate content" in result.error
    assert "duplicate content" in caplog.text


def test_a_rate_limit_is_retried_after_its_reset(x_api):
    reset = int(time.time()) + 900
    x_api.fail_next(429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": str(reset)})
    (result,) = CHANNEL.send([outgoing()])
    assert result.outcome == "retry"
    assert result.not_before == datetime.fromtimestamp(reset, UTC)


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        ((500, {"title": "Internal Server Error"}), "retry"),
        ((503, {"title": "Service Unavailable"}), "retry"),
        ((400, {"title": "Invalid Request", "detail": "text too long"}), "permanent"),
        ((0, requests.ConnectionError("connection refused")), "retry"),
        ((0, requests.ReadTimeout("read timed out")), "retry"),
    ],
)
def test_other_failures_are_retried_or_given_up_as_they_deserve(x_api, failure, outcome):
    x_api.fail_next(*failure)
    (result,) = CHANNEL.send([outgoing()])
    assert result.outcome == outcome
    assert x_api.posted == []


def test_the_request_body_is_the_v2_shape(x_api):
    CHANNEL.send([outgoing(reply_to="42")])
    body = json.loads(x_api.mock.calls[0].request.body)
    assert set(body) == {"text", "reply"}
