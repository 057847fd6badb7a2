"""HTTP side of snapshots: serve a view's rendered bytes with a strong ETag and honour 304."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from werkzeug.http import parse_cookie

from statuspage.config import REPO_ROOT
from statuspage.i18n import (
    DEFAULT_LANGUAGE,
    LANG_COOKIE,
    LANG_PARAM,
    choose,
    language,
    request_key,
    snapshot_key,
)
from statuspage.security import HSTS, policy_headers
from statuspage.snapshots.store import PRERENDER, STORE_KEY, SnapshotStore, build_fingerprint

View = Callable[..., tuple[bytes | str, str]]
Headers = tuple[tuple[str, str], ...]


def snapshot_store() -> SnapshotStore:
    return current_app.extensions[STORE_KEY]


class SnapshotAwareSessionInterface(SecureCookieSessionInterface):
    """Keeps public snapshots free of `Vary: Cookie` and `Set-Cookie`.

    Extensions (Flask-Login's remember-cookie hook) peek at the session on every response,
    which makes Flask add `Vary: Cookie` and would stop shared caches from storing the public
    page. A snapshot depends on no cookie by construction, so its response skips saving an
    unmodified session.
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if g.get("public_snapshot") and not session.modified:
            return
        super().save_session(app, session, response)


def init_snapshots(app: Flask) -> None:
    cache_control = (
        f"public, max-age={app.config['PUBLIC_MAX_AGE']}, "
        f"stale-while-revalidate={app.config['PUBLIC_STALE_WHILE_REVALIDATE']}"
    )
    app.extensions[STORE_KEY] = SnapshotStore(
        app.config["SNAPSHOT_VERSION_TTL"],
        cache_control,
        # Shared by every process on the machine: one render per version, not one per process.
        directory=Path(app.config["INSTANCE_PATH"]) / "snapshots",
        render_grace=app.config["SNAPSHOT_RENDER_GRACE"],
        build=build_fingerprint(
            REPO_ROOT / "statuspage", REPO_ROOT / "templates", REPO_ROOT / "static"
        ),
    )
    app.session_interface = SnapshotAwareSessionInterface()
    app.wsgi_app = SnapshotFastPath(app.wsgi_app, app.extensions[STORE_KEY])  # type: ignore


def _request_key(environ: dict[str, Any]) -> str | None:
    """The request's key (i18n.request_key) from the raw environ, or None when the request
    carries a cookie other than the language picker's (it may be signed in: Flask decides)."""
    cookie_lang = None
    raw_cookie = environ.get("HTTP_COOKIE")
    if raw_cookie is not None:
        cookies = parse_cookie(raw_cookie)
        if any(name != LANG_COOKIE for name in cookies):
            return None
        cookie_lang = cookies.get(LANG_COOKIE)
    query = environ.get("QUERY_STRING") or ""
    query_lang = parse_qs(query).get(LANG_PARAM, [None])[0] if LANG_PARAM in query else None
    return request_key(
        environ.get("PATH_INFO") or "/",
        query_lang,
        cookie_lang,
        environ.get("HTTP_ACCEPT_LANGUAGE"),
    )


def response_language(negotiate: bool) -> str:
    """Fix this request's language: the reader's (`negotiate`, the HTML pages) or only the
    URL's, else the page's default (feeds, the JSON API, badges: a client that names no
    language gets what it always got)."""
    default = snapshot_store().default_language() or DEFAULT_LANGUAGE
    query = request.args.get(LANG_PARAM)
    if negotiate:
        cookie, accept = request.cookies.get(LANG_COOKIE), request.headers.get("Accept-Language")
        g.herald_lang = choose(query, cookie, accept, default)
    else:
        g.herald_lang = language(query) or default
    return g.herald_lang


class SnapshotFastPath:
    """WSGI layer in front of Flask: answers a plain GET for an already rendered snapshot.

    No request context, no extension hooks: the bytes and headers Flask would send (a test
    holds the two byte for byte, so a header added by a hook later shows up there first).
    Misses, conditional requests, a due version check, and any request carrying a cookie or
    credentials (someone who may be signed in must never be answered from the anonymous
    snapshot) go through Flask as before.
    """

    def __init__(self, wsgi_app: Any, store: SnapshotStore) -> None:
        self._wsgi_app = wsgi_app
        self._store = store

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if (
            environ.get("REQUEST_METHOD") == "GET"
            and "HTTP_AUTHORIZATION" not in environ
            and "HTTP_IF_NONE_MATCH" not in environ
            and "HTTP_IF_MODIFIED_SINCE" not in environ
        ):
            key = _request_key(environ)
            snap = self._store.fresh(key) if key is not None else None
            if snap is not None:
                environ["herald.endpoint"] = snap.endpoint  # for the request metrics
                # Stored compressed when rendered: pick, never compress here.
                chosen = snap.representation(environ.get("HTTP_ACCEPT_ENCODING"))
                headers = [*chosen.headers, ("Content-Length", str(len(chosen.body)))]
                if environ.get("wsgi.url_scheme") == "https":  # as security.py does for Flask
                    headers.append(HSTS)
                start_response("200 OK", headers)
                return [chosen.body]
        return self._wsgi_app(environ, start_response)


def snapshotted(view: View | None = None, *, headers: Headers = (), negotiate: bool = False) -> Any:
    """Serve `view`'s output from the snapshot of this path and language; the view runs once
    per version and language.

    The view returns (body, content type) and must depend on nothing but the path, the
    language and the database: no other query string, no cookie, no viewer. Private pages
    are never wrapped. `@snapshotted(headers=...)` adds fixed headers (CORS) to the snapshot,
    so the fast path and 304s send them too. With `negotiate` the language is the reader's
    (URL, cookie, Accept-Language: the response says `Vary` on both headers); without, only
    the URL's `?lang=` or the page's default.
    """
    if view is None:
        return lambda wrapped: snapshotted(wrapped, headers=headers, negotiate=negotiate)

    @wraps(view)
    def serve(**kwargs: Any) -> Response:
        g.public_snapshot = True
        lang = response_language(negotiate)
        language_headers: Headers = (("Content-Language", lang),)
        if negotiate:
            language_headers += (("Vary", "Accept-Language, Cookie"),)

        def render() -> tuple[bytes, str]:
            body, content_type = view(**kwargs)
            return (body.encode() if isinstance(body, str) else body), content_type

        # The security headers are stored with the body, so the fast path and 304s send them.
        snap = snapshot_store().get(
            snapshot_key(request.path, lang),
            render,
            (*headers, *language_headers, *policy_headers(request.path)),
            endpoint=request.endpoint or "",
            wait_for_worker=PRERENDER not in request.environ,
            alias=request_key(
                request.path,
                request.args.get(LANG_PARAM),
                request.cookies.get(LANG_COOKIE),
                request.headers.get("Accept-Language"),
            ),
        )
        # Most requests are unconditional: look at the raw environ before parsing anything.
        environ = request.environ
        chosen = snap.representation(environ.get("HTTP_ACCEPT_ENCODING"))
        conditional = "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ
        if conditional and (
            chosen.etag in request.if_none_match
            or (
                not request.if_none_match
                and request.if_modified_since is not None
                # Strictly older: HTTP dates count whole seconds, and a second version made
                # in the same second as the one the client holds must not answer 304.
                and snap.last_modified.replace(microsecond=0) < request.if_modified_since
            )
        ):
            response = Response(status=304)
            for name, value in chosen.headers[1:]:
                response.headers[name] = value
            return response
        return Response(chosen.body, headers=chosen.headers)

    return serve
