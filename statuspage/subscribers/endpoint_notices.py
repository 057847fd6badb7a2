"""Tell people when Herald stops posting to an endpoint they registered.

A webhook or chat endpoint that failed many times in a row is disabled by the engine
(delivery.ledger). Whoever registered it would otherwise never learn why updates stopped:
the address given at registration (contact point meta "notify_email") and every owner get an
email saying which endpoint, since when, and the last error (sent by delivery.transactional).
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from statuspage.channels.base import Message, Result
from statuspage.delivery import transactional
from statuspage.extensions import db
from statuspage.i18n.web import reading_as
from statuspage.models import ContactPoint, Role, StaffUser
from statuspage.page.state import get_page


def endpoint_disabled(contact_point_id: int) -> list[Result]:
    """Email the registrant and the owners that this endpoint was disabled, once it is; a
    relay that cannot take it now raises (transactional.NotSent), so the queue tries again
    (an address that got it may get it twice: at least once, like every delivery)."""
    contact = db.session.get(ContactPoint, contact_point_id)
    if contact is None or contact.active:
        return []
    page = get_page()
    page_name = page.name if page else current_app.config["PAGE_NAME"]
    registrant = (contact.meta or {}).get("notify_email")
    owners = db.session.scalars(
        select(StaffUser.email).where(StaffUser.role == Role.owner, StaffUser.active.is_(True))
    ).all()
    addresses = list(dict.fromkeys([a for a in [registrant, *owners] if a]))
    if not addresses:
        return []
    context = {"page_name": page_name, "contact": contact, "channel": contact.channel.value}
    # The registrant chose the endpoint subscriber's language on the form; the owners read it
    # too (one mail to all of them), so that, else the page's.
    lang = contact.subscriber.language or (page.default_language if page else None)
    with reading_as(lang, contact.subscriber.time_zone or (page.time_zone if page else None)):
        subject = _(
            "[%(page)s] Updates to your %(channel)s endpoint have stopped",
            page=page_name,
            channel=contact.channel.value,
        )
        text = render_template("email/endpoint_disabled.txt", **context)
    message = Message(
        subject=subject,
        text=text,
        html="",
        short_text=subject,
        url=current_app.config["BASE_URL"],
        headers={"Auto-Submitted": "auto-generated"},
    )
    return transactional.send(transactional.ENDPOINT_DISABLED, contact.id, addresses, message)
