"""The URLs Herald may post an endpoint's updates to, and the names of the endpoint kinds.

https only, and for chat (Slack, Teams, Discord) on the platform's own host. Loopback
addresses (and plain http to them) are accepted only when the caller allows them (the app
in testing or debug mode), and a webhook's host must resolve to public addresses only, so a
registration never makes Herald post into its own network.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _

from statuspage.channels.http import is_loopback_host, is_public
from statuspage.core.errors import InvalidInput
from statuspage.models import Channel

LABELS = {
    Channel.webhook: "Webhook",
    Channel.slack: "Slack",
    Channel.teams: "Microsoft Teams",
    Channel.discord: "Discord",
}
MAX_URL = 2000


@dataclass(frozen=True)
class Platform:
    hosts: tuple[str, ...]  # exact names; a leading dot: any name under it
    path: str  # what the path starts with
    example: str  # what a right URL looks like, for the error message


PLATFORMS = {
    Channel.slack: Platform(
        ("hooks.slack.com",), "/services/", "https://hooks.slack.com/services/…"
    ),
    Channel.discord: Platform(
        ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"),
        "/api/webhooks/",
        "https://discord.com/api/webhooks/…",
    ),
    # Office 365 connectors, and Workflows (Power Automate) that replace them.
    Channel.teams: Platform(
        (".webhook.office.com", ".logic.azure.com", ".environment.api.powerplatform.com"),
        "/",
        "https://<tenant>.webhook.office.com/webhookb2/… or a Workflows URL "
        "(logic.azure.com, powerplatform.com)",
    ),
}

# How a webhook's host is resolved; a parameter so a caller may pin it.
Resolver = Callable[[str, int], list[str]]


def resolve_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (what a webhook's URL would reach)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]


def _on_platform(host: str, platform: Platform) -> bool:
    return any(
        host.endswith(name) if name.startswith(".") else host == name for name in platform.hosts
    )


def check_url(
    channel: Channel,
    raw: str,
    *,
    allow_loopback: bool = False,
    resolve: Resolver = resolve_addresses,
) -> str:
    """The URL as it will be used, or InvalidInput saying what is wrong with it."""
    url = (raw or "").strip()
    if not url:
        raise InvalidInput(_("Enter the endpoint's URL."))
    if len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidInput(_("That URL is too long or has spaces in it."))
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError as exc:
        raise InvalidInput(
            _("That is not a URL Herald can post to (%(problem)s).", problem=exc)
        ) from exc
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInput(_("Enter a full URL, starting with https://."))
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            _("Put no user name or password in the URL: Herald signs each request instead.")
        )
    local = allow_loopback and is_loopback_host(host)
    if parts.scheme != "https" and not local:
        raise InvalidInput(_("The URL must start with https://."))
    if local:
        return url
    platform = PLATFORMS.get(channel)
    if platform is not None:
        if not _on_platform(host, platform) or not parts.path.startswith(platform.path):
            raise InvalidInput(
                _(
                    "A %(service)s webhook URL looks like %(example)s.",
                    service=LABELS[channel],
                    example=platform.example,
                )
            )
        return url
    try:
        addresses = resolve(host, port or 443)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(_("Herald could not find the host %(host)s.", host=host)) from exc
    for address in addresses:
        if not is_public(address):
            raise InvalidInput(
                _(
                    "%(host)s is not a public address (it is private, local or reserved): "
                    "Herald posts only to public hosts.",
                    host=host,
                )
            )
    return url
