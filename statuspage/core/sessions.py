"""Server-side sessions, for staff and for private viewers alike (models/sessions.py).

A session is a random secret in a signed cookie and a row keyed by the secret's hash: the
cookie proves nothing by itself; the row says the session is still on. Signing out ends the
row, so a copy of the cookie (saved, stolen, left on a shared computer) stops working at once
instead of living on for the cookie's lifetime.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, or_, update

from statuspage.extensions import db
from statuspage.models import StaffSession, ViewerSession

S = TypeVar("S", StaffSession, ViewerSession)
# Rows older than this are removed when a session starts: no cookie lives that long (the
# viewer's identity lasts 14 days, the staff's session cookie ends with the browser).
KEEP = timedelta(days=30)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(model: type[S], now: datetime, **owner: object) -> str:
    """A new session for `owner` (user_id= or email=), flushed; returns its secret."""
    db.session.execute(
        delete(model).where(or_(model.created_at < now - KEEP, model.ended_at < now - KEEP))
    )
    secret = secrets.token_urlsafe(32)
    db.session.add(model(secret_hash=_hash(secret), created_at=now, **owner))
    db.session.flush()
    return secret


def live(model: type[S], secret: object) -> S | None:
    """The session `secret` names, while it is on; None for a missing, unknown or ended one."""
    if not isinstance(secret, str) or not secret:
        return None
    found = db.session.get(model, _hash(secret))
    return found if found is not None and found.ended_at is None else None


def end(model: type[S], secret: object, now: datetime) -> None:
    """End the session `secret` names (flushed); nothing when there is none."""
    found = live(model, secret)
    if found is not None:
        found.ended_at = now
        db.session.flush()


def end_every_staff_session(user_id: int, now: datetime) -> None:
    """End all of a staff member's sessions (deactivated: signed out everywhere)."""
    db.session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    )
