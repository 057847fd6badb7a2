"""The regulator screens' forms: the registry, an incident's triggers and reportability, and
regulator notices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import available_timezones

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from admin.forms.base import AdminForm
from admin.forms.fields import MultiCheckboxField, local_time
from admin.preferences import zone_title
from statuspage.i18n.web import current_zone
from statuspage.i18n.zones import is_zone
from statuspage.models.regulators import INCIDENT_TRIGGERS, Regulator, TriggerKind, Unit

TRIGGER_CHOICES = [SelectChoice(k.value, k.label.capitalize()) for k in TriggerKind]
INCIDENT_TRIGGER_CHOICES = [SelectChoice(k.value, k.value.capitalize()) for k in INCIDENT_TRIGGERS]
UNIT_CHOICES = [SelectChoice(u.value, u.label.capitalize()) for u in Unit]


class RegulatorForm(AdminForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    jurisdiction = StringField(_l("Jurisdiction"), [Optional(), Length(max=200)])
    country_code = StringField(
        _l("Country code"),
        [Optional(), Length(max=2)],
        description=_l("ISO code for its holidays (US, GB, SG); blank: weekends only."),
    )
    subdivision = StringField(
        _l("Subdivision"), [Optional(), Length(max=10)], description=_l("e.g. ENG, NY; optional.")
    )
    timezone = SelectField(_l("Timezone"), default="UTC")
    source_note = TextAreaField(
        _l("Source (regulation and article)"), [Optional(), Length(max=4000)]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = sorted(available_timezones())


class LibraryForm(AdminForm):
    key = SelectField(_l("Regime"), [DataRequired()])


class ContactsForm(AdminForm):
    contacts = TextAreaField(
        _l("Contact points"),
        [Optional(), Length(max=4000)],
        description=_l("One per line, in order: channel then address (email a@regulator.example)."),
    )

    def pairs(self) -> list[tuple[str, str]]:
        lines = [line.strip() for line in (self.contacts.data or "").splitlines()]
        return [tuple(line.split(None, 1)) if " " in line else (line, "") for line in lines if line]


class RuleForm(AdminForm):
    stage = StringField(
        _l("Stage"), [DataRequired(), Length(max=100)], description=_l("e.g. initial")
    )
    what_to_send = TextAreaField(
        _l("What must be sent"),
        [Optional(), Length(max=4000)],
        description=_l("The template; may name {incident_name}, {awareness}, {started_at}..."),
    )
    trigger = SelectField(_l("After"), choices=TRIGGER_CHOICES)
    after = StringField(_l("Earlier stage (chained)"), [Optional(), Length(max=100)])
    amount = IntegerField(_l("Within"), [DataRequired(), NumberRange(1, 10_000)])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    trigger2 = SelectField(
        _l("Or, if earlier, after"),
        choices=[SelectChoice("", _l("(no second bound)")), *TRIGGER_CHOICES],
    )
    after2 = StringField(_l("Earlier stage (chained)"), [Optional(), Length(max=100)])
    amount2 = IntegerField(_l("Within"), [Optional(), NumberRange(1, 10_000)])
    unit2 = SelectField(_l("Unit"), choices=UNIT_CHOICES)


class TriggerForm(AdminForm):
    """A trigger time is typed on the staff member's clock or on a regulator's (its notice and
    the law count in the regulator's zone): `zone` says which, its choices are set per
    request (`trigger_zone_choices`); sent without it, the time is the staff member's."""

    kind = SelectField(_l("Trigger"), choices=INCIDENT_TRIGGER_CHOICES)
    zone = SelectField(_l("Typed in"))
    occurred_at = local_time(_l("When it happened"), DataRequired(), zone_from="zone")


class AffectedCountsForm(AdminForm):
    """How many customers and records the incident affects; empty: not known yet."""

    affected_customers = IntegerField(
        _l("Affected customers"),
        [Optional(), NumberRange(min=0, max=10**10)],
        description=_l("Empty: not known yet."),
    )
    affected_records = IntegerField(
        _l("Affected records"),
        [Optional(), NumberRange(min=0, max=10**10)],
        description=_l("Empty: not known yet."),
    )


def regulator_clocks(staff_zone: str, regulators: Iterable[Regulator]) -> dict[str, list[str]]:
    """The regulators' zones other than the staff member's, each with the regulators in it."""
    by_zone: dict[str, list[str]] = {}
    for regulator in regulators:
        if regulator.timezone != staff_zone and is_zone(regulator.timezone):
            by_zone.setdefault(regulator.timezone, []).append(regulator.name)
    return by_zone


def trigger_zone_choices(staff_zone: str, regulators: Iterable[Regulator]) -> list[SelectChoice]:
    """The clocks a trigger time may be typed on: the staff member's first (the default),
    then each regulator's zone not already offered, naming the regulators that count in it."""
    by_zone = regulator_clocks(staff_zone, regulators)
    mine = _("in my zone (%(zone)s)", zone=zone_title(staff_zone))
    return [
        SelectChoice(staff_zone, mine),
        *(
            SelectChoice(
                zone,
                _(
                    "in the regulator's zone: %(regulators)s (%(zone)s)",
                    regulators=", ".join(names),
                    zone=zone_title(zone),
                ),
            )
            for zone, names in by_zone.items()
        ),
    ]


def trigger_form(regulators: Iterable[Regulator], **kwargs: Any) -> TriggerForm:
    """The trigger form offering the staff member's clock and `regulators`' clocks."""
    staff_zone = current_zone()
    form = TriggerForm(zone=staff_zone, **kwargs)
    form.zone.choices = trigger_zone_choices(staff_zone, regulators)
    return form


class ReportableForm(AdminForm):
    regulator_ids = MultiCheckboxField(_l("Reportable to"), coerce=int, validators=[Optional()])


class ComposeForm(AdminForm):
    obligation_ids = MultiCheckboxField(_l("Reports this notice submits"), coerce=int)


class NoticeEditForm(AdminForm):
    subject = StringField(_l("Subject"), [DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Body"), [DataRequired(), Length(max=20_000)])


class SendForm(AdminForm):
    late_reason = TextAreaField(
        _l("Reason for lateness"),
        [Optional(), Length(max=2000)],
        description=_l("Needed when late."),
    )
    ack_minutes = IntegerField(
        _l("Acknowledgement window (minutes)"),
        [Optional(), NumberRange(1, 7 * 24 * 60)],
        default=60,
        description=_l("Unacknowledged after this, the next contact point is tried."),
    )


class PortalForm(AdminForm):
    reference = StringField(_l("Portal reference"), [DataRequired(), Length(max=200)])
    submitted_at = local_time(_l("Submitted at"), DataRequired())
    late_reason = TextAreaField(_l("Reason for lateness"), [Optional(), Length(max=2000)])
    filed_text = TextAreaField(
        _l("Text filed"),
        [Optional(), Length(max=20_000)],
        description=_l("What was filed on the portal, pasted as submitted: kept as the record."),
    )


class RegulatorMailForm(AdminForm):
    """A regulator's notice mail (or, on the registry, every regulator's default)."""

    sender_name = StringField(
        _l("Sender name"),
        [Optional(), Length(max=100)],
        description=_l("Shown on the From; the address stays the page's sender."),
    )
    reply_to = StringField(
        _l("Reply-To"),
        [Optional(), Length(max=254)],
        description=_l("The compliance mailbox replies and read receipts go to."),
    )
    cc = StringField(
        _l("CC"),
        [Optional(), Length(max=1000)],
        description=_l("Addresses copied on every notice, separated by commas."),
    )
