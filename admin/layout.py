"""What every admin page shares: the template context and the error pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import render_template
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from wtforms import Field

from admin.access import can
from admin.forms.confirm import ConfirmForm
from admin.preferences import in_two_zones, zone_title
from statuspage.clock import utcnow
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.errors import PAGE_TITLES
from statuspage.extensions import db
from statuspage.incidents.maintenance import waiting_for_staff
from statuspage.staff.permissions import Action, Forbidden


def admin_context() -> dict[str, Any]:
    """The signed-in staff member and what their role allows, for the admin's templates."""
    return {
        "current_user": current_user,
        "can": can,
        "Action": Action,
        "logout_form": ConfirmForm(formdata=None),
        "ago": ago,
        "elapsed": elapsed,  # "overdue by 5 min": ago's span without "ago"
        "waiting_for_staff": waiting_for_staff,  # a manual window past its start
        "utcnow": utcnow,
        "long_text": long_text,
        "zone_title": zone_title,  # the zone the reader's times are in, for "times are in …"
        "in_two_zones": in_two_zones,  # a regulator's clock, then the reader's
        "format_number": format_number,  # counts in the reader's language ("1,234", "1.234")
    }


def long_text(field: Field) -> dict[str, Any]:
    """A textarea's attributes for its length limit: never `maxlength`, which cuts a paste
    silently at the limit; the limit as data-max-chars for admin.js's counter instead, and
    the form's Length validator refuses a longer text with a clear error."""
    limit = getattr(field.flags, "maxlength", None)
    return {"maxlength": False, "data-max-chars": limit} if limit else {"maxlength": False}


def _span(minutes: int) -> str:
    """A span at a glance: "3 min", "2 h 5 min", "30 h", "3 d"."""
    if minutes < 60:
        return _("%(minutes)s min", minutes=minutes)
    if minutes < 10 * 60:
        return _("%(hours)s h %(minutes)s min", hours=minutes // 60, minutes=minutes % 60)
    if minutes < 48 * 60:
        return _("%(hours)s h", hours=minutes // 60)
    return _("%(days)s d", days=minutes // (24 * 60))


def elapsed(at: datetime | None, now: datetime | None = None) -> str:
    """How long since `at`: "just now", "3 min", "2 h 5 min" (a whole phrase in every
    language, so that no template cuts words off `ago`)."""
    if at is None:
        return ""
    minutes = int(((now or utcnow()) - at).total_seconds() // 60)
    return _("just now") if minutes < 1 else _span(minutes)


def ago(at: datetime | None, now: datetime | None = None) -> str:
    """How long since an incident last spoke: "just now", "3 min ago", "2 h 5 min ago"."""
    if at is None:
        return ""
    minutes = int(((now or utcnow()) - at).total_seconds() // 60)
    if minutes < 1:
        return _("just now")
    return _("%(span)s ago", span=_span(minutes))


ERROR_MESSAGES = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    403: _l("Your role does not allow this. Ask an owner if you need it."),
    404: _l("There is nothing here. It may have been deleted."),
    405: _l("This address does not take that kind of request."),
    429: _l("Too many attempts. Wait a minute, then try again."),
}


def _error_page(code: int, title: str, message: str) -> tuple[str, int]:
    return render_template("admin/error.html", code=code, title=title, message=message), code


def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    if error.code is None or error.code < 400:
        return error  # redirects raised as exceptions pass through
    message = ERROR_MESSAGES.get(error.code, error.description or "")
    return _error_page(error.code, str(PAGE_TITLES.get(error.code, error.name)), str(message))


def csrf_error(_error: CSRFError) -> tuple[str, int]:
    return _error_page(
        400,
        _("Form expired"),
        _(
            "This form was open too long or came from another site. Reload the page and try "
            "again; nothing was changed."
        ),
    )


def invalid_input(error: InvalidInput) -> tuple[str, int]:
    """A refusal no form caught (views show them on their forms): still a 400, never a 500."""
    db.session.rollback()
    message = str(error)
    return _error_page(400, _("Not possible"), message[:1].upper() + message[1:] + ".")


def not_found(_error: NotFound) -> tuple[str, int]:
    return _error_page(404, _("Not Found"), str(ERROR_MESSAGES[404]))


def forbidden(_error: Forbidden) -> tuple[str, int]:
    return _error_page(403, _("Forbidden"), str(ERROR_MESSAGES[403]))


ERROR_HANDLERS: list[tuple[type[Exception], Callable[..., Any]]] = [
    (HTTPException, http_error),
    (CSRFError, csrf_error),  # more specific than HTTPException: Flask picks it first
    (InvalidInput, invalid_input),
    (NotFound, not_found),
    (Forbidden, forbidden),
]
