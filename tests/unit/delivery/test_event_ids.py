"""The ids receivers see (webhook-id, Mastodon's Idempotency-Key, Message-ID): the same on
every retry, unique across every Herald, and saying nothing about how many there were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.headerregistry import HeaderRegistry

from flask import Flask

from statuspage.delivery.messages import event_id, message_id
from statuspage.models import Delivery

MADE = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_retry_and_a_restored_backup_carry_the_same_id():
    assert event_id(Delivery(id=7, created_at=MADE)) == event_id(Delivery(id=7, created_at=MADE))


def test_another_page_or_a_staging_copy_never_reuses_an_id(app: Flask):
    ours = event_id(Delivery(id=1, created_at=MADE))
    # A staging copy of the database numbers its next delivery as production does.
    assert event_id(Delivery(id=1, created_at=MADE + timedelta(seconds=3))) != ours
    previous = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-herald"  # a second page, its own key
    try:
        assert event_id(Delivery(id=1, created_at=MADE)) != ours
    finally:
        app.config["SECRET_KEY"] = previous


def test_ids_are_opaque_and_a_valid_message_id():
    ids = [event_id(Delivery(id=n, created_at=MADE)) for n in (1, 2, 10, 11)]
    assert len(set(ids)) == 4
    assert all(not i.startswith("delivery-") and len(i) == len(ids[0]) for i in ids)
    assert len({i[:8] for i in ids}) == 4  # neighbours share no telling prefix
    # RFC 5322 §3.6.4 msg-id, read by the stdlib's header parser with no defects.
    header = HeaderRegistry()("Message-ID", message_id(Delivery(id=1, created_at=MADE)))
    assert not header.defects
