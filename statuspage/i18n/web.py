"""Flask side of languages and zones: Flask-Babel's selectors, the template filters, and the
context a message rendered outside a request (the worker) is read in.

The public pages read `language_of_request()`: the answer `statuspage.i18n.choose` gives for
this request and the page's default. Staff views (admin) and messages set theirs explicitly
(`reading_as`). Templates get `lang`, `text_direction`, `LANGUAGES` and the filters `when`,
`clock_time` and `day`, which format in the language and zone in force.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale
from markupsafe import Markup

from statuspage.components.status import format_percent
from statuspage.config import REPO_ROOT
from statuspage.i18n import (
    DEFAULT_LANGUAGE,
    LANG_COOKIE,
    LANG_PARAM,
    LANGUAGES,
    choose,
    direction,
    zones,
)
from statuspage.i18n.catalogs import compiled
from statuspage.incidents.translations import incident_title, localized
from statuspage.models import Incident, IncidentUpdate

TRANSLATIONS = REPO_ROOT / "translations"


def _page_defaults() -> tuple[str, str]:
    from statuspage.public.context import current_page

    page = current_page()
    return (page.default_language or DEFAULT_LANGUAGE, page.time_zone or zones.DEFAULT_ZONE)


def page_language() -> str:
    """The page's default language (a page setting)."""
    return _page_defaults()[0]


def language_of_request() -> str:
    """The reader's language for this request (the URL's, the cookie's, the browser's, the
    page's), decided once per request."""
    if "herald_lang" not in g:
        g.herald_lang = choose(
            request.args.get(LANG_PARAM),
            request.cookies.get(LANG_COOKIE),
            request.headers.get("Accept-Language"),
            _page_defaults()[0],
        )
    return g.herald_lang


def _locale_selector() -> str:
    if has_request_context():
        return g.get("herald_lang") or language_of_request()
    return DEFAULT_LANGUAGE


def current_language() -> str:
    """The language in force: a message's (`reading_as`), else the request's."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def current_zone() -> str:
    """The zone times are shown in: a message's or a staff member's (`g.herald_zone`), else
    the page's."""
    zone = g.get("herald_zone")
    return zone or _page_defaults()[1]


@contextmanager
def reading_as(language: str | None, zone: str | None = None) -> Iterator[None]:
    """Render what runs inside in `language` (gettext, Babel's dates) with times in `zone`:
    a message to one reader, outside any request or inside another reader's."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    previous = g.get("herald_zone")
    g.herald_zone = zone or None
    try:
        with force_locale(lang):
            yield
    finally:
        g.herald_zone = previous


def _when(at: datetime | None, zone: str | None = None) -> str:
    return zones.when(at, zone or current_zone(), current_language())


def _clock_time(at: datetime | None, zone: str | None = None) -> str:
    return zones.clock_time(at, zone or current_zone(), current_language())


def _day(at: datetime | date | None, zone: str | None = None) -> str:
    if at is not None and not isinstance(at, datetime):  # a calendar day: no zone to convert
        return format_date(at, "medium", locale=current_language())
    return zones.day(at, zone or current_zone(), current_language())


def _month(first: date) -> str:
    """A month and its year as a heading reads in the language in force: "December 2026"."""
    return format_date(first, "LLLL y", locale=current_language())


def _percent(value: float) -> str:
    return format_percent(value, current_language())


def _localized_html(update: IncidentUpdate) -> Markup:
    """An update's message as HTML in the language in force (stored sanitized: safe)."""
    return Markup(localized(update, current_language()).body_html)  # noqa: S704 - sanitized when stored


def _localized_title(incident: Incident) -> str:
    return incident_title(incident, current_language())


def _zone_label(at: datetime | None = None) -> str:
    """The zone times are shown in, named as the reader's language names it ("GMT+08:00")."""
    return zones.zone_label(at or datetime.now(UTC), current_zone(), current_language())


def _template_context() -> dict[str, Any]:
    lang = current_language()
    return {
        "lang": lang,
        "text_direction": direction(lang),
        "LANGUAGES": LANGUAGES,
        "zone_label": _zone_label,
    }


def init_i18n(app: Flask) -> None:
    directory = compiled(TRANSLATIONS, Path(app.instance_path))
    Babel(app, locale_selector=_locale_selector, default_translation_directories=str(directory))
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["clock_time"] = _clock_time
    app.jinja_env.filters["day"] = _day
    app.jinja_env.filters["human_time"] = _when  # the older name, in the admin's templates
    app.jinja_env.filters["month"] = _month
    app.jinja_env.filters["percent"] = _percent
    # An update's message and an incident's title in the reader's language (the default
    # text where there is no translation): the public pages, the widget.
    app.jinja_env.filters["localized_html"] = _localized_html
    app.jinja_env.filters["localized_title"] = _localized_title
    app.context_processor(_template_context)
