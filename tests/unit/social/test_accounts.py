"""The page's social accounts (statuspage/social/accounts.py) called directly: credentials and
their refusals, the syndication contact point each account drives, the audit entries (which
never hold a secret), and the adapters the engine gets.

Posting, threads and failures through the engine are in tests/unit/delivery/test_social.py;
the admin screen in tests/admin/test_social.py.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from statuspage.audit.trail import Actor, events
from statuspage.channels import registry
from statuspage.channels.base import Message, Outgoing, Result
from statuspage.channels.mastodon import MastodonChannel
from statuspage.channels.x import XChannel
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.delivery.hooks import hook_for
from statuspage.extensions import db
from statuspage.models import Channel, ContactPoint, SocialAccount, SocialThread, SubscriberKind
from statuspage.social.accounts import (
    MAX_LABEL,
    enabled_accounts,
    get_account,
    masked,
    network_of,
    remove_account,
    save_account,
    send_test_post,
    summaries,
)

OWNER = Actor("staff:1 owner@example.com", ip="198.51.100.7")
X_KEYS = {
    "consumer_key": "ck-1234567890",
    "consumer_secret": "cs-abcdefghij",
    "access_token": "at-1234567890",
    "access_token_secret": "ats-abcdefghij",
}
MASTODON = {"base_url": "https://mastodon.example/", "access_token": "token-abcdefghij"}


def _save_mastodon(**changes) -> SocialAccount:
    options = {"label": "@acme@mastodon.example", "credentials": MASTODON, "enabled": True}
    return save_account(Channel.mastodon, **(options | changes))


def _contact(account: SocialAccount) -> ContactPoint:
    return db.session.get(ContactPoint, account.contact_point_id)


def test_only_x_and_mastodon_are_networks():
    assert network_of("x") is Channel.x
    assert network_of(Channel.mastodon) is Channel.mastodon
    for name in ("email", "facebook", ""):
        with pytest.raises(NotFound, match="no social network"):
            network_of(name)


@pytest.mark.parametrize(
    ("secret", "shown"), [("abcdefghijkl", "…ijkl"), ("abcdefgh", "…"), ("", "…")]
)
def test_a_secret_is_shown_by_its_last_characters_only_when_long_enough(secret, shown):
    assert masked(secret) == shown


def test_saving_an_account_makes_a_syndication_subscriber_that_follows_everything():
    account = save_account(
        "mastodon", label=" @acme@mastodon.example ", credentials=MASTODON, enabled=True
    )

    assert get_account("mastodon") is account
    assert account.label == "@acme@mastodon.example"
    assert account.credentials["base_url"] == "https://mastodon.example"  # no trailing slash
    contact = _contact(account)
    assert (contact.channel, contact.address, contact.address_key) == (
        Channel.mastodon,
        "https://mastodon.example",
        "mastodon:account",
    )
    assert contact.active
    assert contact.verified_at is not None
    person = contact.subscriber
    assert person.kind is SubscriberKind.syndication
    assert (person.all_components, person.notify_incidents, person.notify_maintenance) == (
        True,
        True,
        True,
    )
    assert person.name == "Mastodon @acme@mastodon.example"


def test_the_audit_names_the_credentials_that_changed_never_their_values():
    save_account("x", label="@acme", credentials=X_KEYS, enabled=True, actor=OWNER)
    save_account("x", label="@acme", credentials={"access_token": "at-new-0000000"}, enabled=False)

    first, second = events(action="social.save")
    assert (first.actor, first.ip, first.target_type, first.target_id) == (
        OWNER.label,
        OWNER.ip,
        "social_account",
        "x",
    )
    assert first.before is None
    assert first.after == {"label": "@acme", "enabled": True, "credentials_changed": sorted(X_KEYS)}
    assert second.before == {"label": "@acme", "enabled": True}
    assert second.after["credentials_changed"] == ["access_token"]
    written = json.dumps([first.before, first.after, second.before, second.after])
    assert not any(secret in written for secret in [*X_KEYS.values(), "at-new-0000000"])


def test_blank_credentials_keep_the_saved_ones():
    _save_mastodon()
    account = _save_mastodon(credentials={"base_url": "", "access_token": None})
    assert account.credentials == {
        "base_url": "https://mastodon.example",
        "access_token": MASTODON["access_token"],
    }


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        ({"base_url": "https://mastodon.example"}, "the access token is required"),
        (MASTODON | {"access_token": "two words"}, "access token is not a valid credential"),
        (MASTODON | {"access_token": "x" * 501}, "access token is not a valid credential"),
        (MASTODON | {"base_url": "mastodon.example"}, "the Mastodon server is its address"),
        (MASTODON | {"base_url": "https://mastodon.example/@acme"}, "its address"),
    ],
)
def test_missing_or_malformed_credentials_are_refused_before_any_write(credentials, message):
    with pytest.raises(InvalidInput, match=message):
        _save_mastodon(credentials=credentials)
    with pytest.raises(InvalidInput, match=f"at most {MAX_LABEL} characters"):
        _save_mastodon(label="x" * (MAX_LABEL + 1))
    assert get_account("mastodon") is None
    assert list(events()) == []


def test_disabling_an_account_stops_its_contact_point_and_saving_it_again_resumes_it():
    account = _save_mastodon()
    contact = _contact(account)
    contact.bounces, contact.failures_in_row = 3, 3

    _save_mastodon(enabled=False)
    assert (contact.active, contact.disabled_reason) == (False, "disabled by staff")
    assert contact.disabled_at is not None

    _save_mastodon(enabled=True)
    assert (contact.active, contact.bounces, contact.failures_in_row) == (True, 0, 0)
    assert (contact.disabled_at, contact.disabled_reason) == (None, None)
    assert _contact(get_account("mastodon")) is contact  # the same one all along


def test_removing_an_account_keeps_its_contact_point_inactive_and_a_new_one_reuses_it():
    contact = _contact(_save_mastodon())
    remove_account("mastodon", actor=OWNER)

    assert get_account("mastodon") is None
    assert (contact.active, contact.disabled_reason) == (False, "account removed by staff")
    (entry,) = events(action="social.remove")
    assert (entry.actor, entry.before) == (
        OWNER.label,
        {"label": "@acme@mastodon.example", "enabled": True},
    )
    with pytest.raises(NotFound, match="no Mastodon account"):
        remove_account("mastodon")

    again = _save_mastodon()
    assert _contact(again) is contact
    assert contact.active


def test_the_summaries_show_each_network_masked_and_why_one_is_paused():
    save_account("x", label="@acme", credentials=X_KEYS, enabled=True)

    x, mastodon = summaries()
    assert (x.network, x.name, mastodon.name, mastodon.account) == (
        Channel.x,
        "X",
        "Mastodon",
        None,
    )
    assert x.shown == {key: f"…{value[-4:]}" for key, value in X_KEYS.items()}
    assert x.paused_reason is None

    _save_mastodon()
    contact = _contact(get_account("mastodon"))
    contact.active, contact.disabled_reason = False, "3 permanent failures; last: 401"
    mastodon = summaries()[1]
    assert mastodon.shown == {"base_url": "https://mastodon.example", "access_token": "…ghij"}
    assert mastodon.paused_reason == "3 permanent failures; last: 401"


def test_the_engine_gets_an_adapter_for_each_enabled_complete_account():
    assert enabled_accounts() == []
    x = save_account("x", label="@acme", credentials=X_KEYS, enabled=True)
    _save_mastodon(enabled=False)

    assert [account.network for account in enabled_accounts()] == [Channel.x]
    adapters = registry.channels()
    assert isinstance(adapters["x"], XChannel)
    assert "mastodon" not in adapters  # disabled: no adapter for the engine
    assert isinstance(registry.social_channel("mastodon"), MastodonChannel)  # its test post

    x.credentials = X_KEYS | {"access_token": ""}  # edited by hand: left out, not failing
    db.session.flush()
    assert enabled_accounts() == []
    assert "x" not in registry.channels()


def test_a_test_post_needs_a_saved_account():
    with pytest.raises(InvalidInput, match="save the X account's credentials first"):
        send_test_post(
            "x",
            page_name="Acme Status",
            page_url="https://status.acme.example",
            adapter=registry.social_channel("x"),  # None: no account saved
        )
    assert list(events()) == []


def _outgoing(delivery_id: int) -> Outgoing:
    message = Message(subject="s", text="t", html="", short_text="t", url="u", social_text="t")
    return Outgoing(delivery_id, "address", message, idempotency_key=f"delivery-{delivery_id}")


def test_only_the_social_networks_are_threaded():
    batch = [_outgoing(1), _outgoing(2)]
    assert hook_for("email").before_send(batch) == batch
    assert hook_for("x").before_send(batch) == batch  # no incident: nothing to reply to
    hook_for("email").after_send(batch, [Result(1, "sent", provider_id="m1")])
    hook_for("x").after_send(batch, [Result(1, "sent", provider_id="p1")])  # no incident
    assert db.session.scalars(select(SocialThread)).all() == []


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://mastodon.example", "must start with https://"),  # the token in cleartext
        ("https://10.0.0.5", "not a public address"),
        ("https://127.0.0.1", "not a public address"),
        ("https://[64:ff9b::7f00:1]", "not a public address"),
        ("http://127.0.0.1:8080", "must start with https://"),  # loopback not allowed here
    ],
)
def test_a_mastodon_server_follows_the_rules_of_every_outbound_target(base_url, message):
    with pytest.raises(InvalidInput, match=message):
        _save_mastodon(credentials={"base_url": base_url, "access_token": "token-abcdefghij"})


def test_a_mastodon_server_on_this_machine_only_where_loopback_targets_are_allowed():
    local = {"base_url": "http://127.0.0.1:8080", "access_token": "token-abcdefghij"}
    account = _save_mastodon(credentials=local, allow_loopback=True)
    assert account.credentials["base_url"] == "http://127.0.0.1:8080"
