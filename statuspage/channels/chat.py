"""What a chat post says, whatever the platform: the parts Slack, Teams and Discord lay out.

Read from the rendered message and its Statuspage webhook body (for the affected components
and the recipient's unsubscribe link), so the three adapters say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import requests

from statuspage.channels.base import Message, Outgoing, Result
from statuspage.channels.http import endpoint_session, json_body, post

# A chat incoming webhook that answers 404 or 410 was deleted on the platform.
GONE = frozenset({404, 410})

# Updates that close an incident or a maintenance are shown green, whatever the impact was.
CLOSING = frozenset({"resolved", "postmortem", "completed"})
# Colour by severity, Statuspage's own palette.
COLOURS = {
    "resolved": "#2fcc66",
    "none": "#8c96a3",
    "minor": "#f1c40f",
    "major": "#e67e22",
    "critical": "#e74c3c",
    "maintenance": "#3498db",
}


@dataclass(frozen=True)
class ChatPost:
    title: str  # "<incident>: <status>", or the welcome's headline
    text: str  # the update's words, plain
    url: str  # the incident page (the status page for a welcome)
    status: str  # "Investigating", "" for a welcome
    severity: str  # a key of COLOURS
    affected: tuple[str, ...]  # component names
    unsubscribe_url: str | None
    acknowledge_url: str | None  # when the notice asks for acknowledgement
    at: str | None  # the update's time, ISO 8601
    labels: Mapping[str, str] = field(default_factory=dict)  # Message.labels

    @property
    def colour(self) -> str:
        return COLOURS.get(self.severity, COLOURS["none"])

    def word(self, english: str) -> str:
        """A fixed word of the post in the recipient's language (rendering translated it)."""
        return self.labels.get(english) or english


def chat_post(message: Message) -> ChatPost:
    incident = message.payload.get("incident") or {}
    meta = message.payload.get("meta") or {}
    updates = [u for u in incident.get("incident_updates") or () if u["id"] == message.update_id]
    return ChatPost(
        title=message.title or message.subject,
        text=message.body_text or message.short_text,
        url=message.url,
        status=message.labels.get("status") or message.status.replace("_", " ").capitalize(),
        severity="resolved" if message.status in CLOSING else message.impact,
        affected=tuple(c["name"] for c in incident.get("components") or ()),
        unsubscribe_url=meta.get("unsubscribe") or None,
        acknowledge_url=meta.get("acknowledge") or None,
        at=updates[0]["display_at"] if updates else None,
        labels=message.labels,
    )


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking what was left out."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class ChatChannel:
    """Posting to chat incoming webhooks: one session per batch, one POST per message in the
    platform's format (`body`), answers read by channels.http. Each platform subclasses it."""

    name: ClassVar[str]
    body: ClassVar[Callable[[Message], dict[str, Any]]]
    # Some platforms answer 200 with a throttling error in the body (Teams' connectors).
    throttled: ClassVar[Callable[[requests.Response], bool] | None] = None

    def __init__(self, *, timeout: float, allow_loopback: bool = False) -> None:
        self._timeout = timeout
        self._allow_loopback = allow_loopback

    def send(self, batch: Sequence[Outgoing]) -> list[Result]:
        body, throttled = type(self).body, type(self).throttled
        with endpoint_session(allow_loopback=self._allow_loopback) as session:
            return [
                post(
                    session,
                    outgoing.delivery_id,
                    outgoing.address,
                    json_body(body(outgoing.message)),
                    timeout=self._timeout,
                    gone=GONE,
                    throttled=throttled,
                )
                for outgoing in batch
            ]
