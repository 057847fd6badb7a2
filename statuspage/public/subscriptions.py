"""Per-person public pages: subscribe, confirm, preferences, unsubscribe, acknowledge.

None of these is a snapshot: each answers one person (a form with their CSRF token, a page
reached through their signed link), so each is `Cache-Control: private, no-store` and the
static export leaves them out (they are not in `public.ROUTES`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from itertools import groupby
from typing import Any, ClassVar

from flask import Response, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import Length, ValidationError

from statuspage.audience.visibility import PUBLIC
from statuspage.channels.sms import offered as sms_offered
from statuspage.clock import utcnow
from statuspage.components.catalog import list_components
from statuspage.core.errors import InvalidInput
from statuspage.delivery.ledger import acknowledge
from statuspage.extensions import csrf, db, limiter
from statuspage.i18n import LANGUAGES
from statuspage.i18n.web import current_language, page_language
from statuspage.i18n.zones import zone_names
from statuspage.links import BadLink, verify
from statuspage.models import Component, Subscriber
from statuspage.public.context import current_page
from statuspage.subscribers import sms, subscriptions

# Per client address, and per submitted address whatever it is (so the second limit says
# nothing about whether that address is known).
SUBSCRIBE_PER_CLIENT = "10 per hour"
SUBSCRIBE_PER_ADDRESS = "3 per hour"
ONE_CLICK = "One-Click"


def private(view: Callable[..., Any]) -> Callable[..., Response]:
    """Answers for one person only: no shared cache, no browser cache, keeps no copy."""

    @wraps(view)
    def answer(**kwargs: Any) -> Response:
        response = make_response(view(**kwargs))
        response.headers["Cache-Control"] = "private, no-store"
        return response

    return answer


def _submitted_address() -> str:
    return "email:" + request.form.get("email", "").strip().lower()


def _submitted_phone() -> str:
    raw = request.form.get("phone", "")
    try:
        return "sms:" + sms.normalise_phone(raw)
    except InvalidInput:
        return "sms:" + raw.strip()


def _no_email() -> bool:
    # Nothing to count an empty field against: the per-client limit still applies.
    return not request.form.get("email", "").strip()


def _no_phone() -> bool:
    return not request.form.get("phone", "").strip()


class PreferencesForm(FlaskForm):
    scope = RadioField(
        "Components",
        choices=[
            SelectChoice("all", "All components"),
            SelectChoice("chosen", "Only the ones I choose"),
        ],
        default="all",
    )
    components = SelectMultipleField("Components", choices=[])
    incidents = BooleanField("Incidents", default=True)
    maintenance = BooleanField("Scheduled maintenance", default=True)
    # How the messages read: the language is chosen (preselected with the page's language in
    # use), the zone is the browser's (herald.js fills the hidden field; without script it
    # stays empty and the page's zone applies). The preference centre offers a zone select.
    language = SelectField(
        "Language",
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validate_choice=False,  # the service's check names what is wrong
    )
    time_zone = StringField("Time zone", validators=[Length(max=64)])
    zone_choice: ClassVar[bool] = False  # a visible zone select: a bad zone is an error then

    def offer(self, components: list[Component]) -> None:
        self.components.choices = [SelectChoice(c.id, c.name) for c in components]
        # The scope's words in the reader's language, as plain (escaped) text.
        self.scope.choices = [
            SelectChoice("all", _("All components")),
            SelectChoice("chosen", _("Only the ones I choose")),
        ]
        if not self.language.data:
            self.language.data = current_language()

    def validate_language(self, field: Field) -> None:
        try:
            subscriptions.reader_language(field.data)
        except InvalidInput as exc:
            raise ValidationError(str(exc)) from exc

    def validate_time_zone(self, field: Field) -> None:
        try:
            subscriptions.reader_zone(field.data)
        except InvalidInput as exc:
            if self.zone_choice:
                raise ValidationError(str(exc)) from exc
            # A zone the browser named that this machine does not know: the page's applies.
            field.data = None

    def zones(self) -> list[str]:
        return sorted(zone_names()) if self.zone_choice else []

    def preferences(self) -> subscriptions.Preferences:
        """A ticked component means "only these", whatever the radio says: a person who ticks
        one and leaves "All components" selected (the default) wants that one, and was once
        silently subscribed to everything. "Only the ones I choose" with none ticked is
        refused by the service."""
        ticked = tuple(self.components.data or ())
        chosen = ticked if ticked or self.scope.data == "chosen" else None
        return subscriptions.Preferences(
            chosen,
            bool(self.incidents.data),
            bool(self.maintenance.data),
            language=_or_none(subscriptions.reader_language, self.language.data),
            time_zone=_or_none(subscriptions.reader_zone, self.time_zone.data),
        )

    def show(self, subscriber: Subscriber) -> None:
        self.scope.data = "all" if subscriber.all_components else "chosen"
        self.components.data = [c.id for c in subscriber.components]
        self.incidents.data = subscriber.notify_incidents
        self.maintenance.data = subscriber.notify_maintenance
        self.language.data = subscriber.language or page_language()
        self.time_zone.data = subscriber.time_zone or ""


class ManageForm(PreferencesForm):
    """The preference centre: the zone is a select of every zone, so it can be changed, and
    its first choice ("" : the status page's) sets it back to the page's."""

    zone_choice = True

    def preferences(self) -> subscriptions.Preferences:
        chosen = super().preferences()
        if chosen.time_zone is None and self.time_zone.raw_data == [""]:
            return replace(chosen, time_zone=subscriptions.PAGE_ZONE)
        return chosen


def _or_none(check: Callable[[object], str | None], value: object) -> str | None:
    """`check(value)`, or None where it refuses (the form's validation showed why)."""
    try:
        return check(value)
    except InvalidInput:
        return None


class SubscribeForm(PreferencesForm):
    # One or both: an email address, or a mobile number for texts (when SMS is offered).
    email = StringField("Email address", validators=[Length(max=254)])
    phone = StringField("Mobile number", validators=[Length(max=32)])
    sms_all_updates = BooleanField("Text me every update", default=False)


def _grouped(components: list[Component]) -> list[tuple[str | None, list[Component]]]:
    """Checkboxes by group, in page order (components without a group first)."""
    return [
        (group.name if group else None, list(members))
        for group, members in groupby(components, key=lambda c: c.group)
    ]


def _form_page(template: str, form: PreferencesForm, components, status: int = 200, **context):
    """The form again, each problem next to its field (`problems` names the fieldsets'
    and the form's own) and all of them listed on top; 400 when there is any."""
    problems: dict[str, str] = context.pop("problems", {})
    errors = [e for field_errors in form.errors.values() for e in field_errors]
    errors += list(problems.values())
    body = render_template(
        template,
        page=current_page(),
        form=form,
        groups=_grouped(components),
        errors=errors,
        problems=problems,
        **context,
    )
    return body, 400 if errors else status


def preference_problems(form: PreferencesForm) -> dict[str, str]:
    """What is wrong with the preference fieldsets, by fieldset ("notify", "scope"): the
    service's one rule, asked about each fieldset alone so its answer lands beside it."""
    chosen = form.preferences()
    problems = {}
    for name, alone in (
        ("notify", subscriptions.Preferences(None, chosen.incidents, chosen.maintenance)),
        ("scope", subscriptions.Preferences(chosen.component_ids)),
    ):
        try:
            subscriptions.check_preferences(alone)
        except InvalidInput as exc:
            problems[name] = str(exc)
    return problems


def refuse(field: Field, exc: InvalidInput) -> None:
    """Show a service's refusal beside the field it is about (after `validate()`)."""
    field.errors = [*field.errors, str(exc)]


def _bad_link() -> tuple[str, int]:
    return render_template("public/link_invalid.html", page=current_page()), 400


@private
@limiter.limit(SUBSCRIBE_PER_CLIENT, methods=["POST"])
@limiter.limit(
    SUBSCRIBE_PER_ADDRESS, key_func=_submitted_address, methods=["POST"], exempt_when=_no_email
)
@limiter.limit(
    SUBSCRIBE_PER_ADDRESS, key_func=_submitted_phone, methods=["POST"], exempt_when=_no_phone
)
def subscribe():
    components = list_components(PUBLIC)
    form = SubscribeForm()
    form.offer(components)
    texts_offered = sms_offered(current_app.config)
    if request.method == "GET":
        return _form_page("public/subscribe.html", form, components, sms_offered=texts_offered)
    # Every field checked at once, so the page shows all that is wrong in one go.
    valid, problems = form.validate(), preference_problems(form)
    if not (_addresses_hold(form, texts_offered) and valid) or problems:
        return _form_page(
            "public/subscribe.html", form, components, sms_offered=texts_offered, problems=problems
        )
    try:
        asked = _request_subscriptions(form, texts_offered)
    except InvalidInput as exc:
        return _form_page(
            "public/subscribe.html",
            form,
            components,
            sms_offered=texts_offered,
            problems={"form": str(exc)},
        )
    db.session.commit()  # the outbox sends the email (and the opt-in text) now
    # The same words whether the address or number was new, pending, or long subscribed.
    return render_template("public/subscribe_sent.html", page=current_page(), **asked)


def _addresses_hold(form: SubscribeForm, texts_offered: bool) -> bool:
    """Check the address and the number as the services will, each error beside its field."""
    email, phone = (form.email.data or "").strip(), (form.phone.data or "").strip()
    if (email or not phone) and not form.email.errors:  # not already refused (too long)
        try:
            subscriptions.normalise_email(email)
        except InvalidInput as exc:
            refuse(form.email, exc)
    if phone and not form.phone.errors:
        try:
            if not texts_offered:
                raise InvalidInput(_("Text message updates are not available on this page."))
            sms.normalise_phone(phone)
        except InvalidInput as exc:
            refuse(form.phone, exc)
    return not (form.email.errors or form.phone.errors)


def _request_subscriptions(form: SubscribeForm, texts_offered: bool) -> dict[str, bool]:
    """Ask for what the form names: an email address, a mobile number, or both. Returns
    which were asked for; InvalidInput names what is wrong (nothing is kept then)."""
    email, phone = (form.email.data or "").strip(), (form.phone.data or "").strip()
    if phone:
        if not texts_offered:
            raise InvalidInput(_("Text message updates are not available on this page."))
        sms.request_sms_subscription(
            phone, form.preferences(), all_updates=bool(form.sms_all_updates.data)
        )
    if email or not phone:
        subscriptions.request_subscription(email, form.preferences())
    return {"email": bool(email) or not phone, "sms": bool(phone)}


@private
def confirm_subscription(token: str):
    try:
        payload = verify("confirm", token)
        contact = subscriptions.contact_for_confirmation(payload)
    except BadLink:
        return _bad_link()
    if contact is None:
        return _bad_link()
    form = FlaskForm()
    if request.method == "GET" or not form.validate():
        # A GET only shows the button: mail scanners open links, people press buttons.
        return render_template("public/subscribe_confirm.html", page=current_page(), form=form)
    subscriptions.confirm(contact, subscriptions.Preferences.from_payload(payload["p"]), utcnow())
    db.session.commit()
    links = subscriptions.links_for(contact.subscriber)
    return render_template("public/subscribe_done.html", page=current_page(), **links)


@private
def manage_subscription(token: str):
    try:
        subscriber = subscriptions.subscriber_for_link(verify("manage", token))
    except BadLink:
        return _bad_link()
    if subscriber is None:
        return _bad_link()
    components = list_components(PUBLIC)
    form = ManageForm()
    form.offer(components)
    saved = None
    if request.method == "POST":
        if not form.validate():
            return _form_page("public/manage.html", form, components, subscriber=subscriber)
        action = request.form.get("action", "save")
        problems = preference_problems(form) if action == "save" else {}
        if problems:
            return _form_page(
                "public/manage.html", form, components, subscriber=subscriber, problems=problems
            )
        try:
            saved = _manage_action(subscriber, action, form)
        except InvalidInput as exc:
            problems = {"form": str(exc)}
            return _form_page(
                "public/manage.html", form, components, subscriber=subscriber, problems=problems
            )
        db.session.commit()
    form.show(subscriber)
    return _form_page("public/manage.html", form, components, subscriber=subscriber, saved=saved)


def _manage_action(subscriber: Subscriber, action: str, form: PreferencesForm) -> str:
    """Apply one button of the preference centre; returns what to tell the person."""
    if action == "pause":
        subscriptions.set_paused(subscriber, True)
        return _("Updates are paused.")
    if action == "resume":
        subscriptions.set_paused(subscriber, False)
        return _("Updates are on again.")
    if action == "unsubscribe":
        subscriptions.unsubscribe(subscriber, utcnow())
        return _("You are unsubscribed.")
    if action == "resubscribe":
        subscriptions.resubscribe(subscriber)
        return _("You are subscribed again.")
    if action != "save":
        raise InvalidInput(_("Unknown action."))
    subscriptions.update_preferences(subscriber, form.preferences())
    return _("Your preferences are saved.")


@private
def unsubscribe(token: str):
    """RFC 8058: a POST with `List-Unsubscribe=One-Click` unsubscribes at once. Mail
    providers send it without a session, so this view is exempt from CSRF; the signed,
    expiring token is what authorises it. A GET only shows a button that sends the same POST.
    """
    try:
        subscriber = subscriptions.subscriber_for_link(verify("unsubscribe", token))
    except BadLink:
        return _bad_link()
    if subscriber is None:
        return _bad_link()
    if request.method == "GET":
        return render_template(
            "public/unsubscribe.html", page=current_page(), subscriber=subscriber
        )
    if request.form.get("List-Unsubscribe") != ONE_CLICK:
        return render_template("public/link_invalid.html", page=current_page()), 400
    subscriptions.unsubscribe(subscriber, utcnow())
    db.session.commit()
    if request.form.get("from") == "page":
        return render_template(
            "public/unsubscribed.html", page=current_page(), **subscriptions.links_for(subscriber)
        )
    return Response("Unsubscribed.\n", mimetype="text/plain")


csrf.exempt(unsubscribe)


@private
def ack(token: str):
    try:
        target = subscriptions.ack_target(verify("ack", token))
    except BadLink:
        return _bad_link()
    if target is None:
        return _bad_link()
    delivery, incident = target
    form = FlaskForm()
    if request.method == "POST" and form.validate():
        # The link came in a message on the delivery's channel: "email-link", "slack-link"...
        acknowledge(delivery, utcnow(), path=f"{delivery.channel.value}-link")
        db.session.commit()
    return render_template(
        "public/ack.html", page=current_page(), form=form, incident=incident, delivery=delivery
    )
