"""Staff accounts (owner only): list, create with a role (password shown once), deactivate."""

from __future__ import annotations

from flask import Response, render_template, url_for
from flask_babel import gettext as _

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
                title=_("Account for %(email)s created", email=user.email),
                what=_("Password"),
                secret=password,
                note=_(
                    "Role: %(role)s. Give the password to %(email)s over a channel you trust; it "
                    "is shown only now.",
                    role=user.role.value,
                    email=user.email,
                ),
                back_url=url_for("admin.staff"),
            )
    return _list(form)


def deactivate(user_id: int) -> str | tuple[str, int] | Response:
    user = accounts.get_staff(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt(form):
            accounts.deactivate_staff(user, actor=actor())
            return done(_("%(email)s can no longer sign in.", email=user.email), "admin.staff")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Deactivate %(email)s?", email=user.email),
        message=_("They are signed out at their next click and cannot sign in again."),
        confirm_label=_("Deactivate"),
        cancel_url=url_for("admin.staff"),
    ), form_status()
