"""Monitoring (owners): the integrations alerts come in through, the rules that read them, and
each component's automation; thin views over statuspage.monitoring.setup."""

from __future__ import annotations

from flask import abort, make_response, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from admin.access import actor
from admin.forms.components import MoveForm, component_choices
from admin.forms.confirm import ConfirmForm
from admin.forms.monitoring import (
    KIND_CHOICES,
    AutomationForm,
    IntegrationForm,
    RenameIntegrationForm,
    RuleForm,
)
from admin.outcome import ViewResult, attempt, done, form_status
from statuspage.audience.visibility import STAFF
from statuspage.components import catalog
from statuspage.extensions import db
from statuspage.models import Component, Page
from statuspage.models.monitoring import AlertRule, Integration
from statuspage.monitoring import matchers, setup
from statuspage.page.state import ensure_page


def _page() -> Page:
    return ensure_page()


def _automation_form(component: Component, formdata: object = None) -> AutomationForm:
    settings = setup.automation_for(component)
    return AutomationForm(
        formdata=formdata,
        mode=settings.mode.value,
        hold_seconds=settings.hold_seconds,
        meta={"id_prefix": f"automation-{component.id}-"},
    )


def _index(integration_form: IntegrationForm) -> tuple[str, int]:
    page = _page()
    components = catalog.list_components(STAFF)
    integrations = setup.list_integrations(page)
    return render_template(
        "admin/monitoring/index.html",
        integrations=integrations,
        integration_names={i.id: i.name for i in integrations},
        integration_form=integration_form,
        kind_labels={choice.value: choice.label for choice in KIND_CHOICES},
        rules=setup.list_rules(page),
        written=matchers.written,
        components={c.id: c for c in components},
        automation=[(c, _automation_form(c)) for c in components],
        move_form=MoveForm(formdata=None),
    ), form_status()


def index() -> tuple[str, int]:
    return _index(IntegrationForm(formdata=None))


# ---------------------------------------------------------------------------- integrations


def _secret_page(integration: Integration, secret: str, title: str) -> Response:
    """The one page that ever shows `secret`: rendered in the POST's own response (never
    after a redirect: the signed session cookie is not encrypted) and never stored."""
    response = make_response(
        render_template(
            "admin/monitoring/secret.html",
            title=title,
            integration=integration,
            url=setup.intake_url(integration, secret),
            bare_url=setup.intake_url(integration),
            secret=secret,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the admin's default too; stated here
    return response


def integration_new() -> ViewResult:
    form = IntegrationForm()
    if form.validate_on_submit():
        with attempt(form):
            integration, secret = setup.create_integration(
                _page(), form.kind.data, form.name.data, actor()
            )
            db.session.commit()
            return _secret_page(
                integration,
                secret,
                _("Integration “%(name)s” created", name=integration.name),
            )
    return _index(form)


def integration_edit(integration_id: str) -> ViewResult:
    integration = setup.get_integration(_page(), integration_id)
    form = RenameIntegrationForm(obj=integration)
    if form.validate_on_submit():
        with attempt(form):
            setup.rename_integration(integration, form.name.data, actor())
            return done(
                _("Integration “%(name)s” saved.", name=integration.name), "admin.monitoring"
            )
    return render_template(
        "admin/monitoring/integration_form.html",
        form=form,
        integration=integration,
        bare_url=setup.intake_url(integration),
    ), form_status()


def integration_rotate(integration_id: str) -> ViewResult:
    integration = setup.get_integration(_page(), integration_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        secret = setup.rotate_secret(integration, actor())
        db.session.commit()
        return _secret_page(
            integration,
            secret,
            _("New secret for “%(name)s”", name=integration.name),
        )
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Replace the secret of “%(name)s”?", name=integration.name),
        message=_(
            "The current secret stops working at once: alerts sent with it are refused until "
            "the tool is given the new URL, which is shown once, on the next page."
        ),
        confirm_label=_("Replace the secret"),
        cancel_url=url_for("admin.monitoring"),
    )


def integration_delete(integration_id: str) -> ViewResult:
    integration = setup.get_integration(_page(), integration_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = integration.name
        setup.delete_integration(integration, actor())
        return done(_("Integration “%(name)s” deleted.", name=name), "admin.monitoring")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Delete the integration “%(name)s”?", name=integration.name),
        message=_(
            "Its alerts are refused from now on, its alert history goes, and so do the rules "
            "that read only this integration's alerts. Components keep their status."
        ),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.monitoring"),
    )


# ---------------------------------------------------------------------------------- rules


def _rule_choices(form: RuleForm, page: Page) -> None:
    form.component_id.choices = component_choices(catalog.list_components(STAFF))
    form.integration_id.choices = [
        SelectChoice("", _("Any of this page's integrations")),
        *(SelectChoice(i.id, i.name) for i in setup.list_integrations(page)),
    ]


def _chosen(form: RuleForm, page: Page) -> tuple[Component, Integration | None]:
    """The form's component and integration as records (choices were checked by the form)."""
    component = catalog.get_component(form.component_id.data)
    integration_id = form.integration_id.data
    integration = setup.get_integration(page, integration_id) if integration_id else None
    return component, integration


def _rule_fields(form: RuleForm, page: Page) -> dict[str, object]:
    component, integration = _chosen(form, page)
    return {
        "name": form.name.data,
        "matchers": form.matchers.data,
        "component": component,
        "component_status": form.component_status.data,
        "integration": integration,
        "publish_automatically": form.publish_automatically.data,
        "actor": actor(),
    }


def _rule_page(form: RuleForm, rule: AlertRule | None) -> tuple[str, int]:
    return render_template("admin/monitoring/rule_form.html", form=form, rule=rule), form_status()


def rule_new() -> ViewResult:
    page = _page()
    form = RuleForm()
    _rule_choices(form, page)
    if form.validate_on_submit():
        with attempt(form):
            rule = setup.create_rule(page, **_rule_fields(form, page))
            return done(_("Rule “%(name)s” created.", name=rule.name), "admin.monitoring")
    return _rule_page(form, None)


def rule_edit(rule_id: int) -> ViewResult:
    page = _page()
    rule = setup.get_rule(page, rule_id)
    form = RuleForm(
        name=rule.name,
        matchers=matchers.written(rule.matchers),  # shown back as they are written
        component_id=rule.component_id,
        component_status=rule.component_status.value,
        integration_id=rule.integration_id or "",
        publish_automatically=rule.publish_automatically,
    )
    _rule_choices(form, page)
    if form.validate_on_submit():
        with attempt(form):
            setup.update_rule(rule, **_rule_fields(form, page))
            return done(_("Rule “%(name)s” saved.", name=rule.name), "admin.monitoring")
    return _rule_page(form, rule)


def rule_move(rule_id: int) -> Response:
    rule = setup.get_rule(_page(), rule_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    setup.move_rule(rule, form.direction.data, actor())
    if form.direction.data == "up":
        message = _("Moved rule “%(name)s” up.", name=rule.name)
    else:
        message = _("Moved rule “%(name)s” down.", name=rule.name)
    return done(message, "admin.monitoring")


def rule_delete(rule_id: int) -> ViewResult:
    rule = setup.get_rule(_page(), rule_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = rule.name
        setup.delete_rule(rule, actor())
        return done(_("Rule “%(name)s” deleted.", name=name), "admin.monitoring")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Delete the rule “%(name)s”?", name=rule.name),
        message=_("Alerts it matched go to the next rule that matches them, or to none."),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.monitoring"),
    )


# ----------------------------------------------------------------------------- automation


def automation(component_id: str) -> ViewResult:
    """One component's automation: the list's row posts here; a refusal is shown on a page
    of its own, with the component named."""
    component = catalog.get_component(component_id)
    settings = setup.automation_for(component)
    # A submission's values win over these (FlaskForm reads the request's form first).
    form = AutomationForm(mode=settings.mode.value, hold_seconds=settings.hold_seconds)
    if form.validate_on_submit():
        with attempt(form):
            setup.set_automation(component, form.mode.data, form.hold_seconds.data, actor())
            return done(
                _("Automation of “%(name)s” saved.", name=component.name), "admin.monitoring"
            )
    return render_template(
        "admin/monitoring/automation_form.html", form=form, component=component
    ), form_status()
