"""Discord webhooks: a line of content and one embed (title linking the incident, the update,
status and affected components), coloured by impact.

`allowed_mentions` is empty, so words in an update can never ping @everyone. Discord answers
404 (Unknown Webhook) for a deleted hook: the contact point is disabled at once.
"""

from __future__ import annotations

from typing import Any

from statuspage.channels.base import Message
from statuspage.channels.chat import ChatChannel, chat_post, cut

# Discord's documented limits.
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024


def discord_body(message: Message) -> dict[str, Any]:
    post_ = chat_post(message)
    description = post_.text
    if post_.acknowledge_url:
        ack = post_.word("Acknowledge receipt")
        description = f"{description}\n\n**[{ack}]({post_.acknowledge_url})**"
    if post_.unsubscribe_url:
        description = f"{description}\n\n[{post_.word('Unsubscribe')}]({post_.unsubscribe_url})"
    embed: dict[str, Any] = {
        "title": cut(post_.title, TITLE_LIMIT),
        "url": post_.url,
        "description": cut(description, DESCRIPTION_LIMIT),
        "color": int(post_.colour.removeprefix("#"), 16),
    }
    fields = []
    if post_.status:
        fields.append({"name": post_.word("Status"), "value": post_.status, "inline": True})
    if post_.affected:
        fields.append(
            {
                "name": post_.word("Affected"),
                "value": cut(", ".join(post_.affected), FIELD_LIMIT),
                "inline": True,
            }
        )
    if fields:
        embed["fields"] = fields
    if post_.at:
        embed["timestamp"] = post_.at
    return {
        "content": cut(message.subject or post_.title, CONTENT_LIMIT),
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    }


class DiscordChannel(ChatChannel):
    name = "discord"
    body = staticmethod(discord_body)
