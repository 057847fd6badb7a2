"""The adapters that post to a URL someone registered, by channel name: webhook and chat.

The delivery registry (delivery.engine.channels) lists them, and registration sends its test
message through the same adapter that will carry the updates.
"""

from __future__ import annotations

from statuspage.channels.base import Channel
from statuspage.channels.discord import DiscordChannel
from statuspage.channels.slack import SlackChannel
from statuspage.channels.teams import TeamsChannel
from statuspage.channels.webhook import WebhookChannel

ADAPTERS = {
    "webhook": WebhookChannel,
    "slack": SlackChannel,
    "teams": TeamsChannel,
    "discord": DiscordChannel,
}


def endpoint_channels(timeout: float, *, allow_loopback: bool = False) -> dict[str, Channel]:
    """One adapter per endpoint channel, each call with `timeout` seconds at most, each
    posting to public addresses only (loopback too with `allow_loopback`)."""
    return {
        name: adapter(timeout=timeout, allow_loopback=allow_loopback)
        for name, adapter in ADAPTERS.items()
    }
