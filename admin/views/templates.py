"""Incident templates: the words prepared in calm times; "use" opens the composer with them."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _

from admin.access import actor
from admin.forms.components import component_choices
from admin.forms.confirm import ConfirmForm
from admin.forms.incidents import TemplateForm
from admin.outcome import ViewResult, attempt, done, form_status
from statuspage.audience.visibility import STAFF
from statuspage.components.catalog import list_components
from statuspage.incidents import templates
from statuspage.models import IncidentTemplate


def index() -> str:
    return render_template("admin/templates/index.html", templates=templates.list_templates())


def _form(template: IncidentTemplate | None) -> TemplateForm:
    if template is None:
        form = TemplateForm()
    else:  # the form's checkboxes are the template's component ids
        form = TemplateForm(obj=template, components=template.component_ids)
    form.components.choices = component_choices(list_components(STAFF))
    return form


def _fields(form: TemplateForm) -> dict[str, object]:
    return {
        "name": form.name.data,
        "title": form.title.data,
        "body": form.body.data,
        "update_status": form.update_status.data,
        "should_send_notifications": form.should_send_notifications.data,
        "component_ids": form.components.data,
    }


def new() -> ViewResult:
    form = _form(None)
    if form.validate_on_submit():
        with attempt(form):
            template = templates.create_template(actor=actor(), **_fields(form))
            return done(_("Template “%(name)s” created.", name=template.name), "admin.templates")
    return render_template("admin/templates/form.html", form=form, template=None), form_status()


def edit(template_id: str) -> ViewResult:
    template = templates.get_template(template_id)
    form = _form(template)
    if form.validate_on_submit():
        with attempt(form):
            templates.update_template(template, actor=actor(), **_fields(form))
            return done(_("Template “%(name)s” saved.", name=template.name), "admin.templates")
    return render_template("admin/templates/form.html", form=form, template=template), form_status()


def delete(template_id: str) -> ViewResult:
    template = templates.get_template(template_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = template.name
        templates.delete_template(template, actor=actor())
        return done(_("Template “%(name)s” deleted.", name=name), "admin.templates")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Delete the template “%(name)s”?", name=template.name),
        message=_("Incidents already posted from it stay as they are."),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.templates"),
    )
