"""What every public view needs: the page (or a placeholder on an empty database), the viewer."""

from __future__ import annotations

from flask import current_app, g, has_request_context

from statuspage.audience.visibility import PUBLIC, Viewer
from statuspage.models import Page
from statuspage.page.state import get_page
from statuspage.snapshots.store import EPOCH


def current_page() -> Page:
    page = get_page()
    if page is None:  # a fresh database: show an empty page rather than fail
        page = Page(id="", name=current_app.config["PAGE_NAME"], time_zone="Etc/UTC", version=0)
        page.updated_at = EPOCH
    return page


def base_url() -> str:
    return current_app.config["BASE_URL"]


def public_viewer() -> Viewer:
    """Who this answer is for. A snapshot is rendered for the anonymous public, whoever asked
    first; an answer rendered per request (public.viewing) is for the viewer it identified."""
    if not has_request_context() or g.get("public_snapshot"):
        return PUBLIC
    return g.get("viewer") or PUBLIC
