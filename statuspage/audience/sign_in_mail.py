"""The private viewer's sign-in email: a single-use magic link, for members of an organization.

The sign-in form enqueues this for every well-formed address and answers the same words;
whether the address may sign in is decided here, in the worker, so neither the answer nor its
timing tells a stranger which addresses belong to a customer.
"""

from __future__ import annotations

import secrets

from flask import current_app, render_template
from flask_babel import gettext as _

from statuspage.audience.viewers import may_sign_in, new_sign_in
from statuspage.channels.base import Message, Result
from statuspage.delivery import transactional
from statuspage.i18n.web import reading_as
from statuspage.links import MAX_AGE, link
from statuspage.page.state import get_page


def send_sign_in_link(email: str, language: str | None = None) -> Result | None:
    """Email a fresh sign-in link if the address belongs to an organization now; else nothing.

    Run twice it sends two links, each good once: harmless, and bounded by the form's
    per-address rate limit. A relay that cannot take it now raises (transactional.NotSent),
    so the queue tries again. In `language`, the one the sign-in form was read in (jobs
    queued before languages name none: the page's).
    """
    if not may_sign_in(email):
        return None
    page = get_page()
    page_name = page.name if page else current_app.config["PAGE_NAME"]
    payload = new_sign_in(email)
    context = {
        "page_name": page_name,
        "sign_in_url": link("sign_in", payload, "/signin"),
        "minutes": MAX_AGE["sign_in"] // 60,
    }
    with reading_as(language or (page.default_language if page else None)):
        subject = _("[%(page)s] Your sign-in link", page=page_name)
        message = Message(
            subject=subject,
            text=render_template("email/sign_in.txt", **context),
            html=render_template("email/sign_in.html", **context),
            short_text=subject,
            url=context["sign_in_url"],
            headers={"Auto-Submitted": "auto-generated"},
        )
    # No row to name it by: a random source, so each email is a file of its own.
    source = secrets.randbelow(transactional.SPAN)
    (result,) = transactional.send(transactional.SIGN_IN, source, [payload["e"]], message)
    return result
