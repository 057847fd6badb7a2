"""Which endpoint URLs registration accepts, per platform; a webhook's host must be public."""

from __future__ import annotations

import base64
import socket

import pytest
from standardwebhooks import Webhook

from statuspage.core.errors import InvalidInput
from statuspage.models import Channel
from statuspage.subscribers.endpoint_urls import check_url
from statuspage.subscribers.endpoints import new_secret


def resolver(*addresses: str):
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


def no_such_host(host: str, port: int) -> list[str]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize(
    ("channel", "url"),
    [
        (Channel.slack, "https://hooks.slack.com/services/T000/B000/XXXX"),
        (Channel.discord, "https://discord.com/api/webhooks/123/abc"),
        (Channel.discord, "https://discordapp.com/api/webhooks/123/abc"),
        (Channel.teams, "https://acme.webhook.office.com/webhookb2/x/IncomingWebhook/y/z"),
        (Channel.teams, "https://prod-01.westus.logic.azure.com:443/workflows/x/triggers/manual"),
        (
            Channel.teams,
            "https://default1.2.environment.api.powerplatform.com:443/powerautomate/x",
        ),
    ],
)
def test_platform_urls_are_accepted(channel, url):
    assert check_url(channel, f"  {url} ") == url


def test_a_webhook_on_a_public_host_is_accepted():
    url = "https://hooks.example.com/status"
    assert check_url(Channel.webhook, url, resolve=resolver("93.184.215.14")) == url


@pytest.mark.parametrize(
    "addresses",
    [("10.0.0.5",), ("93.184.215.14", "127.0.0.1"), ("::1",), ("fd00::1",), ("100.64.0.1",)],
)
def test_a_webhook_host_that_resolves_inside_a_network_is_refused(addresses):
    with pytest.raises(InvalidInput, match="not a public address"):
        check_url(Channel.webhook, "https://hooks.example.com/x", resolve=resolver(*addresses))


@pytest.mark.parametrize(
    "literal",
    [
        "[64:ff9b::7f00:1]",  # NAT64, RFC 6052: a NAT64 gateway connects to 127.0.0.1
        "[64:ff9b::a00:5]",  # NAT64 to 10.0.0.5
        "[64:ff9b:1::7f00:1]",  # NAT64 local-use prefix, RFC 8215
        "[::127.0.0.1]",  # IPv4-compatible, RFC 4291 §2.5.5.1
        "[::ffff:0:7f00:1]",  # IPv4-translated, RFC 2765
        "[::ffff:127.0.0.1]",  # IPv4-mapped, RFC 4291 §2.5.5.2
        "[2002:7f00:1::1]",  # 6to4 around 127.0.0.1, RFC 3056
    ],
)
def test_an_ipv6_address_around_a_private_ipv4_is_refused(literal):
    """Each is a way to write a loopback or private IPv4 host as IPv6 (the forms an outside
    probe used); the literal is what the URL's host resolves to."""
    bare = literal.strip("[]")
    with pytest.raises(InvalidInput, match="not a public address"):
        check_url(Channel.webhook, f"https://{literal}/x", resolve=resolver(bare))


def test_an_ipv6_address_around_a_public_ipv4_is_accepted():
    url = "https://[64:ff9b::5db8:d70e]/x"  # NAT64 to 93.184.215.14
    assert check_url(Channel.webhook, url, resolve=resolver("64:ff9b::5db8:d70e")) == url


def test_a_webhook_host_that_does_not_resolve_is_refused():
    with pytest.raises(InvalidInput, match="could not find the host"):
        check_url(Channel.webhook, "https://nowhere.example/x", resolve=no_such_host)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "https://localhost/hook"])
def test_loopback_only_when_allowed(url):
    with pytest.raises(InvalidInput):
        check_url(Channel.webhook, url, resolve=resolver("127.0.0.1"))
    assert check_url(Channel.webhook, url, allow_loopback=True) == url
    assert check_url(Channel.slack, url, allow_loopback=True) == url


def test_http_elsewhere_is_refused_even_when_loopback_is_allowed():
    with pytest.raises(InvalidInput, match="https://"):
        check_url(Channel.webhook, "http://hooks.example.com/x", allow_loopback=True)


def test_a_secret_is_a_standard_webhooks_secret():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != new_secret()
    Webhook(secret)  # the receiving side's library takes it as it is
