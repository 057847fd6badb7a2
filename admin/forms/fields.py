"""Field builders the domains' forms share: times typed on the staff member's own clock, and
lists of checkboxes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from wtforms import DateTimeLocalField, Form, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from admin.preferences import zone_title
from statuspage.i18n.web import current_zone
from statuspage.i18n.zones import is_zone, local_to_utc, utc_to_local

# The browser's datetime-local input sends and expects "2026-03-06T12:00"; seconds are accepted.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class LocalDateTimeField(DateTimeLocalField):
    """A time typed and shown on the wall clock of the zone in force (the signed-in staff
    member's, admin/preferences.py), held in UTC: `data` is always an aware UTC datetime.

    A datetime-local input knows no zone, so the label names it. A wall time a DST change
    skips resolves forward, an ambiguous one to its first occurrence (zones.local_to_utc).
    `zone_from` names a sibling select whose value is the zone the time was typed in (the
    regulator board's "in my zone / in the regulator's zone"); its label then names none.
    """

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        zone_from: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("format", DATETIME_FORMATS)
        super().__init__(label, validators, **kwargs)
        self.zone_from = zone_from
        self.zone_name = current_zone()
        self.typed: datetime | None = None  # the wall-clock time as submitted
        if zone_from is None:
            self.label.text = _(
                "%(label)s (%(zone)s)", label=self.label.text, zone=zone_title(self.zone_name)
            )

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if not self.data:
            return ""
        return utc_to_local(self.data, self.zone_name).strftime(self.format[0])

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None:
            self.typed = self.data
            self.data = local_to_utc(self.typed, self.zone_name)

    def pre_validate(self, form: Form) -> None:
        chosen = form[self.zone_from].data if self.zone_from else None
        if self.typed is not None and is_zone(chosen):
            self.zone_name = chosen
            self.data = local_to_utc(self.typed, chosen)


def local_time(
    label: str, *validators: Any, description: str = "", zone_from: str | None = None
) -> LocalDateTimeField:
    return LocalDateTimeField(
        label, list(validators) or [Optional()], description=description, zone_from=zone_from
    )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: every option visible at once and reachable with Tab and Space."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
