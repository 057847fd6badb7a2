"""Page settings: name, time zone, languages, branding and footer links (owner only)."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

from statuspage.audit.changes import record_change
from statuspage.audit.trail import SYSTEM, Actor
from statuspage.core.errors import InvalidInput
from statuspage.core.validation import storable, text
from statuspage.extensions import db
from statuspage.models import Page
from statuspage.page.languages import clean_default, clean_languages
from statuspage.page.state import bump_version, ensure_page

FIELDS = (
    "name", "time_zone", "description", "homepage_url", "logo_url", "brand_color",
    "footer_links", "default_language", "languages",
)  # fmt: skip
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_FOOTER_LINKS = 10


def _https_url(value: str, what: str) -> str:
    value = value.strip()
    if not value.startswith(("https://", "http://")) or len(value) > 500 or " " in value:
        raise InvalidInput(f"{what} must be an http(s) URL")
    return storable(value, what)


def update_settings(
    *,
    actor: Actor = SYSTEM,
    name: str | None = None,
    time_zone: str | None = None,
    description: str | None = None,
    homepage_url: str | None = None,
    logo_url: str | None = None,
    brand_color: str | None = None,
    footer_links: list[dict[str, Any]] | None = None,
    default_language: str | None = None,
    languages: list[str] | None = None,
) -> Page:
    """Change the fields given (None leaves one as it is) and bump the page version.

    `languages` are the enabled ones, the default among them; giving every shipped language
    stores None, so a language shipped later is enabled too.
    """
    page = ensure_page()
    with record_change(actor, "settings.update", page, FIELDS, target_type="page"):
        if name is not None:
            page.name = text(name, "a page name", 200, one_line=True)
        if time_zone is not None:
            if time_zone not in available_timezones():
                raise InvalidInput(f"unknown time zone {time_zone!r}")
            page.time_zone = time_zone
        if description is not None:
            page.description = storable(description.strip(), "the description") or None
        if homepage_url is not None:
            page.homepage_url = (
                _https_url(homepage_url, "the homepage") if homepage_url.strip() else None
            )
        if logo_url is not None:
            page.logo_url = _https_url(logo_url, "the logo") if logo_url.strip() else None
        if brand_color is not None:
            if not _COLOR.match(brand_color):
                raise InvalidInput("a brand colour looks like #1e7b34")
            page.brand_color = brand_color.lower()
        if footer_links is not None:
            page.footer_links = _footer_links(footer_links)
        if default_language is not None or languages is not None:
            _set_languages(page, default_language, languages)
        db.session.flush()
        bump_version()
    return page


def _set_languages(page: Page, default: str | None, languages: list[str] | None) -> None:
    default = clean_default(default) if default is not None else page.default_language
    enabled = languages if languages is not None else page.languages
    page.languages = clean_languages(default, enabled)
    page.default_language = default


def _footer_links(footer_links: list[dict[str, Any]]) -> list[dict[str, str]]:
    if len(footer_links) > MAX_FOOTER_LINKS:
        raise InvalidInput(f"at most {MAX_FOOTER_LINKS} footer links")
    cleaned = []
    for link in footer_links:
        label = text(
            str(link.get("label", "")),
            "a footer link's label",
            60,
            missing="a footer link needs a label of at most 60 characters",
            one_line=True,
        )
        cleaned.append({"label": label, "url": _https_url(str(link.get("url", "")), label)})
    return cleaned
