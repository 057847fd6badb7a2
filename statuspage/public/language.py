"""The language picker's answer: remember the reader's choice in a cookie, then go back.

GET, so the picker works as a plain form without scripts and from a static export. Never a
snapshot: it answers one reader. The cookie is no credential (the snapshot fast path reads
it to pick the language of the page it serves), so it is readable by scripts and Lax.
"""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, request
from flask_babel import gettext as _

from statuspage.i18n import LANG_COOKIE, LANG_PARAM, LANGUAGES, language

ONE_YEAR = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else "/": never a redirect to another site
    ("//evil.example" and "/\\evil.example" are other sites to a browser)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\x7f" for c in target):  # a header injection or a tab trick
        return "/"
    return target


def choose_language() -> Response:
    lang = language(request.args.get(LANG_PARAM))  # "de-AT" is German, as for ?lang= anywhere
    if lang is None:
        abort(400, _("Choose one of the languages offered: %(codes)s.", codes=", ".join(LANGUAGES)))
    response = redirect(safe_next(request.args.get("next")), code=303)
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=ONE_YEAR,
        path="/",
        samesite="Lax",
        secure=request.is_secure or current_app.config["SESSION_COOKIE_SECURE"],
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
