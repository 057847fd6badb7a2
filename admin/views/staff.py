"""Staff accounts (owner only): list, create with a role (password shown once), deactivate."""

from __future__ import annotations

from flask import Response, render_template, url_for

from admin.access import actor
from admin.forms.confirm import ConfirmForm
from admin.forms.staff import StaffForm
from admin.outcome import attempt, done, form_status
from statuspage.extensions import db
from statuspage.staff import accounts


def _list(form: StaffForm) -> tuple[str, int]:
    return render_template(
        "admin/staff/index.html", form=form, users=accounts.list_staff()
    ), form_status()


def index() -> tuple[str, int]:
    return _list(StaffForm(formdata=None))


def create() -> str | tuple[str, int]:
    """Shows the generated password in this response only (never flashed into the cookie)."""
    form = StaffForm()
    if form.validate_on_submit():
        with attempt(form):
            user, password = accounts.add_staff(
                form.email.data, form.role.data, name=form.name.data or "", actor=actor()
            )
            db.session.commit()
            return render_template(
                "admin/secret.html",
                title=f"Account for {user.email} created",
                what="Password",
                secret=password,
                note=f"Role: {user.role.value}. Give the password to {user.email} over a "
                "channel you trust; it is shown only now.",
                back_url=url_for("admin.staff"),
            )
    return _list(form)


def deactivate(user_id: int) -> str | tuple[str, int] | Response:
    user = accounts.get_staff(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt(form):
            accounts.deactivate_staff(user, actor=actor())
            return done(f"{user.email} can no longer sign in.", "admin.staff")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=f"Deactivate {user.email}?",
        message="They are signed out at their next click and cannot sign in again.",
        confirm_label="Deactivate",
        cancel_url=url_for("admin.staff"),
    ), form_status()
