"""A staff member's own profile: the time zone and language the admin uses for them."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import actor
from admin.forms.staff import ProfileForm
from admin.outcome import ViewResult, attempt, done, form_status
from statuspage.staff import accounts


def edit() -> ViewResult:
    """Every role edits its own profile, and only its own: the account is the signed-in one."""
    user = current_user._get_current_object()  # the StaffUser row, not the proxy
    form = ProfileForm(time_zone=user.time_zone or "", language=user.language or "en")
    if form.validate_on_submit():
        with attempt(form):
            accounts.set_preferences(
                user, time_zone=form.time_zone.data, language=form.language.data, actor=actor()
            )
            return done(_("Your profile was saved."), "admin.profile")
    return render_template("admin/profile.html", form=form), form_status()
