"""What every channel adapter implements: send a batch, return one result per delivery.

Adapters know nothing of Flask, requests or the database: they get rendered messages and
addresses, and say for each whether it was handed over, should be retried, or never will be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

Outcome = Literal["sent", "retry", "permanent"]


@dataclass(frozen=True)
class MailTemplate:
    """The email every reader of the same words receives, with stand-ins where each
    recipient's own values go (their signed links, their Message-ID and thread headers): the
    email channel builds its bytes once and fills each recipient's values in
    (channels/email_fill.py). One object for all its recipients, so it is built once."""

    subject: str
    text: str
    html: str
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Message:
    """One rendered message; each channel uses the parts it can carry."""

    subject: str
    text: str
    html: str
    short_text: str  # SMS, push, social
    url: str  # the incident page
    headers: dict[str, str] = field(default_factory=dict)  # channel-specific extras
    title: str = ""  # "<incident name>: <status>", for push and chat
    impact: str = "none"  # none | minor | major | critical | maintenance: urgency, colour
    incident_id: str = ""  # threads (email, social) and the push Topic
    update_id: str = ""
    status: str = ""  # the update's status value: "investigating", "resolved", ...
    first_update: bool = False  # the incident's first update: a social thread starts here
    social_text: str | None = None  # staff's own text for social networks (custom_tweet)
    body_text: str = ""  # the update's words as plain text: social posts, chat, SMS
    # The update as Statuspage's webhook body ("meta", "page", "incident"), for webhooks and
    # chat: built once per notice.
    payload: Mapping[str, Any] = field(default_factory=dict)
    # Statuspage's "component_update" bodies for the components this update changed (and the
    # recipient follows): webhooks post each after the incident body (channels/webhook.py).
    component_updates: tuple[Mapping[str, Any], ...] = ()
    # The fixed words a chat post shows, in the recipient's language, by their English
    # ("Status", "Affected", "View on the status page"...), and "status": the update's status
    # in words. Rendering translates them (adapters know no gettext); missing: English.
    labels: Mapping[str, str] = field(default_factory=dict)
    # email: a mail built and kept whole before sending (a regulator notice, regulators.mail):
    # sent byte for byte to `envelope_to`, instead of one built from the parts above.
    mime: bytes | None = None
    envelope_to: tuple[str, ...] = ()
    # Why no such mail can be built (a header no policy can hold): failed for good, never
    # replaced by another message.
    unsendable: str | None = None
    # email: the message as its template and this recipient's values by stand-in; `text`,
    # `html` and `headers` above are the template filled with them (for whoever reads them
    # whole). None: no template, the mail is built from the parts.
    mail_template: MailTemplate | None = None
    fills: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Outgoing:
    """One message for one contact point."""

    delivery_id: int
    address: str
    message: Message
    idempotency_key: str  # the same on every retry of this delivery
    secret: str | None = None  # the contact point's own secret (a webhook's signing key)
    reply_to: str | None = None  # social: the post this one answers (the incident's thread)
    # email: the SMTP envelope sender, where a bounce goes (a per-delivery VERP address,
    # delivery/return_path.py); None: the From address, MAIL_FROM.
    return_path: str | None = None


@dataclass(frozen=True)
class Result:
    delivery_id: int
    outcome: Outcome
    provider_id: str | None = None
    error: str | None = None
    # The address no longer exists (push 404/410, an unknown endpoint, a STOP): the contact
    # point is disabled at once instead of counting bounces.
    gone: bool = False
    # Retry no earlier than this (a rate limit's reset time); the engine's backoff otherwise.
    not_before: datetime | None = None


class Channel(Protocol):
    name: str

    def send(self, batch: Sequence[Outgoing]) -> list[Result]: ...
