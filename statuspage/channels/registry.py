"""Which adapter carries each channel, built from the app's config: the one channel registry.

The worker sends deliveries through `channels()`; the one-off messages (delivery.transactional)
through `channel(name)`; the "send a test" buttons through `endpoint_channel` (a webhook or
chat endpoint's welcome and verify messages) and `social_channel` (a social account's test
post). So a test goes through the very adapter, built the same way, that carries the updates.
The adapters stay Flask-free, one file each: this module alone reads the config for them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app

from statuspage.channels.base import Channel as ChannelAdapter
from statuspage.channels.discord import DiscordChannel
from statuspage.channels.email import EmailChannel
from statuspage.channels.mastodon import MastodonChannel
from statuspage.channels.slack import SlackChannel
from statuspage.channels.sms import from_config as sms_from_config
from statuspage.channels.sms import offered as sms_offered
from statuspage.channels.teams import TeamsChannel
from statuspage.channels.webhook import WebhookChannel
from statuspage.channels.webpush import WebPushChannel
from statuspage.channels.x import XChannel
from statuspage.models import Channel, SocialAccount
from statuspage.social import accounts
from statuspage.vapid import vapid_keys

# The adapters that post to a URL someone registered, by channel name: webhook and chat.
ENDPOINT_ADAPTERS = {
    "webhook": WebhookChannel,
    "slack": SlackChannel,
    "teams": TeamsChannel,
    "discord": DiscordChannel,
}


def endpoint_channels(timeout: float, *, allow_loopback: bool = False) -> dict[str, ChannelAdapter]:
    """One adapter per endpoint channel, each call with `timeout` seconds at most, each
    posting to public addresses only (loopback too with `allow_loopback`)."""
    return {
        name: adapter(timeout=timeout, allow_loopback=allow_loopback)
        for name, adapter in ENDPOINT_ADAPTERS.items()
    }


def allow_loopback() -> bool:
    """Targets on this machine (webhooks, chat hooks, a Mastodon server) only where
    ALLOW_LOOPBACK_TARGETS says so, or in the test suite: the same rule at registration
    (public.endpoints, the admin's subscriber and social pages) and at every send."""
    return bool(current_app.config.get("ALLOW_LOOPBACK_TARGETS")) or current_app.testing


def endpoint_channel(name: str | Channel) -> ChannelAdapter:
    """The adapter of one endpoint channel ("webhook", "slack", "teams", "discord")."""
    name = name.value if isinstance(name, Channel) else name
    return endpoint_channels(_timeout(), allow_loopback=allow_loopback())[name]


def social_channel(network: str | Channel) -> ChannelAdapter | None:
    """The adapter of the network's saved account, enabled or not (its test post goes through
    it); None while no account is saved."""
    account = accounts.get_account(network)
    return _social(account) if account is not None else None


def channel(name: str) -> ChannelAdapter | None:
    """The adapter of a channel that needs no account (email, webpush, sms, an endpoint
    channel); None when it is not configured (SMS without Twilio)."""
    if name in ENDPOINT_ADAPTERS:
        return endpoint_channel(name)
    return _BUILDERS[name]()


def channels() -> dict[str, ChannelAdapter]:
    """Every configured adapter by channel name, each enabled social account's included."""
    built = {name: build() for name, build in _BUILDERS.items()}
    return {
        **{name: adapter for name, adapter in built.items() if adapter is not None},
        **{account.network.value: _social(account) for account in accounts.enabled_accounts()},
        **endpoint_channels(_timeout(), allow_loopback=allow_loopback()),
    }


def unconfigured() -> frozenset[str]:
    """The channels a contact path may name but no adapter can carry as configured now: "sms"
    while Twilio is not configured. Their deliveries are parked as stuck (delivery.engine)."""
    return frozenset() if sms_offered(current_app.config) else frozenset({"sms"})


def _timeout() -> float:
    return current_app.config["HTTP_TIMEOUT_SECONDS"]


def _email() -> ChannelAdapter:
    config = current_app.config
    mailbox = Path(config["INSTANCE_PATH"]) / "mail"  # the dev mailbox, without SMTP_URL
    return EmailChannel(config["SMTP_URL"], config["MAIL_FROM"], mailbox)


def _webpush() -> ChannelAdapter:
    config = current_app.config
    return WebPushChannel(
        vapid_keys(config["VAPID_PRIVATE_KEY"], Path(config["INSTANCE_PATH"])).signer,
        config["VAPID_SUBJECT"],
        ttl=config["PUSH_TTL_SECONDS"],
        timeout=_timeout(),
    )


def _sms() -> ChannelAdapter | None:
    return sms_from_config(current_app.config).get("sms")  # Twilio, when configured


def _social(account: SocialAccount) -> ChannelAdapter:
    """An account's adapter, with its own credentials."""
    creds = account.credentials
    options = {"timeout": _timeout()} if _timeout() else {}
    if account.network is Channel.x:
        return XChannel(
            creds["consumer_key"],
            creds["consumer_secret"],
            creds["access_token"],
            creds["access_token_secret"],
            **options,
        )
    return MastodonChannel(
        creds["base_url"], creds["access_token"], allow_loopback=allow_loopback(), **options
    )


_BUILDERS: dict[str, Callable[[], ChannelAdapter | None]] = {
    "email": _email,
    "webpush": _webpush,
    "sms": _sms,
}
