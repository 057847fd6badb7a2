"""The audit trail's filters, read from the query string."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from admin.forms.base import AdminForm
from admin.preferences import zone_title


class AuditFilterForm(AdminForm):
    """Read from the query string; a filter changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    incident_id = StringField(_l("Incident id"), [Optional(), Length(max=12)])
    action = StringField(_l("Action"), [Optional(), Length(max=100)])
    # Days on the staff member's clock (admin/views/audit.py): the labels name their zone.
    since = DateField(_l("From"), [Optional()])
    until = DateField(_l("To (inclusive)"), [Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = zone_title()
        self.since.label.text = _("%(label)s (%(zone)s)", label=self.since.label.text, zone=zone)
        self.until.label.text = _("%(label)s (%(zone)s)", label=self.until.label.text, zone=zone)
