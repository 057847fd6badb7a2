"""One-off messages with no Delivery row: confirmations, sign-in links, notices to staff.

Each is sent now, through the registry's adapter for its channel, by the job that decided to
send it. Outgoing ids name deliveries, and the dev mailbox names its files by that id; these
messages have no delivery, so each kind takes its own range of ids above any delivery's (the
table below), and a source (a contact point, a reminder) its own ids within it: two kinds with
the same source id never write the same file. An id out of its kind's range is refused.

A channel that cannot take a message now makes `send` raise `NotSent`, so the job's queue
retry (jobs.tasks) carries it over the outage: no row records these, so nothing else would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from flask import current_app

from statuspage.channels import registry
from statuspage.channels.base import Message, Outgoing, Result

SPAN = 10**12  # ids in each kind's range; deliveries' own ids stay below the first


@dataclass(frozen=True)
class Kind:
    """A kind of one-off message: the channel it goes by and its range of outgoing ids."""

    name: str
    channel: str
    first_id: int
    per_source: int  # recipients one source may have: its ids are source * per_source + n

    def outgoing_id(self, source_id: int, index: int = 0) -> int:
        offset = source_id * self.per_source + index
        if not 0 <= index < self.per_source or not 0 <= offset < SPAN:
            raise ValueError(f"{self.name}: no id for source {source_id}, recipient {index}")
        return self.first_id + offset


CONFIRMATION = Kind("confirmation", "email", 1 * SPAN, 1)  # source: the contact point
ENDPOINT_DISABLED = Kind("endpoint_disabled", "email", 2 * SPAN, 100)  # the contact point
CADENCE_REMINDER = Kind("cadence_reminder", "email", 3 * SPAN, 100)  # the audit entry
SIGN_IN = Kind("sign_in", "email", 4 * SPAN, 1)  # a random number: one file per email
SMS_OPT_IN = Kind("sms_opt_in", "sms", 5 * SPAN, 1)  # the contact point
OBLIGATION_REMINDER = Kind("obligation_reminder", "email", 7 * SPAN, 1000)  # the reminder row

KINDS: tuple[Kind, ...] = (
    CONFIRMATION,
    ENDPOINT_DISABLED,
    CADENCE_REMINDER,
    SIGN_IN,
    SMS_OPT_IN,
    OBLIGATION_REMINDER,
)
_FIRSTS = sorted(kind.first_id for kind in KINDS)
if _FIRSTS[0] < SPAN or any(later - first < SPAN for first, later in pairwise(_FIRSTS)):
    raise RuntimeError("each kind of one-off message needs a range of its own")


class NotSent(RuntimeError):
    """The channel could not take the message now; the queue runs the job again later."""


def send(kind: Kind, source_id: int, addresses: Sequence[str], message: Message) -> list[Result]:
    """Send `message` to each address (the first `per_source`) through the kind's channel;
    returns a result per address. Raises NotSent if any must be retried; a refusal for good
    is logged and returned (retrying would only be refused again)."""
    batch = [
        Outgoing(kind.outgoing_id(source_id, n), address, message, f"{kind.name}-{source_id}-{n}")
        for n, address in enumerate(addresses[: kind.per_source])
    ]
    if not batch:
        return []
    channel = registry.channel(kind.channel)
    if channel is None:
        raise NotSent(f"{kind.name} {source_id}: no {kind.channel} channel configured")
    results = channel.send(batch)
    for result in results:
        if result.outcome == "retry":
            raise NotSent(f"{kind.name} {source_id}: {result.error}")
    for result in results:
        if result.outcome != "sent":
            current_app.logger.warning("%s %s: %s", kind.name, source_id, result.error)
    return results
