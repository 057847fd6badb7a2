"""Who may reach which admin page: the sign-in gate, the role guard, and the acting staff member.

The gate runs before every admin request, so no view can forget to ask for a login; the guard
wraps every view in the URL table with the action its method needs, so the table in
`admin/__init__.py` is also the permission table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from statuspage.audience.visibility import Viewer
from statuspage.audit.trail import Actor
from statuspage.staff.permissions import Action, allows

# Staff read every incident, whatever its audience; the audience rule says so, not the admin.
STAFF_VIEWER = Viewer(staff=True)
# Endpoints a visitor reaches without signing in.
OPEN_ENDPOINTS = frozenset({"admin.login"})
READ_METHODS = frozenset({"GET", "HEAD"})


def actor() -> Actor:
    """The signed-in staff member as the audit trail names them, with the request's address."""
    return Actor.staff(current_user, ip=request.remote_addr)


def can(action: Action | str) -> bool:
    """Whether the signed-in staff member's role allows `action` (templates ask this too)."""
    return bool(current_user.is_authenticated) and allows(current_user.role, Action(action))


def safe_next(target: str | None) -> str | None:
    """A post-login destination inside the admin, or None: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/"):
        return None
    if "\\" in target or target.startswith("//"):
        return None
    return target


def require_login() -> Response | None:
    """Send anyone not signed in (or since deactivated) to the sign-in page."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if current_user.is_authenticated and not current_user.is_active:
        logout_user()  # deactivated while signed in: the session ends here
    if not current_user.is_authenticated:
        target = request.full_path.rstrip("?") if request.method in READ_METHODS else None
        return redirect(url_for("admin.login", next=safe_next(target)))
    return None


def guarded(view: Callable[..., Any], read: Action | None, write: Action | None) -> Callable:
    """`view`, answering 403 unless the role allows `read` (GET) or `write` (POST)."""

    @wraps(view)
    def check(*args: Any, **kwargs: Any) -> Any:
        needed = read if request.method in READ_METHODS else write
        if needed is None or not can(needed):
            abort(403)
        return view(*args, **kwargs)

    return check


def security_headers(response: Response) -> Response:
    """Admin pages are personal and hold forms: never cached, never framed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
