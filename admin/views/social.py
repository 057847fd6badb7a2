"""The page's social accounts (owner only): X and Mastodon credentials, a test post, removal.

Secrets are never shown back, not even in a form being corrected: only their last characters.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from admin.access import actor
from admin.forms.confirm import ConfirmForm
from admin.forms.social import MastodonAccountForm, XAccountForm
from admin.outcome import attempt, done, form_status
from statuspage.channels import registry
from statuspage.extensions import db
from statuspage.models import Channel
from statuspage.page.state import ensure_page
from statuspage.social import accounts

FORMS: dict[Channel, type[XAccountForm | MastodonAccountForm]] = {
    Channel.x: XAccountForm,
    Channel.mastodon: MastodonAccountForm,
}


def _blank(network: Channel) -> FlaskForm:
    account = accounts.get_account(network)
    data: dict[str, Any] = {"enabled": account.enabled if account else True}
    if account:
        data["label"] = account.label
        if network is Channel.mastodon:
            data["base_url"] = account.credentials.get("base_url", "")
    return FORMS[network](formdata=None, data=data)


def _page(status: int | None = None, **shown: Any) -> tuple[str, int]:
    """The screen; a form just submitted (with its errors) replaces its blank."""
    forms = {network.value: _blank(network) for network in FORMS} | shown.pop("forms", {})
    return render_template(
        "admin/social.html",
        accounts=accounts.summaries(),
        forms=forms,
        action_form=ConfirmForm(formdata=None),
        **shown,
    ), status or form_status()


def index() -> tuple[str, int]:
    return _page()


def save(network: str) -> Response | tuple[str, int]:
    channel = accounts.network_of(network)
    form = FORMS[channel]()
    if form.validate_on_submit():
        with attempt(form):
            accounts.save_account(
                channel,
                label=form.label.data or "",
                credentials=form.credentials(),
                enabled=form.enabled.data,
                actor=actor(),
                allow_loopback=registry.allow_loopback(),
            )
            network_name = accounts.NETWORK_NAMES[channel]
            return done(_("%(network)s account saved.", network=network_name), "admin.social")
    return _page(forms={channel.value: form})


def test_post(network: str) -> tuple[str, int]:
    """Post a test message now and show what the network answered (no redirect: the answer
    is the page)."""
    channel = accounts.network_of(network)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt(form) as tried:
        result = accounts.send_test_post(
            channel,
            page_name=ensure_page().name,
            page_url=current_app.config["BASE_URL"],
            adapter=registry.social_channel(channel),
            actor=actor(),
        )
        db.session.commit()  # the audit entry of the attempt
        return _page(200, test_network=channel, test_result=result)
    return _page(422, test_network=channel, test_refused=tried.refusal)


def remove(network: str) -> Response:
    """Forget an account (the screen asks for confirmation in a disclosure before posting)."""
    channel = accounts.network_of(network)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    accounts.remove_account(channel, actor=actor())
    network_name = accounts.NETWORK_NAMES[channel]
    return done(_("The %(network)s account was removed.", network=network_name), "admin.social")
