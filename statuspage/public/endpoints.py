"""Subscribing a webhook or a Slack, Teams or Discord channel, from the subscribe page.

The same component choice as email, the same rate limits (per client, and per URL
whatever it is). A chat channel is verified by the welcome message posted at once; a
webhook's signing secret is shown once on the answer to the form, with a "Verify" button
that sends the signed ping (subscribers.endpoints says why in two steps).
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import EmailField, URLField
from wtforms.validators import InputRequired, Length, Optional

from statuspage.audience.visibility import PUBLIC
from statuspage.channels import registry
from statuspage.channels.base import Channel as ChannelAdapter
from statuspage.clock import utcnow
from statuspage.components.catalog import list_components
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db, limiter
from statuspage.links import BadLink, verify
from statuspage.models import Channel
from statuspage.public.context import current_page
from statuspage.public.subscriptions import (
    SUBSCRIBE_PER_ADDRESS,
    SUBSCRIBE_PER_CLIENT,
    PreferencesForm,
    _bad_link,
    _form_page,
    preference_problems,
    private,
    refuse,
)
from statuspage.subscribers import endpoint_urls, endpoints
from statuspage.subscribers.subscriptions import links_for, normalise_email

# A registrant may press "Verify" a few times while setting up their receiver.
VERIFY_PER_CLIENT = "20 per hour"
TEMPLATE = "public/subscribe_endpoint.html"


class EndpointForm(PreferencesForm):
    url = URLField("URL", validators=[InputRequired(), Length(max=endpoint_urls.MAX_URL)])
    notify_email = EmailField("Email", validators=[Optional(), Length(max=254)])


def _submitted_url() -> str:
    return "url:" + request.form.get("url", "").strip()


def _allow_loopback() -> bool:
    return registry.allow_loopback()


def _adapter(channel: Channel) -> ChannelAdapter:
    return registry.endpoint_channel(channel)


def _notify_email_holds(form: EndpointForm, kind: Channel) -> bool:
    """The address to tell of failures, checked as the service will (a webhook needs one)."""
    raw = (form.notify_email.data or "").strip()
    if form.notify_email.errors:  # refused by the form already (too long)
        return False
    try:
        if raw:
            normalise_email(raw)
        elif kind is Channel.webhook:
            raise InvalidInput(_("Enter an email address to tell if the endpoint stops working."))
    except InvalidInput as exc:
        refuse(form.notify_email, exc)
        return False
    return True


@private
@limiter.limit(SUBSCRIBE_PER_CLIENT, methods=["POST"])
@limiter.limit(SUBSCRIBE_PER_ADDRESS, key_func=_submitted_url, methods=["POST"])
def subscribe_endpoint(channel: str):
    kind = Channel(channel)
    components = list_components(PUBLIC)
    form = EndpointForm()
    form.offer(components)
    shown = {"channel": kind, "label": endpoint_urls.LABELS[kind]}
    if request.method == "GET":
        return _form_page(TEMPLATE, form, components, **shown)
    # Every field checked at once, so the page shows all that is wrong in one go.
    valid, problems = form.validate(), preference_problems(form)
    if not (_notify_email_holds(form, kind) and valid) or problems:
        return _form_page(TEMPLATE, form, components, problems=problems, **shown)
    try:
        if kind is Channel.webhook:
            contact, secret = endpoints.register_webhook(
                form.url.data,
                form.preferences(),
                notify_email=form.notify_email.data,
                allow_loopback=_allow_loopback(),
            )
        else:
            contact, secret = (
                endpoints.register_chat(
                    kind,
                    form.url.data,
                    form.preferences(),
                    adapter=_adapter(kind),
                    now=utcnow(),
                    notify_email=form.notify_email.data,
                    allow_loopback=_allow_loopback(),
                ),
                None,
            )
    except InvalidInput as exc:
        # The preferences and the email were checked above: what is left is about the URL.
        db.session.rollback()
        refuse(form.url, exc)
        return _form_page(TEMPLATE, form, components, **shown)
    db.session.commit()
    if secret is None:
        links = links_for(contact.subscriber)
        return render_template("public/subscribe_done.html", page=current_page(), **links)
    # The secret is in this answer only (private, no-store), never in a redirect or a session.
    return render_template(
        "public/webhook_verify.html",
        page=current_page(),
        form=FlaskForm(),
        contact=contact,
        secret=secret,
        token=endpoints.verify_link(contact),
    )


@private
@limiter.limit(VERIFY_PER_CLIENT, methods=["POST"])
def verify_webhook(token: str):
    try:
        contact = endpoints.contact_for_verification(verify("endpoint", token))
    except BadLink:
        return _bad_link()
    if contact is None:
        return _bad_link()
    form = FlaskForm()
    shown = {"page": current_page(), "form": form, "contact": contact, "token": token}
    if request.method == "GET" or not form.validate():
        return render_template("public/webhook_verify.html", **shown)
    try:
        endpoints.send_test(contact, _adapter(Channel.webhook), utcnow())
    except InvalidInput as exc:
        db.session.rollback()
        return render_template("public/webhook_verify.html", errors=[str(exc)], **shown), 400
    db.session.commit()
    links = links_for(contact.subscriber)
    return render_template("public/subscribe_done.html", page=current_page(), **links)
