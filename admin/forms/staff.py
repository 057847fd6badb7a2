"""Staff accounts' forms: signing in, adding a staff member, issuing an API key (with a role),
and a staff member's own profile (zone and language)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DataList,
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from admin.forms.base import AdminForm
from statuspage.i18n import DEFAULT_LANGUAGE, LANGUAGES
from statuspage.i18n.zones import is_zone, zone_names
from statuspage.models import Role

ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


class LoginForm(AdminForm):
    email = EmailField(_l("Email"), [DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=200)])
    next = HiddenField()


class ApiKeyForm(AdminForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="comms")


class StaffForm(AdminForm):
    email = EmailField(_l("Email"), [DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), [Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="comms")


def known_zone(_form: AdminForm, field: Field) -> None:
    """A zone the machine knows, by its IANA name ("Europe/Berlin"), or blank."""
    value = (field.data or "").strip()
    if value and not is_zone(value):
        raise ValidationError(
            _("Unknown time zone: use an IANA name such as Europe/Berlin or Asia/Tokyo.")
        )


class ProfileForm(AdminForm):
    """A staff member's own preferences: the clock and the language the admin uses for them."""

    time_zone = StringField(
        _l("Time zone"),
        [Optional(), Length(max=64), known_zone],
        description=_l(
            "Times in the admin are shown and typed in this zone. Blank: the page's zone."
        ),
        datalist=DataList(sorted(zone_names())),
    )
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        default=DEFAULT_LANGUAGE,
    )
