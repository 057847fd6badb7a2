"""Components and their groups: create, edit, reorder, set status, delete."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from admin.access import actor
from admin.forms.components import ComponentForm, ComponentStatusForm, GroupForm, MoveForm
from admin.forms.confirm import ConfirmForm
from admin.outcome import ViewResult, attempt, done, form_status
from admin.views.audience import segment_choices
from statuspage.audience import segments
from statuspage.audience.visibility import STAFF
from statuspage.components import catalog
from statuspage.models import Component, ComponentGroup, Visibility


def index() -> str:
    groups = catalog.list_groups()
    ungrouped = [c for c in catalog.list_components(STAFF) if c.group_id is None]
    return render_template(
        "admin/components/index.html",
        groups=groups,
        ungrouped=ungrouped,
        status_form=ComponentStatusForm(formdata=None),
        move_form=MoveForm(formdata=None),
    )


def _group_choices(form: ComponentForm) -> None:
    groups = [SelectChoice(g.id, g.name) for g in catalog.list_groups()]
    form.group_id.choices = [SelectChoice("", _("No group")), *groups]
    form.segment_ids.choices = segment_choices()


def _set_audience(component: Component, form: ComponentForm) -> None:
    """Who sees the component, when the form changes it (an unchanged audience is no event)."""
    visibility = form.visibility.data or Visibility.public.value
    chosen = sorted(form.segment_ids.data or []) if visibility == Visibility.segments else []
    if (component.visibility.value, sorted(str(s.id) for s in component.segments)) != (
        visibility,
        chosen,
    ):
        segments.set_component_audience(component, visibility, chosen, actor=actor())


def new_component() -> ViewResult:
    form = ComponentForm()
    _group_choices(form)
    if form.validate_on_submit():
        with attempt(form):
            component = catalog.create_component(
                form.name.data,
                group=catalog.get_group(form.group_id.data) if form.group_id.data else None,
                description=form.description.data or None,
                status=form.status.data,
                only_show_if_degraded=form.only_show_if_degraded.data,
                showcase=form.showcase.data,
                actor=actor(),
            )
            _set_audience(component, form)
            return done(_("Component “%(name)s” created.", name=component.name), "admin.components")
    return render_template("admin/components/form.html", form=form, component=None), form_status()


def edit_component(component_id: str) -> ViewResult:
    component = catalog.get_component(component_id)
    form = ComponentForm(obj=component, segment_ids=[str(s.id) for s in component.segments])
    _group_choices(form)
    if form.validate_on_submit():
        with attempt(form):
            catalog.update_component(
                component,
                actor=actor(),
                name=form.name.data,
                description=form.description.data or "",
                group_id=form.group_id.data or None,
                status=form.status.data,
                only_show_if_degraded=form.only_show_if_degraded.data,
                showcase=form.showcase.data,
            )
            _set_audience(component, form)
            return done(_("Component “%(name)s” saved.", name=component.name), "admin.components")
    return render_template(
        "admin/components/form.html", form=form, component=component
    ), form_status()


def set_status(component_id: str) -> Response:
    """The quick status change on the list; logged for uptime like any other change."""
    component = catalog.get_component(component_id)
    form = ComponentStatusForm()
    if not form.validate_on_submit():
        abort(400)
    catalog.update_component(component, actor=actor(), status=form.status.data)
    message = _(
        "“%(name)s” is now %(status)s.",
        name=component.name,
        status=component.status.label.lower(),
    )
    return done(message, "admin.components")


def _moved(ids: list[str], item_id: str, direction: str) -> list[str]:
    """`ids` with `item_id` swapped with its neighbour; unchanged at either end."""
    at = ids.index(item_id)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
    return ids


def move_component(component_id: str) -> Response:
    component = catalog.get_component(component_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    siblings = [c.id for c in catalog.list_components(STAFF) if c.group_id == component.group_id]
    catalog.reorder(_moved(siblings, component.id, form.direction.data), actor=actor())
    if form.direction.data == "up":
        message = _("Moved “%(name)s” up.", name=component.name)
    else:
        message = _("Moved “%(name)s” down.", name=component.name)
    return done(message, "admin.components")


def delete_component(component_id: str) -> ViewResult:
    component = catalog.get_component(component_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = component.name
        catalog.delete_component(component, actor=actor())
        return done(_("Component “%(name)s” deleted.", name=name), "admin.components")
    return _confirm_delete(form, component)


def _confirm_delete(form: ConfirmForm, item: Component | ComponentGroup) -> str:
    is_group = isinstance(item, ComponentGroup)
    return render_template(
        "admin/confirm.html",
        form=form,
        title=(
            _("Delete group “%(name)s”?", name=item.name)
            if is_group
            else _("Delete component “%(name)s”?", name=item.name)
        ),
        message=(
            _("Its components stay on the page, without a group.")
            if is_group
            else _("It disappears from the status page and the API, with its uptime history.")
        ),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.components"),
    )


def new_group() -> ViewResult:
    form = GroupForm()
    if form.validate_on_submit():
        with attempt(form):
            group = catalog.create_group(
                form.name.data, description=form.description.data or None, actor=actor()
            )
            return done(_("Group “%(name)s” created.", name=group.name), "admin.components")
    return render_template("admin/components/group_form.html", form=form, group=None), form_status()


def edit_group(group_id: str) -> ViewResult:
    group = catalog.get_group(group_id)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        with attempt(form):
            catalog.update_group(
                group,
                actor=actor(),
                name=form.name.data,
                description=form.description.data or "",
            )
            return done(_("Group “%(name)s” saved.", name=group.name), "admin.components")
    return render_template(
        "admin/components/group_form.html", form=form, group=group
    ), form_status()


def move_group(group_id: str) -> Response:
    group = catalog.get_group(group_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [g.id for g in catalog.list_groups()]
    catalog.reorder(_moved(ids, group.id, form.direction.data), actor=actor())
    if form.direction.data == "up":
        message = _("Moved group “%(name)s” up.", name=group.name)
    else:
        message = _("Moved group “%(name)s” down.", name=group.name)
    return done(message, "admin.components")


def delete_group(group_id: str) -> ViewResult:
    group = catalog.get_group(group_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = group.name
        catalog.delete_group(group, actor=actor())
        return done(_("Group “%(name)s” deleted.", name=name), "admin.components")
    return _confirm_delete(form, group)
