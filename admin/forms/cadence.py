"""The update cadence's admin forms, and what the incident page needs to show its cadence."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from admin.forms.base import AdminForm
from admin.forms.confirm import ConfirmForm
from statuspage.incidents import cadence
from statuspage.models import Incident

_RANGE = NumberRange(
    cadence.MIN_MINUTES,
    cadence.MAX_MINUTES,
    message=_l("Between %(min)s and %(max)s minutes."),  # NumberRange fills in the bounds
)


class IncidentCadenceForm(AdminForm):
    minutes = IntegerField(
        _l("Update every (minutes)"),
        [Optional(), _RANGE],
        description=_l("Empty: the page's default."),
    )


class PageCadenceForm(AdminForm):
    minutes = IntegerField(
        _l("Default update cadence (minutes)"),
        [InputRequired(), _RANGE],
        description=_l(
            "How often an open incident should get an update; each incident can change its own."
        ),
    )
    public_next_update = BooleanField(
        _l("Show “Next update by” and its time on the public status and incident pages"),
        description=_l("While an incident is open: its latest update's time plus its cadence."),
    )
    reminder_lead_minutes = IntegerField(
        _l("Remind comms ahead of each due time (minutes)"),
        [
            Optional(),
            NumberRange(
                0, cadence.MAX_LEAD_MINUTES, message=_l("Between %(min)s and %(max)s minutes.")
            ),
        ],
        description=_l(
            "Owners and comms get an email this long before an update is due; 0: at the due "
            "time. Empty: unchanged."
        ),
    )
    escalation_grace_minutes = IntegerField(
        _l("Escalate a missing update after its due time (minutes)"),
        [
            Optional(),
            NumberRange(
                0, cadence.MAX_GRACE_MINUTES, message=_l("Between %(min)s and %(max)s minutes.")
            ),
        ],
        description=_l(
            "Still no update this long after it was due: the crisis team's comms members are "
            "paged on their SMS and chat paths; 0: at the due time. Empty: unchanged."
        ),
    )

    def validate_reminder_lead_minutes(self, field: IntegerField) -> None:
        minutes = self.minutes.data
        if field.data is not None and minutes is not None and field.data >= minutes:
            raise ValidationError(_l("Remind fewer minutes ahead than the cadence."))


# The incident page holds other forms: the cadence field's id is its own.
CADENCE_IDS = {"id_prefix": "cadence-"}


def cadence_context(incident: Incident) -> dict[str, Any]:
    """The incident page's cadence panel: the schedule (None when closed) and its two forms."""
    return {
        "cadence": cadence.cadence_of(incident),
        "cadence_applies": cadence.applies(incident),
        "cadence_form": IncidentCadenceForm(
            formdata=None, minutes=incident.update_cadence_minutes, meta=CADENCE_IDS
        ),
        "no_news_form": ConfirmForm(formdata=None),
    }
