"""The double opt-in email: a confirmation link, or "already subscribed, manage here"."""

from __future__ import annotations

from flask import current_app, render_template

from statuspage.channels.base import Message, Result
from statuspage.delivery import transactional
from statuspage.extensions import db
from statuspage.links import link
from statuspage.models import ContactPoint
from statuspage.page.state import get_page
from statuspage.subscribers.subscriptions import is_subscribed, links_for


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
    context: dict = {"page_name": page_name, "base_url": current_app.config["BASE_URL"]}
    if is_subscribed(contact):
        template, subject = "email/already_subscribed", f"[{page_name}] You are already subscribed"
        context |= links_for(subscriber)
    else:
        template, subject = "email/confirm", f"[{page_name}] Confirm your subscription"
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
