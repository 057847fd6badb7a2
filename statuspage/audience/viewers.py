"""Private viewers' credentials: single-use sign-in links, feed tokens, organization API tokens.

Who a credential sees is never decided here: an address becomes `audience.viewer_for(email)`
and an organization token `audience.viewer_for_organization(org)`, read afresh on each use, so
a membership change applies at once. Secrets are random and long, so a fast hash is enough to
keep them (there is no dictionary to attack); each is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from statuspage.audience.membership import organizations_of
from statuspage.audience.visibility import Viewer
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.links import MAX_AGE
from statuspage.models import (
    Component,
    Incident,
    Organization,
    Segment,
    UsedSignInLink,
    ViewerFeedToken,
    Visibility,
)

# Prefixes that say what a secret is (in a log, a leaked config): not secrets themselves.
FEED_TOKEN_PREFIX = "hfd_"  # noqa: S105
ORGANIZATION_TOKEN_PREFIX = "hrdo_"  # noqa: S105


class LinkAlreadyUsed(InvalidInput):
    """This sign-in link was followed before: a link signs in once."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Sign-in links


def may_sign_in(email: str) -> bool:
    """The address belongs to an organization now (a link is sent to it only then)."""
    return bool(organizations_of(email))


def new_sign_in(email: str) -> dict[str, str]:
    """The payload a sign-in link signs: the address and a random id that makes it single use."""
    return {"e": email.strip().lower(), "l": secrets.token_urlsafe(16)}


def sign_in_email(payload: object) -> str | None:
    """The address a verified link payload signs in, or None when it is malformed or used."""
    if not isinstance(payload, dict):
        return None
    email, link_id = payload.get("e"), payload.get("l")
    if not isinstance(email, str) or not isinstance(link_id, str) or not link_id:
        return None
    if db.session.get(UsedSignInLink, link_id) is not None:
        return None
    return email


def use_sign_in_link(payload: dict[str, str], now: datetime) -> str:
    """Spend the link (flushed: a second use, even a concurrent one, fails on the key) and
    return its address; LinkAlreadyUsed when it was spent before.

    Links spent longer ago than a link lives are forgotten: their signatures have expired.
    """
    email = sign_in_email(payload)
    if email is None:
        raise LinkAlreadyUsed("this sign-in link was used already")
    expired = now - timedelta(seconds=MAX_AGE["sign_in"])
    db.session.execute(delete(UsedSignInLink).where(UsedSignInLink.used_at < expired))
    db.session.add(UsedSignInLink(link_id=payload["l"], used_at=now))
    db.session.flush()
    return email


# Labels


def segment_names(viewer: Viewer) -> list[str]:
    """The names of the viewer's segments, by name."""
    if not viewer.segment_ids:
        return []
    query = select(Segment.name).where(Segment.id.in_(sorted(viewer.segment_ids)))
    return list(db.session.scalars(query.order_by(Segment.name)))


def shared_with(viewer: Viewer, item: Incident | Component) -> list[str]:
    """Which of the viewer's segments a private incident or component is shared with (staff:
    all of its segments); [] for a public one. Never names a segment the viewer is not in:
    a customer must not learn who else was affected."""
    if item.visibility is not Visibility.segments:
        return []
    return [s.name for s in item.segments if viewer.staff or s.id in viewer.segment_ids]


# Private feed tokens


def feed_tokens(email: str) -> list[ViewerFeedToken]:
    """The address's live feed tokens, newest first."""
    query = select(ViewerFeedToken).where(
        ViewerFeedToken.email == email.strip().lower(), ViewerFeedToken.revoked_at.is_(None)
    )
    return list(db.session.scalars(query.order_by(ViewerFeedToken.created_at.desc())))


def revoke_feed_tokens(email: str, now: datetime) -> int:
    """Revoke every live feed token of the address; returns how many."""
    tokens = feed_tokens(email)
    for token in tokens:
        token.revoked_at = now
    db.session.flush()
    return len(tokens)


def create_feed_token(email: str, now: datetime) -> str:
    """A new private feed token for the address, replacing (revoking) the live ones.

    Returns the secret: only its hash is kept, so it is shown this once.
    """
    revoke_feed_tokens(email, now)
    secret = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ViewerFeedToken(email=email.strip().lower(), token_hash=_hash(secret), created_at=now)
    )
    db.session.flush()
    return secret


def email_for_feed_token(secret: str) -> str | None:
    """The address whose live feed token this is, or None (unknown or revoked)."""
    if not secret.startswith(FEED_TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        select(ViewerFeedToken).where(ViewerFeedToken.token_hash == _hash(secret))
    )
    if token is None or token.revoked_at is not None:
        return None
    return token.email


# Organization API tokens


def issue_organization_token(organization: Organization) -> str:
    """Give the organization a new private JSON API token, replacing any it had (flushed).

    Returns the secret, shown once: the row keeps its hash and a prefix to recognise it by.
    """
    secret = ORGANIZATION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    organization.api_token_hash = _hash(secret)
    organization.api_token_prefix = secret[:12]
    db.session.flush()
    return secret


def revoke_organization_token(organization: Organization) -> None:
    organization.api_token_hash = organization.api_token_prefix = None
    db.session.flush()


def organization_for_token(secret: str) -> Organization | None:
    """The organization whose API token this is, or None."""
    if not secret.startswith(ORGANIZATION_TOKEN_PREFIX):
        return None
    return db.session.scalar(
        select(Organization).where(Organization.api_token_hash == _hash(secret))
    )
