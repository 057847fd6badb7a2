"""The regulator registry: regimes (typed in or added from the library), their rules and contact
points. An incident's obligations to them are on its board (regulator_board).

Handlers parse a form and call one service in statuspage.regulators; a refusal
(InvalidInput) shows the page again with the reason, answered 422.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _

from admin.access import actor
from admin.forms.confirm import ConfirmForm
from admin.forms.regulators import (
    ContactsForm,
    LibraryForm,
    RegulatorForm,
    RegulatorMailForm,
    RuleForm,
)
from admin.outcome import ViewResult, attempt, done, form_status
from admin.unreachable import warn_unreachable_paths
from statuspage.channels import registry as channel_registry
from statuspage.core.errors import NotFound
from statuspage.extensions import db
from statuspage.models import Regulator, RegulatorRule
from statuspage.page.state import ensure_page
from statuspage.regulators import library, registry
from statuspage.regulators import mail as regulator_mail


def _library_form(*, bound: bool) -> LibraryForm:
    form = LibraryForm() if bound else LibraryForm(formdata=None)
    form.key.choices = [(e["key"], e["name"]) for e in library.library()]
    return form


def _defaults_form() -> RegulatorMailForm:
    page = ensure_page()
    return RegulatorMailForm(
        formdata=None,
        sender_name=page.regulator_sender_name,
        reply_to=page.regulator_reply_to,
        cc=page.regulator_cc,
    )


def _list(
    form: RegulatorForm | None = None,
    library_form: LibraryForm | None = None,
    mail_form: RegulatorMailForm | None = None,
) -> ViewResult:
    present = {r.library_key for r in registry.list_regulators()}
    return render_template(
        "admin/regulators/index.html",
        regulators=registry.list_regulators(),
        form=form or RegulatorForm(formdata=None),
        library_form=library_form or _library_form(bound=False),
        library=[e for e in library.library() if e["key"] not in present],
        summary=registry.rule_summary,
        mail_form=mail_form or _defaults_form(),
    ), form_status()


def index() -> ViewResult:
    return _list()


def _fields(form: RegulatorForm) -> dict[str, object]:
    """A regulator as the form describes it, for creating one and for saving one alike."""
    return {
        "name": form.name.data,
        "jurisdiction": form.jurisdiction.data or "",
        "country_code": form.country_code.data,
        "subdivision": form.subdivision.data,
        "timezone": form.timezone.data,
        "source_note": form.source_note.data or "",
    }


def create() -> ViewResult:
    form = RegulatorForm()
    if form.validate_on_submit():
        with attempt(form):
            regulator = registry.create_regulator(actor=actor(), **_fields(form))
            return done(
                _(
                    "Regulator “%(name)s” added: add its rules and contact points.",
                    name=regulator.name,
                ),
                "admin.regulator",
                regulator_id=regulator.id,
            )
    return _list(form=form)


def add_from_library() -> ViewResult:
    form = _library_form(bound=True)
    if form.validate_on_submit():
        with attempt(form):
            regulator = library.add_from_library(form.key.data, actor=actor())
            return done(
                _("%(name)s added from the library: add its contact points.", name=regulator.name),
                "admin.regulator",
                regulator_id=regulator.id,
            )
    return _list(library_form=form)


def _page(regulator: Regulator, **forms: Any) -> ViewResult:
    contacts = registry.contacts_of(regulator)
    return render_template(
        "admin/regulators/show.html",
        regulator=regulator,
        contacts=contacts,
        form=forms.get("form") or RegulatorForm(formdata=None, obj=regulator),
        contacts_form=forms.get("contacts_form")
        or ContactsForm(
            formdata=None,
            contacts="\n".join(f"{c.channel.value} {c.address}" for c in contacts),
        ),
        rule_form=forms.get("rule_form") or RuleForm(formdata=None),
        mail_form=forms.get("mail_form")
        or RegulatorMailForm(
            formdata=None,
            sender_name=regulator.mail_sender_name,
            reply_to=regulator.mail_reply_to,
            cc=regulator.mail_cc,
        ),
        addressing=regulator_mail.regulator_addresses(regulator),
        confirm=ConfirmForm(formdata=None),
        summary=registry.rule_summary,
        unconfigured=channel_registry.unconfigured(),
    ), form_status()


def show(regulator_id: int) -> ViewResult:
    return _page(registry.get_regulator(regulator_id))


def edit(regulator_id: int) -> ViewResult:
    regulator = registry.get_regulator(regulator_id)
    form = RegulatorForm()
    if form.validate_on_submit():
        with attempt(form):
            registry.update_regulator(regulator, actor=actor(), **_fields(form))
            return done(_("Regulator saved."), "admin.regulator", regulator_id=regulator.id)
    return _page(regulator, form=form)


def contacts(regulator_id: int) -> ViewResult:
    regulator = registry.get_regulator(regulator_id)
    form = ContactsForm()
    if form.validate_on_submit():
        with attempt(form):
            saved = registry.set_regulator_contacts(regulator, form.pairs(), actor=actor())
            warn_unreachable_paths(saved)
            return done(_("Contact points saved."), "admin.regulator", regulator_id=regulator.id)
    return _page(regulator, contacts_form=form)


def mail(regulator_id: int) -> ViewResult:
    regulator = registry.get_regulator(regulator_id)
    form = RegulatorMailForm()
    if form.validate_on_submit():
        with attempt(form):
            regulator_mail.set_regulator_mail(
                regulator,
                sender_name=form.sender_name.data,
                reply_to=form.reply_to.data,
                cc=form.cc.data,
                actor=actor(),
            )
            return done(_("Notice mail saved."), "admin.regulator", regulator_id=regulator.id)
    return _page(regulator, mail_form=form)


def mail_defaults() -> ViewResult:
    form = RegulatorMailForm()
    if form.validate_on_submit():
        with attempt(form):
            regulator_mail.set_mail_defaults(
                sender_name=form.sender_name.data,
                reply_to=form.reply_to.data,
                cc=form.cc.data,
                actor=actor(),
            )
            return done(_("Default notice mail saved."), "admin.regulators")
    return _list(mail_form=form)


def add_rule(regulator_id: int) -> ViewResult:
    regulator = registry.get_regulator(regulator_id)
    form = RuleForm()
    if form.validate_on_submit():
        bounds = [registry.BoundSpec(form.trigger.data, form.amount.data, form.unit.data,
                                    form.after.data or None)]  # fmt: skip
        if form.trigger2.data:
            if not form.amount2.data:
                form.amount2.errors = [_("Enter the second deadline's amount.")]
                return _page(regulator, rule_form=form)
            bounds.append(
                registry.BoundSpec(
                    form.trigger2.data, form.amount2.data, form.unit2.data, form.after2.data or None
                )
            )
        with attempt(form):
            rule = registry.add_rule(
                regulator,
                stage=form.stage.data,
                what_to_send=form.what_to_send.data or "",
                bounds=bounds,
                actor=actor(),
            )
            return done(
                _("Rule “%(stage)s” added.", stage=rule.stage),
                "admin.regulator",
                regulator_id=regulator.id,
            )
    return _page(regulator, rule_form=form)


def delete_rule(regulator_id: int, rule_id: int) -> ViewResult:
    regulator = registry.get_regulator(regulator_id)
    rule = db.session.get(RegulatorRule, rule_id)
    if rule is None or rule.regulator_id != regulator.id:
        raise NotFound("no such rule")
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _refused(regulator, _("the form expired; try again"))
    with attempt(form) as tried:
        registry.delete_rule(rule, actor=actor())
        return done(
            _("Rule “%(stage)s” removed.", stage=rule.stage),
            "admin.regulator",
            regulator_id=regulator.id,
        )
    return _refused(regulator, tried.refusal)


def _refused(regulator: Regulator, reason: str | None) -> ViewResult:
    form = RegulatorForm(formdata=None, obj=regulator)
    form.form_errors.append(str(reason))
    body, _ = _page(regulator, form=form)
    return body, 422


def delete(regulator_id: int) -> ViewResult:
    regulator = registry.get_regulator(regulator_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _refused(regulator, _("the form expired; try again"))
    with attempt(form) as tried:
        registry.delete_regulator(regulator, actor=actor())
        return done(_("Regulator “%(name)s” removed.", name=regulator.name), "admin.regulators")
    return _refused(regulator, tried.refusal)
