"""The web push adapter against local push services that check VAPID and decrypt like a browser."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from statuspage.channels.base import Message, Outgoing
from statuspage.channels.webpush import MAX_PAYLOAD, WebPushChannel, payload_for, topic_for
from statuspage.vapid import VapidKeys, vapid_keys
from tests.fakes.push_service import Browser, PushService

SUBJECT = "mailto:ops@example.test"
NOON = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def keys(tmp_path: Path) -> VapidKeys:
    return vapid_keys("", tmp_path)


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture
def channel(keys: VapidKeys) -> WebPushChannel:
    return WebPushChannel(keys.signer, SUBJECT, ttl=3600, timeout=5)


def message(**overrides) -> Message:
    fields = {
        "subject": "[Acme] Slow EU requests: Investigating",
        "text": "long email text",
        "html": "<p>long email html</p>",
        "short_text": "Acme Status: Slow EU requests (Investigating) https://status.test/incidents/abc",
        "url": "https://status.test/incidents/abc123def456",
        "title": "Slow EU requests: Investigating",
        "impact": "major",
        "incident_id": "abc123def456",
        "update_id": "upd000000001",
        "status": "investigating",
        "body_text": "We are looking at latency in EU West.",
    }
    return Message(**(fields | overrides))


def outgoing(browser: Browser, delivery_id: int = 1, **overrides) -> Outgoing:
    return Outgoing(
        delivery_id,
        json.dumps(browser.subscription()),
        message(**overrides),
        idempotency_key=f"delivery-{delivery_id}",
    )


def test_the_browser_decrypts_the_notification_it_is_sent(channel, keys, push_service):
    browser = push_service.browser(application_server_key=keys.application_server_key)
    (result,) = channel.send([outgoing(browser)])
    assert push_service.problems == []
    assert result.outcome == "sent"
    (got,) = push_service.received
    assert result.provider_id == f"{push_service.origin}/messages/1"
    assert got.message == {
        "title": "Slow EU requests: Investigating",
        "body": "We are looking at latency in EU West.",
        "url": "https://status.test/incidents/abc123def456",
        "tag": "incident-abc123def456",
        "incident_id": "abc123def456",
        "update_id": "upd000000001",
        "status": "investigating",
        "impact": "major",
    }
    assert got.headers["ttl"] == "3600"
    assert got.headers["urgency"] == "high"
    assert got.headers["topic"] == "incident-abc123def456"
    assert got.claims["aud"] == push_service.origin
    assert got.claims["sub"] == SUBJECT


@pytest.mark.parametrize(
    ("impact", "urgency"),
    [("critical", "high"), ("minor", "normal"), ("none", "normal"), ("maintenance", "low")],
)
def test_urgency_follows_the_impact(channel, push_service, impact, urgency):
    (result,) = channel.send([outgoing(push_service.browser(), impact=impact)])
    assert result.outcome == "sent", push_service.problems
    assert push_service.received[0].headers["urgency"] == urgency


def test_each_push_service_gets_its_own_audience_in_one_batch(channel, push_service):
    """pywebpush writes aud/exp into the claims it is given: a dict shared across sends would
    carry the first service's audience to the second, which refuses it."""
    other = PushService().start()
    try:
        batch = [
            outgoing(push_service.browser(), 1),
            outgoing(other.browser(), 2),
            outgoing(push_service.browser(), 3),
        ]
        results = channel.send(batch)
        assert [r.outcome for r in results] == ["sent", "sent", "sent"]
        assert push_service.problems == other.problems == []
        assert [r.claims["aud"] for r in push_service.received] == [push_service.origin] * 2
        assert other.received[0].claims["aud"] == other.origin
    finally:
        other.stop()


def test_a_forgotten_subscription_is_gone(channel, push_service):
    gone, expired = push_service.browser(), push_service.browser()
    push_service.answer(gone, 410)
    push_service.answer(expired, 404)
    results = channel.send([outgoing(gone, 1), outgoing(expired, 2)])
    assert [(r.outcome, r.gone) for r in results] == [("permanent", True), ("permanent", True)]
    assert results[0].error.startswith("410")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_an_overloaded_push_service_is_retried_when_it_says(channel, push_service, status):
    browser = push_service.browser()
    push_service.answer(browser, status, {"Retry-After": "120"})
    with time_machine.travel(NOON, tick=False):
        (result,) = channel.send([outgoing(browser)])
    assert (result.outcome, result.gone) == ("retry", False)
    assert result.error.startswith(str(status))
    assert "Retry-After 120" in result.error
    assert result.not_before == NOON + timedelta(seconds=120)


@pytest.mark.parametrize(
    ("retry_after", "not_before"),
    [
        ("Fri, 06 Mar 2026 12:10:00 GMT", NOON + timedelta(minutes=10)),
        ("86400", NOON + timedelta(hours=1)),  # capped: the engine's own backoff is sane
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_as_a_date_or_nonsense(channel, push_service, retry_after, not_before):
    browser = push_service.browser()
    push_service.answer(browser, 429, {"Retry-After": retry_after} if retry_after else {})
    with time_machine.travel(NOON, tick=False):
        (result,) = channel.send([outgoing(browser)])
    assert result.outcome == "retry"
    assert result.not_before == not_before


@pytest.mark.parametrize("status", [400, 403, 413])
def test_other_refusals_are_permanent(channel, push_service, status):
    browser = push_service.browser()
    push_service.answer(browser, status)
    (result,) = channel.send([outgoing(browser)])
    assert (result.outcome, result.gone) == ("permanent", False)


def test_a_key_the_subscription_was_not_made_for_is_refused(channel, push_service, tmp_path):
    another = vapid_keys("", tmp_path / "another").application_server_key
    (result,) = channel.send([outgoing(push_service.browser(application_server_key=another))])
    assert result.outcome == "permanent"
    assert "another key" in push_service.problems[0]


def test_a_redirect_is_not_followed(channel, push_service):
    browser, elsewhere = push_service.browser(), push_service.browser()
    push_service.answer(browser, 307, {"Location": elsewhere.endpoint})
    (result,) = channel.send([outgoing(browser)])
    assert result.outcome == "permanent"
    assert push_service.received == []


def test_a_push_service_that_does_not_answer_is_retried_once_per_batch(channel):
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        origin = f"http://127.0.0.1:{probe.getsockname()[1]}"
    batch = [outgoing(Browser.create(f"{origin}/push/{i}"), i) for i in (1, 2)]
    results = channel.send(batch)
    assert [r.outcome for r in results] == ["retry", "retry"]
    assert results[0].error.startswith("connection:")
    assert "unreachable earlier in batch" in results[1].error


def test_an_address_that_is_not_a_subscription_is_gone(channel):
    broken = Outgoing(1, "not json", message(), idempotency_key="delivery-1")
    no_keys = Outgoing(2, json.dumps({"endpoint": "http://127.0.0.1:1/x"}), message(), "d-2")
    results = channel.send([broken, no_keys])
    assert [(r.outcome, r.gone) for r in results] == [("permanent", True), ("permanent", True)]


def test_the_payload_stays_under_4_kb_whatever_the_update_says(channel, push_service):
    long = message(title="Ω" * 500, body_text="語" * 5000)
    data = payload_for(long)
    assert len(data) <= MAX_PAYLOAD
    shown = json.loads(data)
    assert len(shown["title"]) <= 120
    assert shown["title"].endswith("…")
    assert shown["body"].endswith("…")
    (result,) = channel.send(
        [outgoing(push_service.browser(), title="Ω" * 500, body_text="語" * 5000)]
    )
    assert result.outcome == "sent", push_service.problems


def test_the_topic_is_short_and_url_safe_for_any_incident_id():
    assert topic_for("abc123def456") == "incident-abc123def456"
    odd = topic_for("an id with spaces and ünïcode, longer than thirty-two characters")
    assert len(odd) <= 32
    assert set(odd) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert odd == topic_for("an id with spaces and ünïcode, longer than thirty-two characters")


def test_the_environments_proxy_settings_still_apply(channel, push_service, monkeypatch):
    """Herald looks them up once per push service and batch, not per request; the outcome is
    the one requests would reach on its own."""
    with socket.socket() as probe:  # a proxy that is not there
        probe.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    (through_proxy,) = channel.send([outgoing(push_service.browser())])
    assert through_proxy.outcome == "retry"
    assert push_service.requests == 0

    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1")
    (direct,) = channel.send([outgoing(push_service.browser())])
    assert direct.outcome == "sent", push_service.problems
