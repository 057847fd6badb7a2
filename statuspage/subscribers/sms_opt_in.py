"""The double opt-in text: "Reply YES to get <page> status updates", sent through Twilio."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from statuspage.channels.base import Message, Result
from statuspage.channels.sms import offered
from statuspage.delivery import transactional
from statuspage.extensions import db
from statuspage.i18n.web import reading_as
from statuspage.models import Channel, ContactPoint
from statuspage.page.state import get_page
from statuspage.subscribers.sms import opted_out
from statuspage.subscribers.subscriptions import Preferences, is_subscribed

PAGE_NAME_IN_TEXT = 60  # keeps each text within one segment whatever the page is called


def opt_in_text(page_name: str, subscribed: bool) -> str:
    """In the language in force. The keywords YES and STOP stay as they are: the carrier
    and Twilio act on them in English whatever the text around them says."""
    name = page_name[:PAGE_NAME_IN_TEXT].strip()
    if subscribed:
        return _(
            "You already get %(page)s status updates. Reply YES to use your new choices.",
            page=name,
        )
    return _("Reply YES to get %(page)s status updates. Reply STOP to stop.", page=name)


def send_sms_opt_in(contact_point_id: int) -> Result | None:
    """Text the number what its subscribe request needs, decided now, from the database.

    Nothing goes to a number that replied STOP (only its owner restarts it, by text), nor
    when SMS is not configured. Run twice it texts twice; the per-number rate limit on the
    form bounds how many a stranger can cause. Twilio unable to take it now raises
    (transactional.NotSent): no row records an opt-in text, so the queue's retry carries it.
    """
    contact = db.session.get(ContactPoint, contact_point_id)
    if contact is None or contact.channel is not Channel.sms or opted_out(contact):
        return None
    if not offered(current_app.config):
        current_app.logger.warning(
            "opt-in text to contact point %s: SMS not configured", contact.id
        )
        return None
    page = get_page()
    # In the language chosen on the form (it waits with the request's preferences), else
    # the subscriber's, else the page's.
    pending = Preferences.from_payload(
        ((contact.meta or {}).get("pending") or {}).get("preferences") or {}
    )
    lang = (
        pending.language or contact.subscriber.language or (page.default_language if page else None)
    )
    with reading_as(lang):
        text = opt_in_text(
            page.name if page else current_app.config["PAGE_NAME"], is_subscribed(contact)
        )
    message = Message(subject="", text=text, html="", short_text=text, url="")
    (result,) = transactional.send(transactional.SMS_OPT_IN, contact.id, [contact.address], message)
    return result
