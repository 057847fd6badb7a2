"""Who a notice or component is for: the audience choice, segments and organizations' forms.

Owners change segments and organizations; every staff member reads them.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, Field, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from admin.forms.base import AdminForm
from admin.forms.fields import MultiCheckboxField


def segments_chosen(form: FlaskForm, field: Field, switch: str) -> None:
    """Refuse "only these segments" with none ticked: it would mean nobody."""
    if form[switch].data == "segments" and not field.data:
        raise ValidationError("Choose at least one segment.")


def segment_ids_field(label: str, description: str = "") -> MultiCheckboxField:
    """The segments to choose from (set per request: segments are data); values are ids."""
    return MultiCheckboxField(label, choices=[], validate_choice=True, description=description)


class AudienceMixin:
    """Public, or private to chosen segments: the composer's and the maintenance form's."""

    audience = RadioField(
        "Audience",
        choices=[
            SelectChoice("public", "Public: the status page and everyone who follows"),
            SelectChoice("segments", "Private: only the people of these segments"),
        ],
        default="public",
    )
    segment_ids = segment_ids_field(
        "Segments",
        "Only their organizations' people see it (signed in) and are notified; the public "
        "page, feeds and social accounts never carry it.",
    )

    def validate_segment_ids(self, field: Field) -> None:
        segments_chosen(self, field, "audience")  # type: ignore[arg-type]

    def chosen_segments(self) -> list[int]:
        """The segment ids to scope to; empty for a public notice."""
        if self.audience.data != "segments":  # type: ignore[attr-defined]
            return []
        return [int(value) for value in self.segment_ids.data]  # type: ignore[attr-defined]


class SegmentForm(AdminForm):
    name = StringField("Name", [DataRequired(), Length(max=100)])
    kind = StringField(
        "Kind", [Optional(), Length(max=50)], description="Optional: region, plan, tenant…"
    )
    description = TextAreaField("Description", [Optional(), Length(max=2000)])


class OrganizationForm(AdminForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    segment_ids = segment_ids_field(
        "Segments", "Its people see, and are notified of, these segments' private notices."
    )


class DomainForm(AdminForm):
    domain = StringField(
        "Domain",
        [DataRequired(), Length(max=253)],
        description="Everyone with a verified address at this domain belongs to the "
        "organization, like example.com.",
    )


class MemberForm(AdminForm):
    email = EmailField(
        "Email",
        [DataRequired(), Length(max=254)],
        description="This address belongs to the organization, whatever its domain.",
    )
