"""Field builders the domains' forms share: times entered in UTC (a crisis team spread over
time zones reads one clock) and lists of checkboxes."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from wtforms import DateTimeLocalField, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

# The browser's datetime-local input sends and expects "2026-03-06T12:00"; seconds are accepted.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def utc_time(label: str, *validators: Any, description: str = "") -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        list(validators) or [Optional()],
        format=DATETIME_FORMATS,
        tz=UTC,
        description=description,
    )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: every option visible at once and reachable with Tab and Space."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
