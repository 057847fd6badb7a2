"""Staff sign-in and sign-out, throttled per client address and per submitted email."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from admin.access import safe_next
from admin.forms.confirm import ConfirmForm
from admin.forms.staff import LoginForm
from statuspage.clock import utcnow
from statuspage.core import sessions
from statuspage.extensions import db, limiter, login_manager
from statuspage.models import StaffSession, StaffUser
from statuspage.staff.accounts import authenticate

LOGIN_LIMIT = "5 per minute"
SESSION_KEY = "staff_session"  # the server-side session (core/sessions.py) the cookie names
# One message for an unknown address, a wrong password and a deactivated account alike, so
# the form never tells an attacker which addresses have accounts.
LOGIN_FAILED = _l("Email or password is incorrect.")


@login_manager.user_loader
def load_staff_user(user_id: str) -> StaffUser | None:
    """The signed-in staff member, while the session the cookie names is on: a cookie kept
    after signing out (or after a deactivation) signs nobody in."""
    if not (user_id.isascii() and user_id.isdigit()):
        return None
    live = sessions.live(StaffSession, session.get(SESSION_KEY))
    if live is None or live.user_id != int(user_id):
        return None
    return db.session.get(StaffUser, int(user_id))


def _submitted_email() -> str:
    # Throttles guessing at one account from many addresses; the address limit covers the rest.
    return "login-email:" + (request.form.get("email") or "").strip().lower()


@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_submitted_email)
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated and current_user.is_active:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session for the signed-in staff member
            session[SESSION_KEY] = sessions.start(StaffSession, utcnow(), user_id=user.id)
            login_user(user)
            db.session.commit()  # last_login_at and the session
            return redirect(safe_next(form.next.data) or url_for("admin.dashboard"))
        form.form_errors.append(str(LOGIN_FAILED))
    status = 200 if request.method == "GET" else 422
    return render_template("admin/login.html", form=form), status


def logout() -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        sessions.end(StaffSession, session.get(SESSION_KEY), utcnow())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out."))
    return redirect(url_for("admin.login"))
