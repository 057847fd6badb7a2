"""POST a JSON body to an endpoint and read the answer as a delivery outcome.

Shared by the adapters that post to a URL someone registered (webhook, Slack, Teams,
Discord), so all four read HTTP alike:

- 2xx: sent.
- 408, 425, 429, 5xx, a timeout, a connection that failed: retry later (a Retry-After in
  seconds sets the earliest retry).
- `gone` (410 everywhere; 404 too on the chat platforms, whose hosts are checked at
  registration, so a 404 there means the hook was deleted): permanent, and the contact
  point is disabled at once.
- anything else (other 4xx, and 3xx: redirects are not followed, so a request never lands
  on a host nobody registered): permanent.
- a host that now resolves to a private, local or reserved address: permanent. Registration
  checked the name's addresses, but DNS can answer otherwise later (DNS rebinding): the
  address each connection actually reached is checked again, before a byte is sent.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from statuspage.channels.base import Result
from statuspage.clock import utcnow

USER_AGENT = "Herald-Webhooks/1.0"
RETRY_STATUSES = frozenset({408, 425, 429})
GONE = frozenset({410})
MAX_RETRY_AFTER = timedelta(hours=1)
_DETAIL = 200  # characters of an error answer kept in the delivery log


# IPv6 prefixes that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052's
# well-known prefix, and RFC 8215's local-use one), IPv4-compatible (::a.b.c.d, RFC 4291
# §2.5.5.1) and IPv4-translated (::ffff:0:a.b.c.d, RFC 2765). Python calls most of them
# global whatever the IPv4 inside: a gateway would hand 64:ff9b::7f00:1 to 127.0.0.1.
_CARRIES_IPV4 = tuple(
    ipaddress.ip_network(prefix)
    for prefix in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96")
)


def is_public(address: str) -> bool:
    """Whether Herald may connect to `address` (an IP, perhaps with an IPv6 zone): a global
    address, and for IPv6, one whose embedded IPv4 (mapped, 6to4, NAT64, compatible,
    translated) is global too."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if not ip.is_global:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and any(ip in prefix for prefix in _CARRIES_IPV4):
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None and not inner.is_global:
            return False
    return True


LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback_host(host: str) -> bool:
    """A URL's host that names this machine: localhost, 127.0.0.0/8, ::1."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PrivateAddressRefused(NewConnectionError):
    """The connection reached an address that is not public: closed before anything was sent."""


def _public_only(base: type[HTTPConnection], allow_loopback: bool) -> type[HTTPConnection]:
    """`base`, checking the peer of every socket it opens (whatever DNS said to open)."""

    class PublicOnlyConnection(base):  # type: ignore[valid-type, misc]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            peer = sock.getpeername()[0]
            loopback = ipaddress.ip_address(peer.split("%")[0]).is_loopback
            if not (is_public(peer) or (allow_loopback and loopback)):
                sock.close()
                raise PrivateAddressRefused(
                    self,
                    f"{self.host} is now at {peer}, which is not a public address: "
                    "Herald posts only to public hosts",
                )
            return sock

    return PublicOnlyConnection


class PublicOnlyAdapter(HTTPAdapter):
    """A transport whose connections may reach public addresses only (and loopback, when
    `allow_loopback`: tests and debugging, as at registration)."""

    def __init__(self, *, allow_loopback: bool = False) -> None:
        self._allow_loopback = allow_loopback
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        allow = self._allow_loopback
        self.poolmanager.pool_classes_by_scheme = {
            "http": type(
                "PublicOnlyHTTPPool",
                (HTTPConnectionPool,),
                {"ConnectionCls": _public_only(HTTPConnection, allow)},
            ),
            "https": type(
                "PublicOnlyHTTPSPool",
                (HTTPSConnectionPool,),
                {"ConnectionCls": _public_only(HTTPSConnection, allow)},
            ),
        }


def endpoint_session(*, allow_loopback: bool = False) -> requests.Session:
    """A session for posting to URLs that someone registered: public addresses only.

    It ignores proxy settings from the environment: a proxy resolves the name itself, past
    the check on the address.
    """
    session = requests.Session()
    session.trust_env = False
    adapter = PublicOnlyAdapter(allow_loopback=allow_loopback)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _refusal(exc: requests.ConnectionError) -> PrivateAddressRefused | None:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return reason if isinstance(reason, PrivateAddressRefused) else None


def json_body(body: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON: what is signed is exactly what is sent."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def post(
    session: requests.Session,
    delivery_id: int,
    url: str,
    body: bytes,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    gone: Collection[int] = GONE,
    provider_id: str | None = None,
    throttled: Callable[[requests.Response], bool] | None = None,
) -> Result:
    """One POST; the answer as a Result (see the module docstring). `throttled` says when a
    2xx answer is really "try again later" (Teams' connectors answer 200 to some)."""
    try:
        response = session.post(
            url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **(headers or {}),
            },
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.Timeout as exc:
        return Result(delivery_id, "retry", error=f"timeout after {timeout:g} s: {exc}")
    except requests.ConnectionError as exc:
        refused = _refusal(exc)
        if refused is not None:
            return Result(delivery_id, "permanent", error=refused._message)
        return Result(delivery_id, "retry", error=f"connection: {exc}")
    except requests.RequestException as exc:  # an invalid URL, too many redirects...
        return Result(delivery_id, "permanent", error=f"request: {exc}")
    with response:
        if throttled is not None and response.ok and throttled(response):
            error = f"HTTP {response.status_code} but throttled: {response.text[:_DETAIL]}"
            return Result(delivery_id, "retry", error=error)
        return outcome(delivery_id, response, gone=gone, provider_id=provider_id)


def outcome(
    delivery_id: int,
    response: requests.Response,
    *,
    gone: Collection[int] = GONE,
    provider_id: str | None = None,
) -> Result:
    status = response.status_code
    if 200 <= status < 300:
        return Result(delivery_id, "sent", provider_id=provider_id)
    error = f"HTTP {status}: {response.text[:_DETAIL]}".strip()
    if status in gone:
        return Result(delivery_id, "permanent", error=error, gone=True)
    if status in RETRY_STATUSES or status >= 500:
        return Result(delivery_id, "retry", error=error, not_before=_retry_after(response))
    if 300 <= status < 400:
        error = f"HTTP {status}: redirects are not followed ({response.headers.get('Location')})"
    return Result(delivery_id, "permanent", error=error)


def _retry_after(response: requests.Response) -> datetime | None:
    """Retry-After in seconds (the form the chat platforms use), capped at an hour."""
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    if seconds <= 0:
        return None
    return utcnow() + min(timedelta(seconds=seconds), MAX_RETRY_AFTER)
