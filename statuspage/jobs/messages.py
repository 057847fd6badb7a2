"""Render one delivery's message: the words from templates, the headers that thread it."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, render_template

from statuspage.channels.base import Message
from statuspage.links import link
from statuspage.models import Delivery, Incident, IncidentUpdate, Notice, Page
from statuspage.services.richtext import plain_text

SHORT_TEXT = 160


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "herald.invalid"


def message_id(delivery: Delivery) -> str:
    """Stable per delivery: a retry carries the same Message-ID, so it is recognisable."""
    return f"<delivery-{delivery.id}.notice-{delivery.notice_id}@{_host()}>"


def thread_id(incident: Incident) -> str:
    """Every message about one incident replies to this, so mail clients thread them."""
    return f"<incident-{incident.id}@{_host()}>"


def render_message(
    delivery: Delivery, notice: Notice, incident: Incident, update: IncidentUpdate, page: Page
) -> Message:
    base = current_app.config["BASE_URL"]
    url = f"{base}/incidents/{incident.id}"
    subscriber = {"s": delivery.subscriber_id, "v": 1}
    manage_url = link("manage", subscriber, "/subscriptions/manage")
    unsubscribe_url = link("unsubscribe", subscriber, "/subscriptions/unsubscribe")
    ack_url = link("ack", {"d": delivery.id}, "/ack") if notice.requires_ack else None
    context = {
        "incident": incident,
        "update": update,
        "page": page,
        "url": url,
        "body_text": plain_text(update.body),
        "manage_url": manage_url,
        "unsubscribe_url": unsubscribe_url,
        "ack_url": ack_url,
    }
    status = update.status.label
    subject = f"[{page.name}] {incident.name}: {status}"
    short = f"{page.name}: {incident.name} ({status}) {url}"
    if len(short) > SHORT_TEXT:
        short = f"{incident.name[: SHORT_TEXT - len(url) - 2]}… {url}"
    return Message(
        subject=subject,
        text=render_template("email/update.txt", **context),
        html=render_template("email/update.html", **context),
        short_text=short,
        url=url,
        headers={
            "Message-ID": message_id(delivery),
            "In-Reply-To": thread_id(incident),
            "References": thread_id(incident),
            "List-Id": f"{page.name} <{page.id or 'status'}.{_host()}>",
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
