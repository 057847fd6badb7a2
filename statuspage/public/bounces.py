"""The bounce webhook: a mail provider or a mail worker posts a bounce it received for
BOUNCE_ADDRESS, and it is taken as `flask bounce-intake` takes one (delivery.bounces).

`POST /bounces/inbound/<BOUNCE_WEBHOOK_TOKEN>`, a form (multipart or urlencoded) whose field
`email` holds the raw message, as SendGrid's Inbound Parse posts it with "POST the raw, full
MIME message" on; its `envelope` field's `to` names the envelope recipient (else the
message's own Delivered-To/To say it). Raw bodies are refused before any view, as everywhere
(request_hygiene). The secret in the path is the authorisation (providers can rarely set a
header); a wrong one, or no webhook configured, is a 404, so the URL tells no one it exists.
The answer is one word of what happened: a provider needs no more, and retries a 5xx.
"""

from __future__ import annotations

import hmac
import json

from flask import Response, current_app, request

from statuspage.delivery.bounces import take_bounce
from statuspage.extensions import csrf, db


def _answer(text: str, status: int = 200) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _envelope_recipients(raw: str) -> list[str]:
    """SendGrid's `envelope` field: {"to": [...], "from": "..."}; anything else: none."""
    try:
        envelope = json.loads(raw or "{}")
    except ValueError:
        return []
    to = envelope.get("to") if isinstance(envelope, dict) else None
    return [str(address) for address in to] if isinstance(to, list) else []


def inbound(token: str) -> Response:
    config = current_app.config
    expected = config["BOUNCE_WEBHOOK_TOKEN"]
    if not (expected and config["BOUNCE_ADDRESS"]) or not hmac.compare_digest(
        token.encode(), expected.encode()
    ):
        return _answer("Not found.", 404)
    raw = request.form.get("email", "")
    if not raw.strip():
        return _answer("Post the bounce as the form field 'email': the raw message.", 400)
    taken = take_bounce(raw.encode(), _envelope_recipients(request.form.get("envelope", "")))
    db.session.commit()
    return _answer(taken.outcome)


csrf.exempt(inbound)  # a provider posts it, with no session; the secret path authorises it
