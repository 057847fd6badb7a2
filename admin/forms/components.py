"""Components' forms: a component and its audience, a group, the list's status and order buttons."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from admin.forms.audience import segment_ids_field, segments_chosen
from admin.forms.base import AdminForm
from statuspage.models import Component, ComponentStatus

COMPONENT_STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in ComponentStatus]


def component_label(component: Component) -> str:
    return f"{component.group.name} · {component.name}" if component.group else component.name


def component_choices(components: Iterable[Component]) -> list[SelectChoice]:
    return [SelectChoice(c.id, component_label(c)) for c in components]


class MoveForm(AdminForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class ComponentForm(AdminForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    description = TextAreaField("Description", [Optional(), Length(max=1000)])
    group_id = SelectField("Group", choices=[])
    status = SelectField("Status", choices=COMPONENT_STATUS_CHOICES, default="operational")
    only_show_if_degraded = BooleanField("Only show on the page while not operational")
    showcase = BooleanField("Show its uptime in the API (showcase)", default=True)
    visibility = RadioField(
        "Visible to",
        choices=[
            SelectChoice("public", "Everyone"),
            SelectChoice("segments", "Only these segments"),
        ],
        default="public",
    )
    segment_ids = segment_ids_field(
        "Segments",
        "Signed-in people of these segments' organizations see it; the public page does not.",
    )

    def validate_segment_ids(self, field: Field) -> None:
        segments_chosen(self, field, "visibility")


class ComponentStatusForm(AdminForm):
    status = SelectField("Status", choices=COMPONENT_STATUS_CHOICES)


class GroupForm(AdminForm):
    name = StringField("Name", [DataRequired(), Length(max=200)])
    description = TextAreaField("Description", [Optional(), Length(max=1000)])
