"""Playbook forms: a playbook (what matches, who is paged on which bridge, the cadence, the
briefing and guidelines, the regulators) and running one on an incident. They check the
shape of input; crisis.playbooks judges its meaning."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from admin.forms.base import AdminForm
from admin.forms.crisis_team import MAX_GUIDELINE
from admin.forms.fields import MultiCheckboxField
from admin.forms.paging import PagingFields
from statuspage.incidents.cadence import MAX_MINUTES, MIN_MINUTES


class PlaybookForm(AdminForm, PagingFields):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    auto_run = BooleanField(
        _l("Run by itself when an incident opens that matches"),
        default=True,
        description=_l("Otherwise it runs only when chosen on an incident."),
    )
    impacts = MultiCheckboxField(
        _l("Impact"),
        choices=[],
        description=_l("None chosen: any impact (then choose a component)."),
    )
    components = MultiCheckboxField(
        _l("Components"),
        choices=[],
        description=_l("None chosen: any component. Both chosen: both must match."),
    )
    roles = MultiCheckboxField(_l("Roles to page"), coerce=int, choices=[])
    # 0: no policy (the roles above); else an escalation policy's id (crisis.escalation)
    escalation_policy = SelectField(
        _l("Or follow an escalation policy"),
        coerce=int,
        choices=[],
        default=0,
        description=_l(
            "Pages its first tier when the playbook runs and each next tier when nobody has "
            "acknowledged in time, the incident commander told; leave the roles above unticked."
        ),
    )
    page_note = TextAreaField(_l("Note for the team"), [Optional(), Length(max=2000)])
    cadence_minutes = IntegerField(
        _l("Customer update every (minutes)"),
        [Optional(), NumberRange(MIN_MINUTES, MAX_MINUTES)],
        description=_l("Empty: the page's default cadence."),
    )
    briefing_subject = StringField(_l("Briefing subject"), [Optional(), Length(max=200)])
    briefing_body = TextAreaField(
        _l("Executive briefing"),
        [Length(max=MAX_GUIDELINE)],
        description=_l("Empty: no briefing is sent (the guidelines are still saved)."),
    )
    holding_statement = TextAreaField(_l("Holding statement"), [Length(max=MAX_GUIDELINE)])
    approved_qa = TextAreaField(_l("Approved Q&A"), [Length(max=MAX_GUIDELINE)])
    do_not_say = TextAreaField(_l("What not to say"), [Length(max=MAX_GUIDELINE)])
    regulators = MultiCheckboxField(
        _l("Reportable to"),
        coerce=int,
        choices=[],
        description=_l(
            "Their clocks start from the incident's start; staff can correct the times later."
        ),
    )


class RunPlaybookForm(AdminForm):
    playbook_id = SelectField(_l("Playbook"), [InputRequired()], coerce=int, choices=[])
