"""Which languages Herald speaks, and which one a reader gets.

A reader's language is, in order: `?lang=` on the URL, the `herald_lang` cookie the picker
sets, the browser's `Accept-Language`, the page's default language (a page setting). Every
surface asks `choose` (public pages, the fast path in front of Flask, the v2 API, the feeds),
so a snapshot is keyed by the same answer the page was rendered in. A subscriber's messages
use the subscriber's stored language instead (delivery renders once per language).

Flask-free: the worker and the WSGI fast path use it too.
"""

from __future__ import annotations

import functools

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

# Shipped languages, each with a complete catalog of the public strings (tests/unit/i18n),
# named in their own language for the picker.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "ja": "日本語",
    "ar": "العربية",
}
DEFAULT_LANGUAGE = "en"
RTL = frozenset({"ar"})
LANG_COOKIE = "herald_lang"  # the picker's choice; not a credential, read by the fast path
LANG_PARAM = "lang"


def language(value: object) -> str | None:
    """A shipped language code for `value` ("de", "de-AT", "DE_de" → "de"), or None."""
    if not isinstance(value, str) or not value or len(value) > 35:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def direction(lang: str) -> str:
    """The writing direction of `lang`, for `<html dir>`."""
    return "rtl" if lang in RTL else "ltr"


@functools.lru_cache(maxsize=512)
def accepted(header: str) -> str | None:
    """The best shipped language an `Accept-Language` header asks for, or None.

    Cached per header value: browsers send a handful of distinct headers, and the fast path
    asks on every request.
    """
    if not header or len(header) > 500:
        return None
    offered = parse_accept_header(header, LanguageAccept)
    for value, quality in offered:
        if quality <= 0:
            continue
        code = language(value)
        if code is not None:
            return code
    return None


def choose(
    query: str | None,
    cookie: str | None,
    accept_language: str | None,
    default: str = DEFAULT_LANGUAGE,
) -> str:
    """The reader's language: the URL's, the cookie's, the browser's, else the page's."""
    return (
        language(query)
        or language(cookie)
        or accepted(accept_language or "")
        or (default if default in LANGUAGES else DEFAULT_LANGUAGE)
    )


def negotiated(query: str | None) -> bool:
    """Whether a response depends on the request's cookie and Accept-Language (it does
    unless the URL names a shipped language): such responses say `Vary` on both."""
    return language(query) is None


def snapshot_key(path: str, lang: str) -> str:
    """The key a public response is stored under: its path and the language it is in. Also
    a URL that renders it again (the worker renders ahead by requesting the key)."""
    return f"{path}?{LANG_PARAM}={lang}"


def request_key(path: str, query: str | None, cookie: str | None, accept: str | None) -> str:
    """What a request asks for, before the page's default is known: its path and the
    languages its URL, cookie and Accept-Language name (the fast path looks this up; the
    view stores its answer under it too)."""
    asked = (language(query) or "", language(cookie) or "", accepted(accept or "") or "")
    return "\0".join((path, *asked))
