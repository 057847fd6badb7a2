"""What the web push adapter spends once and reuses: the VAPID header per push service origin
(until near its expiry), the payload per notice and language, the connection per thread and
origin. Every push is still encrypted for its own subscriber and decrypted by the local push
service (tests/fakes/push_service.py) as a browser would."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from statuspage.channels import webpush
from statuspage.channels.base import Message, Outgoing
from statuspage.channels.webpush import VapidHeaders, WebPushChannel
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
def headers() -> VapidHeaders:
    return VapidHeaders()  # a cache of this test's own, not the process's


def channel(keys: VapidKeys, headers: VapidHeaders) -> WebPushChannel:
    """A channel as the registry builds one per batch; the header cache outlives it."""
    return WebPushChannel(keys.signer, SUBJECT, ttl=3600, timeout=5, vapid_headers=headers)


def message(body: str = "We are looking at latency in EU West.") -> Message:
    return Message(
        subject="[Acme] Slow EU requests: Investigating",
        text="long email text",
        html="<p>long email html</p>",
        short_text="Acme Status: Slow EU requests",
        url="https://status.test/incidents/abc123def456",
        title="Slow EU requests: Investigating",
        impact="major",
        incident_id="abc123def456",
        update_id="upd000000001",
        status="investigating",
        body_text=body,
    )


def outgoing(browser: Browser, delivery_id: int, body: str | None = None) -> Outgoing:
    shown = message() if body is None else message(body)
    return Outgoing(
        delivery_id, json.dumps(browser.subscription()), shown, f"delivery-{delivery_id}"
    )


def authorizations(service: PushService) -> list[str]:
    return [got.headers["authorization"] for got in service.received]


def test_one_origin_gets_one_signed_header_across_pushes_and_batches(keys, headers, push_service):
    browsers = [push_service.browser() for _ in range(4)]
    first = channel(keys, headers).send([outgoing(b, i) for i, b in enumerate(browsers[:2])])
    second = channel(keys, headers).send([outgoing(b, i) for i, b in enumerate(browsers[2:])])
    assert [r.outcome for r in first + second] == ["sent"] * 4
    assert push_service.problems == []
    assert headers.signatures == 1
    assert len(set(authorizations(push_service))) == 1
    # Each browser decrypted its own push (aes128gcm with its own keys): the same notification.
    assert sorted(got.endpoint for got in push_service.received) == sorted(
        b.endpoint for b in browsers
    )
    assert {got.message["body"] for got in push_service.received} == {message().body_text}
    assert all(got.claims["aud"] == push_service.origin for got in push_service.received)


def test_the_header_is_signed_again_when_less_than_an_hour_is_left(keys, headers, push_service):
    with time_machine.travel(NOON, tick=False) as clock:
        channel(keys, headers).send([outgoing(push_service.browser(), 1)])
        clock.move_to(NOON + timedelta(hours=10, minutes=59))  # 61 minutes left of 12 hours
        channel(keys, headers).send([outgoing(push_service.browser(), 2)])
        clock.move_to(NOON + timedelta(hours=11, minutes=30))  # 30 minutes left: re-sign
        channel(keys, headers).send([outgoing(push_service.browser(), 3)])
        clock.move_to(NOON + timedelta(hours=12, minutes=10))  # still the new one
        channel(keys, headers).send([outgoing(push_service.browser(), 4)])
    assert push_service.problems == []  # the service checked each exp against its moved clock
    expiries = [got.claims["exp"] for got in push_service.received]
    start = int(NOON.timestamp())
    renewed = int((NOON + timedelta(hours=11, minutes=30)).timestamp())
    assert expiries == [start + 12 * 3600] * 2 + [renewed + 12 * 3600] * 2
    assert headers.signatures == 2
    auths = authorizations(push_service)
    assert auths[0] == auths[1] != auths[2] == auths[3]


def test_two_push_services_get_two_headers_each_with_its_audience(keys, headers, push_service):
    other = PushService().start()
    try:
        batch = [
            outgoing(push_service.browser(), 1),
            outgoing(other.browser(), 2),
            outgoing(push_service.browser(), 3),
            outgoing(other.browser(), 4),
        ]
        assert [r.outcome for r in channel(keys, headers).send(batch)] == ["sent"] * 4
        assert push_service.problems == other.problems == []
        assert headers.signatures == 2
        mine, theirs = authorizations(push_service), authorizations(other)
        assert len(set(mine)) == len(set(theirs)) == 1
        assert mine[0] != theirs[0]
        assert {got.claims["aud"] for got in push_service.received} == {push_service.origin}
        assert {got.claims["aud"] for got in other.received} == {other.origin}
    finally:
        other.stop()


def test_threads_sending_at_once_share_one_signature(keys, headers, push_service):
    browsers = [push_service.browser() for _ in range(8)]
    start = threading.Barrier(len(browsers))
    results = []

    def send(index: int) -> None:
        start.wait()
        results.extend(channel(keys, headers).send([outgoing(browsers[index], index)]))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.outcome for r in results] == ["sent"] * len(browsers)
    assert push_service.problems == []
    assert headers.signatures == 1
    assert len(set(authorizations(push_service))) == 1


def test_a_thread_keeps_its_connection_to_a_push_service_between_batches(
    keys, headers, push_service
):
    for index in range(3):
        channel(keys, headers).send([outgoing(push_service.browser(), index)] * 2)
    assert push_service.requests == 6
    assert push_service.connections == 1


def test_a_410_is_still_gone_and_the_others_in_the_batch_still_arrive(keys, headers, push_service):
    dropped, kept = push_service.browser(), push_service.browser()
    push_service.answer(dropped, 410)
    results = channel(keys, headers).send([outgoing(dropped, 1), outgoing(kept, 2)])
    assert [(r.outcome, r.gone) for r in results] == [("permanent", True), ("sent", False)]
    assert results[0].error.startswith("410")
    (got,) = push_service.received
    assert got.endpoint == kept.endpoint
    assert headers.signatures == 1


def test_the_payload_is_serialised_once_per_notice_and_language(keys, headers, push_service):
    webpush._payload.cache_clear()
    english = [outgoing(push_service.browser(), i) for i in range(3)]
    german = [outgoing(push_service.browser(), i, "Wir untersuchen Latenzen.") for i in (3, 4)]
    results = channel(keys, headers).send(english + german + english[:1])
    assert [r.outcome for r in results] == ["sent"] * 6
    info = webpush._payload.cache_info()
    assert (info.misses, info.hits) == (2, 4)
    bodies = [got.message["body"] for got in push_service.received]
    assert bodies == [message().body_text] * 3 + ["Wir untersuchen Latenzen."] * 2 + [
        message().body_text
    ]
