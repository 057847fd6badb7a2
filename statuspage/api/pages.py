"""The page itself. Statuspage lists every page a key reaches; Herald serves exactly one."""

from __future__ import annotations

from typing import Any

from flask import current_app

from statuspage.api.serializers import page_json_v1
from statuspage.core.errors import NotFound
from statuspage.extensions import db
from statuspage.models import Page
from statuspage.page.state import ensure_page, get_page


def base_url() -> str:
    return current_app.config["BASE_URL"]


def current_page() -> Page:
    """The page, created on a fresh install so the id a client reads is the id that stays."""
    page = get_page()
    if page is None:
        page = ensure_page(current_app.config["PAGE_NAME"])
        db.session.commit()
    return page


def check_page(page_id: str) -> None:
    """Every path names the page; another page's id is simply not found here."""
    if page_id != current_page().id:
        raise NotFound(f"no page {page_id!r}")


def index() -> list[dict[str, Any]]:
    return [page_json_v1(current_page(), base_url())]


def show() -> dict[str, Any]:
    return page_json_v1(current_page(), base_url())
