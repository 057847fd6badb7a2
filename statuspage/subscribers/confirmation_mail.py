"""The double opt-in email: a confirmation link, or "already subscribed, manage here"."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from statuspage.channels.base import Message, Result
from statuspage.delivery import transactional
from statuspage.extensions import db
from statuspage.i18n.web import reading_as
from statuspage.links import link
from statuspage.models import ContactPoint
from statuspage.page.state import get_page
from statuspage.subscribers.subscriptions import Preferences, is_subscribed, links_for


def send_confirmation(contact_point_id: int, preferences: dict) -> Result | None:
    """Email the address what its subscribe request needs, decided now, from the database.

    Run twice it sends twice: there is no row to mark (a confirmation is not a Delivery),
    and a second copy of a confirmation link is harmless; the per-address rate limit on
    the form bounds how many a stranger can cause. A relay that cannot take it now raises
    (transactional.NotSent): no row records a confirmation, so the queue's retry carries it.
    """
    contact = db.session.get(ContactPoint, contact_point_id)
    if contact is None:
        return None
    page = get_page()
    page_name = page.name if page else current_app.config["PAGE_NAME"]
    subscriber = contact.subscriber
    # In the language the form was read in (it travels with the request's preferences),
    # else the subscriber's, else the page's.
    chosen = Preferences.from_payload(preferences)
    lang = chosen.language or subscriber.language or (page.default_language if page else None)
    zone = chosen.time_zone or subscriber.time_zone or (page.time_zone if page else None)
    context: dict = {"page_name": page_name, "base_url": current_app.config["BASE_URL"]}
    with reading_as(lang, zone):
        if is_subscribed(contact):
            template = "email/already_subscribed"
            subject = _("[%(page)s] You are already subscribed", page=page_name)
            context |= links_for(subscriber)
        else:
            template = "email/confirm"
            subject = _("[%(page)s] Confirm your subscription", page=page_name)
            context["confirm_url"] = link(
                "confirm", {"c": contact.id, "p": preferences}, "/subscriptions/confirm"
            )
        message = Message(
            subject=subject,
            text=render_template(f"{template}.txt", **context),
            html=render_template(f"{template}.html", **context),
            short_text=subject,
            url=context.get("confirm_url") or context["manage_url"],
            headers={"Auto-Submitted": "auto-generated"},
        )
    (result,) = transactional.send(
        transactional.CONFIRMATION, contact.id, [contact.address], message
    )
    return result
