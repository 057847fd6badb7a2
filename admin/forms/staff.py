"""Staff accounts' forms: signing in, adding a staff member, issuing an API key (with a role)."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from admin.forms.base import AdminForm
from statuspage.models import Role

ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


class LoginForm(AdminForm):
    email = EmailField("Email", [DataRequired(), Length(max=254)])
    password = PasswordField("Password", [DataRequired(), Length(max=200)])
    next = HiddenField()


class ApiKeyForm(AdminForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="comms")


class StaffForm(AdminForm):
    email = EmailField("Email", [DataRequired(), Length(max=254)])
    name = StringField("Name", [Optional(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="comms")
