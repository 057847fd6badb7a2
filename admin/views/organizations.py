"""Organizations (customers): their segments, domains and members, and their private API token.

Every staff member reads them; owners change them (`manage_segments`), since who belongs to
an organization decides who reads its confidential notices.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, url_for
from flask_babel import gettext as _

from admin.access import actor
from admin.forms.audience import DomainForm, MemberForm, OrganizationForm
from admin.forms.confirm import ConfirmForm
from admin.outcome import ViewResult, attempt, done, form_status
from admin.views.audience import segment_choices
from statuspage.audience import organizations
from statuspage.extensions import db
from statuspage.models import Organization


def _organization_form(organization: Organization | None, *, bound: bool) -> OrganizationForm:
    ticked = [str(s.id) for s in organization.segments] if organization else []
    if bound:
        form = OrganizationForm()
    else:
        form = OrganizationForm(formdata=None, obj=organization, segment_ids=ticked)
    form.segment_ids.choices = segment_choices()
    return form


def _list(form: OrganizationForm) -> tuple[str, int]:
    return render_template(
        "admin/organizations/index.html",
        form=form,
        organizations=organizations.list_organizations(),
    ), form_status()


def index() -> tuple[str, int]:
    return _list(_organization_form(None, bound=False))


def create() -> ViewResult:
    form = _organization_form(None, bound=True)
    if form.validate_on_submit():
        with attempt(form):
            organization = organizations.create_organization(
                form.name.data, segments=form.segment_ids.data, actor=actor()
            )
            message = _(
                "Organization “%(name)s” created: add its domains or members.",
                name=organization.name,
            )
            return done(message, "admin.organization", organization_id=organization.id)
    return _list(form)


def _page(organization: Organization, **submitted: Any) -> tuple[str, int]:
    """The organization's page; the one form just submitted (with its errors) replaces its
    blank."""
    forms = {
        "form": _organization_form(organization, bound=False),
        "domain_form": DomainForm(formdata=None),
        "member_form": MemberForm(formdata=None),
    } | submitted
    return render_template(
        "admin/organizations/show.html",
        organization=organization,
        confirm_form=ConfirmForm(formdata=None),
        **forms,
    ), form_status()


def show(organization_id: int) -> tuple[str, int]:
    return _page(organizations.get_organization(organization_id))


def edit(organization_id: int) -> ViewResult:
    organization = organizations.get_organization(organization_id)
    form = _organization_form(organization, bound=True)
    if form.validate_on_submit():
        with attempt(form):
            organizations.update_organization(
                organization, name=form.name.data, segments=form.segment_ids.data, actor=actor()
            )
            return done(
                _("Organization saved."), "admin.organization", organization_id=organization_id
            )
    return _page(organization, form=form)


def add_domain(organization_id: int) -> ViewResult:
    organization = organizations.get_organization(organization_id)
    form = DomainForm()
    if form.validate_on_submit():
        with attempt(form):
            row = organizations.add_domain(organization, form.domain.data, actor=actor())
            message = _(
                "Everyone with a verified address at %(domain)s now belongs here.",
                domain=row.domain,
            )
            return done(message, "admin.organization", organization_id=organization_id)
    return _page(organization, domain_form=form)


def remove_domain(organization_id: int, domain_id: int) -> Response:
    organization = organizations.get_organization(organization_id)
    row = organizations.get_domain(organization, domain_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    domain = row.domain
    organizations.remove_domain(row, actor=actor())
    return done(
        _("%(domain)s removed.", domain=domain),
        "admin.organization",
        organization_id=organization_id,
    )


def add_member(organization_id: int) -> ViewResult:
    organization = organizations.get_organization(organization_id)
    form = MemberForm()
    if form.validate_on_submit():
        with attempt(form):
            member = organizations.add_member(organization, form.email.data, actor=actor())
            message = _("%(email)s now belongs here.", email=member.email)
            return done(message, "admin.organization", organization_id=organization_id)
    return _page(organization, member_form=form)


def remove_member(organization_id: int, member_id: int) -> Response:
    organization = organizations.get_organization(organization_id)
    member = organizations.get_member(organization, member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    email = member.email
    organizations.remove_member(member, actor=actor())
    return done(
        _("%(email)s removed.", email=email), "admin.organization", organization_id=organization_id
    )


def issue_token(organization_id: int) -> ViewResult:
    """Shows the secret in this response, never through a flashed message (the session
    cookie is signed, not encrypted); any previous token stops working."""
    organization = organizations.get_organization(organization_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    secret = organizations.issue_api_token(organization, actor=actor())
    db.session.commit()
    return render_template(
        "admin/secret.html",
        title=_("API token for “%(name)s”", name=organization.name),
        what=_("Private JSON API token"),
        secret=secret,
        note=_(
            "It reads the public JSON API plus this organization's private notices. Hand it "
            "to the customer; any earlier token has stopped working. Copy it now: Herald keeps "
            "only a hash and cannot show it again."
        ),
        back_url=url_for("admin.organization", organization_id=organization.id),
    )


def revoke_token(organization_id: int) -> ViewResult:
    organization = organizations.get_organization(organization_id)
    if organization.api_token_hash is None:
        abort(404)  # nothing to revoke
    form = ConfirmForm()
    if form.validate_on_submit():
        organizations.revoke_api_token(organization, actor=actor())
        return done(_("API token revoked."), "admin.organization", organization_id=organization_id)
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_(
            "Revoke the API token of “%(name)s” (%(prefix)s…)?",
            name=organization.name,
            prefix=organization.api_token_prefix,
        ),
        message=_("Whatever reads the private JSON API with it stops at once."),
        confirm_label=_("Revoke"),
        cancel_url=url_for("admin.organization", organization_id=organization.id),
    )


def delete(organization_id: int) -> ViewResult:
    organization = organizations.get_organization(organization_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = organization.name
        organizations.delete_organization(organization, actor=actor())
        return done(_("Organization “%(name)s” deleted.", name=name), "admin.organizations")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Delete organization “%(name)s”?", name=organization.name),
        message=_(
            "Its domains and members go with it: its people no longer see or receive its "
            "segments' private notices (unless another organization claims them), and its API "
            "token stops working."
        ),
        confirm_label=_("Delete"),
        cancel_url=url_for("admin.organization", organization_id=organization.id),
    )
