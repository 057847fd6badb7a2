"""The crisis team's forms: the roster (roles, members), assembling the team on an incident,
the incident's messaging guidelines and executive briefings. They check the shape of input;
crisis and crisis.executives judge its meaning."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from admin.forms.base import AdminForm
from admin.forms.fields import MultiCheckboxField
from admin.forms.paging import PagingFields
from statuspage.crisis.assembly import MAX_REPAGE_MINUTES

MAX_GUIDELINE = 20_000


class RoleForm(AdminForm):
    name = StringField(_l("New role"), [DataRequired(), Length(max=100)])


class MemberForm(AdminForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(_l("Roles"), coerce=int, choices=[])
    contacts = TextAreaField(
        _l("Contact points, in the order to try them"),
        [DataRequired(), Length(max=5000)],
        description=(
            _l(
                "One a line: a channel (email, sms, slack, teams, discord) and its address; add "
                "“quiet” at the end to hold that path during quiet hours. "
                "Example: sms +15551230001 quiet"
            )
        ),
    )
    executive = BooleanField(_l("Executive: receives executive briefings"))
    staff_user_id = SelectField(_l("Staff account"), coerce=int, choices=[])
    timezone = StringField(_l("Time zone"), [DataRequired(), Length(max=64)], default="UTC")
    quiet_start = TimeField(_l("Quiet hours from"), [Optional()])
    quiet_end = TimeField(_l("until"), [Optional()])


class AssembleForm(AdminForm, PagingFields):
    roles = MultiCheckboxField(_l("Roles to page"), coerce=int, choices=[])
    # 0: no policy (the roles above); else an escalation policy's id (crisis.escalation)
    policy = SelectField(
        _l("Or follow an escalation policy"),
        coerce=int,
        choices=[],
        default=0,
        description=_l(
            "Pages its first tier now and each next tier when nobody has acknowledged in "
            "time; leave the roles above unticked."
        ),
    )
    note = TextAreaField(_l("Note for the team"), [Optional(), Length(max=2000)])


class GuidelinesForm(AdminForm):
    holding_statement = TextAreaField(_l("Holding statement"), [Length(max=MAX_GUIDELINE)])
    approved_qa = TextAreaField(_l("Approved Q&A"), [Length(max=MAX_GUIDELINE)])
    do_not_say = TextAreaField(_l("What not to say"), [Length(max=MAX_GUIDELINE)])


class BriefingForm(AdminForm):
    subject = StringField(_l("Subject"), [DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Briefing"), [DataRequired(), Length(max=MAX_GUIDELINE)])
    ack_minutes = IntegerField(
        _l("Try their next path if not acknowledged within (minutes)"),
        [InputRequired(), NumberRange(1, MAX_REPAGE_MINUTES)],
        default=30,
    )
