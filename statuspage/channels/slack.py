"""Slack incoming webhooks: a Block Kit message (header, text, status, a link button).

The top-level `text` is what Slack shows in notifications and where blocks cannot be shown.
Slack answers 404 (`no_service`, `channel_not_found`) or 410 (`channel_is_archived`) for a
hook that no longer posts anywhere: the contact point is disabled at once.
"""

from __future__ import annotations

from typing import Any

from statuspage.channels.base import Message
from statuspage.channels.chat import ChatChannel, chat_post, cut

HEADER_LIMIT = 150  # plain_text in a header block
SECTION_LIMIT = 3000  # mrkdwn in a section block


def escape(text: str) -> str:
    """Slack's mrkdwn control characters, as Slack documents escaping them."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(message: Message) -> dict[str, Any]:
    post_ = chat_post(message)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(post_.title, HEADER_LIMIT)}}
    ]
    if post_.text:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": cut(escape(post_.text), SECTION_LIMIT)},
            }
        )
    facts = []
    if post_.status:
        facts.append(f"*{post_.word('Status')}:* {escape(post_.status)}")
    if post_.affected:
        facts.append(f"*{post_.word('Affected')}:* {escape(', '.join(post_.affected))}")
    if facts:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f} for f in facts]}
        )
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": post_.word("View on the status page")},
            "url": post_.url,
        }
    ]
    if post_.acknowledge_url:
        buttons.insert(
            0,
            {
                "type": "button",
                "text": {"type": "plain_text", "text": post_.word("Acknowledge receipt")},
                "url": post_.acknowledge_url,
                "style": "primary",
            },
        )
    blocks.append({"type": "actions", "elements": buttons})
    if post_.unsubscribe_url:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"<{post_.unsubscribe_url}|{post_.word('Unsubscribe')}>",
                    }
                ],
            }
        )
    return {"text": f"{post_.title} {post_.url}", "blocks": blocks}


class SlackChannel(ChatChannel):
    name = "slack"
    body = staticmethod(slack_body)
