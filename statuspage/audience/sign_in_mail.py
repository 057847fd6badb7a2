"""The private viewer's sign-in email: a single-use magic link, for members of an organization.

The sign-in form enqueues this for every well-formed address and answers the same words;
whether the address may sign in is decided here, in the worker, so neither the answer nor its
timing tells a stranger which addresses belong to a customer.
"""

from __future__ import annotations

import secrets

from flask import current_app, render_template

from statuspage.audience.viewers import may_sign_in, new_sign_in
from statuspage.channels import registry
from statuspage.channels.base import Message, Outgoing, Result
from statuspage.links import MAX_AGE, link
from statuspage.page.state import get_page

# Outgoing ids name deliveries and the dev mailbox's files; a sign-in email has no delivery,
# so it takes an id above any delivery's and any confirmation's (jobs/confirmations.py).
SIGN_IN_IDS = 2 * 10**12


def send_sign_in_link(email: str) -> Result | None:
    """Email a fresh sign-in link if the address belongs to an organization now; else nothing.

    Run twice it sends two links, each good once: harmless, and bounded by the form's
    per-address rate limit.
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
    subject = f"[{page_name}] Your sign-in link"
    message = Message(
        subject=subject,
        text=render_template("email/sign_in.txt", **context),
        html=render_template("email/sign_in.html", **context),
        short_text=subject,
        url=context["sign_in_url"],
        headers={"Auto-Submitted": "auto-generated"},
    )
    outgoing_id = SIGN_IN_IDS + secrets.randbelow(10**11)  # one mailbox file per email
    outgoing = Outgoing(outgoing_id, payload["e"], message, f"sign-in-{payload['l']}")
    (result,) = registry.channel("email").send([outgoing])
    if result.outcome == "retry":
        raise SignInNotSent(f"sign-in link: {result.error}")  # the queue tries again
    if result.outcome != "sent":
        current_app.logger.warning("sign-in email: %s", result.error)
    return result


class SignInNotSent(RuntimeError):
    """The relay could not take the message now; the queue tries again later."""
