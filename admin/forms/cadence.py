"""The update cadence's admin forms, and what the incident page needs to show its cadence."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from admin.forms.base import AdminForm
from admin.forms.confirm import ConfirmForm
from statuspage.incidents import cadence
from statuspage.models import Incident

_RANGE = NumberRange(
    cadence.MIN_MINUTES,
    cadence.MAX_MINUTES,
    message=f"Between {cadence.MIN_MINUTES} and {cadence.MAX_MINUTES} minutes.",
)


class IncidentCadenceForm(AdminForm):
    minutes = IntegerField(
        "Update every (minutes)",
        [Optional(), _RANGE],
        description="Empty: the page's default.",
    )


class PageCadenceForm(AdminForm):
    minutes = IntegerField(
        "Default update cadence (minutes)",
        [InputRequired(), _RANGE],
        description="How often an open incident should get an update; each incident can "
        "change its own.",
    )
    public_next_update = BooleanField(
        "Show “Next update by HH:MM UTC” on the public status and incident pages",
        description="While an incident is open: its latest update's time plus its cadence.",
    )


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
