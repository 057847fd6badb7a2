"""Who a notice or component is for: the audience choice, segments and organizations' forms.

Owners change segments and organizations; every staff member reads them.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from admin.forms.base import AdminForm
from admin.forms.fields import MultiCheckboxField


def segments_chosen(form: FlaskForm, field: Field, switch: str) -> None:
    """Refuse "only these segments" with none ticked: it would mean nobody."""
    if form[switch].data == "segments" and not field.data:
        raise ValidationError(_("Choose at least one segment."))


def segment_ids_field(label: LazyString, description: LazyString | str = "") -> MultiCheckboxField:
    """The segments to choose from (set per request: segments are data); values are ids."""
    return MultiCheckboxField(label, choices=[], validate_choice=True, description=description)


class AudienceMixin:
    """Public, or private to chosen segments: the composer's and the maintenance form's."""

    audience = RadioField(
        _l("Audience"),
        choices=[
            SelectChoice("public", _l("Public: the status page and everyone who follows")),
            SelectChoice("segments", _l("Private: only the people of these segments")),
        ],
        default="public",
    )
    segment_ids = segment_ids_field(
        _l("Segments"),
        _l(
            "Only their organizations' people see it (signed in) and are notified; the public "
            "page, feeds and social accounts never carry it."
        ),
    )

    def validate_segment_ids(self, field: Field) -> None:
        segments_chosen(self, field, "audience")  # type: ignore[arg-type]

    def chosen_segments(self) -> list[int]:
        """The segment ids to scope to; empty for a public notice."""
        if self.audience.data != "segments":  # type: ignore[attr-defined]
            return []
        return [int(value) for value in self.segment_ids.data]  # type: ignore[attr-defined]


class SegmentForm(AdminForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=100)])
    kind = StringField(
        _l("Kind"), [Optional(), Length(max=50)], description=_l("Optional: region, plan, tenant…")
    )
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)])


class OrganizationForm(AdminForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    segment_ids = segment_ids_field(
        _l("Segments"), _l("Its people see, and are notified of, these segments' private notices.")
    )


class DomainForm(AdminForm):
    domain = StringField(
        _l("Domain"),
        [DataRequired(), Length(max=253)],
        description=_l(
            "Everyone with a verified address at this domain belongs to the "
            "organization, like example.com."
        ),
    )


class MemberForm(AdminForm):
    email = EmailField(
        _l("Email"),
        [DataRequired(), Length(max=254)],
        description=_l("This address belongs to the organization, whatever its domain."),
    )
