"""How to page the crisis team, as the call-out form and a playbook both ask it: the paths,
the bridge, and how often and how many times the unacknowledged are paged again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from statuspage.crisis.assembly import MAX_REPAGE_MINUTES, MAX_ROUNDS


class PagingFields:
    """Mixed into an AdminForm, which binds the fields (and adds its one-line check to the
    text ones). A plain class, not a form, so that each form keeps one base form: WTForms
    gathers a form's fields from every class it inherits from.

    The fields come first when a form is iterated (WTForms orders fields by when they were
    made, and these are made before any form's own); the templates place them by name."""

    mode = RadioField(
        _l("Paths"),
        choices=[
            SelectChoice("all", _l("All their paths at once")),
            SelectChoice("sequential", _l("One path after another")),
        ],
        default="all",
    )
    bridge_phone = StringField(_l("Bridge dial-in number"), [Optional(), Length(max=40)])
    bridge_pin = StringField(_l("PIN"), [Optional(), Length(max=30)])
    meeting_url = StringField(_l("Meeting URL"), [Optional(), Length(max=500)])
    repage_minutes = IntegerField(
        _l("Page the unacknowledged again after (minutes)"),
        [InputRequired(), NumberRange(1, MAX_REPAGE_MINUTES)],
        default=5,
    )
    max_rounds = IntegerField(
        _l("Page at most (times)"), [InputRequired(), NumberRange(1, MAX_ROUNDS)], default=3
    )
