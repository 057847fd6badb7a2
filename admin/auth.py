"""Staff sign-in and sign-out, throttled per client address and per submitted email."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from admin.access import safe_next
from admin.forms.confirm import ConfirmForm
from admin.forms.staff import LoginForm
from statuspage.extensions import db, limiter, login_manager
from statuspage.models import StaffUser
from statuspage.staff.accounts import authenticate

LOGIN_LIMIT = "5 per minute"
# One message for an unknown address, a wrong password and a deactivated account alike, so
# the form never tells an attacker which addresses have accounts.
LOGIN_FAILED = "Email or password is incorrect."


@login_manager.user_loader
def load_staff_user(user_id: str) -> StaffUser | None:
    return db.session.get(StaffUser, int(user_id)) if user_id.isdigit() else None


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
            db.session.commit()  # last_login_at
            session.clear()  # a fresh session for the signed-in staff member
            login_user(user)
            return redirect(safe_next(form.next.data) or url_for("admin.dashboard"))
        form.form_errors.append(LOGIN_FAILED)
    status = 200 if request.method == "GET" else 422
    return render_template("admin/login.html", form=form), status


def logout() -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash("You are signed out.")
    return redirect(url_for("admin.login"))
