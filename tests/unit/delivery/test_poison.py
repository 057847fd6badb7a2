"""A message that no retry can fix never blocks a notice: a title with a line break still
makes one safe header, and a channel that raises on a message fails that delivery at once
while the rest of the chunk, and the notice's other channels, go out."""

from __future__ import annotations

from sqlalchemy import select

from statuspage.channels.base import Message, Outgoing, Result
from statuspage.delivery import engine
from statuspage.delivery.engine import deliver
from statuspage.delivery.hooks import NoHook
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Channel, Delivery, DeliveryState
from statuspage.subscribers.endpoints import new_secret
from tests.factories import contact_point, subscriber
from tests.queue import drain

# CR/LF as a pasted title carries them, with a header an attacker would like to add.
TITLE = "Payments down\r\nBcc: attacker@evil.example\r\n\r\nsurprise"


def test_a_title_with_a_line_break_reaches_the_inbox_on_one_header_line(smtp, queue):
    """Every entry point now refuses a line break in a title; one stored before that rule
    (an old row, a restored backup) still goes out on one header line."""
    subscriber("ann@example.com")
    db.session.commit()
    incident = create_incident(OpenIncident("Payments down", "Looking."))
    incident.name = TITLE  # as an old row holds it
    db.session.commit()
    drain(queue)

    (parsed,) = smtp.inbox.messages  # the bytes aiosmtpd took, parsed by the stdlib (RFC 5322)
    assert "Payments down Bcc: attacker@evil.example surprise" in parsed["Subject"]
    assert parsed["Bcc"] is None
    assert smtp.inbox.recipients == [["ann@example.com"]]  # the envelope: nobody added
    states = db.session.scalars(select(Delivery.state)).all()
    assert states == [DeliveryState.sent]


def test_a_poison_email_fails_at_once_and_the_webhook_of_the_same_notice_still_goes(
    smtp, receiver, queue
):
    """An address stored before validation got strict (a CSV import of old data): smtplib
    refuses it on every try (a line break in the envelope is never sent, CPython gh-issue
    "smtplib CRLF injection"), which no retry can fix."""
    receiver.secret = new_secret()
    hook = contact_point(
        f"{receiver.url}/hooks/1", Channel.webhook, key="hook-1", secret=receiver.secret
    )
    subscriber("ok@example.com")
    subscriber(contact_point("old@example.com\r\nRCPT TO:<x@evil.example>", key="old"))
    subscriber(hook)
    db.session.commit()
    create_incident(OpenIncident("Payments down", "Looking."))
    db.session.commit()
    drain(queue)

    by_address = {d.contact_point.address: d.state for d in db.session.scalars(select(Delivery))}
    assert by_address[hook.address] is DeliveryState.sent
    assert by_address["ok@example.com"] is DeliveryState.sent
    assert by_address["old@example.com\r\nRCPT TO:<x@evil.example>"] is DeliveryState.failed
    assert len(receiver.requests) == 1
    assert [m["To"] for m in smtp.inbox.messages] == ["ok@example.com"]
    assert deliver([d.id for d in db.session.scalars(select(Delivery))]) == []  # all settled


class RaisingOn:
    """A channel (the Channel interface of channels/base.py) whose library raises on one
    address: a bug in an adapter, or a message it cannot encode."""

    name = "email"

    def __init__(self, poison: str) -> None:
        self.poison = poison
        self.sent: list[str] = []

    def send(self, batch: list[Outgoing]) -> list[Result]:
        results = []
        for outgoing in batch:
            if outgoing.address == self.poison:
                raise UnicodeEncodeError("ascii", outgoing.address, 0, 1, "cannot encode")
            self.sent.append(outgoing.address)
            results.append(Result(outgoing.delivery_id, "sent"))
        return results


def test_the_engine_fails_only_the_message_a_channel_raises_on():
    """The engine's net under every adapter: the chunk is sent again one by one, the one that
    raises again fails at once, the others are sent (those before it in the chunk twice: an
    adapter that raises mid-chunk cannot say what it sent; adapters return results instead)."""
    channel = RaisingOn("b@example.com")
    message = Message(subject="Down", text="Down.", html="", short_text="Down.", url="/")
    chunk = [
        Outgoing(n, f"{name}@example.com", message, idempotency_key=f"k{n}")
        for n, name in enumerate("abc", start=1)
    ]
    results = engine._send("email", channel, NoHook(), chunk)
    assert [(r.delivery_id, r.outcome) for r in results] == [
        (1, "sent"), (2, "permanent"), (3, "sent"),
    ]  # fmt: skip
    assert "UnicodeEncodeError" in (results[1].error or "")
    assert channel.sent == ["a@example.com", "a@example.com", "c@example.com"]
