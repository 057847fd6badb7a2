"""Who is reading the public site, and answering each: the anonymous public from the snapshot,
a signed-in private viewer or an organization's API token per request, never cached.

A signed-in viewer carries the identity cookie: the address, the secret of its server-side
session (core/sessions.py: signing out ends it) and when it was signed, signed with the app's
key (links.py), HttpOnly, SameSite=Lax, Secure when the site is https. It is not the Flask
session, so the snapshots never read a session; and it holds no segments: the
viewer is `audience.viewer_for(email)` on every request, so a membership change applies at
once, and an address that belongs to no organization any more just sees the public page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, g, jsonify, request

from statuspage.audience.membership import viewer_for, viewer_for_organization
from statuspage.audience.viewers import organization_for_token, segment_names, shared_with
from statuspage.audience.visibility import Viewer, may_see_component
from statuspage.clock import utcnow
from statuspage.core import sessions
from statuspage.links import MAX_AGE, BadLink, sign, verify
from statuspage.models import ViewerSession
from statuspage.public.caching import Headers, response_language, snapshotted
from statuspage.public.context import public_viewer

COOKIE = "herald_viewer"
PRIVATE = "private, no-store"
View = Callable[..., tuple[bytes | str, str]]


def signed_in_email() -> str | None:
    """The address the identity cookie names, if it is genuine and not expired."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        payload = verify("viewer", raw)
    except BadLink:
        return None
    if not isinstance(payload, dict):
        return None
    live = sessions.live(ViewerSession, payload.get("s"))
    return live.email if live is not None and live.email == payload.get("e") else None


def identity(email: str) -> str:
    """A new identity cookie's value for `email`: its session starts now (flushed)."""
    secret = sessions.start(ViewerSession, utcnow(), email=email)
    return sign("viewer", {"e": email, "s": secret})


def end_identity() -> None:
    """End the session of this request's identity cookie, if it names one (flushed)."""
    raw = request.cookies.get(COOKIE)
    try:
        payload = verify("viewer", raw) if raw else None
    except BadLink:
        return
    if isinstance(payload, dict):
        sessions.end(ViewerSession, payload.get("s"), utcnow())


def signed_in_viewer() -> Viewer | None:
    """The private viewer this request is for, or None: the anonymous public sees the page."""
    email = signed_in_email()
    if email is None:
        return None
    viewer = viewer_for(email)
    return viewer if viewer.organization_ids else None


def set_identity(response: Response, value: str) -> None:
    """Give the browser the identity cookie `identity(email)` made."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE["viewer"],
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def clear_identity(response: Response) -> None:
    response.delete_cookie(
        COOKIE, httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"]
    )


class BadToken(Exception):
    """An Authorization header that names no organization: refused, never answered publicly."""


def _token_viewer() -> Viewer:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    organization = organization_for_token(secret.strip()) if scheme.lower() == "bearer" else None
    if organization is None:
        raise BadToken
    return viewer_for_organization(organization)


def _unauthorized() -> Response:
    response = jsonify(error="Unauthorized", message="The API token is not valid.")
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    response.headers["Cache-Control"] = PRIVATE
    return response


def viewer_aware(view: View | None = None, *, headers: Headers = (), token: bool = False) -> Any:
    """Serve the anonymous public from `view`'s snapshot, and anyone identified per request.

    Identified: a signed-in viewer (the cookie), or with `token` (the JSON API) an
    organization's `Authorization: Bearer` token, which then must be valid (401 otherwise).
    An identified answer is rendered for that viewer alone, neither from nor into the
    snapshot: `Cache-Control: private, no-store`, and without `headers` (no CORS).
    """
    if view is None:
        return lambda wrapped: viewer_aware(wrapped, headers=headers, token=token)
    # Pages are read by people in their own language; the JSON API by clients that name one.
    negotiate = not token
    for_everyone = snapshotted(view, headers=headers, negotiate=negotiate)

    @wraps(view)
    def serve(**kwargs: Any) -> Response:
        try:
            if token and "Authorization" in request.headers:
                viewer = _token_viewer()
            else:
                viewer = signed_in_viewer()
        except BadToken:
            return _unauthorized()
        if viewer is None:
            return for_everyone(**kwargs)
        g.viewer = viewer
        lang = response_language(negotiate)
        body, content_type = view(**kwargs)
        response = Response(body, content_type=content_type)
        response.headers["Content-Language"] = lang
        return response

    return serve


def forget_earlier_requests() -> None:
    """Before every request: nobody is identified yet and nothing is a snapshot yet.

    A fresh app context per request makes `g` fresh in production; a test that holds an app
    context open shares one `g` between its requests, and must not carry a viewer over.
    """
    g.pop("viewer", None)
    g.pop("public_snapshot", None)
    g.pop("herald_lang", None)
    g.pop("herald_zone", None)
    g.pop("_flask_babel", None)  # Flask-Babel's locale, decided from the earlier herald_lang


def keep_private(response: Response) -> Response:
    """After-request hook: whatever answered an identified viewer (a page, a 404) is theirs
    alone and shared with no other origin."""
    if g.get("viewer") is not None:
        response.headers["Cache-Control"] = PRIVATE
        for name in [h for h, _ in response.headers if h.startswith("Access-Control-")]:
            del response.headers[name]
    return response


def shared_with_viewer(item: Any) -> list[str]:
    """Template global `shared_with(item)`: the viewer's segments a private item is shared with."""
    return shared_with(public_viewer(), item)


def viewer_can_see(component: Any) -> bool:
    """Template test `can_see`: a component this answer's viewer may see (affected lists)."""
    return may_see_component(public_viewer(), component)


def template_context() -> dict[str, Any]:
    """For base.html: who is signed in (nobody, in a snapshot), and their segments' names."""
    viewer = public_viewer()
    return {"viewer": viewer, "viewer_segments": segment_names(viewer) if viewer.email else []}
