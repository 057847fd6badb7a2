"""The review of an incident automation drafted: its words, its status, whether to notify."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from admin.forms.base import AdminForm
from admin.forms.incidents import body_field

STATUS_CHOICES = [
    SelectChoice("investigating", _l("Investigating")),
    SelectChoice("identified", _l("Identified")),
    SelectChoice("monitoring", _l("Monitoring")),
]


class PublishIncidentDraftForm(AdminForm):
    """One draft's form; several share the review page, so each takes an id prefix."""

    title = StringField(_l("Title"), [DataRequired(), Length(max=300)])
    body = body_field(_l("Message"))
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default="investigating")
    notify = BooleanField(_l("Notify subscribers"), default=True)
