"""Email subscriptions (statuspage/subscribers/subscriptions.py) called directly: the double
opt-in, preferences, pause and unsubscribe, and the payloads their signed links carry.

The same flows over HTTP, with the emails they send, are in tests/web/test_subscriptions.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, delete_component
from statuspage.core.errors import InvalidInput
from statuspage.core.validation import MAX_EMAIL
from statuspage.delivery.outbox import OUTBOX_KEY
from statuspage.extensions import db
from statuspage.links import verify
from statuspage.models import Channel, ContactPoint, Subscriber, SubscriberKind
from statuspage.subscribers.subscriptions import (
    Preferences,
    ack_target,
    check_preferences,
    confirm,
    contact_for_confirmation,
    is_subscribed,
    links_for,
    normalise_email,
    request_subscription,
    resubscribe,
    set_paused,
    subscriber_for_link,
    unsubscribe,
    update_preferences,
)
from tests.conftest import BASE_URL
from tests.factories import contact_point, organization, subscriber

EVERYTHING = Preferences()
# RFC 5321's longest address: a 64-character local part, 63-character DNS labels (RFC 1035).
LONGEST = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * (MAX_EMAIL - 65 - 128)


def _queued() -> list[tuple[str, tuple]]:
    """The jobs this transaction will enqueue once it commits."""
    return [(job, args) for job, args, _ in db.session.info.get(OUTBOX_KEY, [])]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_address_is_trimmed_and_keyed_in_lower_case():
    assert normalise_email("  Ann@Example.COM ") == ("Ann@Example.COM", "ann@example.com")
    assert len(LONGEST) == MAX_EMAIL
    assert normalise_email(LONGEST) == (LONGEST, LONGEST)


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "ann", "ann@example", "ann@@example.com", "ann smith@example.com",
     "<ann@example.com>", "ann@example.com,bob@example.com", LONGEST + "d"],
)  # fmt: skip
def test_what_can_never_be_an_address_is_refused(raw):
    with pytest.raises(InvalidInput, match="valid email address"):
        normalise_email(raw)


def test_preferences_need_a_kind_of_update_and_a_component_unless_all():
    check_preferences(EVERYTHING)
    check_preferences(Preferences(component_ids=("c1",), incidents=False))
    with pytest.raises(InvalidInput, match="incidents, maintenance, or both"):
        check_preferences(Preferences(incidents=False, maintenance=False))
    with pytest.raises(InvalidInput, match="at least one component"):
        check_preferences(Preferences(component_ids=()))


@pytest.mark.parametrize(
    "preferences",
    [EVERYTHING, Preferences(component_ids=("c1", "c2"), maintenance=False)],
)
def test_preferences_travel_in_a_link_payload_and_back(preferences):
    assert Preferences.from_payload(preferences.to_payload()) == preferences


def test_a_new_address_is_stored_unverified_and_gets_its_confirmation_after_commit():
    wanted = Preferences(incidents=False)

    request_subscription(" Ann@Example.com ", wanted)

    contact = db.session.scalars(select(ContactPoint)).one()
    assert (contact.channel, contact.address, contact.address_key) == (
        Channel.email,
        "Ann@Example.com",
        "ann@example.com",
    )
    assert contact.verified_at is None
    assert not is_subscribed(contact)
    person = contact.subscriber
    assert (person.notify_incidents, person.notify_maintenance) == (False, True)
    assert _queued() == [("send_confirmation", (contact.id, wanted.to_payload()))]


def test_a_known_address_gets_the_same_answer_and_no_new_row():
    ann = subscriber("ann@example.com")
    unconfirmed = subscriber(contact_point("bob@example.com", verified=False))

    request_subscription("ANN@example.com", EVERYTHING)
    request_subscription("bob@example.com", Preferences(maintenance=False))

    assert _count(Subscriber) == _count(ContactPoint) == 2
    assert _queued() == [
        ("send_confirmation", (ann.contact_points[0].id, EVERYTHING.to_payload())),
        ("send_confirmation", (unconfirmed.contact_points[0].id, {
            "component_ids": None, "incidents": True, "maintenance": False}))
    ]  # fmt: skip
    assert unconfirmed.notify_maintenance is True  # the link, once followed, changes it


def test_a_refused_request_writes_and_queues_nothing():
    with pytest.raises(InvalidInput):
        request_subscription("not an address", EVERYTHING)
    with pytest.raises(InvalidInput):
        request_subscription("ann@example.com", Preferences(incidents=False, maintenance=False))
    assert _count(ContactPoint) == 0
    assert _queued() == []


def test_confirming_verifies_the_address_and_applies_the_choices_of_the_link():
    api, web = create_component("API"), create_component("Web")
    gone = create_component("Legacy")
    request_subscription("ann@example.com", EVERYTHING)
    contact = db.session.scalars(select(ContactPoint)).one()
    chosen = Preferences(component_ids=(api.id, gone.id), maintenance=False)
    delete_component(gone)  # deleted since the link was sent: dropped, not an error
    now = utcnow()

    assert confirm(contact, chosen, now) is True

    person = contact.subscriber
    assert contact.verified_at == now
    assert is_subscribed(contact)
    assert (person.all_components, person.components) == (False, [api])
    assert (person.notify_incidents, person.notify_maintenance) == (True, False)
    assert web not in person.components


def test_a_second_confirmation_keeps_the_choices_made_since():
    ann = subscriber(contact_point("ann@example.com", verified=False))
    contact = ann.contact_points[0]
    assert confirm(contact, EVERYTHING, utcnow()) is True
    update_preferences(ann, Preferences(maintenance=False))

    assert confirm(contact, EVERYTHING, utcnow()) is False
    assert ann.notify_maintenance is False


def test_confirming_again_revives_a_bounced_address_and_an_unsubscribed_person():
    now = utcnow()
    bounced = contact_point(
        "ann@example.com", active=False, bounces=3, disabled_at=now, disabled_reason="550"
    )
    ann = subscriber(bounced, paused=True, unsubscribed_at=now - timedelta(days=1))

    assert confirm(bounced, EVERYTHING, now) is True

    assert (bounced.active, bounced.bounces, bounced.disabled_at, bounced.disabled_reason) == (
        True,
        0,
        None,
        None,
    )
    assert (ann.paused, ann.unsubscribed_at) == (False, None)


def test_confirming_an_address_at_a_customers_domain_makes_it_their_person():
    acme = organization("Acme", domains=["acme.example"])
    ann = subscriber(contact_point("ann@acme.example", verified=False))
    assert ann.organization_id is None

    confirm(ann.contact_points[0], EVERYTHING, utcnow())

    db.session.refresh(ann)
    assert ann.organization_id == acme.id


def test_preferences_pause_and_unsubscribe_change_the_subscriber():
    api = create_component("API")
    ann = subscriber("ann@example.com")

    update_preferences(ann, Preferences(component_ids=(api.id,), incidents=False))
    assert (ann.all_components, ann.components, ann.notify_incidents) == (False, [api], False)
    update_preferences(ann, EVERYTHING)
    assert (ann.all_components, ann.components) == (True, [])
    with pytest.raises(InvalidInput):
        update_preferences(ann, Preferences(component_ids=()))

    set_paused(ann, True)
    assert ann.paused
    set_paused(ann, False)
    assert not ann.paused

    now = utcnow()
    assert unsubscribe(ann, now) is True
    assert not is_subscribed(ann.contact_points[0])
    assert unsubscribe(ann, now + timedelta(minutes=1)) is False
    assert ann.unsubscribed_at == now  # the first time counts
    resubscribe(ann)
    assert ann.unsubscribed_at is None
    assert is_subscribed(ann.contact_points[0])


def test_the_signed_links_name_the_subscriber_at_their_token_version():
    ann = subscriber("ann@example.com")
    links = links_for(ann)

    manage = links["manage_url"].removeprefix(f"{BASE_URL}/subscriptions/manage/")
    unsubscribe_token = links["unsubscribe_url"].removeprefix(
        f"{BASE_URL}/subscriptions/unsubscribe/"
    )
    payload = {"s": ann.id, "v": ann.token_version}
    assert verify("manage", manage) == payload
    assert verify("unsubscribe", unsubscribe_token) == payload
    assert subscriber_for_link(payload) is ann


def test_a_stale_or_malformed_link_payload_names_nobody():
    ann = subscriber("ann@example.com")
    account = subscriber(contact_point("@acme", Channel.mastodon), kind=SubscriberKind.syndication)
    current = {"s": ann.id, "v": ann.token_version}
    ann.token_version += 1  # staff reset the links: old ones stop working
    db.session.flush()

    assert subscriber_for_link(current) is None
    malformed = [None, "x", {}, {"s": str(ann.id), "v": ann.token_version}, {"s": 999_999, "v": 1}]
    for payload in malformed:
        assert subscriber_for_link(payload) is None
    # The page's own social accounts are managed by staff, never through a link.
    assert subscriber_for_link({"s": account.id, "v": account.token_version}) is None


def test_a_confirmation_payload_names_its_contact_point_while_it_exists():
    ann = subscriber(contact_point("ann@example.com", verified=False))
    contact = ann.contact_points[0]
    payload = {"c": contact.id, "p": EVERYTHING.to_payload()}

    assert contact_for_confirmation(payload) is contact
    assert contact_for_confirmation({"c": contact.id}) is None  # no preferences
    assert contact_for_confirmation({"c": str(contact.id), "p": {}}) is None
    assert contact_for_confirmation({"c": 999_999, "p": {}}) is None
    assert contact_for_confirmation([contact.id]) is None


@pytest.mark.parametrize("payload", [None, "d", {}, {"d": "1"}, {"d": 999_999}])
def test_an_ack_payload_without_a_delivery_names_nothing(payload):
    assert ack_target(payload) is None
