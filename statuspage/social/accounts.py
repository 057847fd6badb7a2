"""The page's social accounts (X, Mastodon): credentials, the enabled ones, and test posts.

Each account is reached through the delivery engine like any contact point: saving one makes
(or reuses) a syndication subscriber that follows everything, with one verified contact point
on the account's network. Disabling or removing the account deactivates that contact point, so
fan-out skips it; the audience rule already keeps every non-public notice away from it.
Each incident's posts on a network form one thread: social.threads.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from statuspage.audit.changes import record_change, record_removed
from statuspage.audit.trail import SYSTEM, Actor, record
from statuspage.channels.base import Channel as ChannelAdapter
from statuspage.channels.base import Message, Outgoing, Result
from statuspage.channels.http import is_loopback_host, is_public
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.core.validation import text
from statuspage.extensions import db
from statuspage.models import (
    Channel,
    ContactPoint,
    SocialAccount,
    Subscriber,
    SubscriberKind,
)

NETWORKS = (Channel.x, Channel.mastodon)
NETWORK_NAMES = {Channel.x: "X", Channel.mastodon: "Mastodon"}
# The credentials each network needs; every one but a Mastodon server's address is secret.
KEYS: dict[Channel, tuple[str, ...]] = {
    Channel.x: ("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
    Channel.mastodon: ("base_url", "access_token"),
}
PUBLIC_KEYS = frozenset({"base_url"})
MAX_CREDENTIAL = 500
MAX_LABEL = 200
# What the trail shows of an account: never its credentials, only which of them changed.
AUDITED_FIELDS = ("label", "enabled")
SHOWN_CHARACTERS = 4  # of a secret, in the admin: enough to tell which one is saved


def network_of(name: str | Channel) -> Channel:
    try:
        network = Channel(name)
    except ValueError:
        network = None
    if network not in NETWORKS:
        raise NotFound(f"no social network {name!r}")
    return network


# --- accounts (owner only) -------------------------------------------------------------------


def get_account(network: Channel | str) -> SocialAccount | None:
    return db.session.scalar(
        select(SocialAccount).where(SocialAccount.network == network_of(network))
    )


def masked(value: str) -> str:
    """A secret as the admin shows it: its last few characters only."""
    return f"…{value[-SHOWN_CHARACTERS:]}" if len(value) > SHOWN_CHARACTERS * 2 else "…"


@dataclass(frozen=True)
class AccountSummary:
    """One network's account as the admin shows it: never a whole secret."""

    network: Channel
    name: str  # "X", "Mastodon"
    account: SocialAccount | None
    shown: dict[str, str]  # credential -> its last characters (a server address in full)
    paused_reason: str | None  # why the engine stopped posting (after permanent failures)


def summaries() -> list[AccountSummary]:
    accounts = {a.network: a for a in db.session.scalars(select(SocialAccount))}
    result = []
    for network in NETWORKS:
        account = accounts.get(network)
        creds = account.credentials if account else {}
        shown = {
            key: creds[key] if key in PUBLIC_KEYS else masked(creds[key])
            for key in KEYS[network]
            if creds.get(key)
        }
        contact_id = account.contact_point_id if account else None
        contact = db.session.get(ContactPoint, contact_id) if contact_id else None
        paused = (
            contact.disabled_reason
            if account and account.enabled and contact and not contact.active
            else None
        )
        result.append(AccountSummary(network, NETWORK_NAMES[network], account, shown, paused))
    return result


def _clean_credentials(
    network: Channel,
    given: dict[str, str | None],
    current: dict[str, Any],
    *,
    allow_loopback: bool = False,
) -> dict[str, str]:
    """Blank fields keep the saved value (the admin never shows secrets back to fill them)."""
    merged: dict[str, str] = {}
    for key in KEYS[network]:
        value = (given.get(key) or "").strip() or str(current.get(key) or "")
        if not value:
            raise InvalidInput(f"the {key.replace('_', ' ')} is required")
        if len(value) > MAX_CREDENTIAL or any(c.isspace() for c in value):
            raise InvalidInput(f"the {key.replace('_', ' ')} is not a valid credential")
        merged[key] = value
    if network is Channel.mastodon:
        merged["base_url"] = _server_address(merged["base_url"], allow_loopback)
    return merged


def _server_address(raw: str, allow_loopback: bool) -> str:
    """A Mastodon server's address, by the rules of every outbound target (webhooks, chat):
    https, and a public host; http and this machine only where loopback targets are allowed.
    A name is checked again at every connection (channels/http.py), whatever it resolves to
    then, so the access token never travels in cleartext or to an internal host."""
    url = raw.rstrip("/")
    if not url.startswith(("https://", "http://")) or "/" in url.split("://", 1)[1]:
        raise InvalidInput("the Mastodon server is its address, like https://mastodon.social")
    try:
        host = urlsplit(url).hostname or ""
    except ValueError as exc:
        raise InvalidInput(
            "the Mastodon server is its address, like https://mastodon.social"
        ) from exc
    local = allow_loopback and is_loopback_host(host)
    if url.startswith("http://") and not local:
        raise InvalidInput("the Mastodon server's address must start with https://")
    if not local and _is_ip(host) and not is_public(host):
        raise InvalidInput(f"{host} is not a public address: Herald posts only to public hosts")
    return url


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _address(network: Channel, label: str, credentials: dict[str, str]) -> str:
    if network is Channel.mastodon:
        return credentials["base_url"]
    return f"x:{label or 'account'}"


def _contact_point(account: SocialAccount) -> ContactPoint:
    """The account's contact point: its own, or the one an earlier account left, or a new one
    under a new syndication subscriber."""
    key = f"{account.network.value}:account"
    contact = (
        db.session.get(ContactPoint, account.contact_point_id) if account.contact_point_id else None
    ) or db.session.scalar(
        select(ContactPoint).where(
            ContactPoint.channel == account.network, ContactPoint.address_key == key
        )
    )
    if contact is None:
        subscriber = Subscriber(
            kind=SubscriberKind.syndication,
            all_components=True,
            notify_incidents=True,
            notify_maintenance=True,
        )
        contact = ContactPoint(channel=account.network, address_key=key, priority=1)
        subscriber.contact_points.append(contact)
        db.session.add(subscriber)
    return contact


def _sync_contact(account: SocialAccount) -> None:
    """Point the syndication subscriber's contact point at the account, active iff enabled."""
    contact = _contact_point(account)
    now = utcnow()
    contact.subscriber.name = f"{NETWORK_NAMES[account.network]} {account.label}".strip()
    contact.subscriber.unsubscribed_at = None
    contact.subscriber.paused = False
    contact.address = _address(account.network, account.label, account.credentials)
    contact.verified_at = contact.verified_at or now
    contact.active = account.enabled
    if account.enabled:  # saved again: a fresh start after failures
        contact.bounces, contact.failures_in_row = 0, 0
        contact.disabled_at = contact.disabled_reason = None
    elif contact.disabled_at is None:
        contact.disabled_at, contact.disabled_reason = now, "disabled by staff"
    db.session.flush()
    account.contact_point_id = contact.id


def save_account(
    network: Channel | str,
    *,
    label: str,
    credentials: dict[str, str | None],
    enabled: bool,
    actor: Actor = SYSTEM,
    allow_loopback: bool = False,
) -> SocialAccount:
    """Create or update a network's account; blank credentials keep the saved ones.

    The audit entry names which credentials changed, never their values.
    """
    network = network_of(network)
    label = text(label, "the account name", MAX_LABEL, required=False, one_line=True)
    account = get_account(network)
    current = dict(account.credentials or {}) if account else {}
    # refuses before any write
    merged = _clean_credentials(network, credentials, current, allow_loopback=allow_loopback)
    changed = sorted(k for k in merged if merged[k] != current.get(k))
    with record_change(
        actor,
        "social.save",
        account,
        AUDITED_FIELDS,
        target_type="social_account",
        target_id=network.value,
    ) as change:
        if account is None:
            account = change.obj = SocialAccount(network=network, credentials={})
            db.session.add(account)
        account.label, account.enabled = label, enabled
        account.credentials = merged  # a new dict: JSON columns see reassignment, not mutation
        account.updated_at = utcnow()
        db.session.flush()
        _sync_contact(account)
        change.extra["credentials_changed"] = changed
    return account


def remove_account(network: Channel | str, *, actor: Actor = SYSTEM) -> None:
    """Forget the credentials; the account's contact point stays, inactive, with its history."""
    network = network_of(network)
    account = get_account(network)
    if account is None:
        raise NotFound(f"no {NETWORK_NAMES[network]} account")
    contact = (
        db.session.get(ContactPoint, account.contact_point_id) if account.contact_point_id else None
    )
    if contact is not None:
        contact.active = False
        contact.disabled_at, contact.disabled_reason = utcnow(), "account removed by staff"
    record_removed(
        actor,
        "social.remove",
        account,
        AUDITED_FIELDS,
        target_type="social_account",
        target_id=network.value,
    )
    db.session.delete(account)
    db.session.flush()


# --- adapters (built by channels.registry) ----------------------------------------------------


def enabled_accounts() -> list[SocialAccount]:
    """Every enabled account with all its credentials: the ones the engine posts through.

    An account missing a credential (saved only through this module, so never, unless edited
    by hand) is left out, and its deliveries wait, instead of failing every channel's batch.
    """
    enabled = db.session.scalars(select(SocialAccount).where(SocialAccount.enabled.is_(True)))
    return [
        account
        for account in enabled
        if all((account.credentials or {}).get(key) for key in KEYS[account.network])
    ]


def send_test_post(
    network: Channel | str,
    *,
    page_name: str,
    page_url: str,
    adapter: ChannelAdapter | None,
    actor: Actor = SYSTEM,
) -> Result:
    """Post a test message now through `adapter`, the account's own as deliveries use it
    (channels.registry.social_channel, enabled or not), and audit it; returns the adapter's
    result (the new post's id, or why it failed)."""
    network = network_of(network)
    account = get_account(network)
    if account is None or adapter is None:
        raise InvalidInput(f"save the {NETWORK_NAMES[network]} account's credentials first")
    stamp = utcnow().strftime("%Y-%m-%d %H:%M:%S UTC")
    words = f"Test post from {page_name}: status updates will appear here. ({stamp})"
    message = Message(
        subject=words, text=words, html="", short_text=words, url=page_url, social_text=words
    )
    outgoing = Outgoing(
        0,
        _address(network, account.label, account.credentials),
        message,
        idempotency_key=f"test-{uuid.uuid4()}",
    )
    (result,) = adapter.send([outgoing])
    record(
        actor,
        "social.test_post",
        target_type="social_account",
        target_id=network.value,
        after={"outcome": result.outcome, "post_id": result.provider_id, "error": result.error},
    )
    return result
