"""The single status page row and its version, which every public change bumps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from statuspage.clock import utcnow
from statuspage.delivery.outbox import RENDER_SNAPSHOTS, after_commit_once
from statuspage.extensions import db
from statuspage.models import Page


def get_page() -> Page | None:
    return db.session.scalars(select(Page).limit(1)).first()


def ensure_page(name: str = "Herald Status") -> Page:
    """Return the page, creating it (flushed, not committed) on a fresh database."""
    page = get_page()
    if page is None:
        page = Page(name=name)
        db.session.add(page)
        db.session.flush()
    return page


def page_version() -> tuple[str, int, datetime] | None:
    """(page id, version, updated_at): what every public snapshot is keyed on.

    All three, so a restored backup or a recreated page can never match an old snapshot.
    """
    row = db.session.execute(select(Page.id, Page.version, Page.updated_at).limit(1)).first()
    return (row.id, row.version, row.updated_at) if row else None


def page_key() -> tuple[str, int, datetime, str] | None:
    """`page_version()` and the page's default language, in one query: what the snapshot
    store keeps per process, so a public request needs no query for either."""
    row = db.session.execute(
        select(Page.id, Page.version, Page.updated_at, Page.default_language).limit(1)
    ).first()
    return (row.id, row.version, row.updated_at, row.default_language) if row else None


def bump_version(at: datetime | None = None) -> None:
    """Invalidate every public snapshot; runs in the caller's transaction.

    A single UPDATE with version + 1, so concurrent writers never lose a bump.
    """
    # Never backwards: a backfilled change (`at` in the past) is still a change made now, and
    # Last-Modified must move forward or If-Modified-Since would answer 304 for new content.
    now = utcnow()
    db.session.execute(
        update(Page).values(version=Page.version + 1, updated_at=max(at or now, now)),
        execution_options={"synchronize_session": False},
    )
    # The worker renders the new version's snapshots, so web processes only read them. Once
    # per transaction: several bumps in one commit make one version.
    after_commit_once(RENDER_SNAPSHOTS)
