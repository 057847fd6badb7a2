"""Components' forms: a component and its audience, a group, the list's status and order buttons."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
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
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=1000)])
    group_id = SelectField(_l("Group"), choices=[])
    status = SelectField(_l("Status"), choices=COMPONENT_STATUS_CHOICES, default="operational")
    only_show_if_degraded = BooleanField(_l("Only show on the page while not operational"))
    showcase = BooleanField(_l("Show its uptime in the API (showcase)"), default=True)
    visibility = RadioField(
        _l("Visible to"),
        choices=[
            SelectChoice("public", _l("Everyone")),
            SelectChoice("segments", _l("Only these segments")),
        ],
        default="public",
    )
    segment_ids = segment_ids_field(
        _l("Segments"),
        _l("Signed-in people of these segments' organizations see it; the public page does not."),
    )

    def validate_segment_ids(self, field: Field) -> None:
        segments_chosen(self, field, "visibility")


class ComponentStatusForm(AdminForm):
    status = SelectField(_l("Status"), choices=COMPONENT_STATUS_CHOICES)


class GroupForm(AdminForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=1000)])
