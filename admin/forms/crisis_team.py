"""The crisis team's forms: the roster (roles, members), assembling the team on an incident,
the incident's messaging guidelines and executive briefings. They check the shape of input;
crisis and crisis.executives judge its meaning."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from admin.forms.base import AdminForm
from admin.forms.fields import MultiCheckboxField
from statuspage.crisis.assembly import MAX_REPAGE_MINUTES, MAX_ROUNDS

MAX_GUIDELINE = 20_000


class RoleForm(AdminForm):
    name = StringField("New role", [DataRequired(), Length(max=100)])


class MemberForm(AdminForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    roles = MultiCheckboxField("Roles", coerce=int, choices=[])
    contacts = TextAreaField(
        "Contact points, in the order to try them",
        [DataRequired(), Length(max=5000)],
        description=(
            "One a line: a channel (email, sms, slack, teams, discord) and its address; add "
            "“quiet” at the end to hold that path during quiet hours. "
            "Example: sms +15551230001 quiet"
        ),
    )
    executive = BooleanField("Executive: receives executive briefings")
    staff_user_id = SelectField("Staff account", coerce=int, choices=[])
    timezone = StringField("Time zone", [DataRequired(), Length(max=64)], default="UTC")
    quiet_start = TimeField("Quiet hours from", [Optional()])
    quiet_end = TimeField("until", [Optional()])


class AssembleForm(AdminForm):
    roles = MultiCheckboxField("Roles to page", coerce=int, choices=[])
    mode = RadioField(
        "Paths",
        choices=[
            SelectChoice("all", "All their paths at once"),
            SelectChoice("sequential", "One path after another"),
        ],
        default="all",
    )
    bridge_phone = StringField("Bridge dial-in number", [Optional(), Length(max=40)])
    bridge_pin = StringField("PIN", [Optional(), Length(max=30)])
    meeting_url = StringField("Meeting URL", [Optional(), Length(max=500)])
    repage_minutes = IntegerField(
        "Page the unacknowledged again after (minutes)",
        [InputRequired(), NumberRange(1, MAX_REPAGE_MINUTES)],
        default=5,
    )
    max_rounds = IntegerField(
        "Page at most (times)", [InputRequired(), NumberRange(1, MAX_ROUNDS)], default=3
    )
    note = TextAreaField("Note for the team", [Optional(), Length(max=2000)])


class GuidelinesForm(AdminForm):
    holding_statement = TextAreaField("Holding statement", [Length(max=MAX_GUIDELINE)])
    approved_qa = TextAreaField("Approved Q&A", [Length(max=MAX_GUIDELINE)])
    do_not_say = TextAreaField("What not to say", [Length(max=MAX_GUIDELINE)])


class BriefingForm(AdminForm):
    subject = StringField("Subject", [DataRequired(), Length(max=300)])
    body = TextAreaField("Briefing", [DataRequired(), Length(max=MAX_GUIDELINE)])
    ack_minutes = IntegerField(
        "Try their next path if not acknowledged within (minutes)",
        [InputRequired(), NumberRange(1, MAX_REPAGE_MINUTES)],
        default=30,
    )
