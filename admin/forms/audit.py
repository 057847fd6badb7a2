"""The audit trail's filters, read from the query string."""

from __future__ import annotations

from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from admin.forms.base import AdminForm


class AuditFilterForm(AdminForm):
    """Read from the query string; a filter changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    incident_id = StringField("Incident id", [Optional(), Length(max=12)])
    action = StringField("Action", [Optional(), Length(max=100)])
    since = DateField("From (UTC)", [Optional()])
    until = DateField("To (UTC, inclusive)", [Optional()])
