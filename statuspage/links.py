"""Signed, expiring links in messages (manage, unsubscribe, acknowledge, confirm, sign in),
and the signed-in viewer's cookie."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

DAY = 24 * 3600
MAX_AGE = {
    "confirm": 2 * DAY,
    "manage": 60 * DAY,
    "unsubscribe": 60 * DAY,
    "ack": 14 * DAY,
    "endpoint": 2 * DAY,  # a webhook's "Verify" button (subscribers.endpoints)
    "sign_in": 30 * 60,  # a private viewer's magic link (audience.viewers), single use
    "viewer": 14 * DAY,  # the signed-in viewer's identity cookie (public.viewing)
}


class BadLink(Exception):
    """The link is forged, for another purpose, or expired."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"herald.{purpose}")


def sign(purpose: str, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


def verify(purpose: str, token: str) -> Any:
    try:
        return _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except (SignatureExpired, BadSignature) as exc:
        raise BadLink(str(exc)) from exc


def link(purpose: str, payload: Any, path: str) -> str:
    return f"{current_app.config['BASE_URL']}{path}/{sign(purpose, payload)}"
