"""Microsoft Teams incoming webhooks: a message carrying one Adaptive Card.

The same body suits both kinds of Teams URL: the Office 365 connectors
(*.webhook.office.com) and the Workflows that replace them (Power Automate's "When a Teams
webhook request is received", on logic.azure.com or powerplatform.com), which post the
card's attachments. The connectors answer some throttling with a 200 whose body says so;
that is retried like a 429. A 404 or 410 means the hook or the flow was deleted.
"""

from __future__ import annotations

from typing import Any

import requests

from statuspage.channels.base import Message
from statuspage.channels.chat import ChatChannel, ChatPost, chat_post

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"  # what Teams renders on every client
# Adaptive Card colours are names, not hex.
COLOURS = {
    "resolved": "Good",
    "minor": "Warning",
    "major": "Attention",
    "critical": "Attention",
    "maintenance": "Accent",
}


def _card(post_: ChatPost) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": post_.title,
            "size": "Medium",
            "weight": "Bolder",
            "wrap": True,
            "style": "heading",
            "color": COLOURS.get(post_.severity, "Default"),
        }
    ]
    if post_.text:
        body.append({"type": "TextBlock", "text": post_.text, "wrap": True})
    facts = []
    if post_.status:
        facts.append({"title": post_.word("Status"), "value": post_.status})
    if post_.affected:
        facts.append({"title": post_.word("Affected"), "value": ", ".join(post_.affected)})
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    view = post_.word("View on the status page")
    actions = [{"type": "Action.OpenUrl", "title": view, "url": post_.url}]
    if post_.acknowledge_url:
        acknowledge = {"title": post_.word("Acknowledge receipt"), "url": post_.acknowledge_url}
        actions.insert(0, {"type": "Action.OpenUrl", **acknowledge, "style": "positive"})
    if post_.unsubscribe_url:
        actions.append(
            {
                "type": "Action.OpenUrl",
                "title": post_.word("Unsubscribe"),
                "url": post_.unsubscribe_url,
            }
        )
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
        "actions": actions,
        "msteams": {"width": "Full"},
    }


def teams_body(message: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [
            {"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": _card(chat_post(message))}
        ],
    }


def _throttled(response: requests.Response) -> bool:
    return "HTTP error 429" in response.text


class TeamsChannel(ChatChannel):
    name = "teams"
    body = staticmethod(teams_body)
    throttled = staticmethod(_throttled)
