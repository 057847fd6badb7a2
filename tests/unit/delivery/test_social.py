"""Social syndication through the delivery engine: publish, fan out, deliver to X (intercepted
with `responses`) and Mastodon (a fake server on loopback), threaded per incident."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from statuspage.audience.recipients import reachable_contact
from statuspage.clock import utcnow
from statuspage.delivery.ledger import BOUNCES_TO_DISABLE
from statuspage.delivery.messages import event_id
from statuspage.delivery.outbox import FAN_OUT, after_commit
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.jobs.every_minute import sweep
from statuspage.models import (
    Audience,
    Channel,
    ContactPoint,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Subscriber,
    SubscriberKind,
)
from statuspage.social import accounts
from statuspage.social.threads import thread_of
from statuspage.subscribers.roster import export_rows, search_subscribers
from statuspage.subscribers.subscriptions import subscriber_for_link
from tests.factories import notice, subscriber
from tests.fakes.social import MASTODON_TOKEN
from tests.queue import drain

X_KEYS = {
    "consumer_key": "consumer-key-1234",
    "consumer_secret": "consumer-secret-5678",
    "access_token": "access-token-9012",
    "access_token_secret": "access-secret-3456",
}


def set_up_accounts(mastodon, *, x: bool = True) -> None:
    accounts.save_account(
        Channel.mastodon,
        label="@acme@fake.example",
        credentials={"base_url": mastodon.url, "access_token": MASTODON_TOKEN},
        enabled=True,
        allow_loopback=True,  # the fake Mastodon runs on this machine
    )
    if x:
        accounts.save_account(Channel.x, label="@acmestatus", credentials=X_KEYS, enabled=True)
    db.session.commit()


def social_deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Delivery)
            .where(Delivery.channel.in_([Channel.x, Channel.mastodon]))
            .order_by(Delivery.id)
        )
    )


def test_an_incident_starts_a_thread_and_its_update_replies_to_it(queue, mastodon, x_api):
    set_up_accounts(mastodon)
    incident = create_incident(OpenIncident("API down", "We are looking into it."))
    db.session.commit()  # the outbox enqueues fan_out now
    drain(queue)
    post_update(incident, PostUpdate("A fix is rolling out.", status="identified"))
    db.session.commit()
    drain(queue)

    first, second = mastodon.posted
    assert first["in_reply_to_id"] is None
    assert second["in_reply_to_id"] == first["id"]
    assert [r.fields["visibility"] for r in mastodon.requests] == ["public", "public"]
    assert "A fix is rolling out." in mastodon.requests[1].text
    assert f"http://status.example.test/incidents/{incident.id}" in mastodon.requests[1].text

    tweet, reply = x_api.posted
    assert tweet.reply_to is None
    assert reply.reply_to == tweet.id

    threads = {n: thread_of(incident.id, n) for n in (Channel.x, Channel.mastodon)}
    assert (threads[Channel.x].root_post_id, threads[Channel.x].last_post_id) == (
        tweet.id,
        reply.id,
    )
    assert threads[Channel.mastodon].root_post_id == first["id"]
    assert threads[Channel.mastodon].last_post_id == second["id"]
    assert {d.state for d in social_deliveries()} == {DeliveryState.sent}
    assert {d.provider_id for d in social_deliveries()} == {
        tweet.id, reply.id, first["id"], second["id"]
    }  # fmt: skip


def test_staff_custom_text_is_what_is_posted(queue, mastodon, x_api):
    set_up_accounts(mastodon)
    create_incident(
        OpenIncident("API down", "Long technical words.", custom_tweet="Our API is down. Sorry!")
    )
    db.session.commit()
    drain(queue)
    assert mastodon.requests[0].text.startswith("Our API is down. Sorry!\nhttp://")
    assert x_api.posted[0].text.startswith("Our API is down. Sorry!\nhttp://")


def test_a_private_notice_never_reaches_a_social_network(queue, mastodon, x_api):
    set_up_accounts(mastodon)
    incident = create_incident(OpenIncident("Quiet", "Nobody tells.", deliver_notifications=False))
    db.session.commit()
    private = notice(incident, Audience.segments)
    after_commit(FAN_OUT, private.id)
    db.session.commit()
    drain(queue)

    assert social_deliveries() == []
    assert mastodon.requests == []
    assert x_api.requests == []
    # The rule that decides it: a non-public notice may use no world-readable channel.
    reachable = db.session.scalars(select(ContactPoint.channel).where(reachable_contact(private)))
    assert not {Channel.x, Channel.mastodon} & set(reachable)


def test_a_failed_post_is_retried_with_the_same_idempotency_key(queue, mastodon):
    set_up_accounts(mastodon, x=False)
    mastodon.fail_next(503, "Service Unavailable")
    create_incident(OpenIncident("API down", "Looking."))
    db.session.commit()
    drain(queue)
    (delivery,) = social_deliveries()
    assert delivery.state is DeliveryState.retry
    assert mastodon.posted == []

    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        sweep()
        db.session.commit()
        drain(queue)
    (delivery,) = social_deliveries()
    assert delivery.state is DeliveryState.sent
    keys = [r.headers["Idempotency-Key"] for r in mastodon.requests]
    assert keys == [event_id(delivery)] * 2
    assert len(mastodon.posted) == 1


def test_an_update_sent_while_the_first_is_pending_starts_the_thread_the_first_joins_later(
    queue, mastodon
):
    """Keep it simple but correct: reply to the latest known post; the first post sent makes
    the thread, whichever update it carries."""
    set_up_accounts(mastodon, x=False)
    mastodon.fail_next(503, "Service Unavailable")
    incident = create_incident(OpenIncident("API down", "First words."))
    db.session.commit()
    drain(queue)  # the first update's post fails, to be retried
    post_update(incident, PostUpdate("Second words.", status="identified"))
    db.session.commit()
    drain(queue)
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        sweep()
        db.session.commit()
        drain(queue)
    second, first = mastodon.posted
    assert "Second words." in mastodon.requests[1].text
    assert second["in_reply_to_id"] is None
    assert first["in_reply_to_id"] == second["id"]
    thread = thread_of(incident.id, Channel.mastodon)
    assert (thread.root_post_id, thread.last_post_id) == (second["id"], first["id"])


def test_refused_credentials_fail_the_delivery_for_good(queue, mastodon, x_api):
    set_up_accounts(mastodon)
    x_api.fail_next(401, {"title": "Unauthorized", "status": 401})
    mastodon.token = "rotated-elsewhere"
    create_incident(OpenIncident("API down", "Looking."))
    db.session.commit()
    drain(queue)
    deliveries = social_deliveries()
    assert {d.state for d in deliveries} == {DeliveryState.failed}
    attempts = db.session.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_([d.id for d in deliveries]))
    ).all()
    assert {a.outcome for a in attempts} == {"permanent"}
    assert all(d.next_attempt_at is None for d in deliveries)


def test_a_rate_limit_waits_for_its_reset(queue, mastodon, x_api):
    set_up_accounts(mastodon)
    reset = utcnow() + timedelta(hours=3)  # beyond any first backoff
    x_api.fail_next(
        429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": str(int(reset.timestamp()))}
    )
    create_incident(OpenIncident("API down", "Looking."))
    db.session.commit()
    drain(queue)
    (tweet,) = [d for d in social_deliveries() if d.channel is Channel.x]
    assert tweet.state is DeliveryState.retry
    assert tweet.next_attempt_at >= reset - timedelta(seconds=1)


def test_a_disabled_account_gets_nothing(queue, mastodon, x_api):
    set_up_accounts(mastodon)
    accounts.save_account(Channel.x, label="@acmestatus", credentials={}, enabled=False)
    db.session.commit()
    create_incident(OpenIncident("API down", "Looking."))
    db.session.commit()
    drain(queue)
    assert x_api.requests == []
    assert [d.channel for d in social_deliveries()] == [Channel.mastodon]


def test_the_accounts_are_not_people(queue, mastodon):
    """Syndication subscribers stay out of the roster, its export and the subscriber links."""
    set_up_accounts(mastodon)
    subscriber(name="Ann")
    db.session.commit()
    syndication = db.session.scalars(
        select(Subscriber).where(Subscriber.kind == SubscriberKind.syndication)
    ).all()
    assert len(syndication) == 2
    assert [s.name for s in search_subscribers().subscribers] == ["Ann"]
    assert len(list(export_rows())) == 1  # the header: Ann has no email address
    for account in syndication:
        assert subscriber_for_link({"s": account.id, "v": account.token_version}) is None
    assert db.session.scalar(select(func.count()).select_from(ContactPoint)) == 2


def test_an_account_refused_again_and_again_pauses_until_saved_again(queue, mastodon):
    """Permanent failures count as bounces: after a few the account's contact point stops
    receiving, the Social screen says why, and saving the account again resumes it."""
    set_up_accounts(mastodon, x=False)
    mastodon.token = "rotated-elsewhere"
    for n in range(BOUNCES_TO_DISABLE):
        create_incident(OpenIncident(f"Outage {n}", "Looking."))
        db.session.commit()
        drain(queue)
    (summary,) = [s for s in accounts.summaries() if s.network is Channel.mastodon]
    assert "permanent failures" in summary.paused_reason
    create_incident(OpenIncident("One more", "Looking."))
    db.session.commit()
    drain(queue)
    assert len(mastodon.requests) == BOUNCES_TO_DISABLE  # nothing tried once paused

    mastodon.token = MASTODON_TOKEN
    accounts.save_account(
        Channel.mastodon, label="@acme", credentials={}, enabled=True, allow_loopback=True
    )
    db.session.commit()
    create_incident(OpenIncident("After the fix", "Looking."))
    db.session.commit()
    drain(queue)
    assert len(mastodon.posted) == 1
    (summary,) = [s for s in accounts.summaries() if s.network is Channel.mastodon]
    assert summary.paused_reason is None
