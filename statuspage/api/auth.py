"""Who is calling the management API: an API key from the Authorization header, and its role.

Statuspage clients send `Authorization: OAuth <key>`; everything else speaks
`Authorization: Bearer <key>`. Both are read here, once per request: the rate limiter
(which runs first) and the blueprint's guard share the answer through the request's
environ, not `g`, which tests share across many requests inside one app context.
"""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import Unauthorized

from statuspage.audit.trail import Actor
from statuspage.extensions import db
from statuspage.models import ApiKey
from statuspage.staff.accounts import api_key_for
from statuspage.staff.permissions import Action, require

SCHEMES = frozenset({"oauth", "bearer"})
DEFAULT_RATE_LIMIT = "60 per minute"
INTAKE_RATE_LIMIT = "600 per minute"  # per address: a counter of its own
INTAKE_ENDPOINTS = frozenset({"api.alerts_by_path", "api.alerts_by_bearer"})
_UNSET = object()
_ENVIRON_KEY = "herald.api_key"


def _presented_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() not in SCHEMES:
        return None
    secret = secret.strip()
    # A real key is short ASCII; anything else cannot match, so it never reaches the database.
    if not secret or len(secret) > 200 or not secret.isascii() or "\x00" in secret:
        return None
    return secret


def caller() -> ApiKey | None:
    """The live API key this request presents, or None (looked up once per request)."""
    key = request.environ.get(_ENVIRON_KEY, _UNSET)
    if key is _UNSET:
        secret = _presented_secret()
        key = api_key_for(secret) if secret else None
        request.environ[_ENVIRON_KEY] = key
    return key  # type: ignore[return-value]


def rate_limit_key() -> str:
    """Limits count per API key; callers without a valid key share their address's budget.

    Keying on the key's id (not the presented string) means guessing secrets spends the
    guesser's own address budget, never a fresh one per guess.
    """
    key = caller()
    return f"api-key:{key.id}" if key is not None else f"addr:{get_remote_address()}"


def rate_limit() -> str:
    """The budget of this request's key (or address). Alert intake has its own, larger one:
    a monitoring tool posts a burst when much fails at once (Uptime Kuma, one post per
    monitor, never retries), and an outage must not spend the management API's budget."""
    if request.endpoint in INTAKE_ENDPOINTS:
        return INTAKE_RATE_LIMIT
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


def authenticate() -> ApiKey:
    """The caller's key, or a 401; records when the key was last used."""
    key = caller()
    if key is None:
        raise Unauthorized(
            "send a valid API key as 'Authorization: OAuth <key>' or 'Authorization: Bearer <key>'"
        )
    db.session.commit()  # keeps last_used_at, which the admin shows beside each key
    return key


def authorize(key: ApiKey, action: Action) -> None:
    """403 unless the key's role allows `action` (permissions.Forbidden)."""
    require(key.role, action)


def actor() -> Actor:
    """The audit trail's name for this caller: `api:<id> <name>` and the client address."""
    key = caller()
    assert key is not None, "only guarded views ask who the actor is"
    return Actor.api_key(key, ip=request.remote_addr)
