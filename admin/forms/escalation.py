"""The escalation policy form: a name and up to FORM_TIERS tiers, each the roles and members it
pages and the minutes they have to acknowledge. It checks the shape of input; crisis.escalation
judges its meaning (a tier that pages nobody is left out)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from admin.forms.base import AdminForm
from admin.forms.fields import MultiCheckboxField
from statuspage.crisis.escalation import MAX_TIERS, MAX_WINDOW_MINUTES, TierSpec

FORM_TIERS = MAX_TIERS


class PolicyForm(AdminForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=100)])

    def tier_fields(self, number: int) -> tuple[Field, Field, Field]:
        """Tier `number`'s roles, members and window fields."""
        return (
            self[f"tier{number}_roles"],
            self[f"tier{number}_members"],
            self[f"tier{number}_window"],
        )

    def tiers(self) -> list[TierSpec]:
        """The tiers as entered, in order (blank ones too: the service leaves them out)."""
        specs = []
        for number in range(1, FORM_TIERS + 1):
            roles, members, window = self.tier_fields(number)
            specs.append(TierSpec(roles.data or [], members.data or [], window.data or 0))
        return specs

    def set_choices(self, roles: list[Any], members: list[Any]) -> None:
        for number in range(1, FORM_TIERS + 1):
            role_field, member_field, _ = self.tier_fields(number)
            role_field.choices, member_field.choices = roles, members


for _number in range(1, FORM_TIERS + 1):
    setattr(
        PolicyForm,
        f"tier{_number}_roles",
        MultiCheckboxField(_l("Roles it pages"), coerce=int, choices=[]),
    )
    setattr(
        PolicyForm,
        f"tier{_number}_members",
        MultiCheckboxField(_l("Members it pages"), coerce=int, choices=[]),
    )
    setattr(
        PolicyForm,
        f"tier{_number}_window",
        IntegerField(
            _l("Minutes to acknowledge before the next tier is paged"),
            [Optional(), NumberRange(1, MAX_WINDOW_MINUTES)],
        ),
    )
