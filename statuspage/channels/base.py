"""What every channel adapter implements: send a batch, return one result per delivery.

Adapters know nothing of Flask, requests or the database: they get rendered messages and
addresses, and say for each whether it was handed over, should be retried, or never will be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

Outcome = Literal["sent", "retry", "permanent"]


@dataclass(frozen=True)
class Message:
    """One rendered message; each channel uses the parts it can carry."""

    subject: str
    text: str
    html: str
    short_text: str  # SMS, push, social
    url: str  # the incident page
    headers: dict[str, str] = field(default_factory=dict)  # channel-specific extras


@dataclass(frozen=True)
class Outgoing:
    """One message for one contact point."""

    delivery_id: int
    address: str
    message: Message
    idempotency_key: str  # the same on every retry of this delivery


@dataclass(frozen=True)
class Result:
    delivery_id: int
    outcome: Outcome
    provider_id: str | None = None
    error: str | None = None


class Channel(Protocol):
    name: str

    def send(self, batch: Sequence[Outgoing]) -> list[Result]: ...
