"""Management API keys (owner only): list, create (the secret is shown once), revoke."""

from __future__ import annotations

from flask import Response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import actor
from admin.forms.confirm import ConfirmForm
from admin.forms.staff import ApiKeyForm
from admin.outcome import attempt, done, form_status
from statuspage.extensions import db
from statuspage.staff import accounts


def _list(form: ApiKeyForm) -> tuple[str, int]:
    return render_template(
        "admin/api_keys/index.html", form=form, keys=accounts.list_api_keys()
    ), form_status()


def index() -> tuple[str, int]:
    return _list(ApiKeyForm(formdata=None))


def create() -> str | tuple[str, int]:
    """Shows the secret in this response, not after a redirect: the session cookie is signed,
    not encrypted, so the secret must never pass through a flashed message."""
    form = ApiKeyForm()
    if form.validate_on_submit():
        with attempt(form):
            key, secret = accounts.issue_api_key(
                form.name.data, form.role.data, created_by=current_user, actor=actor()
            )
            db.session.commit()
            return render_template(
                "admin/secret.html",
                title=_("API key “%(name)s” created", name=key.name),
                what=_("API key"),
                secret=secret,
                note=_(
                    "It acts with the %(role)s role. Send it in the Authorization header. Copy it "
                    "now: Herald keeps only a hash and cannot show it again.",
                    role=key.role.value,
                ),
                back_url=url_for("admin.api_keys"),
            )
    return _list(form)


def revoke(key_id: int) -> str | Response:
    key = accounts.get_api_key(key_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.withdraw_api_key(key, actor=actor())
        return done(_("API key “%(name)s” revoked.", name=key.name), "admin.api_keys")
    return render_template(
        "admin/confirm.html",
        form=form,
        title=_("Revoke the API key “%(name)s” (%(prefix)s…)?", name=key.name, prefix=key.prefix),
        message=_("Every integration using it stops working at once. This cannot be undone."),
        confirm_label=_("Revoke"),
        cancel_url=url_for("admin.api_keys"),
    )
