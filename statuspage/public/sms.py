"""Twilio's inbound SMS webhook: YES opts in, STOP/START stop and restart, HELP helps.

Twilio signs each request (`X-Twilio-Signature`, HMAC-SHA1 of the URL it called and the
posted fields, keyed with the account's auth token). Behind a proxy the URL Flask sees may
differ from the one Twilio called, so the signature is checked against BASE_URL + the path.
The answer is TwiML: a reply message, or an empty `<Response/>` (for an unknown number, a
STOP, or a text that is no keyword), so the webhook tells no one who is subscribed.
"""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import gettext as _
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from statuspage.channels.sms import offered
from statuspage.clock import utcnow
from statuspage.extensions import csrf, db
from statuspage.i18n.web import page_language, reading_as
from statuspage.public.context import current_page
from statuspage.subscribers.sms import Reply, handle_reply, reading_of

SIGNATURE_HEADER = "X-Twilio-Signature"


def _called_url() -> str:
    query = request.query_string.decode()
    return current_app.config["BASE_URL"] + request.path + (f"?{query}" if query else "")


def _reply_text(reply: Reply) -> str | None:
    """In the language in force (the texter's, `reading_as`). The keywords stay English:
    the carrier and Twilio act on STOP, START and HELP whatever the text around them says."""
    name = current_page().name[:60]
    if reply is Reply.subscribed:
        return _(
            "You will get %(page)s status updates by text. Reply STOP to stop, HELP for help.",
            page=name,
        )
    if reply is Reply.already:
        return _("You already get %(page)s status updates. Reply STOP to stop.", page=name)
    if reply is Reply.help:
        return _(
            "%(page)s status updates: %(url)s Reply STOP to stop, START to restart.",
            page=name,
            url=current_app.config["BASE_URL"],
        )
    return None


def _twiml(text: str | None) -> Response:
    answer = MessagingResponse()
    if text:
        answer.message(text)
    response = Response(str(answer), mimetype="text/xml")
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def inbound() -> Response:
    if not offered(current_app.config):
        return _refuse("SMS is not configured on this page.", 404)
    signature = request.headers.get(SIGNATURE_HEADER, "")
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    if not signature or not validator.validate(_called_url(), request.form, signature):
        return _refuse("Invalid or missing Twilio signature.", 403)
    sender = request.form.get("From", "")
    reply = handle_reply(sender, request.form.get("Body", ""), utcnow())
    db.session.commit()
    language, zone = reading_of(sender)
    with reading_as(language or page_language(), zone):  # the answer in the texter's language
        return _twiml(_reply_text(reply))


csrf.exempt(inbound)  # Twilio has no session; its signature is what authorises the request
