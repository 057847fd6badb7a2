"""Web push to browsers (RFC 8030, 8291, 8292): per recipient only what must be per recipient.

The address is the browser's subscription as JSON (endpoint, keys.p256dh, keys.auth). What a
push costs is spent once where the RFCs allow it:
- the payload is serialised once per notice and language (payload_for, cached by content);
- the VAPID `Authorization` header is signed once per push service origin and reused until
  less than VAPID_REFRESH is left of its VAPID_LIFETIME (RFC 8292 §2: `exp` at most 24 h
  ahead), shared by every thread of the process (VapidHeaders);
- each worker thread keeps one urllib3 connection pool per push service origin, so the TCP
  (and TLS) connection is kept alive from one push and one batch to the next (_Pools); the
  proxy and CA settings of the environment are read once per origin and batch, as requests
  would apply them.
Only the aes128gcm encryption (RFC 8291: a fresh ephemeral key and salt, http_ece as pywebpush
uses it) is per recipient. HTTP/2 would multiplex a thread's pushes on one connection, but
requests and urllib3 speak HTTP/1.1 and the maintained client that does (httpx[http2]) is not a
dependency; with keep-alive per thread the connection set-up is already paid once per thread
and origin, so it would save little CPU.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

import http_ece
import requests
import urllib3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_ece import ECEException
from py_vapid import Vapid02
from requests.utils import DEFAULT_CA_BUNDLE_PATH, select_proxy

from statuspage.channels.base import Message, Outgoing, Result
from statuspage.clock import utcnow

TIMEOUT = 10.0
TTL = 24 * 3600
# RFC 8030 §5.3: how soon the browser should be woken. Resolutions and maintenance can wait;
# an outage should reach a phone in power-saving mode now.
URGENCY = {
    "critical": "high",
    "major": "high",
    "minor": "normal",
    "none": "normal",
    "maintenance": "low",
}
# Push services cap the encrypted body at 4096 bytes; aes128gcm adds a 86-byte header (salt,
# record size, sender key), a 16-byte tag and a 1-byte padding delimiter.
MAX_PAYLOAD = 4096 - 86 - 16 - 1
TITLE_CHARS = 120
BODY_CHARS = 240
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
PROVIDER_ID = 300
MAX_RETRY_AFTER = timedelta(hours=1)
# A signed VAPID header is good for 12 hours (as pywebpush signs it; RFC 8292 allows 24) and
# is signed again when less than an hour is left, so no push leaves with one about to expire.
VAPID_LIFETIME = 12 * 3600
VAPID_REFRESH = 3600
MAX_ORIGINS = 256  # origins kept per cache: a handful in practice (FCM, Mozilla, Apple, WNS)


def topic_for(incident_id: str) -> str:
    """The RFC 8030 Topic of an incident's messages: a newer update replaces an older one the
    push service still holds. At most 32 characters of the URL-safe base64 alphabet."""
    readable = f"incident-{incident_id}"
    if _TOPIC.fullmatch(readable):
        return readable
    digest = base64.urlsafe_b64encode(hashlib.sha256(incident_id.encode()).digest())
    return digest[:32].decode()


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def payload_for(message: Message) -> bytes:
    """What the service worker shows: title, a short body, the incident page to open, and a
    tag so the newest notification of an incident replaces the one before. Under 4 KB.
    Serialised once per notice and language in a process: every recipient of it gets the
    same bytes (only their encryption differs)."""
    return _payload(_payload_key(message))


@lru_cache(maxsize=64)
def _payload(key: tuple[str, ...]) -> bytes:
    title, subject, body_text, short_text, url, incident_id, update_id, status, impact = key
    body_limit = BODY_CHARS
    while True:
        data = json.dumps(
            {
                "title": _cut(title or subject, TITLE_CHARS),
                "body": _cut(body_text or short_text, body_limit),
                "url": url,
                "tag": f"incident-{incident_id}" if incident_id else "",
                "incident_id": incident_id,
                "update_id": update_id,
                "status": status,
                "impact": impact,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        # Only a body of long multi-byte characters comes near the limit: shorten it.
        if len(data) <= MAX_PAYLOAD or body_limit == 0:
            return data
        body_limit //= 2


def _payload_key(message: Message) -> tuple[str, ...]:
    """Everything payload_for reads, in _payload's order."""
    return (
        message.title,
        message.subject,
        message.body_text,
        message.short_text,
        message.url,
        message.incident_id,
        message.update_id,
        message.status,
        message.impact,
    )


def _origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def _environment_for(origin: str) -> tuple[str | None, bool | str]:
    """The proxy (HTTPS_PROXY, NO_PROXY ...) and CA bundle (REQUESTS_CA_BUNDLE, else certifi's)
    the environment sets for this push service, as requests itself would apply them."""
    with requests.Session() as probe:
        found = probe.merge_environment_settings(origin + "/", {}, None, True, None)
    verify = found["verify"]
    return select_proxy(origin + "/", found["proxies"]), (
        DEFAULT_CA_BUNDLE_PATH if verify is True else verify
    )


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(payload: bytes, p256dh: str, auth: str) -> bytes:
    """RFC 8291 aes128gcm for one subscriber: a fresh ephemeral P-256 key and salt each time,
    as pywebpush does it (WebPusher.encode), without its per-call copies."""
    receiver = _b64url_decode(p256dh)
    if len(receiver) != 65 or receiver[0] != 4:
        raise ValueError("p256dh is not an uncompressed P-256 point")
    return http_ece.encrypt(
        payload,
        salt=None,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=receiver,
        auth_secret=_b64url_decode(auth),
        version="aes128gcm",
    )


class VapidHeaders:
    """The VAPID `Authorization` header per (key, subject, push service origin), signed once and
    reused by every thread until less than `refresh` seconds are left of its `lifetime`.
    `clock` is the Unix time the JWT's `exp` is counted in (the wall clock, never a drill's
    simulated time: the push service checks it against its own)."""

    def __init__(
        self,
        *,
        lifetime: int = VAPID_LIFETIME,
        refresh: int = VAPID_REFRESH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lifetime = lifetime
        self._refresh = refresh
        self._clock = clock
        self._lock = threading.Lock()
        self._signed: dict[tuple[bytes, str, str], tuple[str, int]] = {}
        self.signatures = 0  # how many headers were signed (for tests and profiles)

    def header(self, signer: Vapid02, public_key: bytes, subject: str, origin: str) -> str:
        key = (public_key, subject, origin)
        now = int(self._clock())
        found = self._signed.get(key)  # a dict read is atomic; the lock guards the signing
        if found is not None and found[1] - now > self._refresh:
            return found[0]
        with self._lock:
            found = self._signed.get(key)
            if found is not None and found[1] - now > self._refresh:
                return found[0]  # another thread signed it meanwhile
            exp = now + self._lifetime
            signed = signer.sign({"sub": subject, "aud": origin, "exp": exp})["Authorization"]
            if len(self._signed) >= MAX_ORIGINS:
                self._signed.clear()
            self._signed[key] = (signed, exp)
            self.signatures += 1
            return signed


# One per process: every channel built for a batch (statuspage.channels.registry) shares it.
VAPID_HEADERS = VapidHeaders()


class _Pools(threading.local):
    """Per thread, one connection pool per push service origin (and proxy and CA bundle), kept
    between batches so its connection stays open (HTTP keep-alive); never shared between
    threads. urllib3 (what requests sends with) directly: requests' per-request merging of
    session settings cost more CPU than the encryption."""

    def __init__(self) -> None:
        self.managers: dict[tuple[str | None, bool | str], urllib3.PoolManager] = {}

    def get(self, proxy: str | None, verify: bool | str) -> urllib3.PoolManager:
        manager = self.managers.get((proxy, verify))
        if manager is None:
            tls: dict[str, str] = (
                {"cert_reqs": "CERT_NONE"} if verify is False else {"ca_certs": str(verify)}
            )
            options = {"num_pools": MAX_ORIGINS, "maxsize": 1, "retries": False, **tls}
            manager = (
                urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
            )
            self.managers[(proxy, verify)] = manager
        return manager

    def drop(self, proxy: str | None, verify: bool | str) -> None:
        """Forget the connections after a failure: the next push opens a new one."""
        manager = self.managers.pop((proxy, verify), None)
        if manager is not None:
            manager.clear()


_pools = _Pools()


class WebPushChannel:
    name = "webpush"

    def __init__(
        self,
        signer: Vapid02,
        subject: str,
        *,
        ttl: int = TTL,
        timeout: float = TIMEOUT,
        vapid_headers: VapidHeaders | None = None,
    ) -> None:
        self._signer = signer
        self._public_key = signer.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self._subject = subject
        self._ttl = str(ttl)
        self._timeout = timeout
        self._vapid = vapid_headers or VAPID_HEADERS

    def send(self, batch: Sequence[Outgoing]) -> list[Result]:
        unreachable: set[str] = set()  # push services that did not answer in this batch
        settings: dict[str, tuple[str | None, bool | str]] = {}  # by push service
        return [
            self._send_one(outgoing, payload_for(outgoing.message), unreachable, settings)
            for outgoing in batch
        ]

    def _send_one(
        self,
        outgoing: Outgoing,
        payload: bytes,
        unreachable: set[str],
        settings: dict[str, tuple[str | None, bool | str]],
    ) -> Result:
        delivery_id = outgoing.delivery_id
        try:
            subscription = json.loads(outgoing.address)
            endpoint = subscription["endpoint"]
            origin = _origin(endpoint)
            keys = subscription["keys"]
            p256dh, auth = keys["p256dh"], keys["auth"]
        except (ValueError, KeyError, TypeError):
            return Result(delivery_id, "permanent", error="not a push subscription", gone=True)
        if origin in unreachable:
            return Result(delivery_id, "retry", error=f"{origin} unreachable earlier in batch")
        try:
            body = encrypt(payload, p256dh, auth)
        except (ValueError, TypeError, AttributeError, ECEException) as exc:
            return Result(delivery_id, "permanent", error=f"bad keys: {exc}", gone=True)
        if origin not in settings:  # looked up once per push service per batch
            settings[origin] = _environment_for(origin)
        proxy, verify = settings[origin]
        message = outgoing.message
        headers = {
            "Authorization": self._vapid.header(
                self._signer, self._public_key, self._subject, origin
            ),
            "Content-Encoding": "aes128gcm",
            "TTL": self._ttl,
            "Urgency": URGENCY.get(message.impact, "normal"),
        }
        if message.incident_id:
            headers["Topic"] = topic_for(message.incident_id)
        try:
            # A push service answers the POST itself; a redirect is never followed to a
            # second address the subscriber did not give (redirect=False, _answered).
            response = _pools.get(proxy, verify).request(
                "POST",
                endpoint,
                body=body,
                headers=headers,
                timeout=self._timeout,
                redirect=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # refused, reset, timed out
            unreachable.add(origin)
            _pools.drop(proxy, verify)
            return Result(delivery_id, "retry", error=f"connection: {exc}"[:500])
        return self._answered(delivery_id, response)

    @staticmethod
    def _answered(delivery_id: int, response: urllib3.BaseHTTPResponse) -> Result:
        status = response.status
        if 200 <= status < 300:
            # The message's URL at the push service, if it says (the column holds 300).
            location = response.headers.get("Location") or None
            return Result(delivery_id, "sent", provider_id=location and location[:PROVIDER_ID])
        if 300 <= status < 400:
            return Result(delivery_id, "permanent", error="push service redirected")
        text = response.data[:200].decode(errors="replace")
        error = f"{status} {response.reason}: {text}".strip()
        if status in (404, 410):  # the browser unsubscribed or the subscription expired
            return Result(delivery_id, "permanent", error=error, gone=True)
        if status == 429 or status >= 500:
            retry_after = response.headers.get("Retry-After")
            suffix = f" (Retry-After {retry_after})" if retry_after else ""
            return Result(
                delivery_id, "retry", error=error + suffix, not_before=_not_before(retry_after)
            )
        return Result(delivery_id, "permanent", error=error)


def _not_before(retry_after: str | None) -> datetime | None:
    """RFC 9110 Retry-After (seconds or an HTTP date) as a time, at most an hour away."""
    if not retry_after:
        return None
    now = utcnow()
    try:
        at = now + timedelta(seconds=float(retry_after))
    except ValueError:
        try:
            at = parsedate_to_datetime(retry_after).astimezone(UTC)
        except (TypeError, ValueError):
            return None
    return min(at, now + MAX_RETRY_AFTER) if at > now else None
