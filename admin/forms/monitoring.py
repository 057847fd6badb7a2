"""Monitoring's forms: an integration, an alert rule (its matchers typed as Alertmanager writes
them), and one component's automation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from admin.forms.base import AdminForm
from statuspage.core.errors import InvalidInput
from statuspage.models import ComponentStatus
from statuspage.models.monitoring import AutomationMode, IntegrationKind
from statuspage.monitoring import matchers
from statuspage.monitoring.setup import MAX_HOLD_SECONDS, MIN_HOLD_SECONDS

KIND_CHOICES = [
    SelectChoice(IntegrationKind.alertmanager.value, _l("Prometheus Alertmanager")),
    SelectChoice(IntegrationKind.grafana.value, _l("Grafana alerting")),
    SelectChoice(IntegrationKind.uptime_kuma.value, _l("Uptime Kuma")),
    SelectChoice(IntegrationKind.generic.value, _l("Generic JSON")),
]
MODE_CHOICES = [
    SelectChoice(AutomationMode.off.value, _l("Off")),
    SelectChoice(AutomationMode.status.value, _l("Automatic status")),
    SelectChoice(AutomationMode.status_and_draft.value, _l("Automatic status + draft incident")),
]
# A rule says what a firing alert means; operational is what "all resolved" means already.
RULE_STATUS_CHOICES = [
    SelectChoice(s.value, s.label) for s in ComponentStatus if s is not ComponentStatus.operational
]


class IntegrationForm(AdminForm):
    kind = SelectField(_l("Tool"), choices=KIND_CHOICES)
    name = StringField(
        _l("Name"),
        [DataRequired(), Length(max=200)],
        description=_l("For you, e.g. “Production Alertmanager”."),
    )


class RenameIntegrationForm(AdminForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])


class RuleForm(AdminForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    matchers = TextAreaField(
        _l("Label matchers"),
        [DataRequired()],
        description=_l(
            'As Alertmanager writes them, comma- or line-separated: service="api", '
            'severity=~"critical|page", env!="staging". An alert matches when all hold.'
        ),
    )
    component_id = SelectField(_l("Component"), choices=[])
    component_status = SelectField(
        _l("Status while the alert fires"), choices=RULE_STATUS_CHOICES, default="major_outage"
    )
    integration_id = SelectField(_l("From"), choices=[])
    publish_automatically = BooleanField(
        _l("Publish this rule's drafted incidents without review"),
        description=_l(
            "Off: comms review every drafted incident before customers see it. On: it is "
            "published to customers and subscribers as soon as automation drafts it."
        ),
    )

    def validate_matchers(self, field: Field) -> None:
        """The parser's own words under the field: the one place matchers are read."""
        try:
            matchers.parse(field.data or "")
        except InvalidInput as refused:
            raise ValidationError(str(refused)) from None


class AutomationForm(AdminForm):
    mode = SelectField(_l("Automation"), choices=MODE_CHOICES)
    hold_seconds = IntegerField(
        _l("Hold (seconds)"),
        [InputRequired(), NumberRange(MIN_HOLD_SECONDS, MAX_HOLD_SECONDS)],
        default=60,
        description=_l(
            "A status must hold this long before it is published, so a flapping alert does "
            "not flip the page (0 to 3600)."
        ),
    )
