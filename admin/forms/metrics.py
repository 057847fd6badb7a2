"""Metrics' forms: a provider (Self or Prometheus and its URL) and a metric as Statuspage
shapes it (name, PromQL for Prometheus, shown on the page, suffix, decimals, y axis)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from admin.forms.base import AdminForm
from statuspage.system_metrics.metrics import MAX_DECIMAL_PLACES, MAX_POSITION
from statuspage.system_metrics.providers import MAX_URI, PROMETHEUS, SELF

PROVIDER_CHOICES = [
    SelectChoice(SELF, _l("Self: data pushed with the API")),
    SelectChoice(PROMETHEUS, _l("Prometheus: read every minute with a PromQL query")),
]


class ProviderForm(AdminForm):
    type = SelectField(_l("Source"), choices=PROVIDER_CHOICES, default=SELF)
    metric_base_uri = StringField(
        _l("Prometheus server URL"),
        [Optional(), Length(max=MAX_URI)],
        description=_l("For Prometheus only, e.g. http://prometheus:9090"),
    )
    disabled = BooleanField(_l("Paused (Prometheus is not read while paused)"))


class MetricForm(AdminForm):
    metrics_provider_id = SelectField(_l("Source"), choices=[])
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    metric_identifier = TextAreaField(
        _l("PromQL query"),
        [Optional(), Length(max=2000)],
        description=_l(
            "For a Prometheus source: a query that gives one number (one series), "
            'e.g. sum(rate(http_requests_total{job="api"}[5m]))'
        ),
    )
    display = BooleanField(_l("Show on the status page"), default=True)
    suffix = StringField(
        _l("Unit suffix"), [Optional(), Length(max=40)], description=_l("e.g. ms or %")
    )
    decimal_places = IntegerField(
        _l("Decimal places"), [NumberRange(0, MAX_DECIMAL_PLACES)], default=0
    )
    tooltip_description = TextAreaField(
        _l("Description"), [Optional(), Length(max=1000)], description=_l("What it measures.")
    )
    y_axis_min = FloatField(_l("Y axis from"), [Optional()])
    y_axis_max = FloatField(_l("Y axis to"), [Optional()])
    y_axis_hidden = BooleanField(_l("Hide the y axis values"))
    position = IntegerField(
        _l("Position"), [Optional(), NumberRange(0, MAX_POSITION)], default=0,
        description=_l("Lower numbers come first on the page."),
    )  # fmt: skip
