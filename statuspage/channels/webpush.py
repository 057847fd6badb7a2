"""Web push to browsers (RFC 8030, 8291, 8292) through pywebpush: one HTTP session per batch.

The address is the browser's subscription as JSON (endpoint, keys.p256dh, keys.auth). Each
message is encrypted for its subscriber (aes128gcm) and signed with a VAPID JWT whose claims
are built fresh per send: pywebpush writes `aud` and `exp` into the dict it is given, so a
shared dict would carry one push service's audience to the next.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from http_ece import ECEException
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

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
    tag so the newest notification of an incident replaces the one before. Under 4 KB."""
    body_limit = BODY_CHARS
    while True:
        data = json.dumps(
            {
                "title": _cut(message.title or message.subject, TITLE_CHARS),
                "body": _cut(message.body_text or message.short_text, body_limit),
                "url": message.url,
                "tag": f"incident-{message.incident_id}" if message.incident_id else "",
                "incident_id": message.incident_id,
                "update_id": message.update_id,
                "status": message.status,
                "impact": message.impact,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        # Only a body of long multi-byte characters comes near the limit: shorten it.
        if len(data) <= MAX_PAYLOAD or body_limit == 0:
            return data
        body_limit //= 2


def _payload_key(message: Message) -> tuple[str, ...]:
    """Everything payload_for reads."""
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


def _environment_for(origin: str) -> tuple[dict[str, str], bool | str]:
    """The proxies (HTTPS_PROXY, NO_PROXY ...) and CA bundle (REQUESTS_CA_BUNDLE) the
    environment sets for this push service, as requests itself would apply them."""
    with requests.Session() as probe:
        found = probe.merge_environment_settings(origin + "/", {}, None, True, None)
    return found["proxies"], found["verify"]


class WebPushChannel:
    name = "webpush"

    def __init__(
        self, signer: Vapid02, subject: str, *, ttl: int = TTL, timeout: float = TIMEOUT
    ) -> None:
        self._signer = signer
        self._subject = subject
        self._ttl = ttl
        self._timeout = timeout

    def send(self, batch: Sequence[Outgoing]) -> list[Result]:
        # The payload is the same for every recipient of a notice: built once per batch.
        payloads: dict[tuple[str, ...], bytes] = {}
        unreachable: set[str] = set()  # push services that did not answer in this batch
        settings: dict[str, tuple[dict[str, str], bool | str]] = {}  # by push service
        with requests.Session() as session:
            # A push service answers the POST itself; a redirect is never followed to a
            # second address the subscriber did not give.
            session.max_redirects = 0
            # requests would read the proxy and CA settings from the environment again for
            # every request (a sixth of a push's CPU); they are looked up once per push
            # service per batch instead (_environment_for), with the same result.
            session.trust_env = False
            results = []
            for outgoing in batch:
                key = _payload_key(outgoing.message)
                if key not in payloads:
                    payloads[key] = payload_for(outgoing.message)
                results.append(
                    self._send_one(session, outgoing, payloads[key], unreachable, settings)
                )
            return results

    def _send_one(
        self,
        session: requests.Session,
        outgoing: Outgoing,
        payload: bytes,
        unreachable: set[str],
        settings: dict[str, tuple[dict[str, str], bool | str]],
    ) -> Result:
        delivery_id = outgoing.delivery_id
        try:
            subscription = json.loads(outgoing.address)
            origin = _origin(subscription["endpoint"])
        except (ValueError, KeyError, TypeError):
            return Result(delivery_id, "permanent", error="not a push subscription", gone=True)
        if origin in unreachable:
            return Result(delivery_id, "retry", error=f"{origin} unreachable earlier in batch")
        if origin not in settings:
            settings[origin] = _environment_for(origin)
        session.proxies, session.verify = settings[origin]
        message = outgoing.message
        headers = {"Urgency": URGENCY.get(message.impact, "normal")}
        if message.incident_id:
            headers["Topic"] = topic_for(message.incident_id)
        try:
            response = webpush(
                subscription,
                data=payload,  # type: ignore[arg-type]  # bytes are sent as they are
                vapid_private_key=self._signer,
                vapid_claims={"sub": self._subject},  # fresh per send: see the docstring
                content_encoding="aes128gcm",
                ttl=self._ttl,
                headers=headers,  # type: ignore[arg-type]
                timeout=self._timeout,
                requests_session=session,
            )
        except WebPushException as exc:
            if exc.response is None:  # refused before sending: keys that cannot be used
                return Result(delivery_id, "permanent", error=exc.message, gone=True)
            return self._answered(delivery_id, exc.response)
        except requests.TooManyRedirects:
            return Result(delivery_id, "permanent", error="push service redirected")
        except requests.RequestException as exc:  # refused, reset, timed out
            unreachable.add(origin)
            return Result(delivery_id, "retry", error=f"connection: {exc}"[:500])
        except (ValueError, ECEException) as exc:  # a key that is not a P-256 point
            return Result(delivery_id, "permanent", error=f"bad keys: {exc}", gone=True)
        return self._answered(delivery_id, response)  # type: ignore[arg-type]

    @staticmethod
    def _answered(delivery_id: int, response: requests.Response) -> Result:
        status = response.status_code
        if 200 <= status < 300:
            # The message's URL at the push service, if it says (the column holds 300).
            location = response.headers.get("Location") or None
            return Result(delivery_id, "sent", provider_id=location and location[:PROVIDER_ID])
        error = f"{status} {response.reason}: {response.text[:200]}".strip()
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
