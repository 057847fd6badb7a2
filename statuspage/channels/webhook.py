"""Signed webhooks: Statuspage's webhook bodies, signed per Standard Webhooks.

Every request carries `webhook-id`, `webhook-timestamp` and `webhook-signature` (HMAC-SHA256
of "id.timestamp.body" with the contact point's "whsec_..." secret, made by the
`standardwebhooks` package), so a receiver verifies it with any Standard Webhooks library.

A delivery is one notice for one endpoint and may be several events: the `incident` body
first, then one `component_update` body per component the update changed and the
subscriber follows. Each event is its own POST with its own `webhook-id`: the delivery's
idempotency key for the incident, "<key>-component-<component id>" for a component update,
the same on every retry. The delivery counts as sent when every event was answered 2xx; a
failure stops there and the retry posts them all again, so a receiver that drops a
`webhook-id` it has seen (as Standard Webhooks asks) takes each event once.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError

from statuspage.channels.base import Outgoing, Result
from statuspage.channels.http import endpoint_session, json_body, post
from statuspage.clock import utcnow


def events(outgoing: Outgoing) -> list[tuple[str, Mapping[str, Any]]]:
    """(webhook-id, body) of each request this delivery makes, in order."""
    key = outgoing.idempotency_key
    found: list[tuple[str, Mapping[str, Any]]] = [(key, outgoing.message.payload)]
    for body in outgoing.message.component_updates:
        found.append((f"{key}-component-{body['component_update']['component_id']}", body))
    return found


class WebhookChannel:
    name = "webhook"

    def __init__(self, *, timeout: float, allow_loopback: bool = False) -> None:
        self._timeout = timeout
        self._allow_loopback = allow_loopback

    def send(self, batch: Sequence[Outgoing]) -> list[Result]:
        with endpoint_session(allow_loopback=self._allow_loopback) as session:
            return [self._send_one(session, outgoing) for outgoing in batch]

    def _send_one(self, session: requests.Session, outgoing: Outgoing) -> Result:
        if not outgoing.message.payload:
            return Result(outgoing.delivery_id, "permanent", error="nothing to send")
        try:
            signer = Webhook(outgoing.secret or "")
        except (EmptyWebhookSecretError, binascii.Error, ValueError) as exc:
            return Result(outgoing.delivery_id, "permanent", error=f"no usable secret: {exc}")
        for webhook_id, body in events(outgoing):
            data = json_body(body)
            at = utcnow()
            headers = {
                "webhook-id": webhook_id,
                "webhook-timestamp": str(int(at.timestamp())),
                "webhook-signature": signer.sign(webhook_id, at, data.decode()),
            }
            result = post(
                session,
                outgoing.delivery_id,
                outgoing.address,
                data,
                timeout=self._timeout,
                headers=headers,
                provider_id=outgoing.idempotency_key,
            )
            if result.outcome != "sent":
                return result
        return Result(outgoing.delivery_id, "sent", provider_id=outgoing.idempotency_key)
