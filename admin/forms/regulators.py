"""The regulator screens' forms: the registry, an incident's triggers and reportability, and
regulator notices."""

from __future__ import annotations

from zoneinfo import available_timezones

from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from admin.forms.base import AdminForm
from admin.forms.fields import MultiCheckboxField, utc_time
from statuspage.models.regulators import INCIDENT_TRIGGERS, TriggerKind, Unit

TRIGGER_CHOICES = [SelectChoice(k.value, k.label.capitalize()) for k in TriggerKind]
INCIDENT_TRIGGER_CHOICES = [SelectChoice(k.value, k.value.capitalize()) for k in INCIDENT_TRIGGERS]
UNIT_CHOICES = [SelectChoice(u.value, u.label.capitalize()) for u in Unit]


class RegulatorForm(AdminForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    jurisdiction = StringField("Jurisdiction", [Optional(), Length(max=200)])
    country_code = StringField(
        "Country code",
        [Optional(), Length(max=2)],
        description="ISO code for its holidays (US, GB, SG); blank: weekends only.",
    )
    subdivision = StringField(
        "Subdivision", [Optional(), Length(max=10)], description="e.g. ENG, NY; optional."
    )
    timezone = SelectField("Timezone", default="UTC")
    source_note = TextAreaField("Source (regulation and article)", [Optional(), Length(max=4000)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = sorted(available_timezones())


class LibraryForm(AdminForm):
    key = SelectField("Regime", [DataRequired()])


class ContactsForm(AdminForm):
    contacts = TextAreaField(
        "Contact points",
        [Optional(), Length(max=4000)],
        description="One per line, in order: channel then address (email a@regulator.example).",
    )

    def pairs(self) -> list[tuple[str, str]]:
        lines = [line.strip() for line in (self.contacts.data or "").splitlines()]
        return [tuple(line.split(None, 1)) if " " in line else (line, "") for line in lines if line]


class RuleForm(AdminForm):
    stage = StringField("Stage", [DataRequired(), Length(max=100)], description="e.g. initial")
    what_to_send = TextAreaField(
        "What must be sent",
        [Optional(), Length(max=4000)],
        description="The template; may name {incident_name}, {awareness}, {started_at}...",
    )
    trigger = SelectField("After", choices=TRIGGER_CHOICES)
    after = StringField("Earlier stage (chained)", [Optional(), Length(max=100)])
    amount = IntegerField("Within", [DataRequired(), NumberRange(1, 10_000)])
    unit = SelectField("Unit", choices=UNIT_CHOICES)
    trigger2 = SelectField(
        "Or, if earlier, after", choices=[SelectChoice("", "(no second bound)"), *TRIGGER_CHOICES]
    )
    after2 = StringField("Earlier stage (chained)", [Optional(), Length(max=100)])
    amount2 = IntegerField("Within", [Optional(), NumberRange(1, 10_000)])
    unit2 = SelectField("Unit", choices=UNIT_CHOICES)


class TriggerForm(AdminForm):
    kind = SelectField("Trigger", choices=INCIDENT_TRIGGER_CHOICES)
    occurred_at = utc_time("When it happened (UTC)", DataRequired())


class ReportableForm(AdminForm):
    regulator_ids = MultiCheckboxField("Reportable to", coerce=int, validators=[Optional()])


class ComposeForm(AdminForm):
    obligation_ids = MultiCheckboxField("Reports this notice submits", coerce=int)


class NoticeEditForm(AdminForm):
    subject = StringField("Subject", [DataRequired(), Length(max=300)])
    body = TextAreaField("Body", [DataRequired(), Length(max=20_000)])


class SendForm(AdminForm):
    late_reason = TextAreaField(
        "Reason for lateness", [Optional(), Length(max=2000)], description="Needed when late."
    )
    ack_minutes = IntegerField(
        "Acknowledgement window (minutes)",
        [Optional(), NumberRange(1, 7 * 24 * 60)],
        default=60,
        description="Unacknowledged after this, the next contact point is tried.",
    )


class PortalForm(AdminForm):
    reference = StringField("Portal reference", [DataRequired(), Length(max=200)])
    submitted_at = utc_time("Submitted at (UTC)", DataRequired())
    late_reason = TextAreaField("Reason for lateness", [Optional(), Length(max=2000)])
